//! HTTP tests of the real server on an ephemeral port, each run on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod auth;
mod caching;
mod connections;
mod docs;
mod durability;
mod edges;
mod entry_points;
mod errors;
mod events;
mod faults;
mod generation;
mod generation_media;
mod heroes;
mod isolation;
mod journey;
mod meta;
mod profile;
mod providers;
mod proxy;
mod safety;
mod security;
mod stories;
mod sync;
