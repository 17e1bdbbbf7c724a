//! `storyloom`: the Storyloom command-line app, for parents and developers at a terminal.
//!
//! It is a thin shell over `storyloom-client`: the client core owns the local cache, the
//! outbox, sync and the media cache; this crate owns the command line, the output (text for
//! people, `--json` for scripts), progress display, and exit codes.
//!
//! Exit codes (also in `storyloom --help`), decided in one place, [`error::CliError::exit_code`]:
//!
//! | code | meaning |
//! | ---: | --- |
//! | 0 | success; a change saved on this device and queued for sync is a success |
//! | 1 | local failure (cache, disk) or a bug |
//! | 2 | usage: bad arguments or invalid input |
//! | 3 | authentication: not signed in, session expired, wrong email or password |
//! | 4 | offline: the command needs the server and it could not be reached |
//! | 5 | server error: the server failed or answered something unexpected |
//! | 6 | not found: no such hero, story, event, conflict or media |
//! | 7 | refused by the server: email taken, rate limit, content rules, conflict |
//!
//! Module map: `cli` (arguments), `context` (client + sync policy), `commands/*` (one module
//! per command group), `follow` and `live` (generation progress over the live stream),
//! `output` (text, tables, JSON), `resolve` (names and short ids), `state` (files under the
//! home directory), `error` (the error type and its exit codes).

mod cli;
mod commands;
mod context;
mod error;
mod follow;
mod output;
mod resolve;
mod state;

use std::process::ExitCode;

use clap::Parser as _;
use clap::error::ErrorKind;

use crate::context::Ctx;
use crate::error::CliError;
use crate::output::Output;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => return argument_error(e),
    };
    let out = Output::detect(cli.global.json);
    // The server named on the command line, for error hints when the client cannot even open.
    let named_server = cli
        .global
        .server
        .clone()
        .unwrap_or_else(|| state::DEFAULT_SERVER.to_owned());
    // One thread: a CLI runs one command; the client core moves SQLite work to the blocking
    // pool by itself.
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            out.error(
                &CliError::Local(format!("cannot start: {e}")),
                &named_server,
            );
            return ExitCode::from(error::EXIT_FAILURE);
        }
    };
    let _entered = runtime.enter();
    let ctx = match Ctx::open(&cli.global, out.clone()) {
        Ok(c) => c,
        Err(e) => {
            out.error(&e, &named_server);
            return ExitCode::from(e.exit_code());
        }
    };
    let result = runtime.block_on(commands::run(&ctx, cli.command));
    match result {
        Ok(()) => ExitCode::from(error::EXIT_OK),
        Err(e) => {
            ctx.out.error(&e, &ctx.server);
            ExitCode::from(e.exit_code())
        }
    }
}

/// Help and version go to stdout with exit 0; a bad command line is exit 2, as clap reports
/// it, except that with `--json` it is the same `{"error": …}` document every other failure
/// prints, so a script reads one format whatever went wrong.
fn argument_error(e: clap::Error) -> ExitCode {
    if matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
        || !std::env::args().any(|a| a == "--json")
    {
        e.exit();
    }
    let text = e.to_string();
    // The first paragraph is the error itself; the rest is usage and tips.
    let message = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim_start_matches("error: ")
        .to_owned();
    let err = CliError::Usage(message);
    Output::detect(true).error(&err, state::DEFAULT_SERVER);
    ExitCode::from(err.exit_code())
}
