//! The SQL implementation of [`Store`] for SQLite and PostgreSQL.

use std::{path::Path, str::FromStr as _, time::Duration};

use async_trait::async_trait;
use sqlx::{
    Any, AnyConnection, AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
    migrate::Migrator,
    pool::PoolConnection,
};
use uuid::Uuid;

use crate::{Backend, Store, StoreError, StoreResult, health::WriteHealth};

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

fn ids(id: impl Into<Uuid>) -> String {
    id.into().to_string()
}

mod accounts;
mod content;
mod feed;
mod generation;
mod hero_rows;
mod listening;
mod shared;
mod usage;

use hero_rows::*;
use shared::*;

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
