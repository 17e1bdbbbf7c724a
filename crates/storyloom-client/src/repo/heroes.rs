//! What heroes add to the generic repository: avatar generation (online).

use storyloom_domain::{AvatarRequest, Hero, HeroId};

use super::{Repository, validate};
use crate::error::{Error, Result};

impl Repository<Hero> {
    /// Ask the server to draw the avatar (online only). The hero must already be on the
    /// server: sync first after creating it offline.
    pub async fn generate_avatar(&self, id: HeroId, body: AvatarRequest) -> Result<Hero> {
        validate(&body)?;
        let hero = self
            .ctx
            .api
            .generate_avatar(id, &body)
            .await
            .map_err(Error::offline_if_network)?;
        self.ctx.absorb_entity(hero.id, &hero).await?;
        Ok(hero)
    }
}
