//! The `storyloom` binary as a user runs it, against a real server started in this process
//! (testkit, on an ephemeral port): what it prints, what it prints with `--json`, its exit
//! codes, and what ends up on the server. One test binary with a module per area, so it links
//! once; the flows that touch the database directly run on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod auth;
mod conflicts;
mod errors;
mod events;
mod helpers;
mod heroes;
mod media;
mod offline;
mod stories;
mod watch;
