//! A test `OpenID Connect` provider for `POST /token?grant_type=id_token`
//! (`gotrue:internal/api/token_oidc.go`).
//!
//! The server holds a second ES256 key standing for the provider's: [`LocalAuth::mint_id_token`]
//! signs ID tokens with it and the grant accepts only tokens it signed, for the audience
//! [`TEST_OIDC_CLIENT_ID`]. Every provider name the Go server accepts for ID tokens (`google`, `apple`,
//! `azure`, `facebook`, `keycloak`, `kakao`, `snapchat`, `vercel_marketplace`) is served by it.

use std::fmt::Write as _;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::errors::ApiError;
use super::handle::LocalAuth;
use super::identities::{ProviderAccount, test_subject};
use super::jwt;
use super::keys::SigningKey;
use super::state::Inner;

/// The client id (audience) the server accepts in ID tokens of every provider.
pub const TEST_OIDC_CLIENT_ID: &str = "supabase-ssr-testing";

/// Providers whose ID tokens the Go server accepts by name.
const PROVIDERS: [&str; 8] = [
    "apple",
    "azure",
    "facebook",
    "google",
    "kakao",
    "keycloak",
    "snapchat",
    "vercel_marketplace",
];

/// What an ID token minted by [`LocalAuth::mint_id_token`] says.
#[derive(Clone, PartialEq, Eq)]
pub struct TestIdToken {
    provider: String,
    email: String,
    nonce: Option<String>,
    audience: String,
    expires_in: i64,
}

impl std::fmt::Debug for TestIdToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestIdToken")
            .field("provider", &self.provider)
            .field("email", &self.email)
            .field("nonce", &self.nonce.as_ref().map(|_| "[redacted]"))
            .field("audience", &self.audience)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl TestIdToken {
    /// A token of `provider` (e.g. `google`) for the account `email` (verified), for
    /// [`TEST_OIDC_CLIENT_ID`], valid one hour, without a nonce. The same email always has the
    /// same subject.
    pub fn new(provider: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            email: email.into().trim().to_lowercase(),
            nonce: None,
            audience: TEST_OIDC_CLIENT_ID.to_owned(),
            expires_in: 3600,
        }
    }

    /// Carries the nonce: the token's `nonce` claim is the hex SHA-256 of `raw`, and the client
    /// sends `raw` (as with Google and Apple sign-in).
    #[must_use]
    pub fn nonce(mut self, raw: impl AsRef<str>) -> Self {
        self.nonce = Some(sha256_hex(raw.as_ref()));
        self
    }

    /// Sets the audience (`aud`); anything but [`TEST_OIDC_CLIENT_ID`] is refused.
    #[must_use]
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Sets the lifetime in seconds on the server clock; zero or negative gives an expired
    /// token.
    #[must_use]
    pub fn expires_in(mut self, secs: i64) -> Self {
        self.expires_in = secs;
        self
    }

    /// The provider the token is for.
    pub fn provider(&self) -> &str {
        &self.provider
    }
}

fn sha256_hex(text: &str) -> String {
    let d = digest::digest(&digest::SHA256, text.as_bytes());
    d.as_ref().iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

impl LocalAuth {
    /// Signs an ID token with the test OIDC provider's key, for
    /// `signInWithIdToken({provider, token, nonce})` against this server. Signing cannot fail in
    /// practice; if the crypto library ever did, the token is empty (and refused).
    pub fn mint_id_token(&self, token: &TestIdToken) -> String {
        let inner = self.shared().lock();
        let now = inner.clock.now_secs();
        let mut claims = json!({
            "iss": inner.oidc_issuer(),
            "sub": test_subject(&token.email),
            "aud": token.audience,
            "exp": now + token.expires_in,
            "iat": now,
            "email": token.email,
            "email_verified": true,
            "name": "Test OIDC User",
        });
        if let (Some(nonce), Some(map)) = (&token.nonce, claims.as_object_mut()) {
            map.insert("nonce".into(), json!(nonce));
        }
        jwt::encode(&jwt::header_for(&inner.oidc_key), &claims, &inner.oidc_key).unwrap_or_else(
            |error| {
                tracing::error!(%error, "could not sign an ID token");
                String::new()
            },
        )
    }
}

/// The request of an ID-token grant (`IdTokenGrantParams`).
pub(crate) struct IdTokenGrant<'a> {
    pub(crate) id_token: &'a str,
    pub(crate) provider: &'a str,
    pub(crate) nonce: &'a str,
}

fn bad_request(description: impl Into<String>) -> ApiError {
    ApiError::oauth("invalid request", description)
}

impl Inner {
    /// The test provider's issuer (`iss`).
    pub(crate) fn oidc_issuer(&self) -> String {
        format!("{}/__oidc", self.base_url)
    }

    /// Checks an ID token as `IdTokenGrant` does; returns the account it names.
    pub(crate) fn verify_id_token(
        &self,
        grant: &IdTokenGrant<'_>,
    ) -> Result<ProviderAccount, ApiError> {
        if !PROVIDERS.contains(&grant.provider) {
            return Err(ApiError::bad_request(
                "validation_failed",
                format!("Custom OIDC provider {:?} not allowed", grant.provider),
            ));
        }
        let claims = self
            .parse_id_token(grant.id_token)
            .ok_or_else(|| bad_request("Bad ID token"))?;
        let subject = claims["sub"].as_str().unwrap_or_default();
        if subject.is_empty() {
            return Err(bad_request("Missing sub claim in id_token"));
        }
        let audience: Vec<&str> = match &claims["aud"] {
            Value::String(a) => vec![a.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !audience.contains(&TEST_OIDC_CLIENT_ID) {
            return Err(bad_request(format!(
                "Unacceptable audience in id_token: [{}]",
                audience.join(" ")
            )));
        }
        // Facebook Limited Login tokens are not nonce-checked by the Go server.
        if grant.provider != "facebook" {
            let token_nonce = claims["nonce"].as_str().unwrap_or_default();
            if token_nonce.is_empty() != grant.nonce.is_empty() {
                return Err(bad_request(
                    "Passed nonce and nonce in id_token should either both exist or not.",
                ));
            }
            if !token_nonce.is_empty() && sha256_hex(grant.nonce) != token_nonce {
                return Err(ApiError::oauth("invalid nonce", "Nonces mismatch"));
            }
        }
        let email = claims["email"].as_str().unwrap_or_default().to_lowercase();
        Ok(ProviderAccount {
            provider: grant.provider.to_owned(),
            subject: subject.to_owned(),
            email_verified: claims["email_verified"].as_bool().unwrap_or(false),
            extra: json!({
                "iss": claims["iss"],
                "name": claims["name"],
            }),
            email,
        })
    }

    /// The claims of a token the test provider signed, for its issuer, unexpired.
    fn parse_id_token(&self, token: &str) -> Option<Value> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
        let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
        let key: &SigningKey = &self.oidc_key;
        let signed = header["alg"] == "ES256"
            && header["kid"] == key.kid()
            && key.verify(format!("{h}.{p}").as_bytes(), &sig);
        let fresh = claims["exp"]
            .as_i64()
            .is_some_and(|exp| exp > self.clock.now_secs());
        (signed && fresh && claims["iss"] == self.oidc_issuer().as_str()).then_some(claims)
    }
}
