//! `storyloom-server`: parse the command line, set up logging, run the chosen command.

use clap::{Parser, Subcommand};
use storyloom_server::{
    Config, config::unknown_env_vars, serve, shutdown_signal, state_from_config, telemetry,
};

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
    /// Print the effective configuration (secrets redacted) and exit.
    PrintConfig(Config),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(config) => {
            telemetry::init(&config.log_format);
            for var in unknown_env_vars() {
                tracing::warn!(%var, "unknown STORYLOOM_* environment variable ignored");
            }
            let listener = tokio::net::TcpListener::bind(config.bind).await?;
            let addr = listener.local_addr()?;
            let state = state_from_config(config).await?;
            tracing::info!(%addr, "storyloom-server listening; docs at http://{addr}/docs");
            serve(state, listener, shutdown_signal()).await?;
            tracing::info!("stopped");
        }
        Command::Migrate(config) => {
            telemetry::init(&config.log_format);
            state_from_config(config).await?;
            println!("migrations applied");
        }
        Command::PrintConfig(config) => print!("{}", config.describe()),
    }
    Ok(())
}
