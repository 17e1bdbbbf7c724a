//! `/stories`.

use storyloom_domain::{
    AudioRequest, IllustrationStatusResponse, PlayRequest, Story, StoryCreate, StoryId, StoryUpdate,
};

use super::{ApiClient, Ignored, ListQuery, Page, Req};
use crate::error::Result;

/// Filters of `GET /stories`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StoryListQuery {
    /// Page.
    pub page: ListQuery,
    /// Only this hero's stories.
    pub hero_id: Option<storyloom_domain::HeroId>,
    /// Only favourites (`Some(true)`) or only the others (`Some(false)`).
    pub favorite: Option<bool>,
}

impl ApiClient {
    /// `GET /stories`, newest first.
    pub async fn list_stories(&self, q: StoryListQuery) -> Result<Page<Story>> {
        let mut pairs = q.page.pairs();
        if let Some(h) = q.hero_id {
            pairs.push(("heroId", h.to_string()));
        }
        if let Some(f) = q.favorite {
            pairs.push(("favorite", f.to_string()));
        }
        let (items, pagination) = self.call_page(Req::get("/stories").query(pairs)).await?;
        Ok(Page { items, pagination })
    }

    /// `GET /stories/{id}` (with illustrations).
    pub async fn get_story(&self, id: StoryId) -> Result<Story> {
        self.call(Req::get(format!("/stories/{id}"))).await
    }

    /// `POST /stories`: generate (text now, audio and illustrations queued) or import.
    /// Without an `id` a repeat could generate twice, so it is retried only when the server
    /// cannot have acted.
    pub async fn create_story(&self, body: &StoryCreate) -> Result<Story> {
        let mut req = Req::post("/stories").json(body)?;
        if body.id.is_none() {
            req = req.unsafe_to_repeat();
        }
        self.call(req).await
    }

    /// `PATCH /stories/{id}`.
    pub async fn update_story(&self, id: StoryId, body: &StoryUpdate) -> Result<Story> {
        self.call(Req::patch(format!("/stories/{id}")).json(body)?)
            .await
    }

    /// `DELETE /stories/{id}`.
    pub async fn delete_story(&self, id: StoryId) -> Result<()> {
        let _: Ignored = self.call(Req::delete(format!("/stories/{id}"))).await?;
        Ok(())
    }

    /// `POST /stories/{id}/play`: add plays (a counter; repeating would count twice).
    pub async fn play_story(&self, id: StoryId, body: &PlayRequest) -> Result<Story> {
        self.call(
            Req::post(format!("/stories/{id}/play"))
                .json(body)?
                .unsafe_to_repeat(),
        )
        .await
    }

    /// `POST /stories/{id}/audio`: queue narration (202).
    pub async fn generate_audio(&self, id: StoryId, body: &AudioRequest) -> Result<Story> {
        self.call(
            Req::post(format!("/stories/{id}/audio"))
                .json(body)?
                .unsafe_to_repeat(),
        )
        .await
    }

    /// `POST /stories/{id}/illustrations`: queue illustrations (202).
    pub async fn generate_illustrations(&self, id: StoryId) -> Result<Story> {
        self.call(Req::post(format!("/stories/{id}/illustrations")).unsafe_to_repeat())
            .await
    }

    /// `GET /stories/{id}/illustrations/status`.
    pub async fn illustration_status(&self, id: StoryId) -> Result<IllustrationStatusResponse> {
        self.call(Req::get(format!("/stories/{id}/illustrations/status")))
            .await
    }
}
