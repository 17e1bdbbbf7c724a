//! Test helpers: the real Storyloom server on an ephemeral port, over a temporary SQLite file
//! or a freshly created PostgreSQL database that is dropped afterwards.
//!
//! PostgreSQL is reached at `STORYLOOM_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Tests fail loudly when it is not there: the
//! suite promises to run on both backends, so silently skipping would be a lie.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::PathBuf, sync::Arc};

use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use sqlx::Connection as _;
use storyloom_server::{AppState, Config};
use storyloom_store::{SqlStore, Store};
use tempfile::TempDir;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};
use uuid::Uuid;

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// A SQLite file in a temp dir.
    Sqlite,
    /// A fresh database on the local PostgreSQL.
    Postgres,
}

/// Run each listed `async fn name(kind: DbKind)` as two tests, `sqlite::name` and
/// `postgres::name`.
#[macro_export]
macro_rules! db_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::DbKind::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::DbKind::Postgres).await } )*
        }
    };
}

fn admin_url() -> String {
    std::env::var("STORYLOOM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A uniquely named PostgreSQL database, dropped (forcibly) when this guard goes.
#[derive(Debug)]
pub struct PgDatabase {
    name: String,
    url: String,
}

impl PgDatabase {
    /// Create a fresh database.
    pub async fn create() -> Self {
        let admin = admin_url();
        let name = format!("storyloom_test_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is required for the test suite at {admin} (set STORYLOOM_TEST_PG): {e}")
        });
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut conn)
            .await
            .unwrap();
        let _ = conn.close().await;
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_owned())
            .unwrap_or(admin);
        Self {
            url: format!("{base}/{name}"),
            name,
        }
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&admin_url()).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// The database name at the end of a PostgreSQL URL.
pub fn database_name(url: &str) -> &str {
    url.rsplit('/').next().unwrap_or(url)
}

/// How many connections to the database at `url` sit idle inside a transaction for more than
/// a moment, seen through `admin`: a pool must never keep one (its next user's statements
/// would run, and never commit, inside it).
pub async fn idle_in_transaction(admin: &mut sqlx::PgConnection, url: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 \
         AND state LIKE 'idle in transaction%' AND now() - state_change > interval '20 ms'",
    )
    .bind(database_name(url))
    .fetch_one(admin)
    .await
    .unwrap()
}

/// Where a test's data lives; kept across server restarts.
#[derive(Debug)]
pub struct TestDb {
    /// Temp dir (data dir of the server; the SQLite file for SQLite).
    pub dir: TempDir,
    /// The PostgreSQL database, when on PostgreSQL.
    pub pg: Option<PgDatabase>,
}

impl TestDb {
    /// A fresh database of `kind`.
    pub async fn new(kind: DbKind) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let pg = match kind {
            DbKind::Sqlite => None,
            DbKind::Postgres => Some(PgDatabase::create().await),
        };
        Self { dir, pg }
    }

    /// `DATABASE_URL` for it.
    pub fn url(&self) -> String {
        match &self.pg {
            Some(pg) => pg.url().to_owned(),
            None => storyloom_store::sqlite_url(&self.dir.path().join("storyloom.db")),
        }
    }

    /// Open a store on it (migrated).
    pub async fn store(&self) -> SqlStore {
        SqlStore::connect(&self.url()).await.unwrap()
    }
}

/// A running server.
pub struct TestServer {
    url: String,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    /// The database (kept for restarts; dropped last).
    pub db: Arc<TestDb>,
    configure: Arc<dyn Fn(&mut Config) + Send + Sync>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("url", &self.url)
            .finish()
    }
}

impl TestServer {
    /// Start with default settings.
    pub async fn start(kind: DbKind) -> Self {
        Self::start_with(kind, |_| {}).await
    }

    /// Start with settings changed by `configure`.
    pub async fn start_with(
        kind: DbKind,
        configure: impl Fn(&mut Config) + Send + Sync + 'static,
    ) -> Self {
        let db = Arc::new(TestDb::new(kind).await);
        Self::start_on(db, Arc::new(configure), None).await
    }

    async fn start_on(
        db: Arc<TestDb>,
        configure: Arc<dyn Fn(&mut Config) + Send + Sync>,
        port: Option<u16>,
    ) -> Self {
        let mut config = Config::for_data_dir(PathBuf::from(db.dir.path()), Some(db.url()));
        configure(&mut config);
        let listener = TcpListener::bind(("127.0.0.1", port.unwrap_or(0)))
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        config.bind = addr;
        let state = storyloom_server::state_from_config(config).await.unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let s = state.clone();
        let task = tokio::spawn(async move {
            let _ = storyloom_server::serve(s, listener, async {
                let _ = rx.await;
            })
            .await;
        });
        Self {
            url: format!("http://{addr}"),
            state,
            stop: Some(tx),
            task: Some(task),
            db,
            configure,
        }
    }

    /// A second server process-alike on the same database (another API node behind the
    /// load balancer): its own caches, event hub and port.
    pub async fn another_node(&self) -> TestServer {
        Self::start_on(self.db.clone(), self.configure.clone(), None).await
    }

    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The server's `DATABASE_URL`, for tests that must look at raw rows.
    pub fn database_url(&self) -> String {
        self.db.url()
    }

    /// Absolute URL of an API path: `api("/heroes")` → `http://…/api/heroes`.
    pub fn api(&self, path: &str) -> String {
        format!("{}/api{}", self.url, path)
    }

    /// The server's state (store, config).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The server's store.
    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// Stop the server gracefully (the database stays until the last handle drops).
    pub async fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Stop and start again on the same database and port.
    pub async fn restart(&mut self) {
        self.stop().await;
        let port = self.url.rsplit(':').next().and_then(|p| p.parse().ok());
        let next = Self::start_on(self.db.clone(), self.configure.clone(), port).await;
        *self = next;
    }

    /// An HTTP helper without a token.
    pub fn anon(&self) -> Http {
        Http {
            base: self.api(""),
            token: None,
            client: reqwest::Client::new(),
        }
    }

    /// Sign up a fresh user and return a helper carrying its token.
    pub async fn user(&self) -> TestUser {
        let email = format!("parent-{}@example.com", Uuid::new_v4().simple());
        let r = self
            .anon()
            .post(
                "/auth/sign-up",
                json!({"email": email, "password": "correct horse battery", "name": "Parent"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "sign-up failed: {}", r.body);
        let token = r.data()["session"]["token"].as_str().unwrap().to_owned();
        let id = r.data()["user"]["id"].as_str().unwrap().parse().unwrap();
        TestUser {
            id,
            email,
            http: Http {
                base: self.api(""),
                token: Some(token),
                client: reqwest::Client::new(),
            },
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

/// A signed-up user.
#[derive(Debug, Clone)]
pub struct TestUser {
    /// Account id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// HTTP helper with the user's token.
    pub http: Http,
}

impl TestUser {
    /// The session token.
    pub fn token(&self) -> &str {
        self.http.token.as_deref().unwrap_or("")
    }
}

impl std::ops::Deref for TestUser {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

/// A small JSON-over-HTTP helper.
#[derive(Debug, Clone)]
pub struct Http {
    base: String,
    /// Bearer token sent, if any.
    pub token: Option<String>,
    client: reqwest::Client,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body as JSON (`Value::Null` when not JSON).
    pub body: Value,
    /// Raw body.
    pub text: String,
}

impl Resp {
    /// `body.data`.
    pub fn data(&self) -> &Value {
        &self.body["data"]
    }

    /// `body.error.code`.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

impl Http {
    /// With another token.
    pub fn with_token(&self, token: &str) -> Http {
        Http {
            base: self.base.clone(),
            token: Some(token.to_owned()),
            client: self.client.clone(),
        }
    }

    /// Send a request; `body` as JSON when given.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        read(req).await
    }

    /// Send a raw body with a content type.
    pub async fn send_raw(
        &self,
        method: Method,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Resp {
        let mut req = self
            .client
            .request(method, format!("{}{}", self.base, path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        read(req.header("content-type", content_type).body(body)).await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(Method::GET, path, None, &[]).await
    }

    /// POST JSON.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    /// PATCH JSON.
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    /// DELETE.
    pub async fn delete(&self, path: &str) -> Resp {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Create a hero named `name` and return it.
    pub async fn hero(&self, name: &str) -> Value {
        let r = self
            .post(
                "/heroes",
                json!({"name": name, "age": 6, "traits": ["brave", "kind"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.data().clone()
    }

    /// Import a story for a hero and return it.
    pub async fn story(&self, hero_id: &str, title: &str) -> Value {
        let r = self
            .post(
                "/stories",
                json!({"heroId": hero_id, "eventType": "bedtime", "language": "en", "title": title,
                       "content": "Once upon a time there was a brave child.\n\nThe end."}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        r.data().clone()
    }
}

async fn read(req: reqwest::RequestBuilder) -> Resp {
    let resp = req.send().await.expect("request failed");
    let status = resp.status();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap_or_default();
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        body,
        text,
    }
}
