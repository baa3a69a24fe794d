//! Bearer authentication of user calls (`/user`, `/logout`): the access token must verify, its
//! session must exist and its user too (`gotrue:internal/api/auth.go`).

use axum::http::HeaderMap;
use serde_json::Value;

use super::errors::ApiError;
use super::jwt::{self, JwtError};
use super::state::Inner;

/// Who a verified bearer token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub(crate) user_id: String,
    pub(crate) session_id: String,
}

/// The bearer token of `Authorization`, if any.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// The Go server's 403 `bad_jwt` for a bearer token that does not verify.
pub(crate) fn bad_jwt(error: JwtError) -> ApiError {
    let detail = match error {
        JwtError::Expired => "token has invalid claims: token is expired",
        JwtError::Malformed | JwtError::Signature => "unable to parse or verify signature",
    };
    ApiError::forbidden("bad_jwt", format!("invalid JWT: {detail}"))
}

impl Inner {
    /// Checks the caller's access token.
    pub(crate) fn authenticate(&self, headers: &HeaderMap) -> Result<Caller, ApiError> {
        let token = bearer(headers).ok_or_else(|| {
            ApiError::new(
                401,
                "no_authorization",
                "This endpoint requires a valid Bearer token",
            )
        })?;
        let claims: Value =
            jwt::verify(token, &self.keys, self.clock.now_secs()).map_err(bad_jwt)?;
        let session_id = claims["session_id"].as_str().unwrap_or_default();
        let session = self
            .sessions
            .get(session_id)
            .filter(|s| !s.revoked)
            .ok_or_else(|| {
                ApiError::forbidden(
                    "session_not_found",
                    "Session from session_id claim in JWT does not exist",
                )
            })?;
        let user_id = claims["sub"].as_str().unwrap_or_default();
        if self.user(user_id).is_none() || session.user_id != user_id {
            return Err(ApiError::forbidden(
                "user_not_found",
                "User from sub claim in JWT does not exist",
            ));
        }
        // Access tokens issued before a ban stop working with it (`requireAuthentication`).
        if self
            .user(user_id)
            .is_some_and(|u| u.is_banned(self.clock.now_ms()))
        {
            return Err(ApiError::forbidden("user_banned", "User is banned"));
        }
        Ok(Caller {
            user_id: user_id.to_owned(),
            session_id: session.id.clone(),
        })
    }
}
