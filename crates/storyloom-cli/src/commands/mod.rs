//! One module per command group; each command is an `async fn(&Ctx, args) -> CliResult<()>`
//! that prints its own result (text or JSON) and returns an error for `main` to report.

mod auth;
mod conflicts;
mod events;
mod heroes;
mod open;
mod status;
mod stories;
mod sync;
mod usage;

use crate::cli::Command;
use crate::context::Ctx;
use crate::error::CliResult;

/// Run the parsed command.
pub async fn run(ctx: &Ctx, command: Command) -> CliResult<()> {
    match command {
        Command::Signup(a) => auth::signup(ctx, a).await,
        Command::Login(a) => auth::login(ctx, a).await,
        Command::Logout => auth::logout(ctx).await,
        Command::Whoami => auth::whoami(ctx).await,
        Command::Heroes(c) => heroes::run(ctx, c).await,
        Command::Stories(c) => stories::run(ctx, c).await,
        Command::Events(c) => events::run(ctx, c).await,
        Command::Sync(a) => sync::run(ctx, a).await,
        Command::Status => status::run(ctx).await,
        Command::Conflicts(c) => conflicts::run(ctx, c).await,
        Command::Usage => usage::run(ctx).await,
        Command::Open(a) => open::run(ctx, a).await,
    }
}
