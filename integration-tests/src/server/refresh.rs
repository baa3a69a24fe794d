//! `grant_type=refresh_token`: the Go server's rotation rules (spec §13 end,
//! pain-points §0; `gotrue:internal/api/token_refresh.go`).
//!
//! - A token is single use: exchanging it revokes it and issues a child.
//! - A revoked token that is the parent of the session's active token returns the active token
//!   (nothing new is issued): the client lost the previous answer and retries.
//! - A revoked token presented within the reuse interval of its revocation gets a new child.
//! - Anything else revokes the whole family: `refresh_token_already_used`.

use serde_json::Value;

use super::errors::ApiError;
use super::state::Inner;

const NOT_FOUND: &str = "Invalid Refresh Token: Refresh Token Not Found";
const ALREADY_USED: &str = "Invalid Refresh Token: Already Used";

impl Inner {
    /// Exchanges a refresh token for a new session token response.
    pub(crate) fn refresh_grant(&mut self, presented: &str) -> Result<Value, ApiError> {
        if presented.is_empty() {
            return Err(ApiError::oauth("invalid_request", "refresh_token required"));
        }
        let now = self.clock.now_ms();
        let token = self
            .refresh_tokens
            .get(presented)
            .cloned()
            .ok_or_else(|| ApiError::bad_request("refresh_token_not_found", NOT_FOUND))?;
        let session = self
            .sessions
            .get(&token.session_id)
            .cloned()
            .ok_or_else(|| ApiError::bad_request("refresh_token_not_found", NOT_FOUND))?;
        if session.revoked {
            return Err(ApiError::bad_request(
                "session_not_found",
                "Invalid Refresh Token: Session Not Found",
            ));
        }
        let user = self
            .user(&session.user_id)
            .ok_or_else(|| ApiError::bad_request("refresh_token_not_found", NOT_FOUND))?;
        if user.is_banned(now) {
            return Err(ApiError::bad_request(
                "user_banned",
                "Invalid Refresh Token: User Banned",
            ));
        }
        if session.not_after.is_some_and(|t| now >= t) {
            return Err(ApiError::bad_request(
                "session_expired",
                "Invalid Refresh Token: Session Expired",
            ));
        }
        if session.family_revoked {
            return Err(ApiError::bad_request("refresh_token_already_used", ALREADY_USED));
        }
        let issued = if token.revoked {
            let active = self.active_refresh_token(&session.id);
            if let Some(active) = active.filter(|a| a.parent.as_deref() == Some(presented)) {
                tracing::debug!(session_id = %session.id, "revoked parent of the active token: returning the active token");
                active.token.clone()
            } else if now < token.updated_at.saturating_add(self.reuse_interval_ms()) {
                tracing::debug!(session_id = %session.id, "revoked token within the reuse interval: new child");
                self.new_refresh_token(&session.id, Some(presented.to_owned()))
            } else {
                tracing::warn!(session_id = %session.id, "refresh token reused: revoking the family");
                self.revoke_family(&session.id);
                return Err(ApiError::bad_request("refresh_token_already_used", ALREADY_USED));
            }
        } else {
            if let Some(t) = self.refresh_tokens.get_mut(presented) {
                t.revoked = true;
                t.updated_at = now;
            }
            self.new_refresh_token(&session.id, Some(presented.to_owned()))
        };
        let ttl = self.ttl_secs();
        self.token_response(&session.id, &issued, ttl, None)
    }

    fn reuse_interval_ms(&self) -> i64 {
        i64::try_from(self.settings.refresh_token_reuse_interval.as_millis()).unwrap_or(i64::MAX)
    }

    /// Revokes every token of the session; the session can no longer be refreshed.
    pub(crate) fn revoke_family(&mut self, session_id: &str) {
        for t in self.refresh_tokens.values_mut() {
            if t.session_id == session_id {
                t.revoked = true;
            }
        }
        if let Some(s) = self.sessions.get_mut(session_id) {
            s.family_revoked = true;
        }
    }
}
