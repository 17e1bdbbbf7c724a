//! The contract in `docs/API.md` lists every route the server publishes.
//!
//! Convention: each route appears in `docs/API.md` as `` `METHOD /api/path` `` (backticks
//! included, the path spelled as in the OpenAPI document, e.g. `` `GET /api/heroes/{id}` ``),
//! in the first cell of a table row. The OpenAPI document is fetched from the running server,
//! so a route added with its `#[utoipa::path]` but not documented fails here, and so does a
//! documented route that the server no longer publishes.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use storyloom_testkit::{DbKind, TestServer};

/// Served, and documented, but deliberately not in the OpenAPI document: the document
/// itself, signed media (no bearer token; the URL is the credential) and the benchmark-only
/// endpoint.
const NOT_IN_OPENAPI: [&str; 3] = [
    "GET /api/openapi.json",
    "GET /api/media/{key}",
    "GET /api/bench/limit",
];

const METHODS: [&str; 7] = ["get", "post", "put", "patch", "delete", "head", "options"];

fn api_md() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/API.md");
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// `METHOD /api/...` of every table row of API.md whose first cell is a route.
fn documented_routes(md: &str) -> BTreeSet<String> {
    md.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(route, _)| route))
        .filter(|r| {
            r.split_once(' ').is_some_and(|(m, p)| {
                METHODS.contains(&m.to_ascii_lowercase().as_str()) && p.starts_with('/')
            })
        })
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_published_route_is_in_api_md() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let r = s.anon().get("/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let paths = r.body["paths"].as_object().expect("the document has paths");
    let published: BTreeSet<String> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| format!("{} {path}", m.to_ascii_uppercase()))
        })
        .collect();
    assert!(published.len() >= 30, "too few routes: {published:?}");
    let md = api_md();
    let documented = documented_routes(&md);
    let missing: Vec<&String> = published.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "docs/API.md has no table row `| \\`METHOD /api/path\\` |` for these published routes:\n{}",
        missing
            .iter()
            .map(|r| format!("  {r}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let stale: Vec<&String> = documented
        .difference(&published)
        .filter(|r| !NOT_IN_OPENAPI.contains(&r.as_str()))
        .collect();
    assert!(
        stale.is_empty(),
        "docs/API.md documents routes the OpenAPI document does not have (remove them, or list them in NOT_IN_OPENAPI if they are served on purpose without it):\n{}",
        stale
            .iter()
            .map(|r| format!("  {r}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Issue 19's fields are in the published document, with the length as an enum.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_has_lengths_staleness_and_regeneration() {
    let s = TestServer::start(DbKind::Sqlite).await;
    let r = s.anon().get("/openapi.json").await;
    let schemas = &r.body["components"]["schemas"];
    for (schema, field) in [
        ("StoryCreate", "length"),
        ("Story", "length"),
        ("Story", "audioStale"),
        ("StoryUpdate", "language"),
        ("AudioRequest", "regenerate"),
        ("Profile", "defaultStoryLength"),
        ("ProfileUpdate", "defaultStoryLength"),
    ] {
        assert!(
            !schemas[schema]["properties"][field].is_null(),
            "{schema}.{field} missing: {}",
            schemas[schema]
        );
    }
    assert_eq!(
        schemas["StoryLength"]["enum"],
        serde_json::json!(["short", "medium", "long"]),
        "{}",
        schemas["StoryLength"]
    );
}
