//! The SQL implementation of [`Store`] for SQLite and PostgreSQL.

use std::{path::Path, str::FromStr as _, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Any, AnyConnection, AnyPool, Executor, Row,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    pool::PoolConnection,
};
use storyloom_domain::{
    AvatarStatus, CustomEvent, CustomEventCreate, CustomEventUpdate, EntityKind, GenerationStatus,
    Hero, HeroCreate, HeroUpdate, Illustration, IllustrationStatus, JobKind, Operation,
    ProfileStats, ProfileUpdate, StorageUsage, Story, StoryLength, StoryUpdate, UsageTotals,
};
use uuid::Uuid;

use crate::{
    Backend, ChangePage, Created, Deleted, Entity, JobRecord, JobState, JobStatus, NewJob,
    NewStory, NewUser, Page, PlayOnce, Quota, SessionRecord, Store, StoreError, StoreResult,
    StoredChange, StoryFilter, StoryOccasion, UsageRecord, UsageWindow, UserRecord, batch,
    health::WriteHealth,
    rows::{
        EVENT_COLS, EventRow, HERO_COLS, HeroRow, ILLUSTRATION_COLS, IllustrationRow, STORY_COLS,
        SessionUserRow, StoryRow, USER_COLS, UserRow, convert, enum_str, parse_id, to_json,
    },
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// [`Store`] over sqlx's `Any` driver.
///
/// SQLite gets one writer connection and a few readers: SQLite allows one writer at a time
/// anyway, and queueing writers in the pool (instead of in SQLite's busy handler) means no
/// `database is locked` errors under load. PostgreSQL uses one pool for both.
#[derive(Debug, Clone)]
pub struct SqlStore {
    backend: Backend,
    writer: AnyPool,
    reader: AnyPool,
    batcher: std::sync::Arc<crate::batch::Batcher>,
    health: std::sync::Arc<WriteHealth>,
}

impl crate::batch::Writer for SqlStore {
    fn acquire(&self) -> crate::batch::BoxFuture<'_, StoreResult<PoolConnection<Any>>> {
        Box::pin(async move { Ok(self.writer.acquire().await?) })
    }

    fn batcher(&self) -> &crate::batch::Batcher {
        &self.batcher
    }

    fn insert_heroes<'t>(
        &'t self,
        c: &'t mut AnyConnection,
        items: Vec<crate::batch::HeroInsert>,
    ) -> crate::batch::BoxFuture<'t, StoreResult<Vec<crate::batch::Output>>> {
        Box::pin(insert_heroes_bulk(self.backend, c, items, false))
    }

    fn insert_heroes_alone<'t>(
        &'t self,
        c: &'t mut AnyConnection,
        items: Vec<crate::batch::HeroInsert>,
    ) -> crate::batch::BoxFuture<'t, StoreResult<Vec<crate::batch::Output>>> {
        Box::pin(async move {
            let r = insert_heroes_bulk(self.backend, &mut *c, items, true).await;
            if r.is_err() && self.backend == Backend::Sqlite {
                // The failed query left its transaction open: close it before the connection
                // goes back. No transaction open (it failed at BEGIN) is the one error to
                // ignore; any other leaves the connection unusable, so fail it.
                if let Err(e) = c.execute("ROLLBACK").await
                    && !e.to_string().contains("no transaction is active")
                {
                    return Err(e.into());
                }
            }
            r
        })
    }

    fn committed(&self) {
        self.health.committed();
    }

    fn hold(&self) -> Duration {
        match self.backend {
            Backend::Postgres => Duration::from_millis(100),
            Backend::Sqlite => Duration::from_millis(5),
        }
    }
}

/// Hand out only connections that are not inside a transaction (a `before_acquire` hook).
///
/// A failed transaction is rolled back when it is dropped, and the driver counts it closed
/// only once that ROLLBACK succeeded. SQLite rolls some failed transactions back by itself
/// (a COMMIT that finds the disk full): the driver's ROLLBACK then fails, and the connection
/// goes back to the pool still counted inside a transaction. Its next `begin` becomes a
/// SAVEPOINT, and once a later failure's `ROLLBACK TO` leaves SQLite inside a transaction
/// that nothing will commit, every write after it was answered as committed and lost at the
/// restart. Such a connection is closed instead (the pool opens a fresh one), so a failure
/// stays its own write's.
fn no_transaction_left(
    conn: &mut AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> crate::batch::BoxFuture<'_, Result<bool, sqlx::Error>> {
    let clean = !sqlx::Connection::is_in_transaction(&*conn);
    if !clean {
        tracing::warn!("closing a database connection left inside a failed transaction");
    }
    Box::pin(std::future::ready(Ok(clean)))
}

fn sqlite_pool(max: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(max)
        .before_acquire(no_transaction_left)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(|conn, _| {
            Box::pin(async move {
                conn.execute("PRAGMA journal_mode = WAL").await?;
                conn.execute("PRAGMA synchronous = NORMAL").await?;
                conn.execute("PRAGMA foreign_keys = ON").await?;
                conn.execute("PRAGMA busy_timeout = 5000").await?;
                Ok(())
            })
        })
}

impl SqlStore {
    /// Connect by URL (`postgres://…` or `sqlite://…`) and run the migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let store = if url.starts_with("postgres") {
            let opts = AnyConnectOptions::from_str(&loopback_without_tls(url))
                .map_err(StoreError::Other)?;
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .before_acquire(no_transaction_left)
                .acquire_timeout(Duration::from_secs(5))
                .connect_with(opts)
                .await?;
            Self {
                backend: Backend::Postgres,
                writer: pool.clone(),
                reader: pool,
                batcher: Default::default(),
                health: Default::default(),
            }
        } else if url.starts_with("sqlite") {
            let opts = AnyConnectOptions::from_str(url).map_err(StoreError::Other)?;
            let writer = sqlite_pool(1).connect_with(opts.clone()).await?;
            // Migrate before readers connect so they see the schema.
            SQLITE_MIGRATIONS.run(&writer).await.map_err(migrate_err)?;
            let reader = sqlite_pool(4).connect_with(opts).await?;
            Self {
                backend: Backend::Sqlite,
                writer,
                reader,
                batcher: Default::default(),
                health: Default::default(),
            }
        } else {
            return Err(StoreError::Unavailable(format!(
                "unsupported DATABASE_URL scheme in {:?}: use postgres:// or sqlite://",
                redact_url(url)
            )));
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Open (creating if needed) a SQLite database file.
    pub async fn open_sqlite(path: &Path) -> StoreResult<Self> {
        Self::connect(&sqlite_url(path)).await
    }

    /// Run the embedded migrations of this backend (idempotent).
    pub async fn migrate(&self) -> StoreResult<()> {
        let m = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        m.run(&self.writer).await.map_err(migrate_err)
    }

    /// Close the pools (waits for connections to be returned).
    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    async fn begin_write(&self) -> StoreResult<sqlx::Transaction<'static, Any>> {
        begin_whole(&self.writer).await
    }

    /// Commit a write transaction; only an `Ok` here may be answered as stored.
    async fn commit(&self, tx: sqlx::Transaction<'_, Any>) -> StoreResult<()> {
        tx.commit().await.map_err(crate::error::commit_failed)?;
        self.health.committed();
        Ok(())
    }

    /// Run one write method, remembering whether it failed for lack of space (what health
    /// reports; see [`WriteHealth`]).
    async fn watch<T>(&self, write: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let result = write.await;
        self.health.note(&result);
        result
    }
}

/// `pool.begin()`, carried to its end even when the caller is dropped half-way.
///
/// sqlx 0.8's PostgreSQL `begin` counts the transaction only once `BEGIN` has been answered,
/// so a call dropped during that round trip (a client that went away cancels its request's
/// future) leaves the session inside a transaction that no guard rolls back, and the pool
/// hands it to the next caller: its one-statement writes then never commit, and after any
/// error every query on that connection fails (upstream: transact-rs/sqlx#4393). On a task of
/// its own the `BEGIN` always completes, and a `Transaction` nobody receives is dropped as
/// such: rolled back when its connection goes back to the pool.
async fn begin_whole(pool: &AnyPool) -> StoreResult<sqlx::Transaction<'static, Any>> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin().await })
        .await
        .map_err(|e| StoreError::Unavailable(format!("starting a transaction: {e}")))?
        .map_err(Into::into)
}

/// The sqlx URL of a SQLite file, created if missing.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// A PostgreSQL URL naming a loopback host and no `sslmode`, made to connect without TLS.
///
/// The driver's default (`prefer`, as in libpq) negotiates TLS whenever the server offers it,
/// which Debian's PostgreSQL does out of the box. On loopback the bytes never leave the kernel,
/// so TLS protects nothing there, yet it cost about 8 % of the server's CPU on write-heavy
/// load (BENCHMARKS.md). Any `sslmode` the operator wrote is kept, and other hosts keep the
/// driver's default.
pub fn loopback_without_tls(raw: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(raw) else {
        // Let the driver report the malformed URL in its own words.
        return raw.to_owned();
    };
    let loopback = match parsed.host() {
        // `postgres:` is not a scheme the URL standard knows, so its IPv4 hosts stay text.
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost")
                || d.parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    let explicit = parsed
        .query_pairs()
        .any(|(k, _)| k == "sslmode" || k == "ssl-mode");
    if !loopback || explicit {
        return raw.to_owned();
    }
    parsed.query_pairs_mut().append_pair("sslmode", "disable");
    parsed.into()
}

/// A URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:***{}", &url[..s + 3], user, &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn migrate_err(e: sqlx::migrate::MigrateError) -> StoreError {
    match e {
        sqlx::migrate::MigrateError::Execute(e) => e.into(),
        other => StoreError::Corrupt(format!("migration failed: {other}")),
    }
}

fn ids(id: Uuid) -> String {
    id.to_string()
}

// ---------- helpers shared by the write paths ----------

/// Lock the user's row for the rest of the transaction and take `n` numbers of the change
/// sequence; returns the first. Called first in every write transaction, so on PostgreSQL all
/// writes of one user are serialised and commit in version order — what makes "everything
/// after cursor C" a complete answer. `n = 0` only locks.
async fn take_seq(c: &mut AnyConnection, user: &str, n: i64) -> StoreResult<i64> {
    let last: Option<i64> = sqlx::query_scalar(
        "UPDATE users SET change_seq = change_seq + $2 WHERE id = $1 RETURNING change_seq",
    )
    .bind(user)
    .bind(n)
    .fetch_optional(&mut *c)
    .await?;
    last.map(|l| l - n + 1).ok_or(StoreError::NotFound)
}

async fn tombstone(
    c: &mut AnyConnection,
    user: &str,
    kind: EntityKind,
    id: &str,
    version: i64,
    now: i64,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO tombstones (entity, id, user_id, version, deleted_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (entity, id) DO UPDATE SET version = excluded.version, deleted_at = excluded.deleted_at",
    )
    .bind(kind.name())
    .bind(id)
    .bind(user)
    .bind(version)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Whether an id is used by any row of `table` (any owner) or by a tombstone of `kind`.
/// A story's text size in bytes, as kept in `stories.text_bytes`.
fn text_bytes(title: &str, content: &str) -> i64 {
    i64::try_from(title.len() + content.len()).unwrap_or(i64::MAX)
}

async fn id_taken(
    c: &mut AnyConnection,
    table: &str,
    kind: EntityKind,
    id: &str,
) -> StoreResult<bool> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM {table} WHERE id = $1) + \
                (SELECT COUNT(*) FROM tombstones WHERE entity = $2 AND id = $1)"
    ))
    .bind(id)
    .bind(kind.name())
    .fetch_one(&mut *c)
    .await?;
    Ok(n > 0)
}

fn check_version(
    current: Option<i64>,
    if_match: Option<i64>,
    entity: impl FnOnce() -> Entity,
) -> StoreResult<()> {
    match (current, if_match) {
        (Some(v), Some(m)) if v != m => Err(StoreError::VersionConflict(Box::new(entity()))),
        _ => Ok(()),
    }
}

async fn hero_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Hero>> {
    let row: Option<HeroRow> = sqlx::query_as(&format!(
        "SELECT {HERO_COLS} FROM heroes WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Hero::try_from).transpose()
}

async fn story_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Story>> {
    let row: Option<StoryRow> = sqlx::query_as(&format!(
        "SELECT {STORY_COLS} FROM stories WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Story::try_from).transpose()
}

async fn event_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<CustomEvent>> {
    let row: Option<EventRow> = sqlx::query_as(&format!(
        "SELECT {EVENT_COLS} FROM custom_events WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(CustomEvent::try_from).transpose()
}

async fn illustrations_of<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    story: &str,
) -> StoreResult<Vec<Illustration>> {
    let rows: Vec<IllustrationRow> = sqlx::query_as(&format!(
        "SELECT {ILLUSTRATION_COLS} FROM illustrations WHERE story_id = $1 AND user_id = $2 ORDER BY display_order"
    ))
    .bind(story)
    .bind(user)
    .fetch_all(e)
    .await?;
    convert(rows)
}

/// Ids and media keys of a story's illustrations.
async fn story_children(
    c: &mut AnyConnection,
    story: &str,
) -> StoreResult<Vec<(String, Option<String>)>> {
    let rows = sqlx::query("SELECT id, image_key FROM illustrations WHERE story_id = $1")
        .bind(story)
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get::<String, _>(0)?,
                r.try_get::<Option<String>, _>(1)?,
            ))
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(Into::into)
}

/// Delete a story row and its illustrations, leaving tombstones numbered from `first`.
/// Returns the next unused number and adds media keys to `keys`.
async fn delete_story_rows(
    c: &mut AnyConnection,
    user: &str,
    story: &str,
    audio_key: Option<String>,
    mut next: i64,
    now: i64,
    keys: &mut Vec<String>,
) -> StoreResult<i64> {
    for (ill, key) in story_children(c, story).await? {
        tombstone(c, user, EntityKind::Illustration, &ill, next, now).await?;
        next += 1;
        keys.extend(key);
    }
    tombstone(c, user, EntityKind::Story, story, next, now).await?;
    keys.extend(audio_key);
    sqlx::query("DELETE FROM stories WHERE id = $1 AND user_id = $2")
        .bind(story)
        .bind(user)
        .execute(&mut *c)
        .await?;
    Ok(next + 1)
}

async fn count(pool: &AnyPool, sql: &str, user: &str) -> StoreResult<i64> {
    Ok(sqlx::query_scalar(sql).bind(user).fetch_one(pool).await?)
}

/// The body of [`SqlStore::create_hero`], run inside a (possibly shared) transaction.
async fn insert_hero(
    c: &mut AnyConnection,
    u: &str,
    i: &str,
    b: &HeroCreate,
    now: i64,
) -> StoreResult<Created<Hero>> {
    let version = take_seq(&mut *c, u, 1).await?;
    // The common case in one statement: insert unless the id is taken (by any user) or was
    // deleted before, and read the row back. Only when nothing was inserted do we look at
    // why: a retried create (same body) or a conflict.
    let inserted: Option<HeroRow> = sqlx::query_as(&format!(
            "INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, hair_color, \
             eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'none', $11, $12, $12 \
             WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE entity = 'hero' AND id = $1) \
             ON CONFLICT (id) DO NOTHING RETURNING {HERO_COLS}"
        ))
        .bind(i)
        .bind(u)
        .bind(&b.name)
        .bind(b.age)
        .bind(to_json(&b.traits))
        .bind(&b.special_ability)
        .bind(&b.appearance)
        .bind(&b.hair_color)
        .bind(&b.eye_color)
        .bind(&b.skin_tone)
        .bind(version)
        .bind(now)
        .fetch_optional(&mut *c)
        .await?;
    if let Some(row) = inserted {
        return Ok(Created::New(Hero::try_from(row)?));
    }
    // Nothing written: hand the number back, so a shared batch that commits leaves no gap.
    take_seq(&mut *c, u, -1).await?;
    match hero_by(&mut *c, u, i).await? {
        Some(existing) if b.same_content(&existing) => Ok(Created::Existing(existing)),
        _ => Err(StoreError::IdConflict),
    }
}

/// Several hero creates of one user at once (one query on either backend):
/// take the versions, insert every row, answer with the inputs at their versions; any taken or
/// tombstoned id fails it all.
/// The rows travel as one JSON array (the `Any` driver binds no arrays). Fails unless every
/// row went in new, so the batch falls back to [`insert_hero`] per write, which tells a
/// retried create from a conflict.
async fn insert_heroes_bulk(
    backend: Backend,
    c: &mut AnyConnection,
    items: Vec<crate::batch::HeroInsert>,
    standalone: bool,
) -> StoreResult<Vec<crate::batch::Output>> {
    let Some(user) = items.first().map(|h| h.user.clone()) else {
        return Ok(Vec::new());
    };
    if items.iter().any(|h| h.user != user) {
        return Err(StoreError::Unavailable(
            "internal error: a write batch mixed users".into(),
        ));
    }
    let rows = bulk_rows_json(&items)?;
    let n = i64::try_from(items.len()).unwrap_or(i64::MAX);
    // Only the id and the version come back: every other column is the input, and decoding
    // whole rows through the `Any` driver was most of the server's cost of a bulk create.
    let inserted: Vec<(String, i64)> = match backend {
        // All or nothing, so that it may run outside a transaction: a taken id breaks the
        // primary key and a deleted (tombstoned) one its NOT NULL, and either error undoes the
        // whole statement, the version bump included. `json`, not `jsonb`: the rows are read
        // once, and building `jsonb` (sorting every object's keys) cost ~9 % of a create.
        Backend::Postgres => {
            sqlx::query_as(
                "WITH seq AS (UPDATE users SET change_seq = change_seq + $2 WHERE id = $1 \
                              RETURNING change_seq - $2 + 1 AS first) \
                 INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, \
                     hair_color, eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM tombstones \
                         WHERE entity = 'hero' AND id = t.id) THEN NULL ELSE t.id END, \
                     $1, t.name, t.age, t.traits, t.special_ability, t.appearance, \
                     t.hair_color, t.eye_color, t.skin_tone, 'none', seq.first + t.ord, t.now, t.now \
                 FROM seq, json_to_recordset($3::json) AS t(ord bigint, id text, name text, \
                     age bigint, traits text, special_ability text, appearance text, \
                     hair_color text, eye_color text, skin_tone text, now bigint) \
                 RETURNING id, version",
            )
            .bind(&user)
            .bind(n)
            .bind(rows)
            .fetch_all(&mut *c)
            .await?
        }
        // SQLite has no data-modifying CTEs: the versions first, then the rows, sent as one
        // multi-statement query (every query is a hop to the connection's thread and back),
        // inside `BEGIN IMMEDIATE … COMMIT` of its own when it is the whole round. All or
        // nothing as on PostgreSQL: a taken id breaks the primary key, a tombstoned one its
        // NOT NULL, a missing user the NOT NULL of `version`.
        Backend::Sqlite => {
            let (begin, commit) = if standalone {
                ("BEGIN IMMEDIATE; ", "; COMMIT")
            } else {
                ("", "")
            };
            sqlx::query_as(&format!(
                "{begin}UPDATE users SET change_seq = change_seq + $2 WHERE id = $1; \
                 INSERT INTO heroes (id, user_id, name, age, traits, special_ability, appearance, \
                     hair_color, eye_color, skin_tone, avatar_status, version, created_at, updated_at) \
                 SELECT CASE WHEN EXISTS (SELECT 1 FROM tombstones \
                         WHERE entity = 'hero' AND id = json_extract(j.value, '$.id')) \
                         THEN NULL ELSE json_extract(j.value, '$.id') END, \
                     $1, json_extract(j.value, '$.name'), \
                     json_extract(j.value, '$.age'), json_extract(j.value, '$.traits'), \
                     json_extract(j.value, '$.special_ability'), json_extract(j.value, '$.appearance'), \
                     json_extract(j.value, '$.hair_color'), json_extract(j.value, '$.eye_color'), \
                     json_extract(j.value, '$.skin_tone'), 'none', \
                     (SELECT change_seq FROM users WHERE id = $1) - $2 + 1 + json_extract(j.value, '$.ord'), \
                     json_extract(j.value, '$.now'), json_extract(j.value, '$.now') \
                 FROM json_each($3) AS j \
                 RETURNING id, version{commit}"
            ))
            .bind(&user)
            .bind(n)
            .bind(rows)
            .fetch_all(&mut *c)
            .await?
        }
    };
    if inserted.len() != items.len() {
        return Err(StoreError::IdConflict);
    }
    let mut versions: std::collections::HashMap<String, i64> = inserted.into_iter().collect();
    items
        .iter()
        .map(|h| {
            let version = versions.remove(&h.id).ok_or(StoreError::IdConflict)?;
            // Every other column is the input: what reading the row back would give (the
            // conformance suite compares the two).
            let at = storyloom_domain::time::from_millis(h.now);
            let hero = h.body.to_hero(parse_id(&h.id)?, version, at);
            Ok(Box::new(Created::New(hero)) as crate::batch::Output)
        })
        .collect()
}

/// A batch of hero creates as the JSON array the bulk statement unpacks, written straight
/// from the inputs (no intermediate `serde_json::Value`).
fn bulk_rows_json(items: &[crate::batch::HeroInsert]) -> StoreResult<String> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        ord: usize,
        id: &'a str,
        name: &'a str,
        age: i64,
        traits: String,
        special_ability: Option<&'a str>,
        appearance: Option<&'a str>,
        hair_color: Option<&'a str>,
        eye_color: Option<&'a str>,
        skin_tone: Option<&'a str>,
        now: i64,
    }
    let rows: Vec<Row<'_>> = items
        .iter()
        .enumerate()
        .map(|(ord, h)| Row {
            ord,
            id: &h.id,
            name: &h.body.name,
            age: h.body.age,
            traits: to_json(&h.body.traits),
            special_ability: h.body.special_ability.as_deref(),
            appearance: h.body.appearance.as_deref(),
            hair_color: h.body.hair_color.as_deref(),
            eye_color: h.body.eye_color.as_deref(),
            skin_tone: h.body.skin_tone.as_deref(),
            now: h.now,
        })
        .collect();
    serde_json::to_string(&rows)
        .map_err(|e| StoreError::Unavailable(format!("internal error: encoding a batch: {e}")))
}

/// The body of [`SqlStore::update_hero`], run inside a (possibly shared) transaction.
async fn change_hero(
    c: &mut AnyConnection,
    u: &str,
    i: &str,
    p: &HeroUpdate,
    if_match: Option<i64>,
    now: i64,
) -> StoreResult<Hero> {
    let version = take_seq(&mut *c, u, 1).await?;
    let cur = hero_by(&mut *c, u, i).await?.ok_or(StoreError::NotFound)?;
    check_version(Some(cur.version), if_match, || Entity::Hero(cur.clone()))?;
    let pick = |new: &Option<Option<String>>, old: &Option<String>| match new {
        Some(v) => v.clone(),
        None => old.clone(),
    };
    let row: HeroRow = sqlx::query_as(&format!("{} RETURNING {HERO_COLS}", write_hero_sql()))
        .bind(i)
        .bind(u)
        .bind(p.name.as_ref().unwrap_or(&cur.name))
        .bind(p.age.unwrap_or(cur.age))
        .bind(to_json(p.traits.as_ref().unwrap_or(&cur.traits)))
        .bind(pick(&p.special_ability, &cur.special_ability))
        .bind(pick(&p.appearance, &cur.appearance))
        .bind(pick(&p.hair_color, &cur.hair_color))
        .bind(pick(&p.eye_color, &cur.eye_color))
        .bind(pick(&p.skin_tone, &cur.skin_tone))
        .bind(version)
        .bind(now)
        .fetch_one(&mut *c)
        .await?;
    Hero::try_from(row)
}

fn write_hero_sql() -> &'static str {
    "UPDATE heroes SET name = $3, age = $4, traits = $5, special_ability = $6, appearance = $7, \
     hair_color = $8, eye_color = $9, skin_tone = $10, version = $11, updated_at = $12 \
     WHERE id = $1 AND user_id = $2"
}

async fn insert_job(c: &mut AnyConnection, j: &NewJob) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO jobs (id, user_id, kind, entity_id, payload, status, attempts, max_attempts, run_at, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7, $7, $7)",
    )
    .bind(ids(j.id))
    .bind(ids(j.user_id))
    .bind(j.kind.name())
    .bind(ids(j.entity_id))
    .bind(&j.payload)
    .bind(j.max_attempts)
    .bind(j.now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Set columns of one of the user's rows, bumping its version, in the caller's transaction.
/// `sets` are `column = $n` fragments numbered from $4 ($1 id, $2 user, $3 version).
async fn bump_row(
    c: &mut AnyConnection,
    table: &str,
    user: &str,
    id: &str,
    version: i64,
    sets: &str,
    binds: Vec<Bind>,
) -> StoreResult<()> {
    let sql = format!("UPDATE {table} SET {sets}, version = $3 WHERE id = $1 AND user_id = $2");
    let mut q = sqlx::query(&sql)
        .bind(id.to_owned())
        .bind(user.to_owned())
        .bind(version);
    for b in binds {
        q = match b {
            Bind::Text(t) => q.bind(t),
            Bind::Int(n) => q.bind(n),
            Bind::Float(f) => q.bind(f),
        };
    }
    let done = q.execute(&mut *c).await?;
    if done.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// A value bound into [`bump_row`].
enum Bind {
    Text(Option<String>),
    Int(i64),
    Float(Option<f64>),
}

async fn illustration_by<'c, E: Executor<'c, Database = Any>>(
    e: E,
    user: &str,
    id: &str,
) -> StoreResult<Option<Illustration>> {
    let row: Option<IllustrationRow> = sqlx::query_as(&format!(
        "SELECT {ILLUSTRATION_COLS} FROM illustrations WHERE id = $1 AND user_id = $2"
    ))
    .bind(id)
    .bind(user)
    .fetch_optional(e)
    .await?;
    row.map(Illustration::try_from).transpose()
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn ping(&self) -> StoreResult<()> {
        if self.health.storage_full() {
            return Err(StoreError::StorageFull);
        }
        sqlx::query("SELECT 1").execute(&self.reader).await?;
        Ok(())
    }

    async fn create_user(&self, new: NewUser) -> StoreResult<UserRecord> {
        self.watch(async {
            sqlx::query(
                "INSERT INTO users (id, email, password_hash, name, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5)",
            )
            .bind(ids(new.id))
            .bind(&new.email)
            .bind(&new.password_hash)
            .bind(&new.name)
            .bind(new.now)
            .execute(&self.writer)
            .await
            .map_err(|e| match StoreError::from(e) {
                // The id is ours, so any uniqueness clash on a new user is the email.
                StoreError::IdConflict => StoreError::EmailTaken,
                other => other,
            })?;
            self.user_by_id(new.id).await
        })
        .await
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRecord>> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE email = $1"))
                .bind(email)
                .fetch_optional(&self.reader)
                .await?;
        row.map(UserRecord::try_from).transpose()
    }

    async fn user_by_id(&self, user: Uuid) -> StoreResult<UserRecord> {
        let row: Option<UserRow> =
            sqlx::query_as(&format!("SELECT {USER_COLS} FROM users WHERE id = $1"))
                .bind(ids(user))
                .fetch_optional(&self.writer)
                .await?;
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    async fn update_profile(
        &self,
        user: Uuid,
        patch: &ProfileUpdate,
        now: i64,
    ) -> StoreResult<UserRecord> {
        self.watch(async {
            let cur = self.user_by_id(user).await?;
            let name = match &patch.name {
                Some(n) => n.clone(),
                None => cur.name,
            };
            let lang = patch.preferred_language.unwrap_or(cur.preferred_language);
            let voice = patch.preferred_voice.unwrap_or(cur.preferred_voice);
            let length = patch
                .default_story_length
                .unwrap_or(cur.default_story_length);
            sqlx::query(
                "UPDATE users SET name = $2, preferred_language = $3, preferred_voice = $4, updated_at = $5, \
                 default_story_length = $6 WHERE id = $1",
            )
            .bind(ids(user))
            .bind(name)
            .bind(lang.code())
            .bind(voice.name())
            .bind(now)
            .bind(length.map(StoryLength::name))
            .execute(&self.writer)
            .await?;
            self.user_by_id(user).await
        })
        .await
    }

    async fn profile_stats(&self, user: Uuid) -> StoreResult<ProfileStats> {
        let u = ids(user);
        let p = &self.reader;
        Ok(ProfileStats {
            hero_count: count(p, "SELECT COUNT(*) FROM heroes WHERE user_id = $1", &u).await?,
            story_count: count(p, "SELECT COUNT(*) FROM stories WHERE user_id = $1", &u).await?,
            custom_event_count: count(p, "SELECT COUNT(*) FROM custom_events WHERE user_id = $1", &u).await?,
            favorite_story_count: count(
                p,
                "SELECT COUNT(*) FROM stories WHERE user_id = $1 AND is_favorite = 1",
                &u,
            )
            .await?,
            total_plays: count(
                p,
                "SELECT CAST(COALESCE(SUM(play_count), 0) AS BIGINT) FROM stories WHERE user_id = $1",
                &u,
            )
            .await?,
        })
    }

    async fn storage_usage(&self, user: Uuid) -> StoreResult<StorageUsage> {
        let u = ids(user);
        // Bytes, not characters: the limit is about disk.
        let bytes = |col: &str| match self.backend {
            Backend::Sqlite => format!("COALESCE(LENGTH(CAST({col} AS BLOB)), 0)"),
            Backend::Postgres => format!("COALESCE(OCTET_LENGTH({col}), 0)"),
        };
        // Stories from their kept sizes (a covering index); events are small and few, so
        // measured.
        let sql = format!(
            "SELECT (SELECT COUNT(*) FROM heroes WHERE user_id = $1), \
             (SELECT COUNT(*) FROM stories WHERE user_id = $1), \
             (SELECT COUNT(*) FROM custom_events WHERE user_id = $1), \
             (SELECT CAST(COALESCE(SUM(text_bytes), 0) AS BIGINT) FROM stories WHERE user_id = $1) + \
             (SELECT CAST(COALESCE(SUM({} + {} + {}), 0) AS BIGINT) FROM custom_events WHERE user_id = $1)",
            bytes("title"),
            bytes("description"),
            bytes("prompt_seed"),
        );
        let (heroes, stories, custom_events, bytes): (i64, i64, i64, i64) = sqlx::query_as(&sql)
            .bind(&u)
            .fetch_one(&self.reader)
            .await?;
        Ok(StorageUsage {
            bytes,
            stories,
            heroes,
            custom_events,
            ..Default::default()
        })
    }

    async fn delete_user(&self, user: Uuid) -> StoreResult<Vec<String>> {
        self.watch(async {
            let u = ids(user);
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let mut keys: Vec<String> = Vec::new();
            for sql in [
                "SELECT avatar_key FROM heroes WHERE user_id = $1 AND avatar_key IS NOT NULL",
                "SELECT audio_key FROM stories WHERE user_id = $1 AND audio_key IS NOT NULL",
                "SELECT image_key FROM illustrations WHERE user_id = $1 AND image_key IS NOT NULL",
            ] {
                let found: Vec<String> =
                    sqlx::query_scalar(sql).bind(&u).fetch_all(&mut *tx).await?;
                keys.extend(found);
            }
            // Children first: SQLite only cascades with foreign_keys on, and explicit deletes
            // keep the order obvious on both backends.
            for table in [
                "illustrations",
                "stories",
                "heroes",
                "custom_events",
                "tombstones",
                "sync_mutations",
                "usage_records",
                "jobs",
                "sessions",
            ] {
                sqlx::query(&format!("DELETE FROM {table} WHERE user_id = $1"))
                    .bind(&u)
                    .execute(&mut *tx)
                    .await?;
            }
            sqlx::query("DELETE FROM users WHERE id = $1")
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(keys)
        })
        .await
    }

    async fn create_session(&self, s: SessionRecord) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
                .bind(&s.token_hash)
                .bind(ids(s.user_id))
                .bind(s.created_at)
                .bind(s.expires_at)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> StoreResult<Option<(SessionRecord, UserRecord, i64)>> {
        // One round trip on every authenticated request: the session, its user and the
        // user's latest version (which validates cached answers).
        let row: Option<SessionUserRow> = sqlx::query_as(
            "SELECT s.created_at AS session_created_at, s.expires_at, u.change_seq, \
             u.id, u.email, u.password_hash, u.name, u.preferred_language, u.preferred_voice, u.created_at, \
             u.default_story_length \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (created_at, expires_at, version) =
            (row.session_created_at, row.expires_at, row.change_seq);
        let user: UserRecord = row.user.try_into()?;
        let session = SessionRecord {
            token_hash: token_hash.to_owned(),
            user_id: user.id,
            created_at,
            expires_at,
        };
        Ok(Some((session, user, version)))
    }

    async fn latest_version(&self, user: Uuid) -> StoreResult<i64> {
        let v: Option<i64> = sqlx::query_scalar("SELECT change_seq FROM users WHERE id = $1")
            .bind(ids(user))
            .fetch_optional(&self.reader)
            .await?;
        v.ok_or(StoreError::NotFound)
    }

    async fn set_session_expiry(&self, token_hash: &str, expires_at: i64) -> StoreResult<()> {
        self.watch(async {
            sqlx::query(
                "UPDATE sessions SET expires_at = $2 WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(expires_at)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn purge_sessions(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
                .bind(before)
                .execute(&self.writer)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    // ---------- heroes ----------

    async fn list_heroes(&self, user: Uuid, page: Page) -> StoreResult<(Vec<Hero>, i64)> {
        let u = ids(user);
        let rows: Vec<HeroRow> = sqlx::query_as(&format!(
            "SELECT {HERO_COLS} FROM heroes WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&u)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.reader)
        .await?;
        let total = count(
            &self.reader,
            "SELECT COUNT(*) FROM heroes WHERE user_id = $1",
            &u,
        )
        .await?;
        Ok((convert(rows)?, total))
    }

    async fn get_hero(&self, user: Uuid, id: Uuid) -> StoreResult<Hero> {
        hero_by(&self.reader, &ids(user), &ids(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn create_hero(
        &self,
        user: Uuid,
        id: Uuid,
        b: &HeroCreate,
        now: i64,
    ) -> StoreResult<Created<Hero>> {
        self.watch(async {
            let insert = batch::HeroInsert {
                user: ids(user),
                id: ids(id),
                body: std::sync::Arc::new(b.clone()),
                now,
            };
            let h = insert.clone();
            let op = batch::op(move |c| {
                let h = h.clone();
                Box::pin(async move {
                    insert_hero(c, &h.user, &h.id, &h.body, h.now)
                        .await
                        .map(|v| Box::new(v) as batch::Output)
                })
            });
            batch::run_hero_insert(self, op, insert).await
        })
        .await
    }

    async fn update_hero(
        &self,
        user: Uuid,
        id: Uuid,
        p: &HeroUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i, p) = (ids(user), ids(id), std::sync::Arc::new(p.clone()));
            let owner = u.clone();
            let op = batch::op(move |c| {
                let (u, i, p) = (owner.clone(), i.clone(), p.clone());
                Box::pin(async move {
                    change_hero(c, &u, &i, &p, if_match, now)
                        .await
                        .map(|v| Box::new(v) as batch::Output)
                })
            });
            batch::run(self, &u, op).await
        })
        .await
    }

    async fn delete_hero(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let cur = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Hero(cur.clone()))?;
            let stories: Vec<(String, Option<String>)> =
                sqlx::query_as("SELECT id, audio_key FROM stories WHERE hero_id = $1 AND user_id = $2")
                    .bind(&i)
                    .bind(&u)
                    .fetch_all(&mut *tx)
                    .await?;
            let ill_count: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM illustrations WHERE story_id IN (SELECT id FROM stories WHERE hero_id = $1)",
            )
            .bind(&i)
            .fetch_one(&mut *tx)
            .await?;
            let n = 1 + stories.len() as i64 + ill_count;
            let mut next = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            for (story, audio) in stories {
                next = delete_story_rows(&mut tx, &u, &story, audio, next, now, &mut keys).await?;
            }
            tombstone(&mut tx, &u, EntityKind::Hero, &i, next, now).await?;
            keys.extend(cur.avatar_url);
            let version = next;
            sqlx::query("DELETE FROM heroes WHERE id = $1 AND user_id = $2")
                .bind(&i)
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: keys,
                version,
            })
        })
        .await
    }

    // ---------- stories ----------

    async fn list_stories(
        &self,
        user: Uuid,
        f: StoryFilter,
        page: Page,
    ) -> StoreResult<(Vec<Story>, i64)> {
        let mut filter = String::from("user_id = $1");
        if f.hero_id.is_some() {
            filter.push_str(" AND hero_id = $4");
        }
        if let Some(fav) = f.favorite {
            filter.push_str(if fav {
                " AND is_favorite = 1"
            } else {
                " AND is_favorite = 0"
            });
        }
        // Inlined like the favourite flag: an enum's own name or a UUID we format, never
        // user text.
        match f.occasion {
            Some(StoryOccasion::Builtin(e)) => {
                filter.push_str(&format!(" AND event_type = '{}'", e.name()));
            }
            Some(StoryOccasion::Custom(ev)) => {
                filter.push_str(&format!(" AND custom_event_id = '{}'", ids(ev)));
            }
            None => {}
        }
        let u = ids(user);
        let hero = f.hero_id.map(ids).unwrap_or_default();
        let list_sql = format!(
            "SELECT {STORY_COLS} FROM stories WHERE {filter} ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        );
        let mut q = sqlx::query_as::<_, StoryRow>(&list_sql)
            .bind(&u)
            .bind(page.limit)
            .bind(page.offset);
        if f.hero_id.is_some() {
            q = q.bind(&hero);
        }
        let rows = q.fetch_all(&self.reader).await?;
        // Same filter, numbered to match: $2/$3 are unused by the count, so rename $4.
        let count_sql = format!(
            "SELECT COUNT(*) FROM stories WHERE {}",
            filter.replace("$4", "$2")
        );
        let mut c = sqlx::query_scalar::<_, i64>(&count_sql).bind(&u);
        if f.hero_id.is_some() {
            c = c.bind(&hero);
        }
        let total = c.fetch_one(&self.reader).await?;
        Ok((convert(rows)?, total))
    }

    async fn get_story(&self, user: Uuid, id: Uuid) -> StoreResult<Story> {
        let (u, i) = (ids(user), ids(id));
        let mut story = story_by(&self.reader, &u, &i)
            .await?
            .ok_or(StoreError::NotFound)?;
        story.illustrations = Some(illustrations_of(&self.reader, &u, &i).await?);
        Ok(story)
    }

    async fn create_story(&self, user: Uuid, s: NewStory) -> StoreResult<Created<Story>> {
        self.watch(async {
            let (u, i) = (ids(user), ids(s.id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            if hero_by(&mut *tx, &u, &ids(s.hero_id)).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            if id_taken(&mut tx, "stories", EntityKind::Story, &i).await? {
                return Err(StoreError::IdConflict);
            }
            let event = match s.custom_event_id {
                Some(e) => Some(
                    event_by(&mut *tx, &u, &ids(e))
                        .await?
                        .ok_or(StoreError::NotFound)?,
                ),
                None => None,
            };
            let version = take_seq(&mut tx, &u, if event.is_some() { 2 } else { 1 }).await?;
            sqlx::query(
                "INSERT INTO stories (id, user_id, hero_id, title, content, event_type, custom_event_id, language, \
                 audio_status, illustration_status, version, created_at, updated_at, text_bytes, length) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13, $14)",
            )
            .bind(&i)
            .bind(&u)
            .bind(ids(s.hero_id))
            .bind(&s.title)
            .bind(&s.content)
            .bind(s.event_type.map(|e| e.name()))
            .bind(s.custom_event_id.map(ids))
            .bind(s.language.code())
            .bind(enum_str(&s.audio_status))
            .bind(enum_str(&s.illustration_status))
            .bind(version)
            .bind(s.now)
            .bind(text_bytes(&s.title, &s.content))
            .bind(s.length.map(StoryLength::name))
            .execute(&mut *tx)
            .await?;
            if let Some(ev) = event {
                sqlx::query(
                    "UPDATE custom_events SET usage_count = usage_count + 1, last_used_at = $3, version = $4, \
                     updated_at = $3 WHERE id = $1 AND user_id = $2",
                )
                .bind(ids(ev.id))
                .bind(&u)
                .bind(s.now)
                .bind(version + 1)
                .execute(&mut *tx)
                .await?;
            }
            for job in &s.jobs {
                insert_job(&mut tx, job).await?;
            }
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(Vec::new());
            self.commit(tx).await?;
            Ok(Created::New(story))
        })
        .await
    }

    async fn update_story(
        &self,
        user: Uuid,
        id: Uuid,
        p: &StoryUpdate,
        audio_stale: bool,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Story(cur.clone()))?;
            let (title, content) = (
                p.title.as_ref().unwrap_or(&cur.title),
                p.content.as_ref().unwrap_or(&cur.content),
            );
            let language = p.language.unwrap_or(cur.language);
            sqlx::query(
                "UPDATE stories SET title = $3, content = $4, is_favorite = $5, version = $6, updated_at = $7, \
                 text_bytes = $8, language = $9, audio_stale = $10 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(title)
            .bind(content)
            .bind(i64::from(p.is_favorite.unwrap_or(cur.is_favorite)))
            .bind(version)
            .bind(now)
            .bind(text_bytes(title, content))
            .bind(language.code())
            .bind(i64::from(audio_stale))
            .execute(&mut *tx)
            .await?;
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn play_story(&self, user: Uuid, id: Uuid, count: i64, now: i64) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let done = sqlx::query(
                "UPDATE stories SET play_count = play_count + $3, last_played_at = $4, version = $5, updated_at = $4 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(count)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn delete_story(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let cur = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || Entity::Story(cur.clone()))?;
            let n = 1 + cur.illustration_count;
            let first = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            let next =
                delete_story_rows(&mut tx, &u, &i, cur.audio_url, first, now, &mut keys).await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: keys,
                version: next - 1,
            })
        })
        .await
    }

    // ---------- custom events ----------

    async fn list_events(&self, user: Uuid, page: Page) -> StoreResult<(Vec<CustomEvent>, i64)> {
        let u = ids(user);
        let rows: Vec<EventRow> = sqlx::query_as(&format!(
            "SELECT {EVENT_COLS} FROM custom_events WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
        ))
        .bind(&u)
        .bind(page.limit)
        .bind(page.offset)
        .fetch_all(&self.reader)
        .await?;
        let total = count(
            &self.reader,
            "SELECT COUNT(*) FROM custom_events WHERE user_id = $1",
            &u,
        )
        .await?;
        Ok((convert(rows)?, total))
    }

    async fn get_event(&self, user: Uuid, id: Uuid) -> StoreResult<CustomEvent> {
        event_by(&self.reader, &ids(user), &ids(id))
            .await?
            .ok_or(StoreError::NotFound)
    }

    async fn create_event(
        &self,
        user: Uuid,
        id: Uuid,
        b: &CustomEventCreate,
        now: i64,
    ) -> StoreResult<Created<CustomEvent>> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            if let Some(existing) = event_by(&mut *tx, &u, &i).await? {
                return if b.same_content(&existing) {
                    Ok(Created::Existing(existing))
                } else {
                    Err(StoreError::IdConflict)
                };
            }
            if id_taken(&mut tx, "custom_events", EntityKind::CustomEvent, &i).await? {
                return Err(StoreError::IdConflict);
            }
            sqlx::query(
                "INSERT INTO custom_events (id, user_id, title, description, prompt_seed, category, age_range, tone, \
                 pictogram_emoji, keywords, is_favorite, version, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
            )
            .bind(&i)
            .bind(&u)
            .bind(&b.title)
            .bind(b.description.clone().unwrap_or_default())
            .bind(&b.prompt_seed)
            .bind(enum_str(&b.category.unwrap_or_default()))
            .bind(b.age_range.map(|a| enum_str(&a)))
            .bind(enum_str(&b.tone.unwrap_or_default()))
            .bind(&b.pictogram_emoji)
            .bind(to_json(&b.keywords.clone().unwrap_or_default()))
            .bind(i64::from(b.is_favorite.unwrap_or(false)))
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(Created::New(ev))
        })
        .await
    }

    async fn update_event(
        &self,
        user: Uuid,
        id: Uuid,
        p: &CustomEventUpdate,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<CustomEvent> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || {
                Entity::CustomEvent(cur.clone())
            })?;
            let age_range = match p.age_range {
                Some(a) => a,
                None => cur.age_range,
            };
            let emoji = match &p.pictogram_emoji {
                Some(e) => e.clone(),
                None => cur.pictogram_emoji.clone(),
            };
            sqlx::query(
                "UPDATE custom_events SET title = $3, description = $4, prompt_seed = $5, category = $6, \
                 age_range = $7, tone = $8, pictogram_emoji = $9, keywords = $10, is_favorite = $11, \
                 version = $12, updated_at = $13 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(p.title.as_ref().unwrap_or(&cur.title))
            .bind(p.description.as_ref().unwrap_or(&cur.description))
            .bind(p.prompt_seed.as_ref().unwrap_or(&cur.prompt_seed))
            .bind(enum_str(&p.category.unwrap_or(cur.category)))
            .bind(age_range.map(|a| enum_str(&a)))
            .bind(enum_str(&p.tone.unwrap_or(cur.tone)))
            .bind(emoji)
            .bind(to_json(p.keywords.as_ref().unwrap_or(&cur.keywords)))
            .bind(i64::from(p.is_favorite.unwrap_or(cur.is_favorite)))
            .bind(version)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ev)
        })
        .await
    }

    async fn delete_event(
        &self,
        user: Uuid,
        id: Uuid,
        if_match: Option<i64>,
        now: i64,
    ) -> StoreResult<Deleted> {
        self.watch(async {
            let (u, i) = (ids(user), ids(id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let cur = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            check_version(Some(cur.version), if_match, || {
                Entity::CustomEvent(cur.clone())
            })?;
            tombstone(&mut tx, &u, EntityKind::CustomEvent, &i, version, now).await?;
            sqlx::query("DELETE FROM custom_events WHERE id = $1 AND user_id = $2")
                .bind(&i)
                .bind(&u)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(Deleted {
                media_keys: Vec::new(),
                version,
            })
        })
        .await
    }

    // ---------- usage ----------

    async fn usage_window(&self, user: Uuid, since: i64) -> StoreResult<Vec<UsageWindow>> {
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT operation, COUNT(*), MIN(created_at) FROM usage_records \
             WHERE user_id = $1 AND created_at > $2 AND success = 1 GROUP BY operation",
        )
        .bind(ids(user))
        .bind(since)
        .fetch_all(&self.reader)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(operation, used, oldest)| {
                Ok(UsageWindow {
                    operation: Operation::from_name(&operation).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown operation {operation:?}"))
                    })?,
                    used,
                    oldest,
                })
            })
            .collect::<StoreResult<_>>()?)
    }

    async fn usage_totals(&self, user: Uuid) -> StoreResult<UsageTotals> {
        let row: (i64, i64, i64, i64, i64, f64) = sqlx::query_as(
            "SELECT COUNT(*), CAST(COALESCE(SUM(1 - success), 0) AS BIGINT), CAST(COALESCE(SUM(tokens), 0) AS BIGINT), \
             CAST(COALESCE(SUM(characters), 0) AS BIGINT), CAST(COALESCE(SUM(images), 0) AS BIGINT), \
             CAST(COALESCE(SUM(cost_usd), 0) AS DOUBLE PRECISION) FROM usage_records WHERE user_id = $1",
        )
        .bind(ids(user))
        .fetch_one(&self.reader)
        .await?;
        Ok(UsageTotals {
            requests: row.0,
            failures: row.1,
            tokens: row.2,
            characters: row.3,
            images: row.4,
            estimated_cost_usd: row.5,
        })
    }

    // ---------- sync ----------

    async fn changes(&self, user: Uuid, since: i64, limit: i64) -> StoreResult<ChangePage> {
        self.changes_within(user, since, limit, i64::MAX).await
    }

    async fn changes_within(
        &self,
        user: Uuid,
        since: i64,
        limit: i64,
        text_budget: i64,
    ) -> StoreResult<ChangePage> {
        let u = ids(user);
        // One read transaction, so the five queries see one snapshot: a write committing in
        // between cannot slip a lower version past the cursor we hand out.
        let mut tx = begin_whole(&self.reader).await?;
        if self.backend == Backend::Postgres {
            // Every query below is a keyset page (`user_id = $1 AND version > $2 ORDER BY
            // version LIMIT n`), for which reading the (user_id, version) index in order is the
            // right plan at any size. With statistics older than a burst of writes (autovacuum
            // analyzes a minute or so later) the planner instead fetched every matching row in
            // a bitmap scan and sorted them: 60 ms instead of 0.4 ms for a page of 1,000 among
            // 180,000 (BENCHMARKS.md). Two statements in one simple query: no extra round trip.
            tx.execute(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; \
                 SET LOCAL enable_bitmapscan = off",
            )
            .await?;
        }
        let (latest, horizon): (i64, i64) =
            sqlx::query_as("SELECT change_seq, tombstone_horizon FROM users WHERE id = $1")
                .bind(&u)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let take = limit + 1;
        let mut out: Vec<StoredChange> = Vec::new();
        let page = |table: &str, cols: &str| {
            format!(
                "SELECT {cols} FROM {table} WHERE user_id = $1 AND version > $2 ORDER BY version LIMIT $3"
            )
        };
        let heroes: Vec<HeroRow> = sqlx::query_as(&page("heroes", HERO_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for h in convert::<_, Hero>(heroes)? {
            out.push(StoredChange {
                kind: EntityKind::Hero,
                id: h.id,
                version: h.version,
                entity: Some(Entity::Hero(h)),
            });
        }
        // The text's size first (kept in `text_bytes`: no text is read), then the stories
        // that fit the budget: the page ends at the last of them.
        let sizes: Vec<(i64, i64)> = sqlx::query_as(&page("stories", "version, text_bytes"))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        let mut text = 0i64;
        let fit = sizes
            .iter()
            .take_while(|(_, len)| {
                text = text.saturating_add(*len);
                text == *len || text <= text_budget
            })
            .count();
        let story_cut = if fit < sizes.len() {
            fit.checked_sub(1)
                .and_then(|i| sizes.get(i))
                .map(|(v, _)| *v)
        } else {
            None
        };
        let stories: Vec<StoryRow> = sqlx::query_as(&format!(
            "SELECT {STORY_COLS} FROM stories WHERE user_id = $1 AND version > $2 AND version <= $4 \
             ORDER BY version LIMIT $3"
        ))
        .bind(&u)
        .bind(since)
        .bind(take)
        .bind(story_cut.unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await?;
        for s in convert::<_, Story>(stories)? {
            out.push(StoredChange {
                kind: EntityKind::Story,
                id: s.id,
                version: s.version,
                entity: Some(Entity::Story(s)),
            });
        }
        let ills: Vec<IllustrationRow> = sqlx::query_as(&page("illustrations", ILLUSTRATION_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for row in ills {
            let version = row.version();
            let ill = Illustration::try_from(row)?;
            out.push(StoredChange {
                kind: EntityKind::Illustration,
                id: ill.id,
                version,
                entity: Some(Entity::Illustration(ill)),
            });
        }
        let events: Vec<EventRow> = sqlx::query_as(&page("custom_events", EVENT_COLS))
            .bind(&u)
            .bind(since)
            .bind(take)
            .fetch_all(&mut *tx)
            .await?;
        for e in convert::<_, CustomEvent>(events)? {
            out.push(StoredChange {
                kind: EntityKind::CustomEvent,
                id: e.id,
                version: e.version,
                entity: Some(Entity::CustomEvent(e)),
            });
        }
        let tombs: Vec<(String, String, i64)> =
            sqlx::query_as(&page("tombstones", "entity, id, version"))
                .bind(&u)
                .bind(since)
                .bind(take)
                .fetch_all(&mut *tx)
                .await?;
        for (entity, id, version) in tombs {
            let kind = EntityKind::from_name(&entity)
                .ok_or_else(|| StoreError::Corrupt(format!("tombstone entity {entity:?}")))?;
            out.push(StoredChange {
                kind,
                id: parse_id(&id)?,
                version,
                entity: None,
            });
        }
        tx.commit().await.map_err(crate::error::commit_failed)?;
        out.sort_by_key(|c| c.version);
        let mut has_more = out.len() as i64 > limit;
        if let Some(cut) = story_cut {
            // Stories after `cut` were left out, so nothing after it may be handed out yet.
            out.retain(|c| c.version <= cut);
            has_more = true;
        }
        out.truncate(limit.max(0) as usize);
        Ok(ChangePage {
            changes: out,
            has_more,
            horizon,
            latest,
        })
    }

    async fn purge_tombstones(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let mut tx = self.begin_write().await?;
            sqlx::query(
                "UPDATE users SET tombstone_horizon = (SELECT MAX(t.version) FROM tombstones t \
                 WHERE t.user_id = users.id AND t.deleted_at < $1) \
                 WHERE EXISTS (SELECT 1 FROM tombstones t WHERE t.user_id = users.id AND t.deleted_at < $1 \
                 AND t.version > users.tombstone_horizon)",
            )
            .bind(before)
            .execute(&mut *tx)
            .await?;
            let done = sqlx::query("DELETE FROM tombstones WHERE deleted_at < $1")
                .bind(before)
                .execute(&mut *tx)
                .await?;
            self.commit(tx).await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn find_mutation(&self, user: Uuid, mutation_id: Uuid) -> StoreResult<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT result FROM sync_mutations WHERE user_id = $1 AND mutation_id = $2",
        )
        .bind(ids(user))
        .bind(ids(mutation_id))
        .fetch_optional(&self.writer)
        .await?)
    }

    async fn remember_mutation(
        &self,
        user: Uuid,
        mutation_id: Uuid,
        result: &str,
        now: i64,
    ) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "INSERT INTO sync_mutations (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (user_id, mutation_id) DO NOTHING",
            )
            .bind(ids(user))
            .bind(ids(mutation_id))
            .bind(result)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn play_story_once(
        &self,
        user: Uuid,
        id: Uuid,
        count: i64,
        now: i64,
        mutation_id: Uuid,
    ) -> StoreResult<PlayOnce> {
        self.watch(async {
            let (u, i, m) = (ids(user), ids(id), ids(mutation_id));
            let mut tx = self.begin_write().await?;
            let version = take_seq(&mut tx, &u, 1).await?;
            let seen: Option<String> = sqlx::query_scalar(
                "SELECT result FROM sync_mutations WHERE user_id = $1 AND mutation_id = $2",
            )
            .bind(&u)
            .bind(&m)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(result) = seen {
                return Ok(PlayOnce::Duplicate(result));
            }
            let done = sqlx::query(
                "UPDATE stories SET play_count = play_count + $3, last_played_at = $4, version = $5, updated_at = $4 \
                 WHERE id = $1 AND user_id = $2",
            )
            .bind(&i)
            .bind(&u)
            .bind(count)
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::NotFound);
            }
            let result =
                serde_json::json!({"mutationId": mutation_id, "status": "applied", "version": version});
            sqlx::query("INSERT INTO sync_mutations (user_id, mutation_id, result, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&u)
                .bind(&m)
                .bind(result.to_string())
                .bind(now)
                .execute(&mut *tx)
                .await?;
            let mut story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            story.illustrations = Some(illustrations_of(&mut *tx, &u, &i).await?);
            self.commit(tx).await?;
            Ok(PlayOnce::Applied(story))
        })
        .await
    }

    async fn notify(&self, channel: &str, payload: &str) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(channel)
                .bind(payload)
                .execute(&self.writer)
                .await?;
        }
        Ok(())
    }

    async fn signin_failures(
        &self,
        email: &str,
        address: &str,
        since: i64,
    ) -> StoreResult<(i64, Option<i64>)> {
        Ok(sqlx::query_as(
            "SELECT COUNT(*), MIN(at) FROM signin_failures WHERE email = $1 AND address = $2 AND at > $3",
        )
        .bind(email)
        .bind(address)
        .bind(since)
        .fetch_one(&self.writer)
        .await?)
    }

    async fn record_signin_failure(&self, email: &str, address: &str, now: i64) -> StoreResult<()> {
        sqlx::query("INSERT INTO signin_failures (email, address, at) VALUES ($1, $2, $3)")
            .bind(email)
            .bind(address)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn clear_signin_failures(&self, email: &str, address: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM signin_failures WHERE email = $1 AND address = $2")
            .bind(email)
            .bind(address)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn purge_signin_failures(&self, before: i64) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM signin_failures WHERE at < $1")
            .bind(before)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }

    async fn purge_mutations(&self, before: i64) -> StoreResult<u64> {
        self.watch(async {
            let done = sqlx::query("DELETE FROM sync_mutations WHERE created_at < $1")
                .bind(before)
                .execute(&self.writer)
                .await?;
            Ok(done.rows_affected())
        })
        .await
    }

    async fn reserve_usage(
        &self,
        user: Uuid,
        operation: Operation,
        limit: i64,
        window_start: i64,
        now: i64,
    ) -> StoreResult<Quota> {
        self.watch(async {
            let u = ids(user);
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            let (used, oldest): (i64, Option<i64>) = sqlx::query_as(
                "SELECT COUNT(*), MIN(created_at) FROM usage_records \
                 WHERE user_id = $1 AND operation = $2 AND created_at > $3 AND success = 1",
            )
            .bind(&u)
            .bind(operation.name())
            .bind(window_start)
            .fetch_one(&mut *tx)
            .await?;
            let window = now - window_start;
            if used >= limit {
                return Ok(Quota::Exceeded {
                    reset_at: oldest.unwrap_or(now) + window,
                });
            }
            let record_id = storyloom_domain::new_id();
            sqlx::query(
                "INSERT INTO usage_records (id, user_id, operation, provider, model, success, created_at) \
                 VALUES ($1, $2, $3, '', '', 1, $4)",
            )
            .bind(ids(record_id))
            .bind(&u)
            .bind(operation.name())
            .bind(now)
            .execute(&mut *tx)
            .await?;
            self.commit(tx).await?;
            Ok(Quota::Granted {
                record_id,
                remaining: limit - used - 1,
                reset_at: oldest.unwrap_or(now) + window,
            })
        })
        .await
    }

    async fn cancel_usage(&self, user: Uuid, record_id: Uuid) -> StoreResult<()> {
        self.watch(async {
            sqlx::query("DELETE FROM usage_records WHERE id = $1 AND user_id = $2")
                .bind(ids(record_id))
                .bind(ids(user))
                .execute(&self.writer)
                .await?;
            Ok(())
        })
        .await
    }

    async fn finish_usage(&self, user: Uuid, record_id: Uuid, r: &UsageRecord) -> StoreResult<()> {
        self.watch(async {
            sqlx::query(
                "UPDATE usage_records SET provider = $3, model = $4, tokens = $5, characters = $6, images = $7, \
                 cost_usd = $8, duration_ms = $9, success = $10, error = $11 WHERE id = $1 AND user_id = $2",
            )
            .bind(ids(record_id))
            .bind(ids(user))
            .bind(&r.provider)
            .bind(&r.model)
            .bind(r.tokens)
            .bind(r.characters)
            .bind(r.images)
            .bind(r.cost_usd)
            .bind(r.duration_ms)
            .bind(i64::from(r.success))
            .bind(&r.error)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }

    async fn add_usage(&self, user: Uuid, r: &UsageRecord, now: i64) -> StoreResult<()> {
        self.watch(async {
            let id = storyloom_domain::new_id();
            sqlx::query(
                "INSERT INTO usage_records (id, user_id, operation, provider, model, tokens, characters, images, \
                 cost_usd, duration_ms, success, error, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
            )
            .bind(ids(id))
            .bind(ids(user))
            .bind(r.operation.name())
            .bind(&r.provider)
            .bind(&r.model)
            .bind(r.tokens)
            .bind(r.characters)
            .bind(r.images)
            .bind(r.cost_usd)
            .bind(r.duration_ms)
            .bind(i64::from(r.success))
            .bind(&r.error)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(())
        })
        .await
    }

    async fn enqueue_job(&self, j: NewJob) -> StoreResult<()> {
        self.watch(async {
            let mut c = self.writer.acquire().await?;
            insert_job(&mut c, &j).await
        })
        .await
    }

    async fn claim_job(
        &self,
        worker: &str,
        now: i64,
        lease_ms: i64,
    ) -> StoreResult<Option<JobRecord>> {
        self.watch(async {
            // One statement either way. PostgreSQL: SKIP LOCKED lets concurrent workers pass over
            // each other's candidate rows. SQLite: the single writer serialises claims.
            let lock = match self.backend {
                Backend::Postgres => " FOR UPDATE SKIP LOCKED",
                Backend::Sqlite => "",
            };
            let sql = format!(
                "UPDATE jobs SET status = 'running', attempts = attempts + 1, lease_until = $2, worker = $3, updated_at = $1 \
                 WHERE id = (SELECT id FROM jobs WHERE (status = 'queued' AND run_at <= $1) \
                     OR (status = 'running' AND lease_until < $1) ORDER BY run_at LIMIT 1{lock}) \
                 RETURNING id, user_id, kind, entity_id, payload, attempts, max_attempts"
            );
            let row: Option<(String, String, String, String, String, i64, i64)> = sqlx::query_as(&sql)
                .bind(now)
                .bind(now + lease_ms)
                .bind(worker)
                .fetch_optional(&self.writer)
                .await?;
            row.map(
                |(id, user, kind, entity, payload, attempts, max_attempts)| {
                    Ok(JobRecord {
                        id: parse_id(&id)?,
                        user_id: parse_id(&user)?,
                        kind: JobKind::from_name(&kind).ok_or_else(|| {
                            StoreError::Corrupt(format!("unknown job kind {kind:?}"))
                        })?,
                        entity_id: parse_id(&entity)?,
                        payload,
                        attempts,
                        max_attempts,
                    })
                },
            )
            .transpose()
        })
        .await
    }

    async fn complete_job(&self, id: Uuid, worker: &str, now: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = $3 \
                 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn fail_job(
        &self,
        id: Uuid,
        worker: &str,
        error: &str,
        retry_at: Option<i64>,
        now: i64,
    ) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = $4, run_at = $5, lease_until = NULL, last_error = $3, updated_at = $6 \
                 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(error)
            .bind(if retry_at.is_some() { "queued" } else { "failed" })
            .bind(retry_at.unwrap_or(now))
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn release_job(&self, id: Uuid, worker: &str, now: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL, run_at = $3, \
                 updated_at = $3 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(now)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn extend_lease(&self, id: Uuid, worker: &str, until: i64) -> StoreResult<bool> {
        self.watch(async {
            let done = sqlx::query(
                "UPDATE jobs SET lease_until = $3 WHERE id = $1 AND worker = $2 AND status = 'running'",
            )
            .bind(ids(id))
            .bind(worker)
            .bind(until)
            .execute(&self.writer)
            .await?;
            Ok(done.rows_affected() == 1)
        })
        .await
    }

    async fn job_status(&self, id: Uuid) -> StoreResult<Option<JobStatus>> {
        let row: Option<(String, i64, Option<String>)> =
            sqlx::query_as("SELECT status, attempts, last_error FROM jobs WHERE id = $1")
                .bind(ids(id))
                .fetch_optional(&self.writer)
                .await?;
        row.map(|(status, attempts, last_error)| {
            Ok(JobStatus {
                status: JobState::from_name(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("unknown job status {status:?}")))?,
                attempts,
                last_error,
            })
        })
        .transpose()
    }

    async fn request_audio(&self, user: Uuid, story: Uuid, job: NewJob) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let sets = "audio_status = 'pending', updated_at = $4";
            bump_row(
                &mut tx,
                "stories",
                &u,
                &i,
                v,
                sets,
                vec![Bind::Int(job.now)],
            )
            .await?;
            insert_job(&mut tx, &job).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn request_illustrations(
        &self,
        user: Uuid,
        story: Uuid,
        job: NewJob,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let sets = "illustration_status = 'pending', updated_at = $4";
            bump_row(
                &mut tx,
                "stories",
                &u,
                &i,
                v,
                sets,
                vec![Bind::Int(job.now)],
            )
            .await?;
            insert_job(&mut tx, &job).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn request_avatar(&self, user: Uuid, hero: Uuid, job: NewJob) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i) = (ids(user), ids(hero));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let sets = "avatar_status = 'pending', updated_at = $4";
            bump_row(&mut tx, "heroes", &u, &i, v, sets, vec![Bind::Int(job.now)]).await?;
            insert_job(&mut tx, &job).await?;
            let hero = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(hero)
        })
        .await
    }

    async fn set_story_audio(
        &self,
        user: Uuid,
        story: Uuid,
        status: GenerationStatus,
        key: Option<&str>,
        duration: Option<f64>,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let mut sets = String::from("audio_status = $4, updated_at = $5");
            let mut binds = vec![Bind::Text(Some(enum_str(&status))), Bind::Int(now)];
            if let Some(k) = key {
                // New audio narrates the current text: it is no longer stale.
                sets.push_str(", audio_key = $6, audio_duration = $7, audio_stale = 0");
                binds.push(Bind::Text(Some(k.to_owned())));
                binds.push(Bind::Float(duration));
            }
            bump_row(&mut tx, "stories", &u, &i, v, &sets, binds).await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn set_illustration_status(
        &self,
        user: Uuid,
        story: Uuid,
        status: IllustrationStatus,
        now: i64,
    ) -> StoreResult<Story> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let binds = vec![Bind::Text(Some(enum_str(&status))), Bind::Int(now)];
            bump_row(
                &mut tx,
                "stories",
                &u,
                &i,
                v,
                "illustration_status = $4, updated_at = $5",
                binds,
            )
            .await?;
            let story = story_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(story)
        })
        .await
    }

    async fn replace_illustrations(
        &self,
        user: Uuid,
        story: Uuid,
        scenes: &[(String, f64)],
        now: i64,
    ) -> StoreResult<(Vec<Illustration>, Vec<String>)> {
        self.watch(async {
            let (u, i) = (ids(user), ids(story));
            let mut tx = self.begin_write().await?;
            take_seq(&mut tx, &u, 0).await?;
            if story_by(&mut *tx, &u, &i).await?.is_none() {
                return Err(StoreError::NotFound);
            }
            let old = story_children(&mut tx, &i).await?;
            let n = old.len() as i64 + scenes.len() as i64 + 1;
            let mut next = take_seq(&mut tx, &u, n).await?;
            let mut keys = Vec::new();
            for (ill, key) in old {
                tombstone(&mut tx, &u, EntityKind::Illustration, &ill, next, now).await?;
                next += 1;
                keys.extend(key);
                sqlx::query("DELETE FROM illustrations WHERE id = $1")
                    .bind(&ill)
                    .execute(&mut *tx)
                    .await?;
            }
            let mut made = Vec::new();
            for (order, (desc, ts)) in scenes.iter().enumerate() {
                let id = ids(storyloom_domain::new_id());
                sqlx::query(
                    "INSERT INTO illustrations (id, user_id, story_id, display_order, scene_description, \
                     audio_timestamp, status, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8, $8)",
                )
                .bind(&id)
                .bind(&u)
                .bind(&i)
                .bind(order as i64)
                .bind(desc)
                .bind(*ts)
                .bind(next)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                next += 1;
                made.push(
                    illustration_by(&mut *tx, &u, &id)
                        .await?
                        .ok_or(StoreError::NotFound)?,
                );
            }
            // The story's illustrationCount changed: bump it too.
            bump_row(
                &mut tx,
                "stories",
                &u,
                &i,
                next,
                "updated_at = $4",
                vec![Bind::Int(now)],
            )
            .await?;
            self.commit(tx).await?;
            Ok((made, keys))
        })
        .await
    }

    async fn set_illustration(
        &self,
        user: Uuid,
        illustration: Uuid,
        status: GenerationStatus,
        key: Option<&str>,
        error: Option<&str>,
        now: i64,
    ) -> StoreResult<Illustration> {
        self.watch(async {
            let (u, i) = (ids(user), ids(illustration));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let binds = vec![
                Bind::Text(Some(enum_str(&status))),
                Bind::Int(now),
                Bind::Text(key.map(str::to_owned)),
                Bind::Text(error.map(str::to_owned)),
            ];
            let sets =
                "status = $4, updated_at = $5, image_key = COALESCE($6, image_key), error = $7";
            bump_row(&mut tx, "illustrations", &u, &i, v, sets, binds).await?;
            let ill = illustration_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ill)
        })
        .await
    }

    async fn set_hero_avatar(
        &self,
        user: Uuid,
        hero: Uuid,
        status: AvatarStatus,
        key: Option<&str>,
        generation_id: Option<&str>,
        now: i64,
    ) -> StoreResult<Hero> {
        self.watch(async {
            let (u, i) = (ids(user), ids(hero));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let binds = vec![
                Bind::Text(Some(enum_str(&status))),
                Bind::Int(now),
                Bind::Text(key.map(str::to_owned)),
                Bind::Text(generation_id.map(str::to_owned)),
            ];
            let sets = "avatar_status = $4, updated_at = $5, avatar_key = COALESCE($6, avatar_key), \
                        avatar_generation_id = COALESCE($7, avatar_generation_id)";
            bump_row(&mut tx, "heroes", &u, &i, v, sets, binds).await?;
            let hero = hero_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(hero)
        })
        .await
    }

    async fn set_event_enhancement(
        &self,
        user: Uuid,
        event: Uuid,
        keywords: &[String],
        prompt_seed: &str,
        now: i64,
    ) -> StoreResult<CustomEvent> {
        self.watch(async {
            let (u, i) = (ids(user), ids(event));
            let mut tx = self.begin_write().await?;
            let v = take_seq(&mut tx, &u, 1).await?;
            let binds = vec![
                Bind::Text(Some(to_json(&keywords))),
                Bind::Text(Some(prompt_seed.to_owned())),
                Bind::Int(now),
            ];
            let sets = "keywords = $4, prompt_seed = $5, ai_enhanced = 1, updated_at = $6";
            bump_row(&mut tx, "custom_events", &u, &i, v, sets, binds).await?;
            let ev = event_by(&mut *tx, &u, &i)
                .await?
                .ok_or(StoreError::NotFound)?;
            self.commit(tx).await?;
            Ok(ev)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_without_tls;

    #[test]
    fn loopback_postgres_without_sslmode_connects_in_the_clear() {
        assert_eq!(
            loopback_without_tls("postgres://postgres@127.0.0.1:5432/test"),
            "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
        );
        assert_eq!(
            loopback_without_tls("postgresql://u:p@localhost/db?application_name=x"),
            "postgresql://u:p@localhost/db?application_name=x&sslmode=disable"
        );
        assert_eq!(
            loopback_without_tls("postgres://u@[::1]:5433/db"),
            "postgres://u@[::1]:5433/db?sslmode=disable"
        );
    }

    #[test]
    fn explicit_sslmode_and_remote_hosts_are_left_alone() {
        for url in [
            "postgres://u@127.0.0.1/db?sslmode=require",
            "postgres://u@localhost/db?sslmode=verify-full&sslrootcert=/ca.pem",
            "postgres://u@db.example.com/db",
            "postgres://u@10.0.0.7:5432/db",
            "not a url",
        ] {
            assert_eq!(loopback_without_tls(url), url);
        }
    }
}
