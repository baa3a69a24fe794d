//! Access tokens and the token response (spec §10.1: the Go server's `AccessTokenResponse` key
//! order `access_token, token_type, expires_in, expires_at, refresh_token, user, …`).

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::jwt;
use super::state::Inner;

/// Provider tokens returned after an OAuth sign-in.
#[derive(Debug, Clone)]
pub(crate) struct ProviderTokens {
    pub(crate) access: String,
    pub(crate) refresh: String,
}

impl Inner {
    /// Signs an access token for a session with the current key; claims as the hosted service
    /// issues them (order from `V:server_flows`).
    pub(crate) fn access_token(&self, session_id: &str, exp: i64) -> Result<String, ApiError> {
        let session = self
            .sessions
            .get(session_id)
            .ok_or_else(|| ApiError::internal("access token for a missing session"))?;
        let user = self
            .user(&session.user_id)
            .ok_or_else(|| ApiError::internal("access token for a missing user"))?;
        let mut claims = json!({
            "iss": self.issuer(),
            "sub": user.id,
            "aud": "authenticated",
            "exp": exp,
            "iat": self.clock.now_secs(),
            "email": user.email,
            "phone": user.phone,
            "app_metadata": user.app_metadata,
            "user_metadata": user.user_metadata,
            "role": user.role,
            "aal": session.aal(),
            "amr": session.amr_json(),
            "session_id": session.id,
            "is_anonymous": user.anonymous,
        });
        if let (Some((client_id, scope)), Some(object)) =
            (&session.oauth_client, claims.as_object_mut())
        {
            object.insert("client_id".into(), json!(client_id));
            object.insert("scope".into(), json!(scope));
        }
        self.sign_claims(&claims)
    }

    /// Signs arbitrary claims with the current signing key and its usual header.
    pub(crate) fn sign_claims(&self, claims: &Value) -> Result<String, ApiError> {
        let key = self
            .keys
            .signing_key()
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        jwt::encode(&jwt::header_for(key), claims, key)
            .map_err(|e| ApiError::internal(&e.to_string()))
    }

    /// The token response for `session_id` carrying `refresh_token`, with an access token that
    /// expires `ttl_secs` from now (negative: already expired).
    pub(crate) fn token_response(
        &self,
        session_id: &str,
        refresh_token: &str,
        ttl_secs: i64,
        provider: Option<&ProviderTokens>,
    ) -> Result<Value, ApiError> {
        let expires_at = self.clock.now_secs() + ttl_secs;
        let access_token = self.access_token(session_id, expires_at)?;
        let user = self
            .sessions
            .get(session_id)
            .and_then(|s| self.user(&s.user_id))
            .ok_or_else(|| ApiError::internal("token response for a missing user"))?;
        let mut body = Map::new();
        body.insert("access_token".into(), json!(access_token));
        body.insert("token_type".into(), json!("bearer"));
        body.insert("expires_in".into(), json!(ttl_secs));
        body.insert("expires_at".into(), json!(expires_at));
        body.insert("refresh_token".into(), json!(refresh_token));
        body.insert("user".into(), user.to_json());
        if let Some(p) = provider {
            body.insert("provider_token".into(), json!(p.access));
            body.insert("provider_refresh_token".into(), json!(p.refresh));
        }
        Ok(Value::Object(body))
    }

    /// The configured access-token lifetime in seconds.
    pub(crate) fn ttl_secs(&self) -> i64 {
        i64::try_from(self.settings.access_token_ttl.as_secs()).unwrap_or(i64::MAX / 2)
    }

    /// Signs `user_id` in: a new session, its first refresh token, `last_sign_in_at`, and the
    /// token response.
    pub(crate) fn sign_in(
        &mut self,
        user_id: &str,
        method: &str,
        provider: Option<&ProviderTokens>,
    ) -> Result<Value, ApiError> {
        let ttl = self.ttl_secs();
        self.sign_in_with_ttl(user_id, method, ttl, provider)
    }

    /// [`Inner::sign_in`] with an explicit access-token lifetime.
    pub(crate) fn sign_in_with_ttl(
        &mut self,
        user_id: &str,
        method: &str,
        ttl_secs: i64,
        provider: Option<&ProviderTokens>,
    ) -> Result<Value, ApiError> {
        let now = self.clock.now_ms();
        let user = self
            .user_mut(user_id)
            .ok_or_else(|| ApiError::internal("sign-in of a missing user"))?;
        user.last_sign_in_at = Some(now);
        let session_id = self.new_session(user_id, method);
        let refresh = self.new_refresh_token(&session_id, None);
        self.token_response(&session_id, &refresh, ttl_secs, provider)
    }
}
