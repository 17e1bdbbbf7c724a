//! Integration tests of storyloom-ai, in one binary so it links once.
// clippy.toml allows unwrap in #[test] functions only; the helpers here are test code too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod builtin;
mod common;
mod corpus;
mod openai;
mod storyteller;
