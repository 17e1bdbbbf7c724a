//! End-to-end: two client cores against the real server (storyloom-testkit), on SQLite and
//! PostgreSQL. Every conflict rule of SYNC.md, restart mid-outbox, token loss mid-sync,
//! incremental pulls, exactly-once through a fault-injecting proxy, delta pull size and the
//! live stream.
//!
//! The scenario bodies are plain `async fn`s that `db_tests!` wraps in `#[tokio::test]`, so
//! clippy does not see them as tests: allow the panicking helpers they are made of.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod chaos;
mod delta;
mod heavy;
mod helpers;
mod journey;
mod lifecycle;
mod live;
mod proxy;
mod rules;
