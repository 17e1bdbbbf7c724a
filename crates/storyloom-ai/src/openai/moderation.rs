//! Generated text checked before it is kept: the child-safety lexicon, then OpenAI's
//! moderation endpoint when it is on; and what a regenerated output's attempts cost together.

use serde_json::{Value, json};
use storyloom_domain::ContentCategory;

use super::{OpenAi, invalid};
use crate::{AiError, UsageInfo, safety};

/// Our category for a flagged moderation category (OpenAI's names).
fn moderation_category(name: &str) -> ContentCategory {
    match name.split('/').next().unwrap_or(name) {
        "sexual" => ContentCategory::Sexual,
        "hate" | "harassment" => ContentCategory::Hate,
        "self-harm" => ContentCategory::SelfHarm,
        "violence" if name.ends_with("graphic") => ContentCategory::Gore,
        "violence" => ContentCategory::Violence,
        "illicit" => ContentCategory::Drugs,
        _ => ContentCategory::Other,
    }
}

impl OpenAi {
    /// OpenAI's moderation verdict on `texts`: the category of the first flagged one.
    async fn moderate(&self, texts: &[&str]) -> Result<Option<ContentCategory>, AiError> {
        let body = json!({"model": self.config.moderation_model, "input": texts});
        let bytes = self.post("moderations", &body).await?;
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| invalid(format!("moderation answer is not JSON: {e}")))?;
        let results = v
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("moderation answer has no results"))?;
        for r in results {
            if r.get("flagged").and_then(Value::as_bool) != Some(true) {
                continue;
            }
            let named = r
                .get("categories")
                .and_then(Value::as_object)
                .and_then(|cats| {
                    cats.iter()
                        .find(|(_, on)| on.as_bool() == Some(true))
                        .map(|(name, _)| moderation_category(name))
                });
            return Ok(Some(named.unwrap_or(ContentCategory::Other)));
        }
        Ok(None)
    }

    /// What is wrong with generated `texts` for a child of `age`, if anything: the lexicon
    /// (for stories: instructions inside a story are just words) and, when on, moderation.
    pub(super) async fn check_output(
        &self,
        texts: &[&str],
        age: Option<i64>,
        instructions_too: bool,
    ) -> Result<Option<ContentCategory>, AiError> {
        for t in texts {
            let found = if instructions_too {
                safety::judge(t, age)?
            } else {
                safety::judge_story(t, age)?
            };
            if found.is_some() {
                return Ok(found);
            }
        }
        if self.config.moderation {
            return self.moderate(texts).await;
        }
        Ok(None)
    }
}

/// Add `more` to the usage of earlier attempts.
pub(super) fn add_usage(total: &mut Option<UsageInfo>, more: UsageInfo) {
    match total {
        None => *total = Some(more),
        Some(t) => {
            t.tokens += more.tokens;
            t.characters += more.characters;
            t.images += more.images;
            t.estimated_cost_usd += more.estimated_cost_usd;
        }
    }
}

/// How many times a flagged output is generated in all before the call fails.
pub(super) const OUTPUT_ATTEMPTS: u32 = 2;
