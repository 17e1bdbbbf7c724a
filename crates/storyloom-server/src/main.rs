//! `storyloom-server`: parse the command line, set up logging, run the chosen command.

use clap::{Parser, Subcommand};
use storyloom_server::{
    Config, config::unknown_env_vars, run_workers, serve, shutdown_signal, state_from_config,
    telemetry,
};

/// mimalloc: a create allocates a lot in small pieces across worker threads, and glibc's
/// allocator took ~10 % more server CPU per `POST /api/heroes` (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "storyloom-server",
    version,
    about = "The Storyloom HTTP API server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (migrating the database first).
    Serve(Config),
    /// Run the database migrations and exit.
    Migrate(Config),
    /// Run job workers only (narration, illustrations, avatars), no HTTP: scale generation
    /// by starting more of these against the same PostgreSQL database.
    Worker(Config),
    /// Print the effective configuration (secrets redacted) and exit.
    PrintConfig(Config),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(mut config) => {
            config.load_ai()?;
            telemetry::init(&config.log_format);
            for var in unknown_env_vars() {
                tracing::warn!(%var, "unknown STORYLOOM_* environment variable ignored");
            }
            // Before anything opens files: the cap on connections defaults from this limit.
            let open_files = storyloom_server::conn::raise_open_file_limit();
            let limits = storyloom_server::conn::ConnLimits::from_config(&config);
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            let addr = listener.local_addr()?;
            let state = state_from_config(config).await?;
            tracing::info!(
                %addr,
                open_files,
                max_connections = limits.max,
                "storyloom-server listening; docs at http://{addr}/docs"
            );
            serve(state, listener, shutdown_signal()).await?;
            tracing::info!("stopped");
        }
        Command::Migrate(config) => {
            telemetry::init(&config.log_format);
            state_from_config(config).await?;
            println!("migrations applied");
        }
        Command::Worker(mut config) => {
            config.load_ai()?;
            telemetry::init(&config.log_format);
            let n = config.workers.max(1);
            let state = state_from_config(config).await?;
            tracing::info!(workers = n, "storyloom-server worker running");
            run_workers(state, n, shutdown_signal()).await;
            tracing::info!("stopped");
        }
        Command::PrintConfig(mut config) => {
            config.load_ai()?;
            print!("{}", config.describe());
        }
    }
    Ok(())
}
