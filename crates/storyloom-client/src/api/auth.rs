//! `/auth/*`: sign-up, sign-in, session, refresh, sign-out.

use storyloom_domain::{AuthResponse, SignIn, SignUp};

use super::{ApiClient, Ignored, Req};
use crate::error::Result;

impl ApiClient {
    /// `POST /auth/sign-up`; the new session is stored.
    pub async fn sign_up(&self, body: &SignUp) -> Result<AuthResponse> {
        // Repeating a sign-up that reached the server would answer EMAIL_TAKEN.
        let auth: AuthResponse = self
            .call(
                Req::post("/auth/sign-up")
                    .anonymous()
                    .unsafe_to_repeat()
                    .json(body)?,
            )
            .await?;
        self.inner.session.set(auth.clone())?;
        Ok(auth)
    }

    /// `POST /auth/sign-in`; the new session is stored.
    pub async fn sign_in(&self, body: &SignIn) -> Result<AuthResponse> {
        let auth: AuthResponse = self
            .call(Req::post("/auth/sign-in").anonymous().json(body)?)
            .await?;
        self.inner.session.set(auth.clone())?;
        Ok(auth)
    }

    /// `GET /auth/session`: the current user as the server sees it.
    pub async fn current_session(&self) -> Result<AuthResponse> {
        self.call(Req::get("/auth/session")).await
    }

    /// `POST /auth/sign-out`, then forget the session. Signing out works offline too: the
    /// server-side token then simply expires.
    pub async fn sign_out(&self) -> Result<()> {
        let result = match self.session() {
            Some(s) => self
                .send_with_retries(&Req::post("/auth/sign-out"), Some(&s.session.token))
                .await
                .map(|_| ()),
            None => Ok(()),
        };
        self.inner.session.clear()?;
        match result {
            Ok(()) => Ok(()),
            Err(e) if e.is_offline() || e.status() == Some(401) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// `DELETE /user/account`: erase the account and everything in it; the session is gone.
    pub async fn delete_account(&self) -> Result<()> {
        let _: Ignored = self.call(Req::delete("/user/account")).await?;
        self.inner.session.clear()?;
        Ok(())
    }
}
