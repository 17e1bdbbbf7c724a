//! The server's PostgreSQL connections skip TLS on loopback unless the URL asks for it.

#![allow(clippy::unwrap_used)] // tests fail loudly by design

use sqlx::Connection as _;
use storyloom_store::{SqlStore, Store as _};
use storyloom_testkit::{PgDatabase, database_name};

/// (connections to `db`, of which over TLS), as PostgreSQL itself sees them.
async fn tls_use(admin: &mut sqlx::PgConnection, db: &str) -> (i64, i64) {
    sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE s.ssl) \
         FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = $1",
    )
    .bind(db)
    .fetch_one(admin)
    .await
    .unwrap()
}

#[tokio::test]
async fn loopback_connections_skip_tls_unless_the_url_asks() {
    let pg = PgDatabase::create().await;
    let db = database_name(pg.url()).to_owned();
    let mut admin = sqlx::PgConnection::connect(pg.url()).await.unwrap();
    let offered: String = sqlx::query_scalar("SHOW ssl")
        .fetch_one(&mut admin)
        .await
        .unwrap();

    let plain = SqlStore::connect(pg.url()).await.unwrap();
    plain.ping().await.unwrap();
    let (before, tls_before) = tls_use(&mut admin, &db).await;
    // The admin connection is counted too: it used the driver's default on purpose.
    assert!(before >= 2, "the store holds a connection");
    let admin_tls = i64::from(offered == "on");
    assert_eq!(
        tls_before, admin_tls,
        "the store's connections must not use TLS"
    );

    if offered == "on" {
        let tls = SqlStore::connect(&format!("{}?sslmode=require", pg.url()))
            .await
            .unwrap();
        tls.ping().await.unwrap();
        let (after, tls_after) = tls_use(&mut admin, &db).await;
        assert!(after > before);
        assert!(
            tls_after > tls_before,
            "an explicit sslmode=require is kept"
        );
    }
}
