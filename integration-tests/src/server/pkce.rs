//! PKCE flow states and `grant_type=pkce` (spec §16; `gotrue:internal/models/flow_state.go`).
//!
//! A flow state is created when a request carries `code_challenge`; its auth code becomes usable
//! once the user is known (email link verified, OAuth consent given) and is single use.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use super::errors::ApiError;
use super::random;
use super::state::Inner;
use super::tokens::ProviderTokens;

/// How the challenge was derived from the verifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeMethod {
    S256,
    Plain,
}

impl ChallengeMethod {
    /// `s256`/`S256` or `plain` (any case); missing means `plain`.
    pub(crate) fn parse(method: Option<&str>) -> Result<Self, ApiError> {
        match method.map(str::to_ascii_lowercase).as_deref() {
            Some("s256") => Ok(Self::S256),
            None | Some("plain" | "") => Ok(Self::Plain),
            Some(_) => Err(ApiError::bad_request(
                "validation_failed",
                "Code challenge method not supported",
            )),
        }
    }

    pub(crate) fn matches(self, challenge: &str, verifier: &str) -> bool {
        match self {
            Self::S256 => {
                URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
                    == challenge
            }
            Self::Plain => verifier == challenge,
        }
    }
}

/// `validatePKCEParams`: both or neither of the challenge and its method, the method known.
pub(crate) fn validate_pkce_params(
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<(), ApiError> {
    match (
        challenge.filter(|c| !c.is_empty()),
        method.filter(|m| !m.is_empty()),
    ) {
        (Some(_), Some(m)) => ChallengeMethod::parse(Some(m)).map(|_| ()),
        (None, None) => Ok(()),
        _ => Err(ApiError::bad_request(
            "validation_failed",
            "PKCE flow requires code_challenge_method and code_challenge",
        )),
    }
}

/// One pending PKCE flow.
#[derive(Debug, Clone)]
pub(crate) struct FlowState {
    pub(crate) code_challenge: String,
    pub(crate) method: ChallengeMethod,
    /// Set once the user is known; until then the code cannot be exchanged.
    pub(crate) user_id: Option<String>,
    /// `amr` method of the session it creates.
    pub(crate) auth_method: String,
    pub(crate) created_at: i64,
    pub(crate) provider_tokens: Option<ProviderTokens>,
}

impl Inner {
    /// Starts a flow if the request carried a challenge; returns its auth code.
    pub(crate) fn start_flow(
        &mut self,
        challenge: Option<&str>,
        method: Option<&str>,
        auth_method: &str,
        user_id: Option<String>,
    ) -> Result<Option<String>, ApiError> {
        let Some(challenge) = challenge.filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let method = ChallengeMethod::parse(method)?;
        let code = random::uuid();
        self.flows.insert(
            code.clone(),
            FlowState {
                code_challenge: challenge.to_owned(),
                method,
                user_id,
                auth_method: auth_method.to_owned(),
                created_at: self.clock.now_ms(),
                provider_tokens: None,
            },
        );
        Ok(Some(code))
    }

    /// Exchanges an auth code and its verifier for a session.
    pub(crate) fn pkce_grant(
        &mut self,
        auth_code: &str,
        verifier: &str,
    ) -> Result<Value, ApiError> {
        if auth_code.is_empty() || verifier.is_empty() {
            return Err(ApiError::bad_request(
                "validation_failed",
                "invalid request: both auth code and code verifier should be non-empty",
            ));
        }
        let flow = self
            .flows
            .get(auth_code)
            .filter(|f| f.user_id.is_some())
            .cloned()
            .ok_or_else(|| {
                ApiError::new(
                    404,
                    "flow_state_not_found",
                    "invalid flow state, no valid flow state found",
                )
            })?;
        let ttl_ms = i64::try_from(self.settings.flow_state_ttl.as_millis()).unwrap_or(i64::MAX);
        if self.clock.now_ms() >= flow.created_at.saturating_add(ttl_ms) {
            return Err(ApiError::unprocessable(
                "flow_state_expired",
                "invalid flow state, flow state has expired",
            ));
        }
        if !flow.method.matches(&flow.code_challenge, verifier) {
            return Err(ApiError::bad_request(
                "bad_code_verifier",
                "code challenge does not match previously saved code verifier",
            ));
        }
        self.flows.remove(auth_code);
        let user_id = flow.user_id.unwrap_or_default();
        self.sign_in(&user_id, &flow.auth_method, flow.provider_tokens.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::server::state::test_support::{inner, user_id};

    const VERIFIER: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn s256(verifier: &str) -> String {
        URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()))
    }

    #[test]
    fn s256_exchange_succeeds_once() {
        let mut s = inner();
        let uid = user_id(&s);
        let code = s
            .start_flow(Some(&s256(VERIFIER)), Some("s256"), "oauth", Some(uid))
            .unwrap()
            .unwrap();
        let session = s.pkce_grant(&code, VERIFIER).unwrap();
        assert!(session["access_token"].is_string());
        assert_eq!(
            s.pkce_grant(&code, VERIFIER).unwrap_err().code,
            "flow_state_not_found"
        );
    }

    #[test]
    fn plain_exchange_succeeds() {
        let mut s = inner();
        let uid = user_id(&s);
        let code = s
            .start_flow(Some(VERIFIER), Some("plain"), "oauth", Some(uid))
            .unwrap()
            .unwrap();
        assert!(s.pkce_grant(&code, VERIFIER).is_ok());
    }

    #[test]
    fn wrong_verifier_is_bad_code_verifier() {
        let mut s = inner();
        let uid = user_id(&s);
        let code = s
            .start_flow(Some(&s256(VERIFIER)), Some("S256"), "oauth", Some(uid))
            .unwrap()
            .unwrap();
        let e = s.pkce_grant(&code, "wrong-verifier").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (400, "bad_code_verifier"));
    }

    #[test]
    fn unknown_or_unverified_code_is_flow_state_not_found() {
        let mut s = inner();
        let e = s.pkce_grant("no-such-code", VERIFIER).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (404, "flow_state_not_found"));
        // An email flow whose link was not opened yet has no user: not exchangeable.
        let code = s
            .start_flow(Some(VERIFIER), None, "magiclink", None)
            .unwrap()
            .unwrap();
        assert_eq!(
            s.pkce_grant(&code, VERIFIER).unwrap_err().code,
            "flow_state_not_found"
        );
    }

    #[test]
    fn expired_flow_and_empty_fields() {
        let mut s = inner();
        let uid = user_id(&s);
        let code = s
            .start_flow(Some(VERIFIER), None, "oauth", Some(uid))
            .unwrap()
            .unwrap();
        s.clock.advance(Duration::from_secs(301));
        let e = s.pkce_grant(&code, VERIFIER).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (422, "flow_state_expired"));
        assert_eq!(
            s.pkce_grant("", VERIFIER).unwrap_err().code,
            "validation_failed"
        );
        assert!(s.start_flow(Some("c"), Some("md5"), "oauth", None).is_err());
    }
}
