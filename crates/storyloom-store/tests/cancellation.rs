//! A store call abandoned half-way (the HTTP client went away, a timeout fired) must leave no
//! pooled connection inside a transaction. sqlx 0.8's Postgres `begin()` is not cancel-safe: a
//! future dropped during the `BEGIN` round trip leaves the session in a transaction nobody
//! ends, the pool hands it to the next caller, and that caller's single statements (which
//! commit by themselves) then never commit, or fail with "current transaction is aborted"
//! (found by `scripts/soak`: lost writes and 500s after clients dropped their requests).

#![allow(clippy::unwrap_used)] // tests fail loudly by design

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Connection as _;
use storyloom_store::{NewUser, SqlStore, StoreError, prelude::*};
use storyloom_testkit::{DbKind, TestDb, db_tests, idle_in_transaction};

/// Run `call` on the runtime and abort it after `after` (waited off the runtime, so the call
/// makes progress meanwhile).
async fn abort_after<F>(call: F, after: Duration)
where
    F: Future<Output = ()> + Send + 'static,
{
    let task = tokio::spawn(call);
    tokio::task::spawn_blocking(move || {
        let until = Instant::now() + after;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
    })
    .await
    .unwrap();
    task.abort();
    let _ = task.await;
}

async fn abandoned_calls_leave_no_open_transaction(kind: DbKind) {
    let db = TestDb::new(kind).await;
    let s: Arc<SqlStore> = Arc::new(db.store().await);
    let u = storyloom_domain::UserId::new();
    s.create_user(NewUser {
        id: storyloom_domain::UserId(u.into()),
        email: "cancel@example.com".into(),
        password_hash: "h".into(),
        name: None,
        now: 1,
    })
    .await
    .unwrap();
    let mut admin = match &db.pg {
        Some(pg) => Some((
            sqlx::PgConnection::connect(pg.url()).await.unwrap(),
            pg.url(),
        )),
        None => None,
    };

    // Abandon calls at every point of their life, the BEGIN round trip included.
    let mut stuck = 0;
    for n in 0..200u64 {
        let s2 = s.clone();
        let call = async move {
            if n % 2 == 0 {
                let _ = s2.changes(storyloom_domain::UserId(u.into()), 0, 100).await;
            } else {
                let _ = s2
                    .delete_hero(u, storyloom_domain::HeroId::new(), None, 2)
                    .await;
            }
        };
        abort_after(call, Duration::from_micros((n * 53) % 3000)).await;
        if let Some((admin, url)) = admin.as_mut() {
            tokio::time::sleep(Duration::from_millis(30)).await;
            stuck += idle_in_transaction(admin, url).await;
        }
    }
    assert_eq!(
        stuck, 0,
        "abandoned calls left connections inside a transaction"
    );

    // Every connection of the pool serves later calls normally, and their writes last.
    let mut created = Vec::new();
    for n in 0..64 {
        s.changes(storyloom_domain::UserId(u.into()), 0, 100)
            .await
            .unwrap();
        let e = s
            .delete_hero(u, storyloom_domain::HeroId::new(), None, 3)
            .await;
        assert!(matches!(e, Ok(_) | Err(StoreError::NotFound)), "{e:?}");
        let body = storyloom_domain::HeroCreate {
            id: None,
            name: format!("Kept {n}"),
            age: 5,
            traits: vec![storyloom_domain::HeroTrait::Brave],
            special_ability: None,
            appearance: None,
            hair_color: None,
            eye_color: None,
            skin_tone: None,
        };
        created.push(
            s.create_hero(u, storyloom_domain::HeroId::new(), &body, 4)
                .await
                .unwrap()
                .into_inner()
                .id,
        );
    }
    s.close().await;
    let fresh = db.store().await;
    for id in created {
        fresh
            .get_hero(storyloom_domain::UserId(u.into()), id)
            .await
            .unwrap();
    }
}

db_tests!(abandoned_calls_leave_no_open_transaction);
