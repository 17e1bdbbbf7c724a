//! `sync` and `sync --watch`.
//!
//! `--watch` keeps the process running on the client core's live sync
//! ([`storyloom_client::LiveSync`]): a `changed` event for data this device has not pulled
//! triggers a sync (which pulls what another device did), `job` events are printed as they
//! come, and a dropped connection is reopened with the core's capped backoff, with a catch-up
//! sync after each reconnect (events sent while disconnected are lost by design; the change
//! feed is not). The CLI only prints what the follower reports. With `--json` every happening
//! is one JSON object per line, for scripts that react to them.

use serde_json::{Value, json};
use storyloom_client::{Error as ClientError, JobEvent, LiveEvent, OutboxState, SyncReport};
use storyloom_domain::JobProgress;
use tokio::sync::broadcast::error::RecvError;

use crate::cli::SyncArgs;
use crate::context::Ctx;
use crate::error::{CliError, CliResult};
use crate::output::{code, dim, good, notice, plural};
use crate::resolve::short_id;

fn report_json(r: &SyncReport) -> Value {
    json!({
        "pushed": r.pushed,
        "pulled": r.pulled,
        "failed": r.failed,
        "conflicts": r.conflicts,
        "fullResync": r.full_resync,
    })
}

fn describe(r: &SyncReport) -> String {
    match (r.pushed, r.pulled) {
        (0, 0) => "up to date".into(),
        (p, 0) => format!("sent {}", plural(p, "change", "changes")),
        (0, q) => format!("received {}", plural(q, "change", "changes")),
        (p, q) => format!(
            "sent {}, received {}",
            plural(p, "change", "changes"),
            plural(q, "change", "changes")
        ),
    }
}

/// Run `sync`.
pub async fn run(ctx: &Ctx, a: SyncArgs) -> CliResult<()> {
    ctx.user()?;
    ctx.require_online("syncing")?;
    if a.retry_failed {
        for e in ctx.client.sync().outbox().await? {
            if e.state == OutboxState::Failed {
                ctx.client.sync().retry_failed(e.seq).await?;
            }
        }
    }
    let spinner = ctx.out.spinner("Syncing…");
    let result = ctx.sync_strict().await;
    spinner.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(CliError::Offline(why)) => {
            let note = ctx.note().await?;
            let queued = if note.pending > 0 {
                format!(
                    "; {} still queued on this device",
                    plural(note.pending, "change is", "changes are")
                )
            } else {
                String::new()
            };
            return Err(CliError::Offline(format!("{why}{queued}")));
        }
        Err(e) => return Err(e),
    };
    let note = ctx.note().await?;
    if ctx.out.json {
        let v = json!({"event": "synced", "report": report_json(&report), "sync": note});
        if a.watch {
            ctx.out.print_json_line(&v);
        } else {
            ctx.out.print_json(&v);
        }
    } else {
        ctx.out.line(format!(
            "{} Synced with {}: {}.",
            good("✓"),
            ctx.server,
            describe(&report)
        ));
        ctx.print_note(&note, false);
    }
    if a.watch {
        watch(ctx).await?;
    }
    Ok(())
}

fn stamp() -> String {
    dim(chrono::Local::now().format("%H:%M:%S"))
}

/// The word for a job's progress.
pub(crate) fn progress_word(p: JobProgress) -> &'static str {
    match p {
        JobProgress::Processing => "processing",
        JobProgress::Completed => "completed",
        JobProgress::Partial => "partial",
        JobProgress::Failed => "failed",
    }
}

fn print_job(ctx: &Ctx, job: &JobEvent) {
    if ctx.out.json {
        ctx.out
            .print_json_line(&json!({"event": "job", "job": job}));
    } else {
        ctx.out.line(format!(
            "{} {} {} {}: {}",
            stamp(),
            job.entity.name(),
            code(short_id(job.id)),
            job.kind.name(),
            progress_word(job.status)
        ));
    }
}

/// What `watch` does with one thing the follower reports.
async fn handle(ctx: &Ctx, ev: LiveEvent) -> CliResult<()> {
    match ev {
        LiveEvent::Synced(r) => {
            ctx.record_sync(Ok(()));
            if r.pushed + r.pulled + r.failed + r.conflicts == 0 {
                return Ok(());
            }
            let note = ctx.note().await?;
            if ctx.out.json {
                ctx.out.print_json_line(
                    &json!({"event": "synced", "report": report_json(&r), "sync": note}),
                );
            } else {
                ctx.out.line(format!("{} {}", stamp(), describe(&r)));
                ctx.print_note(&note, false);
            }
        }
        LiveEvent::SyncFailed(e) => {
            if matches!(*e, ClientError::SignedOut) {
                return Err(CliError::NotSignedIn);
            }
            ctx.record_sync(Err(&e));
            if ctx.out.json {
                ctx.out
                    .print_json_line(&json!({"event": "syncFailed", "error": e.to_string()}));
            } else {
                ctx.out.warn(format!("sync failed: {e}"));
            }
        }
        LiveEvent::Job(job) => print_job(ctx, &job),
        LiveEvent::Disconnected { .. } => {
            if ctx.out.json {
                ctx.out.print_json_line(&json!({"event": "disconnected"}));
            } else {
                ctx.out.line(format!(
                    "{} {}",
                    stamp(),
                    notice("connection lost; reconnecting…")
                ));
            }
        }
        LiveEvent::Unreachable { error, retry_in } => {
            if matches!(*error, ClientError::SignedOut) {
                return Err(CliError::NotSignedIn);
            }
            if ctx.out.json {
                ctx.out.print_json_line(&json!({
                    "event": "unreachable", "error": error.to_string(),
                    "retryInSecs": retry_in.as_secs(),
                }));
            } else {
                ctx.out.line(format!(
                    "{} {} retrying in {} s",
                    stamp(),
                    notice(format!("{error};")),
                    retry_in.as_secs()
                ));
            }
        }
        LiveEvent::Connected => {}
    }
    Ok(())
}

/// Follow the live stream until Ctrl-C.
async fn watch(ctx: &Ctx) -> CliResult<()> {
    if ctx.out.json {
        ctx.out
            .print_json_line(&json!({"event": "watching", "server": ctx.server}));
    } else {
        ctx.out.line(format!(
            "Watching {} for changes (Ctrl-C to stop)…",
            ctx.server
        ));
    }
    let live = ctx.client.sync().start_live();
    let mut events = live.events();
    loop {
        let next = tokio::select! {
            r = events.recv() => r,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        match next {
            Ok(ev) => handle(ctx, ev).await?,
            // Missed some while busy printing: the next sync reports the state anyway.
            Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => {
                return Err(CliError::Local("the live sync stopped".into()));
            }
        }
    }
}
