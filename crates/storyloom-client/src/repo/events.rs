//! What custom events add to the generic repository: AI enhancement (online).

use storyloom_domain::{CustomEvent, CustomEventId};

use super::Repository;
use crate::error::{Error, Result};

impl Repository<CustomEvent> {
    /// Let the AI add keywords and a richer prompt seed (online only).
    pub async fn enhance(&self, id: CustomEventId) -> Result<CustomEvent> {
        let ev = self
            .ctx
            .api
            .enhance_custom_event(id)
            .await
            .map_err(Error::offline_if_network)?;
        self.ctx.absorb_entity(ev.id, &ev).await?;
        Ok(ev)
    }
}
