//! Who may call the admin endpoints (`gotrue:internal/api/middleware.go`
//! `requireAdminCredentials`).
//!
//! On the hosted service the API gateway turns the secret key into a service-role JWT before
//! the Go server sees the request: `apikey: <secret>` without an `Authorization` header (or with the
//! secret key itself as the bearer) reaches the Go server as `service_role`. A publishable key alone
//! becomes the `anon` role, and a user's access token is passed through as it is; the Go server then
//! refuses both with 403 `not_admin`.

use axum::http::HeaderMap;
use serde_json::Value;

use super::auth::{bad_jwt, bearer};
use super::errors::ApiError;
use super::jwt;
use super::state::{Inner, Shared};

/// The role the Go server's `GOTRUE_JWT_ADMIN_ROLES` lists by default.
const SERVICE_ROLE: &str = "service_role";

impl Shared {
    /// `Ok` for a service-role request; the Go server's error otherwise.
    pub(crate) fn require_admin(&self, inner: &Inner, headers: &HeaderMap) -> Result<(), ApiError> {
        let apikey = headers.get("apikey").and_then(|v| v.to_str().ok());
        let token = bearer(headers);
        let secret = self.secret_key.as_str();
        if token == Some(secret) || (apikey == Some(secret) && token.is_none()) {
            return Ok(());
        }
        let Some(token) = token.filter(|t| *t != self.publishable_key) else {
            // The gateway's anon JWT for a publishable key (alone, or as the bearer as
            // supabase-js sends it without a session).
            return Err(not_admin());
        };
        let claims: Value =
            jwt::verify(token, &inner.keys, inner.clock.now_secs()).map_err(bad_jwt)?;
        if claims["role"].as_str() == Some(SERVICE_ROLE) {
            // A legacy service-role JWT signed with the project's key.
            return Ok(());
        }
        if let Some(session_id) = claims["session_id"].as_str()
            && inner.sessions.get(session_id).is_none_or(|s| s.revoked)
        {
            return Err(ApiError::forbidden(
                "session_not_found",
                "Session from session_id claim in JWT does not exist",
            ));
        }
        Err(not_admin())
    }
}

fn not_admin() -> ApiError {
    ApiError::forbidden("not_admin", "User not allowed")
}
