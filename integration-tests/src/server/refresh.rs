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
            return Err(ApiError::bad_request(
                "refresh_token_already_used",
                ALREADY_USED,
            ));
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
                return Err(ApiError::bad_request(
                    "refresh_token_already_used",
                    ALREADY_USED,
                ));
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::server::state::test_support::{inner, user_id};

    fn rt(v: &serde_json::Value) -> String {
        v["refresh_token"].as_str().unwrap().to_owned()
    }

    fn code(r: Result<serde_json::Value, crate::server::ApiError>) -> String {
        r.unwrap_err().code
    }

    #[test]
    fn a_token_is_single_use_and_rotates() {
        let mut s = inner();
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let t1 = rt(&s.refresh_grant(&t0).unwrap());
        assert_ne!(t0, t1);
        let t2 = rt(&s.refresh_grant(&t1).unwrap());
        assert_ne!(t1, t2);
    }

    #[test]
    fn revoked_parent_of_active_returns_the_active_token() {
        let mut s = inner();
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let t1 = rt(&s.refresh_grant(&t0).unwrap());
        s.clock.advance(Duration::from_secs(3600));
        let again = s.refresh_grant(&t0).unwrap();
        assert_eq!(rt(&again), t1, "nothing new is issued");
        assert!(s.refresh_grant(&t1).is_ok(), "the active token still works");
    }

    #[test]
    fn stale_token_within_reuse_interval_gets_a_new_child() {
        let mut s = inner();
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let t1 = rt(&s.refresh_grant(&t0).unwrap());
        let t2 = rt(&s.refresh_grant(&t1).unwrap());
        s.clock.advance(Duration::from_secs(9));
        let child = rt(&s.refresh_grant(&t0).unwrap());
        assert!(![t0, t1, t2].contains(&child));
    }

    #[test]
    fn stale_token_beyond_reuse_interval_revokes_the_family() {
        let mut s = inner();
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let t1 = rt(&s.refresh_grant(&t0).unwrap());
        let t2 = rt(&s.refresh_grant(&t1).unwrap());
        s.clock.advance(Duration::from_secs(11));
        assert_eq!(code(s.refresh_grant(&t0)), "refresh_token_already_used");
        assert_eq!(
            code(s.refresh_grant(&t2)),
            "refresh_token_already_used",
            "the active token died with its family"
        );
    }

    #[test]
    fn zero_reuse_interval_revokes_at_once() {
        let mut s = inner();
        s.settings.refresh_token_reuse_interval = Duration::ZERO;
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let t1 = rt(&s.refresh_grant(&t0).unwrap());
        let _t2 = rt(&s.refresh_grant(&t1).unwrap());
        assert_eq!(code(s.refresh_grant(&t0)), "refresh_token_already_used");
    }

    #[test]
    fn expired_revoked_and_banned() {
        let mut s = inner();
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let session = s.sessions_of(&uid).pop().unwrap();
        s.sessions.get_mut(&session).unwrap().not_after = Some(s.clock.now_ms());
        assert_eq!(code(s.refresh_grant(&t0)), "session_expired");

        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let session = s.refresh_tokens[&t0].session_id.clone();
        s.sessions.get_mut(&session).unwrap().revoked = true;
        assert_eq!(code(s.refresh_grant(&t0)), "session_not_found");

        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        s.user_mut(&uid).unwrap().banned_until = Some(s.clock.now_ms() + 60_000);
        assert_eq!(code(s.refresh_grant(&t0)), "user_banned");
    }

    #[test]
    fn unknown_empty_and_signed_out_tokens() {
        let mut s = inner();
        assert_eq!(code(s.refresh_grant("nope")), "refresh_token_not_found");
        let empty = s.refresh_grant("").unwrap_err();
        assert_eq!(empty.body(true)["error"], "invalid_request");
        let uid = user_id(&s);
        let t0 = rt(&s.sign_in(&uid, "password", None).unwrap());
        let session = s.refresh_tokens[&t0].session_id.clone();
        s.delete_session(&session);
        assert_eq!(code(s.refresh_grant(&t0)), "refresh_token_not_found");
    }
}
