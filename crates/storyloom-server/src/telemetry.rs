//! Logging: `tracing` to stderr, pretty for people or JSON for machines, filtered by
//! `STORYLOOM_LOG` (default `info`).

use tracing_subscriber::{EnvFilter, fmt, prelude::*};

/// Install the global subscriber (once; later calls are ignored).
pub fn init(format: &str) {
    let filter = EnvFilter::try_from_env("STORYLOOM_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = if format == "json" {
        registry
            .with(fmt::layer().json().with_writer(std::io::stderr))
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
}
