//! `/heroes`.

use storyloom_domain::{AvatarRequest, Hero, HeroCreate, HeroId, HeroUpdate};

use super::{ApiClient, Ignored, ListQuery, Page, Req};
use crate::error::Result;

impl ApiClient {
    /// `GET /heroes`, newest first.
    pub async fn list_heroes(&self, q: ListQuery) -> Result<Page<Hero>> {
        let (items, pagination) = self.call_page(Req::get("/heroes").query(q.pairs())).await?;
        Ok(Page { items, pagination })
    }

    /// `GET /heroes/{id}`.
    pub async fn get_hero(&self, id: HeroId) -> Result<Hero> {
        self.call(Req::get(format!("/heroes/{id}"))).await
    }

    /// `POST /heroes`. Send an `id` to make a retried create idempotent.
    pub async fn create_hero(&self, body: &HeroCreate) -> Result<Hero> {
        let mut req = Req::post("/heroes").json(body)?;
        if body.id.is_none() {
            req = req.unsafe_to_repeat();
        }
        self.call(req).await
    }

    /// `PATCH /heroes/{id}`, with `If-Match` semantics left to the sync push.
    pub async fn update_hero(&self, id: HeroId, body: &HeroUpdate) -> Result<Hero> {
        self.call(Req::patch(format!("/heroes/{id}")).json(body)?)
            .await
    }

    /// `DELETE /heroes/{id}` (its stories go too).
    pub async fn delete_hero(&self, id: HeroId) -> Result<()> {
        let _: Ignored = self.call(Req::delete(format!("/heroes/{id}"))).await?;
        Ok(())
    }

    /// `POST /heroes/{id}/avatar`: queue the avatar drawing (202).
    pub async fn generate_avatar(&self, id: HeroId, body: &AvatarRequest) -> Result<Hero> {
        self.call(
            Req::post(format!("/heroes/{id}/avatar"))
                .json(body)?
                .unsafe_to_repeat(),
        )
        .await
    }
}
