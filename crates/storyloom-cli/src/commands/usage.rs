//! `usage`: this hour's generation allowance, straight from the server (nothing to cache:
//! a stale answer would be wrong in exactly the moment it matters).

use serde_json::json;
use storyloom_domain::Operation;

use crate::context::Ctx;
use crate::error::CliResult;
use crate::output::{Table, bad, dim, good, notice};

fn label(op: Operation) -> &'static str {
    match op {
        Operation::StoryGeneration => "stories",
        Operation::AudioGeneration => "narrations",
        Operation::IllustrationGeneration => "illustrated stories",
        Operation::AvatarGeneration => "avatars",
        Operation::EventEnhancement => "event enhancements",
    }
}

/// Run `usage`.
pub async fn run(ctx: &Ctx) -> CliResult<()> {
    ctx.user()?;
    ctx.require_online("usage")?;
    let usage = ctx.client.api().usage().await?;
    if ctx.out.json {
        ctx.out.print_json(&json!({ "usage": usage }));
        return Ok(());
    }
    let mut t = Table::new(&["THIS HOUR", "USED", "LIMIT", "LEFT", "FREES UP"]);
    for op in &usage.operations {
        let left = if op.remaining == 0 {
            bad(op.remaining)
        } else if op.remaining * 5 <= op.limit {
            notice(op.remaining)
        } else {
            good(op.remaining)
        };
        let resets = op.reset_at.map_or_else(
            || dim("—"),
            |t| {
                let mins = (t - chrono::Utc::now()).num_minutes().max(0);
                format!("in {mins} min")
            },
        );
        t.row(vec![
            label(op.operation).into(),
            op.used.to_string(),
            op.limit.to_string(),
            left,
            resets,
        ]);
    }
    ctx.out.text(&t.render());
    let tot = &usage.totals;
    ctx.out.line(dim(format!(
        "All time: {} generation requests ({} failed), estimated cost ${:.2}",
        tot.requests, tot.failures, tot.estimated_cost_usd
    )));
    Ok(())
}
