//! `/custom-events`.

use storyloom_domain::{CustomEvent, CustomEventCreate, CustomEventId, CustomEventUpdate};

use super::{ApiClient, Ignored, ListQuery, Page, Req};
use crate::error::Result;

impl ApiClient {
    /// `GET /custom-events`.
    pub async fn list_custom_events(&self, q: ListQuery) -> Result<Page<CustomEvent>> {
        let (items, pagination) = self
            .call_page(Req::get("/custom-events").query(q.pairs()))
            .await?;
        Ok(Page { items, pagination })
    }

    /// `GET /custom-events/{id}`.
    pub async fn get_custom_event(&self, id: CustomEventId) -> Result<CustomEvent> {
        self.call(Req::get(format!("/custom-events/{id}"))).await
    }

    /// `POST /custom-events`.
    pub async fn create_custom_event(&self, body: &CustomEventCreate) -> Result<CustomEvent> {
        let mut req = Req::post("/custom-events").json(body)?;
        if body.id.is_none() {
            req = req.unsafe_to_repeat();
        }
        self.call(req).await
    }

    /// `PATCH /custom-events/{id}`.
    pub async fn update_custom_event(
        &self,
        id: CustomEventId,
        body: &CustomEventUpdate,
    ) -> Result<CustomEvent> {
        self.call(Req::patch(format!("/custom-events/{id}")).json(body)?)
            .await
    }

    /// `DELETE /custom-events/{id}`.
    pub async fn delete_custom_event(&self, id: CustomEventId) -> Result<()> {
        let _: Ignored = self
            .call(Req::delete(format!("/custom-events/{id}")))
            .await?;
        Ok(())
    }

    /// `POST /custom-events/{id}/enhance`: AI keywords and a richer prompt seed.
    pub async fn enhance_custom_event(&self, id: CustomEventId) -> Result<CustomEvent> {
        self.call(Req::post(format!("/custom-events/{id}/enhance")).unsafe_to_repeat())
            .await
    }
}
