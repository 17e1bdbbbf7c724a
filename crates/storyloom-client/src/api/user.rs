//! `/user/*` and `/health`.

use storyloom_domain::{Health, Profile, ProfileUpdate, UsageResponse};

use super::{ApiClient, Req};
use crate::error::Result;

impl ApiClient {
    /// `GET /user/profile`.
    pub async fn profile(&self) -> Result<Profile> {
        self.call(Req::get("/user/profile")).await
    }

    /// `PATCH /user/profile`.
    pub async fn update_profile(&self, body: &ProfileUpdate) -> Result<Profile> {
        self.call(Req::patch("/user/profile").json(body)?).await
    }

    /// `GET /user/usage`: generation limits in the current hour.
    pub async fn usage(&self) -> Result<UsageResponse> {
        self.call(Req::get("/user/usage")).await
    }

    /// `GET /health` (no auth). A 503 comes back as [`crate::Error::Http`].
    pub async fn health(&self) -> Result<Health> {
        self.call(Req::get("/health").anonymous()).await
    }
}
