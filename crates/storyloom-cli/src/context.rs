//! What every command shares: the client core for the chosen server, the output settings, and
//! the "sync when we can, carry on when we cannot" policy.
//!
//! The policy, in one place so all commands agree:
//! - reads sync first (best effort) and then answer from the local cache, so an answer is
//!   fresh when the server is there and still comes when it is not;
//! - writes change the cache and queue the change (the client core does both in one
//!   transaction), then try to send it at once; being offline is not a failure, the output
//!   says what is queued;
//! - the first network failure marks the run offline, so a command never waits for the same
//!   unreachable server twice;
//! - generation (story text, narration, pictures, enhancement) and `usage` only the server can
//!   do: they fail with exit code 4 when it cannot be reached.

use std::cell::{Cell, RefCell};
use std::io::BufRead as _;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use serde::Serialize;
use serde_json::{Value, json};
use storyloom_client::{Client, OutboxState, RetryConfig, SyncReport, SyncStatus};
use storyloom_domain::{EntityKind, User};
use uuid::Uuid;

use crate::cli::Global;
use crate::error::{CliError, CliResult};
use crate::output::{self, Output, bad, code, notice, plural};
use crate::state::{self, HomeConfig, SyncRecord};

/// Retry timing for an interactive tool: a few quick retries, so an unreachable server is
/// reported in about a second instead of the background-sync defaults' half a minute. The
/// request timeout is long because story text is written while the request waits.
fn retry_config() -> RetryConfig {
    RetryConfig {
        base_delay: Duration::from_millis(200),
        max_delay: Duration::from_secs(5),
        max_retries: 2,
        request_timeout: Duration::from_secs(180),
        refresh_margin: Duration::from_secs(5 * 60),
    }
}

/// How the last sync attempt of this run went.
#[derive(Debug, Clone)]
enum SyncOutcome {
    /// Pushed and pulled.
    Synced,
    /// The server could not be reached (now or earlier in this run).
    Offline,
    /// `--offline`: not tried.
    Local,
    /// The server answered with an error; the local change is kept.
    Failed(String),
}

/// Sync standing of the cache after a command, as `--json` prints it under `"sync"`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncNote {
    /// `synced`, `offline`, `local` (not tried: `--offline`) or `error`.
    pub state: &'static str,
    /// Changes queued on this device, not yet on the server.
    pub pending: usize,
    /// Changes the server refused (parked; see `status`).
    pub failed: usize,
    /// Conflicts waiting for `conflicts resolve`.
    pub conflicts: usize,
    /// Why the sync failed, for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When the cache last matched the server.
    pub last_sync_at: Option<chrono::DateTime<Utc>>,
}

/// Shared state of one run.
pub struct Ctx {
    /// The client core.
    pub client: Client,
    /// Output settings.
    pub out: Output,
    /// Server URL in use.
    pub server: String,
    /// Home directory.
    pub home: PathBuf,
    /// The client core's data dir for this server.
    pub dir: PathBuf,
    /// `--offline`.
    forced_offline: bool,
    /// The server was unreachable earlier in this run.
    seen_offline: Cell<bool>,
    /// Outcome of this run's last sync.
    last: RefCell<Option<SyncOutcome>>,
}

impl Ctx {
    /// Open the client core for the server the flags (or the last login) name.
    pub fn open(global: &Global, out: Output) -> CliResult<Self> {
        let home = state::home_dir(global.home.clone())?;
        let server = match &global.server {
            Some(s) => state::normalize_server(s)?,
            None => match HomeConfig::load(&home).server {
                Some(s) => s,
                None => state::DEFAULT_SERVER.to_owned(),
            },
        };
        let dir = state::server_dir(&home, &server);
        let client = Client::builder(server.clone())
            .data_dir(&dir)
            .retry(retry_config())
            .build()?;
        Ok(Self {
            client,
            out,
            server,
            home,
            dir,
            forced_offline: global.offline,
            seen_offline: Cell::new(false),
            last: RefCell::new(None),
        })
    }

    /// The signed-in user (from the saved session; no network).
    pub fn user(&self) -> CliResult<User> {
        self.client
            .auth()
            .current_user()
            .ok_or(CliError::NotSignedIn)
    }

    /// Fail early, with the reason, when `what` needs the server and this run cannot reach it.
    pub fn require_online(&self, what: &str) -> CliResult<()> {
        if self.forced_offline {
            return Err(CliError::Offline(format!(
                "{what} needs the server, and --offline (or STORYLOOM_OFFLINE) was given"
            )));
        }
        Ok(())
    }

    /// Whether this run may talk to the server.
    pub fn may_go_online(&self) -> bool {
        !self.forced_offline && !self.seen_offline.get()
    }

    /// Remember that the server is unreachable and say so in the sync record.
    pub fn mark_offline(&self, why: &str) {
        self.seen_offline.set(true);
        self.record(false, Some(why.to_owned()));
    }

    fn record(&self, ok: bool, error: Option<String>) {
        let mut rec = SyncRecord::load(&self.dir);
        let now = Utc::now();
        rec.last_attempt_at = Some(now);
        if ok {
            rec.last_sync_at = Some(now);
        }
        rec.last_error = error;
        if let Err(e) = rec.save(&self.dir) {
            self.out
                .warn(format!("could not save the sync record: {e}"));
        }
    }

    /// Sync now; failures are reported through the outcome, except a lost session, which ends
    /// the command (nothing can sync until the user signs in again).
    pub async fn sync_best_effort(&self) -> CliResult<()> {
        if self.forced_offline {
            self.set_last(SyncOutcome::Local);
            return Ok(());
        }
        if self.seen_offline.get() {
            self.set_last(SyncOutcome::Offline);
            return Ok(());
        }
        match self.client.sync().sync_all().await {
            Ok(_) => {
                self.record(true, None);
                self.set_last(SyncOutcome::Synced);
                Ok(())
            }
            Err(e) if e.is_offline() => {
                self.mark_offline(&CliError::from(e).to_string());
                self.set_last(SyncOutcome::Offline);
                Ok(())
            }
            Err(e) => {
                let cli = CliError::from(e);
                if matches!(cli, CliError::NotSignedIn) {
                    self.record(false, Some("signed out".into()));
                    return Err(cli);
                }
                self.record(false, Some(cli.to_string()));
                self.set_last(SyncOutcome::Failed(cli.to_string()));
                Ok(())
            }
        }
    }

    /// Sync now and fail the command if it does not work (`sync`, and before generation).
    pub async fn sync_strict(&self) -> CliResult<SyncReport> {
        self.require_online("syncing")?;
        match self.client.sync().sync_all().await {
            Ok(report) => {
                self.record(true, None);
                self.set_last(SyncOutcome::Synced);
                Ok(report)
            }
            Err(e) => {
                let offline = e.is_offline();
                let e = CliError::from(e);
                if offline {
                    self.mark_offline(&e.to_string());
                    self.set_last(SyncOutcome::Offline);
                } else {
                    self.record(false, Some(e.to_string()));
                }
                Err(e)
            }
        }
    }

    /// Record a sync the client core ran by itself (the live follower of `sync --watch`).
    /// Unlike [`Self::sync_strict`] an unreachable server does not mark this run offline:
    /// the follower keeps retrying.
    pub fn record_sync(&self, result: Result<(), &storyloom_client::Error>) {
        match result {
            Ok(()) => {
                self.record(true, None);
                self.set_last(SyncOutcome::Synced);
            }
            Err(e) => {
                let message = e.to_string();
                self.record(false, Some(message.clone()));
                self.set_last(if e.is_offline() {
                    SyncOutcome::Offline
                } else {
                    SyncOutcome::Failed(message)
                });
            }
        }
    }

    fn set_last(&self, o: SyncOutcome) {
        *self.last.borrow_mut() = Some(o);
    }

    /// The sync standing after this run's work.
    pub async fn note(&self) -> CliResult<SyncNote> {
        let outbox = self.client.sync().outbox().await?;
        let conflicts = self.client.sync().conflicts().await?.len();
        let failed = outbox
            .iter()
            .filter(|e| e.state == OutboxState::Failed)
            .count();
        let (state, error) = match &*self.last.borrow() {
            Some(SyncOutcome::Synced) => ("synced", None),
            Some(SyncOutcome::Offline) => ("offline", None),
            Some(SyncOutcome::Local) | None => ("local", None),
            Some(SyncOutcome::Failed(m)) => ("error", Some(m.clone())),
        };
        Ok(SyncNote {
            state,
            pending: outbox.len() - failed,
            failed,
            conflicts,
            error,
            last_sync_at: SyncRecord::load(&self.dir).last_sync_at,
        })
    }

    /// Print what is queued, refused or in conflict, after a command's own output. `read`
    /// says whether the command showed data (then an offline answer names its age).
    pub fn print_note(&self, note: &SyncNote, read: bool) {
        if self.out.json {
            return;
        }
        let reason = match note.state {
            "offline" => "the server is unreachable".to_owned(),
            "local" => "--offline".to_owned(),
            "error" => format!(
                "sync failed: {}",
                note.error.as_deref().unwrap_or("unknown error")
            ),
            _ => String::new(),
        };
        if note.pending > 0 && note.state != "synced" {
            self.out.line(format!(
                "{} {} queued on this device ({reason}); `storyloom sync` sends {} when the server is reachable.",
                notice("⏳"),
                plural(note.pending, "change", "changes"),
                if note.pending == 1 { "it" } else { "them" },
            ));
        } else if read && note.state != "synced" {
            let age = note.last_sync_at.map_or("never synced".to_owned(), |t| {
                format!("last synced {}", output::ago(t))
            });
            self.out.line(output::dim(format!(
                "(this device's copy: {reason}, {age})"
            )));
        }
        if note.failed > 0 {
            self.out.line(format!(
                "{} {} refused by the server: see {}.",
                bad("⚠"),
                plural(note.failed, "change was", "changes were"),
                code("storyloom status")
            ));
        }
        if note.conflicts > 0 {
            self.out.line(format!(
                "{} {} {} a decision: run {}.",
                notice("⚠"),
                plural(note.conflicts, "conflict", "conflicts"),
                if note.conflicts == 1 { "needs" } else { "need" },
                code("storyloom conflicts list")
            ));
        }
    }

    /// Sync after a local write and return the standing.
    pub async fn after_write(&self) -> CliResult<SyncNote> {
        self.sync_best_effort().await?;
        self.note().await
    }

    /// The local sync status of one entity.
    pub async fn status_of(
        &self,
        kind: EntityKind,
        id: impl Into<Uuid>,
    ) -> CliResult<Option<SyncStatus>> {
        let id: Uuid = id.into();
        let info = match kind {
            EntityKind::Hero => self.client.heroes().sync_info(id.into()).await?,
            EntityKind::Story => self.client.stories().sync_info(id.into()).await?,
            EntityKind::CustomEvent => self.client.custom_events().sync_info(id.into()).await?,
            EntityKind::ListeningSession => self.client.listening().sync_info(id.into()).await?,
            EntityKind::Illustration => None,
        };
        Ok(info.map(|i| i.status))
    }

    /// After a write was sent: if the server refused it, say so as the command's error (the
    /// change stays parked and visible in `status`).
    pub async fn check_refused(&self, kind: EntityKind, id: impl Into<Uuid>) -> CliResult<()> {
        let id: Uuid = id.into();
        let info = match kind {
            EntityKind::Hero => self.client.heroes().sync_info(id.into()).await?,
            EntityKind::Story => self.client.stories().sync_info(id.into()).await?,
            EntityKind::CustomEvent => self.client.custom_events().sync_info(id.into()).await?,
            EntityKind::ListeningSession => self.client.listening().sync_info(id.into()).await?,
            EntityKind::Illustration => None,
        };
        match info {
            Some(i) if i.status == SyncStatus::Failed => Err(CliError::Refused {
                code: None,
                message: i.error.unwrap_or_else(|| "the change was refused".into()),
                retry_after: None,
            }),
            _ => Ok(()),
        }
    }

    /// Make sure the server has this entity before asking it to generate something for it: a
    /// hero created offline must be sent first. Fails with the offline error when it cannot be.
    pub async fn ensure_on_server(&self, kind: EntityKind, id: impl Into<Uuid>) -> CliResult<()> {
        let id: Uuid = id.into();
        let outbox = self.client.sync().outbox().await?;
        if outbox.iter().any(|e| e.entity == kind && e.id == id) {
            self.sync_strict().await?;
            if let Some(SyncStatus::PendingCreate | SyncStatus::Failed) =
                self.status_of(kind, id).await?
            {
                self.check_refused(kind, id).await?;
                return Err(CliError::Server(format!(
                    "the {} is not on the server yet",
                    kind.name()
                )));
            }
        }
        Ok(())
    }

    /// Ask before a destructive step. Without a terminal there is nobody to ask: `--yes` is
    /// then required, so a script never deletes by accident nor hangs on a prompt.
    pub fn confirm(&self, question: &str, yes: bool) -> CliResult<bool> {
        if yes {
            return Ok(true);
        }
        if !self.out.interactive || self.out.json {
            return Err(CliError::Usage(format!(
                "{question} — there is no terminal to ask: pass --yes to confirm"
            )));
        }
        output::err(&format!("{question} [y/N] "));
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
    }

    /// An entity as JSON with its local sync status added as `syncStatus`.
    pub async fn entity_json<T: Serialize>(
        &self,
        kind: EntityKind,
        id: impl Into<Uuid>,
        entity: &T,
    ) -> CliResult<Value> {
        let mut v = serde_json::to_value(entity)?;
        let status = self.status_of(kind, id).await?;
        if let Some(o) = v.as_object_mut() {
            o.insert("syncStatus".into(), json!(status));
        }
        Ok(v)
    }

    /// Entity ids with changes queued or refused, for the "pending" marks in tables.
    pub async fn unsynced(&self) -> CliResult<std::collections::HashMap<Uuid, SyncStatus>> {
        let mut map = std::collections::HashMap::new();
        for e in self.client.sync().outbox().await? {
            let status = if e.state == OutboxState::Failed {
                SyncStatus::Failed
            } else {
                match e.op {
                    storyloom_domain::MutationOp::Create => SyncStatus::PendingCreate,
                    storyloom_domain::MutationOp::Delete => SyncStatus::PendingDelete,
                    _ => SyncStatus::PendingUpdate,
                }
            };
            // A refusal outranks a queued edit of the same entity.
            map.entry(e.id)
                .and_modify(|s| {
                    if status == SyncStatus::Failed {
                        *s = status;
                    }
                })
                .or_insert(status);
        }
        Ok(map)
    }
}

/// The short mark shown in tables for an entity's sync status.
pub fn sync_mark(status: Option<&SyncStatus>) -> String {
    match status {
        None | Some(SyncStatus::Synced) => output::good("✓ synced"),
        Some(SyncStatus::PendingCreate | SyncStatus::PendingUpdate | SyncStatus::PendingDelete) => {
            notice("⏳ queued")
        }
        Some(SyncStatus::Failed) => bad("✗ refused"),
        Some(SyncStatus::Conflict) => notice("⚠ conflict"),
    }
}
