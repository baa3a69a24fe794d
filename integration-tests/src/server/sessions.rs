//! Sessions and their refresh-token families.

use super::random;
use super::state::Inner;

/// A signed-in session (one refresh-token family).
#[derive(Debug, Clone)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) user_id: String,
    /// When it was created (epoch ms).
    pub(crate) created_at: i64,
    /// How the user authenticated in this session (`mfa_amr_claims`): the sign-in method, then
    /// any MFA method verified since. Refreshes keep them, so an aal2 session stays aal2.
    pub(crate) amr: Vec<AmrClaim>,
    /// The factor that took the session to aal2; unenrolling it takes the session back to aal1.
    pub(crate) factor_id: Option<String>,
    /// The session's stored level (`sessions.aal`): set by a verification, cleared when its
    /// factor is unenrolled. Enrolling and unenrolling check this one; access tokens carry the
    /// level computed from `amr` instead, as on the Go server (the two differ only after the
    /// factor of a session that verified two is unenrolled).
    pub(crate) aal2: bool,
    /// Refreshing at or after this instant (epoch ms) gives `session_expired`.
    pub(crate) not_after: Option<i64>,
    /// Revoked by the test: refresh gives `session_not_found`, bearer calls 403.
    pub(crate) revoked: bool,
    /// A stale refresh token was reused: every refresh of the family now fails.
    pub(crate) family_revoked: bool,
    /// Issued to a third-party app by the OAuth 2.1 server: its client id and the granted
    /// scopes (the access tokens' `client_id` and `scope` claims).
    pub(crate) oauth_client: Option<(String, String)>,
}

/// One authentication method of a session and when it was last used (epoch seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AmrClaim {
    pub(crate) method: String,
    pub(crate) timestamp: i64,
}

/// The methods that make a session aal2 (`AMRClaim.IsAAL2Claim`).
const AAL2_METHODS: [&str; 3] = ["totp", "mfa/phone", "mfa/webauthn"];

impl Session {
    /// Whether the session is stored at aal2 (`Session.IsAAL2`).
    pub(crate) fn is_aal2(&self) -> bool {
        self.aal2
    }

    /// The `aal` claim: `aal2` when an MFA method is among the `amr` (`CalculateAALAndAMR`).
    pub(crate) fn aal(&self) -> &'static str {
        let mfa = self
            .amr
            .iter()
            .any(|c| AAL2_METHODS.contains(&c.method.as_str()));
        if mfa { "aal2" } else { "aal1" }
    }

    /// Takes the session to aal2 with `factor_id`, whose `amr` method is `method`
    /// (`AddClaimToSession` + `UpdateAALAndAssociatedFactor`).
    pub(crate) fn step_up(&mut self, factor_id: &str, method: &str, at: i64) {
        self.add_amr(method, at);
        self.factor_id = Some(factor_id.to_owned());
        self.aal2 = true;
    }

    /// The `amr` claim: `[{method, timestamp}]`, most recent first, as the Go server orders it.
    pub(crate) fn amr_json(&self) -> serde_json::Value {
        let mut claims = self.amr.clone();
        // Reversed, then a stable sort: within one second the later method comes first.
        claims.reverse();
        claims.sort_by_key(|c| std::cmp::Reverse(c.timestamp));
        claims
            .into_iter()
            .map(|c| serde_json::json!({"method": c.method, "timestamp": c.timestamp}))
            .collect()
    }

    /// Records `method` at `at` (epoch seconds); a method already there gets the new time
    /// (`AddClaimToSession`'s upsert).
    fn add_amr(&mut self, method: &str, at: i64) {
        match self.amr.iter_mut().find(|c| c.method == method) {
            Some(claim) => claim.timestamp = at,
            None => self.amr.push(AmrClaim {
                method: method.to_owned(),
                timestamp: at,
            }),
        }
    }

    /// Back to aal1 after its factor was unenrolled (`DowngradeSessionsToAAL1`).
    pub(crate) fn downgrade(&mut self, method: &str) {
        self.amr.retain(|c| c.method != method);
        self.factor_id = None;
        self.aal2 = false;
    }
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
            created_at: self.clock.now_ms(),
            amr: vec![AmrClaim {
                method: method.to_owned(),
                timestamp: self.clock.now_secs(),
            }],
            factor_id: None,
            aal2: false,
            not_after: None,
            revoked: false,
            family_revoked: false,
            oauth_client: None,
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
            .map(|s| (s.created_at, s.id.clone()))
            .collect();
        ids.sort();
        ids.into_iter().map(|(_, id)| id).collect()
    }
}
