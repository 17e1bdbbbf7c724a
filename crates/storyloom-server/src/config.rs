//! Server configuration: flags and `STORYLOOM_*` environment variables, with defaults that
//! boot the embedded setup (SQLite file and media in the data dir, built-in AI, no network).

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::Args;

/// Everything `serve` needs. Each field documents its env name and default in `--help`.
#[derive(Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "STORYLOOM_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,

    /// Directory for the SQLite database and local media.
    #[arg(long, env = "STORYLOOM_DATA_DIR", default_value = "./storyloom-data")]
    pub data_dir: PathBuf,

    /// Database URL: `postgres://…` for PostgreSQL; default is a SQLite file in the data dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Public base URL used in media links (default `http://` + the bind address).
    #[arg(long, env = "STORYLOOM_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sign-up and sign-in attempts allowed per client address per minute.
    #[arg(long, env = "STORYLOOM_AUTH_LIMIT_PER_MINUTE", default_value_t = 60)]
    pub auth_limit_per_minute: u32,

    /// Failed sign-ins allowed per email and client address per 15 minutes (counted in the
    /// database, so shared by every server process).
    #[arg(
        long,
        env = "STORYLOOM_SIGNIN_FAILURES_PER_15MIN",
        default_value_t = 10
    )]
    pub signin_failures_per_15min: u32,

    /// Take the client address from `X-Forwarded-For` (only behind a trusted proxy): the
    /// entry the proxy appended, `STORYLOOM_TRUSTED_PROXY_HOPS` from the right. Entries to
    /// its left were written by the client and are never used.
    #[arg(long, env = "STORYLOOM_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// How many proxies in front of the server append to `X-Forwarded-For` (the last of them
    /// in front of the server): 1 takes the rightmost entry, 2 the one before it.
    #[arg(long, env = "STORYLOOM_TRUSTED_PROXY_HOPS", default_value_t = 1)]
    pub trusted_proxy_hops: usize,

    /// Largest accepted JSON body, in bytes.
    #[arg(long, env = "STORYLOOM_BODY_LIMIT", default_value_t = 1024 * 1024)]
    pub body_limit: usize,

    /// Per-request time limit, in seconds.
    #[arg(long, env = "STORYLOOM_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,

    /// Seconds a new connection has to send its first request's headers; a connection that
    /// has not by then is closed (idle and trickling sockets cannot pile up).
    #[arg(long, env = "STORYLOOM_HEADER_TIMEOUT_SECS", default_value_t = 10)]
    pub header_timeout_secs: u64,

    /// Seconds a kept-alive connection may wait for its next request (or for the rest of its
    /// headers) before it is closed.
    #[arg(long, env = "STORYLOOM_IDLE_TIMEOUT_SECS", default_value_t = 60)]
    pub idle_timeout_secs: u64,

    /// Most connections open at once (default: the open-file limit minus 128 kept for the
    /// database, media and logs, at most 16384). At the cap the connection idle longest is
    /// closed for a new one; when none is idle the new one is closed.
    #[arg(long, env = "STORYLOOM_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Session lifetime, in hours.
    #[arg(long, env = "STORYLOOM_SESSION_HOURS", default_value_t = 24 * 7)]
    pub session_hours: u64,

    /// Story generations per user per rolling hour.
    #[arg(long, env = "STORYLOOM_LIMIT_STORY_PER_HOUR", default_value_t = 10)]
    pub limit_story_per_hour: i64,
    /// Narrations per user per rolling hour.
    #[arg(long, env = "STORYLOOM_LIMIT_AUDIO_PER_HOUR", default_value_t = 20)]
    pub limit_audio_per_hour: i64,
    /// Illustrated stories per user per rolling hour.
    #[arg(
        long,
        env = "STORYLOOM_LIMIT_ILLUSTRATIONS_PER_HOUR",
        default_value_t = 10
    )]
    pub limit_illustrations_per_hour: i64,
    /// Avatars per user per rolling hour.
    #[arg(long, env = "STORYLOOM_LIMIT_AVATAR_PER_HOUR", default_value_t = 10)]
    pub limit_avatar_per_hour: i64,
    /// Custom-event enhancements per user per rolling hour.
    #[arg(long, env = "STORYLOOM_LIMIT_ENHANCE_PER_HOUR", default_value_t = 20)]
    pub limit_enhance_per_hour: i64,

    /// In-process job workers (0: run `storyloom-server worker` processes instead).
    #[arg(long, env = "STORYLOOM_WORKERS", default_value_t = 2)]
    pub workers: usize,
    /// Job lease in milliseconds: a job whose worker stops heart-beating is retried after it.
    #[arg(long, env = "STORYLOOM_JOB_LEASE_MS", default_value_t = 60_000)]
    pub job_lease_ms: u64,
    /// Job queue poll interval in milliseconds when idle.
    #[arg(long, env = "STORYLOOM_JOB_POLL_MS", default_value_t = 1_000)]
    pub job_poll_ms: u64,
    /// First retry delay of a failed job in milliseconds (doubles per attempt).
    #[arg(long, env = "STORYLOOM_JOB_RETRY_BASE_MS", default_value_t = 5_000)]
    pub job_retry_base_ms: u64,

    /// Secret for signing local media URLs (default: generated once and kept in
    /// `{data dir}/media-secret`).
    #[arg(long, env = "STORYLOOM_MEDIA_SECRET", hide_env_values = true)]
    pub media_secret: Option<String>,
    /// How long media URLs stay valid, in seconds.
    #[arg(long, env = "STORYLOOM_MEDIA_URL_TTL_SECS", default_value_t = 3600)]
    pub media_url_ttl_secs: u64,
    /// S3-compatible bucket for media; when unset, media lives in `{data dir}/media`.
    #[arg(long, env = "STORYLOOM_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// S3 endpoint for anything but AWS itself (R2, MinIO, …).
    #[arg(long, env = "STORYLOOM_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// S3 region (`auto` for R2).
    #[arg(long, env = "STORYLOOM_S3_REGION", default_value = "us-east-1")]
    pub s3_region: String,
    /// S3 access key id (falls back to `AWS_ACCESS_KEY_ID`).
    #[arg(long, env = "STORYLOOM_S3_ACCESS_KEY_ID")]
    pub s3_access_key_id: Option<String>,
    /// S3 secret key (falls back to `AWS_SECRET_ACCESS_KEY`).
    #[arg(long, env = "STORYLOOM_S3_SECRET_ACCESS_KEY", hide_env_values = true)]
    pub s3_secret_access_key: Option<String>,

    /// Text one account may store (titles, story texts, event fields), in bytes. Together
    /// with the count limits below it keeps one account from filling the disk for everyone.
    #[arg(
        long,
        env = "STORYLOOM_USER_STORAGE_BYTES",
        default_value_t = 500_000_000
    )]
    pub user_storage_bytes: i64,
    /// Stories one account may keep.
    #[arg(long, env = "STORYLOOM_USER_MAX_STORIES", default_value_t = 10_000)]
    pub user_max_stories: i64,
    /// Heroes one account may keep.
    #[arg(long, env = "STORYLOOM_USER_MAX_HEROES", default_value_t = 1_000)]
    pub user_max_heroes: i64,
    /// Custom events one account may keep.
    #[arg(
        long,
        env = "STORYLOOM_USER_MAX_CUSTOM_EVENTS",
        default_value_t = 1_000
    )]
    pub user_max_custom_events: i64,

    /// Live streams (`GET /api/sync/stream`) one session may hold open; opening one more
    /// closes its oldest, so a leaked or hostile token cannot pile up streams.
    #[arg(long, env = "STORYLOOM_STREAMS_PER_SESSION", default_value_t = 8)]
    pub streams_per_session: usize,

    /// Bytes a `GET /api/sync/changes` page may hold; the page ends before the change that
    /// would pass it (always at least one change) and says `hasMore`. Bounds what one answer
    /// costs in memory however long a family's stories are. At most 8 MiB, half of what the
    /// answer cache buffers.
    #[arg(long, env = "STORYLOOM_SYNC_PAGE_BYTES", default_value_t = 4 * 1024 * 1024)]
    pub sync_page_bytes: usize,

    /// AI providers: read from `STORYLOOM_AI`, `OPENAI_*` by [`Config::load_ai`].
    #[arg(skip)]
    pub ai: storyloom_ai::AiConfig,

    /// The time the Reading Journey figures treat as now (epoch ms), instead of the clock.
    /// Not settable from the environment: it exists so tests can pin "today" and check
    /// streaks and activity ranges against hand-computed answers.
    #[arg(skip)]
    pub journey_now_ms: Option<i64>,

    /// Serve `GET /api/bench/limit`: a fixed JSON answer the size of a 20-hero list, with no
    /// auth and no database — the ceiling the benchmarks compare real endpoints against.
    #[arg(long, env = "STORYLOOM_BENCH_LIMIT_ENDPOINT", default_value_t = false)]
    pub bench_limit_endpoint: bool,

    /// Log format: `pretty` or `json`.
    #[arg(long, env = "STORYLOOM_LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,
}

impl Config {
    /// The database URL in effect.
    pub fn effective_database_url(&self) -> String {
        match &self.database_url {
            Some(u) if !u.trim().is_empty() => u.clone(),
            _ => storyloom_store::sqlite_url(&self.data_dir.join("storyloom.db")),
        }
    }

    /// The public base URL in effect, without a trailing slash.
    pub fn effective_public_url(&self) -> String {
        match &self.public_url {
            Some(u) if !u.trim().is_empty() => u.trim_end_matches('/').to_owned(),
            _ => format!("http://{}", self.bind),
        }
    }

    /// Read the AI settings from the environment (`STORYLOOM_AI`, `OPENAI_*`).
    pub fn load_ai(&mut self) -> anyhow::Result<()> {
        self.ai = storyloom_ai::AiConfig::from_env()?;
        Ok(())
    }

    /// `s3` when a bucket is configured, else `local`.
    pub fn media_backend(&self) -> &'static str {
        if self
            .s3_bucket
            .as_deref()
            .is_some_and(|b| !b.trim().is_empty())
        {
            "s3"
        } else {
            "local"
        }
    }

    /// Where media lives, as the media crate wants it.
    pub fn media_config(&self) -> anyhow::Result<storyloom_media::MediaConfig> {
        if let Some(bucket) = self.s3_bucket.as_deref().filter(|b| !b.trim().is_empty()) {
            let from = |v: &Option<String>, fallback: &str| {
                v.clone()
                    .filter(|s| !s.is_empty())
                    .or_else(|| std::env::var(fallback).ok())
                    .ok_or_else(|| {
                        anyhow::anyhow!(
                            "STORYLOOM_S3_BUCKET is set but no credentials: set {fallback}"
                        )
                    })
            };
            Ok(storyloom_media::MediaConfig::S3(
                storyloom_media::S3Config {
                    bucket: bucket.trim().to_owned(),
                    region: self.s3_region.clone(),
                    endpoint: self.s3_endpoint.clone().filter(|e| !e.is_empty()),
                    access_key_id: from(&self.s3_access_key_id, "AWS_ACCESS_KEY_ID")?,
                    secret_access_key: from(&self.s3_secret_access_key, "AWS_SECRET_ACCESS_KEY")?,
                },
            ))
        } else {
            let signer = storyloom_media::UrlSigner::from_env_or_file(
                self.media_secret.as_deref(),
                &self.data_dir,
            )?;
            Ok(storyloom_media::MediaConfig::Local {
                dir: self.data_dir.join("media"),
                signer,
                public_url: self.effective_public_url(),
            })
        }
    }

    /// The request time limit.
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs.max(1))
    }

    /// A config for tests and embedding: defaults with the given data dir and database.
    pub fn for_data_dir(data_dir: PathBuf, database_url: Option<String>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir,
            database_url,
            public_url: None,
            auth_limit_per_minute: 60,
            signin_failures_per_15min: 10,
            trust_proxy: false,
            trusted_proxy_hops: 1,
            body_limit: 1024 * 1024,
            request_timeout_secs: 30,
            header_timeout_secs: 10,
            idle_timeout_secs: 60,
            max_connections: None,
            session_hours: 24 * 7,
            limit_story_per_hour: 10,
            limit_audio_per_hour: 20,
            limit_illustrations_per_hour: 10,
            limit_avatar_per_hour: 10,
            limit_enhance_per_hour: 20,
            workers: 2,
            job_lease_ms: 60_000,
            job_poll_ms: 200,
            job_retry_base_ms: 200,
            media_secret: None,
            media_url_ttl_secs: 3600,
            s3_bucket: None,
            s3_endpoint: None,
            s3_region: "us-east-1".to_owned(),
            s3_access_key_id: None,
            s3_secret_access_key: None,
            streams_per_session: 8,
            user_storage_bytes: 500_000_000,
            user_max_stories: 10_000,
            user_max_heroes: 1_000,
            user_max_custom_events: 1_000,
            sync_page_bytes: 4 * 1024 * 1024,
            ai: storyloom_ai::AiConfig::default(),
            journey_now_ms: None,
            bench_limit_endpoint: false,
            log_format: "pretty".to_owned(),
        }
    }

    /// The effective configuration as `KEY=value` lines, secrets redacted.
    pub fn describe(&self) -> String {
        let lines = [
            ("STORYLOOM_BIND", self.bind.to_string()),
            ("STORYLOOM_DATA_DIR", self.data_dir.display().to_string()),
            (
                "DATABASE_URL",
                storyloom_store::redact_url(&self.effective_database_url()),
            ),
            ("STORYLOOM_PUBLIC_URL", self.effective_public_url()),
            (
                "STORYLOOM_AUTH_LIMIT_PER_MINUTE",
                self.auth_limit_per_minute.to_string(),
            ),
            (
                "STORYLOOM_SIGNIN_FAILURES_PER_15MIN",
                self.signin_failures_per_15min.to_string(),
            ),
            ("STORYLOOM_TRUST_PROXY", self.trust_proxy.to_string()),
            (
                "STORYLOOM_TRUSTED_PROXY_HOPS",
                self.trusted_proxy_hops.to_string(),
            ),
            ("STORYLOOM_BODY_LIMIT", self.body_limit.to_string()),
            (
                "STORYLOOM_SYNC_PAGE_BYTES",
                self.sync_page_bytes.to_string(),
            ),
            (
                "STORYLOOM_REQUEST_TIMEOUT_SECS",
                self.request_timeout_secs.to_string(),
            ),
            (
                "STORYLOOM_HEADER_TIMEOUT_SECS",
                self.header_timeout_secs.to_string(),
            ),
            (
                "STORYLOOM_IDLE_TIMEOUT_SECS",
                self.idle_timeout_secs.to_string(),
            ),
            (
                "STORYLOOM_MAX_CONNECTIONS",
                self.max_connections
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "from the open-file limit".to_owned()),
            ),
            ("STORYLOOM_SESSION_HOURS", self.session_hours.to_string()),
            (
                "STORYLOOM_LIMIT_STORY_PER_HOUR",
                self.limit_story_per_hour.to_string(),
            ),
            (
                "STORYLOOM_LIMIT_AUDIO_PER_HOUR",
                self.limit_audio_per_hour.to_string(),
            ),
            (
                "STORYLOOM_LIMIT_ILLUSTRATIONS_PER_HOUR",
                self.limit_illustrations_per_hour.to_string(),
            ),
            (
                "STORYLOOM_LIMIT_AVATAR_PER_HOUR",
                self.limit_avatar_per_hour.to_string(),
            ),
            (
                "STORYLOOM_LIMIT_ENHANCE_PER_HOUR",
                self.limit_enhance_per_hour.to_string(),
            ),
            ("STORYLOOM_WORKERS", self.workers.to_string()),
            ("STORYLOOM_JOB_LEASE_MS", self.job_lease_ms.to_string()),
            ("STORYLOOM_JOB_POLL_MS", self.job_poll_ms.to_string()),
            (
                "STORYLOOM_JOB_RETRY_BASE_MS",
                self.job_retry_base_ms.to_string(),
            ),
            (
                "STORYLOOM_MEDIA_SECRET",
                redact(self.media_secret.as_deref()),
            ),
            (
                "STORYLOOM_MEDIA_URL_TTL_SECS",
                self.media_url_ttl_secs.to_string(),
            ),
            ("STORYLOOM_MEDIA", self.media_backend().to_owned()),
            (
                "STORYLOOM_S3_BUCKET",
                self.s3_bucket.clone().unwrap_or_default(),
            ),
            (
                "STORYLOOM_S3_ENDPOINT",
                self.s3_endpoint.clone().unwrap_or_default(),
            ),
            ("STORYLOOM_S3_REGION", self.s3_region.clone()),
            (
                "STORYLOOM_S3_SECRET_ACCESS_KEY",
                redact(self.s3_secret_access_key.as_deref()),
            ),
            ("STORYLOOM_AI", self.ai.provider.name().to_owned()),
            ("OPENAI_BASE_URL", self.ai.openai.base_url.clone()),
            ("OPENAI_API_KEY", redact(self.ai.openai.api_key.as_deref())),
            (
                "STORYLOOM_BENCH_LIMIT_ENDPOINT",
                self.bench_limit_endpoint.to_string(),
            ),
            ("STORYLOOM_LOG_FORMAT", self.log_format.clone()),
        ];
        lines.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
    }
}

impl std::fmt::Debug for Config {
    // Database URLs carry passwords; Debug goes to logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

fn redact(secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => "[redacted]".to_owned(),
        _ => String::new(),
    }
}

/// Known `STORYLOOM_*` variables; anything else with the prefix is probably a typo.
const KNOWN_ENV: &[&str] = &[
    "STORYLOOM_BIND",
    "STORYLOOM_DATA_DIR",
    "STORYLOOM_PUBLIC_URL",
    "STORYLOOM_AUTH_LIMIT_PER_MINUTE",
    "STORYLOOM_SIGNIN_FAILURES_PER_15MIN",
    "STORYLOOM_TRUST_PROXY",
    "STORYLOOM_TRUSTED_PROXY_HOPS",
    "STORYLOOM_BODY_LIMIT",
    "STORYLOOM_REQUEST_TIMEOUT_SECS",
    "STORYLOOM_SESSION_HOURS",
    "STORYLOOM_HEADER_TIMEOUT_SECS",
    "STORYLOOM_IDLE_TIMEOUT_SECS",
    "STORYLOOM_MAX_CONNECTIONS",
    "STORYLOOM_LOG_FORMAT",
    "STORYLOOM_LOG",
    "STORYLOOM_LIMIT_STORY_PER_HOUR",
    "STORYLOOM_LIMIT_AUDIO_PER_HOUR",
    "STORYLOOM_LIMIT_ILLUSTRATIONS_PER_HOUR",
    "STORYLOOM_LIMIT_AVATAR_PER_HOUR",
    "STORYLOOM_LIMIT_ENHANCE_PER_HOUR",
    "STORYLOOM_WORKERS",
    "STORYLOOM_JOB_LEASE_MS",
    "STORYLOOM_JOB_POLL_MS",
    "STORYLOOM_JOB_RETRY_BASE_MS",
    "STORYLOOM_AI",
    "STORYLOOM_ESPEAK",
    "STORYLOOM_OPENAI_MODERATION",
    "STORYLOOM_MEDIA",
    "STORYLOOM_MEDIA_SECRET",
    "STORYLOOM_MEDIA_URL_TTL_SECS",
    "STORYLOOM_S3_ENDPOINT",
    "STORYLOOM_S3_BUCKET",
    "STORYLOOM_S3_REGION",
    "STORYLOOM_S3_ACCESS_KEY_ID",
    "STORYLOOM_S3_SECRET_ACCESS_KEY",
    "STORYLOOM_SERVER",
    "STORYLOOM_BENCH_LIMIT_ENDPOINT",
    "STORYLOOM_STREAMS_PER_SESSION",
    "STORYLOOM_SYNC_PAGE_BYTES",
];

/// `STORYLOOM_*` variables in the environment that no setting reads.
pub fn unknown_env_vars() -> Vec<String> {
    std::env::vars()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("STORYLOOM_") && !KNOWN_ENV.contains(&k.as_str()))
        .collect()
}
