//! UniFFI bindings of Storyloom's client core ([`storyloom_client`]) for the iOS and Android
//! apps (Swift and Kotlin; Python too, which is how the bindings are tested here).
//!
//! A thin layer (STYLE.md §19): exported objects hold an `Arc` of the core client and
//! forward; records and enums are FFI-shaped mirrors of the domain types ([`types`]); one
//! small error enum says what the app can do about a failure ([`error`]); the app brings its
//! own secure session storage ([`session`]) and observes sync through callbacks that live as
//! long as a [`sync::TaskHandle`]. Async exports run on a tokio runtime this library owns
//! (`runtime.rs`), whatever executor the foreign side awaits them from.
//!
//! Entry point from Swift:
//!
//! ```swift
//! let client = try ClientBuilder(serverUrl: "https://api.storyloom.app")
//!     .dataDir(path: appSupport.path)
//!     .sessionStore(store: KeychainSessionStore())
//!     .build()
//! let heroes = try await client.heroes().list()
//! ```
//!
//! Generate the bindings with `scripts/bindings`; build the XCFramework with
//! `scripts/build-xcframework` (macOS).
#![warn(missing_docs)]

uniffi::setup_scaffolding!();

pub mod client;
pub mod error;
pub mod media;
pub mod repos;
mod runtime;
pub mod session;
pub mod sync;
pub mod types;

pub use client::{Auth, Client, ClientBuilder};
pub use error::StoryloomError;
pub use media::MediaCache;
pub use repos::{CustomEventRepository, HeroRepository, StoryRepository};
pub use session::SessionStore;
pub use sync::{EntityObserver, SyncEngine, SyncStateObserver, TaskHandle};
