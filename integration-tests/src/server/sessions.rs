//! Sessions and their refresh-token families.

use super::random;
use super::state::Inner;

/// A signed-in session (one refresh-token family).
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) user_id: String,
    /// How the user signed in (`amr[0].method`) and when (epoch seconds).
    pub(crate) amr_method: String,
    pub(crate) amr_at: i64,
    /// Refreshing at or after this instant (epoch ms) gives `session_expired`.
    pub(crate) not_after: Option<i64>,
    /// Revoked by the test: refresh gives `session_not_found`, bearer calls 403.
    pub(crate) revoked: bool,
    /// A stale refresh token was reused: every refresh of the family now fails.
    pub(crate) family_revoked: bool,
}

/// One refresh token (the Go server's v1 string tokens).
#[derive(Debug, Clone)]
pub(crate) struct RefreshToken {
    pub(crate) token: String,
    pub(crate) session_id: String,
    pub(crate) parent: Option<String>,
    pub(crate) revoked: bool,
    /// When it was issued, or revoked once it is (epoch ms): the reuse interval counts from here.
    pub(crate) updated_at: i64,
    pub(crate) seq: u64,
}

impl Inner {
    /// A new session for `user_id`, signed in by `method`.
    pub(crate) fn new_session(&mut self, user_id: &str, method: &str) -> String {
        let session = Session {
            id: random::uuid(),
            user_id: user_id.to_owned(),
            amr_method: method.to_owned(),
            amr_at: self.clock.now_secs(),
            not_after: None,
            revoked: false,
            family_revoked: false,
        };
        let id = session.id.clone();
        self.sessions.insert(id.clone(), session);
        id
    }

    /// A new unrevoked refresh token in the session's family.
    pub(crate) fn new_refresh_token(&mut self, session_id: &str, parent: Option<String>) -> String {
        self.next_seq += 1;
        let token = RefreshToken {
            token: random::token(),
            session_id: session_id.to_owned(),
            parent,
            revoked: false,
            updated_at: self.clock.now_ms(),
            seq: self.next_seq,
        };
        let value = token.token.clone();
        self.refresh_tokens.insert(value.clone(), token);
        value
    }

    /// The newest unrevoked token of the session (`FindCurrentlyActiveRefreshToken`).
    pub(crate) fn active_refresh_token(&self, session_id: &str) -> Option<&RefreshToken> {
        self.refresh_tokens
            .values()
            .filter(|t| t.session_id == session_id && !t.revoked)
            .max_by_key(|t| t.seq)
    }

    /// Deletes a session and its refresh tokens (sign-out).
    pub(crate) fn delete_session(&mut self, session_id: &str) {
        self.sessions.remove(session_id);
        self.refresh_tokens
            .retain(|_, t| t.session_id != session_id);
    }

    /// The sessions of a user, oldest first.
    pub(crate) fn sessions_of(&self, user_id: &str) -> Vec<String> {
        let mut ids: Vec<(i64, String)> = self
            .sessions
            .values()
            .filter(|s| s.user_id == user_id)
            .map(|s| (s.amr_at, s.id.clone()))
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }
}
