//! Signing in with an ID token of an OIDC provider (`POST /token?grant_type=id_token`):
//! Google One Tap, Sign in with Apple, and any OIDC provider the project trusts.

use reqwest::Method;

use super::http::AuthRequest;
use super::responses::AuthResponse;
use super::types::meta_security;
use super::{Auth, AuthError};
use crate::json::{Json, Object};
use crate::redact::{self, Redacted};

/// An ID token issued to your app by a provider, for [`Auth::sign_in_with_id_token`] and
/// [`Auth::link_identity_with_id_token`].
///
/// `Debug` redacts the token, the access token, the nonce and the CAPTCHA token.
///
/// ```
/// use supabase_ssr_core::auth::IdTokenCredentials;
///
/// # let (token, raw_nonce) = (String::new(), String::new());
/// // `token` from Google's callback; the nonce whose SHA-256 the page gave Google.
/// let credentials = IdTokenCredentials::new("google", token).nonce(raw_nonce);
/// # let _ = credentials;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct IdTokenCredentials {
    provider: String,
    token: String,
    access_token: Option<String>,
    nonce: Option<String>,
    captcha_token: Option<String>,
}

impl std::fmt::Debug for IdTokenCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenCredentials")
            .field("provider", &self.provider)
            .field("token", &Redacted)
            .field(
                "access_token",
                &redact::optional(self.access_token.as_ref()),
            )
            .field("nonce", &redact::optional(self.nonce.as_ref()))
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl IdTokenCredentials {
    /// The ID token `token` of `provider` (`google`, `apple`, `azure`, `facebook`, `kakao`, or
    /// `custom:<name>` for a custom OIDC provider).
    pub fn new(provider: impl Into<String>, token: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            token: token.into(),
            access_token: None,
            nonce: None,
            captcha_token: None,
        }
    }

    /// The provider's access token issued with the ID token, when the ID token has an
    /// `at_hash` claim (the server checks it against this token).
    #[must_use]
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.access_token = Some(token.into());
        self
    }

    /// The raw nonce, when the ID token carries the SHA-256 of one (the server checks it).
    #[must_use]
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// A CAPTCHA token, when the project requires one.
    #[must_use]
    pub fn captcha_token(mut self, token: impl Into<String>) -> Self {
        self.captcha_token = Some(token.into());
        self
    }

    /// auth-js's body; absent options are left out, as `JSON.stringify` leaves out
    /// `undefined`.
    fn body(&self, link_identity: bool) -> Json {
        let mut body = Object::new();
        body.insert("provider", self.provider.as_str());
        body.insert("id_token", self.token.as_str());
        if let Some(access_token) = &self.access_token {
            body.insert("access_token", access_token.as_str());
        }
        if let Some(nonce) = &self.nonce {
            body.insert("nonce", nonce.as_str());
        }
        if link_identity {
            body.insert("link_identity", true);
        }
        body.insert(
            "gotrue_meta_security",
            meta_security(self.captcha_token.as_deref()),
        );
        Json::Object(body)
    }
}

impl Auth<'_> {
    /// Signs in with a provider's ID token; the session cookies are written as every sign-in
    /// writes them. A new user is created when the provider's identity is unknown (and the
    /// project allows sign-ups).
    ///
    /// The server refuses a token whose signature, issuer, audience (your client id configured
    /// for the provider), expiry or nonce does not check out (`AuthError::Api`); an answer
    /// without a session is [`AuthError::InvalidResponse`], as in auth-js.
    pub async fn sign_in_with_id_token(
        &self,
        credentials: &IdTokenCredentials,
    ) -> Result<AuthResponse, AuthError> {
        self.first_party("sign_in_with_id_token")?;
        self.id_token_grant(credentials, None).await
    }

    /// Links the provider identity of an ID token to the signed-in user (auth-js's
    /// `linkIdentity` with a token); the server answers with a new session for the user, which
    /// is written to the cookies. The project must allow manual linking
    /// (`manual_linking_disabled` otherwise); an identity already linked to a user is
    /// `identity_already_exists`.
    ///
    /// Without a session: [`AuthError::SessionMissing`], no call made.
    pub async fn link_identity_with_id_token(
        &self,
        credentials: &IdTokenCredentials,
    ) -> Result<AuthResponse, AuthError> {
        self.first_party("link_identity_with_id_token")?;
        let session = self.require_session().await?;
        self.id_token_grant(credentials, Some(session.access_token()))
            .await
    }

    /// The `id_token` grant, as the user of `bearer` (linking) or anonymously (sign-in).
    async fn id_token_grant(
        &self,
        credentials: &IdTokenCredentials,
        bearer: Option<&str>,
    ) -> Result<AuthResponse, AuthError> {
        let body = credentials.body(bearer.is_some());
        let mut request = AuthRequest::new(Method::POST, "token");
        request.query = &[("grant_type", "id_token")];
        request.bearer = bearer;
        request.body = Some(&body);
        let response = self.sign_in(request).await?;
        if response.session.is_none() || response.user.is_none() {
            // auth-js: AuthInvalidTokenResponseError.
            return Err(AuthError::InvalidResponse(
                "the id_token grant returned no session".into(),
            ));
        }
        Ok(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_leave_out_what_was_not_given_like_auth_js() {
        let plain = IdTokenCredentials::new("google", "t");
        assert_eq!(
            plain.body(false).to_string(),
            r#"{"provider":"google","id_token":"t","gotrue_meta_security":{}}"#
        );
        let full = IdTokenCredentials::new("apple", "t")
            .access_token("a")
            .nonce("n")
            .captcha_token("c");
        assert_eq!(
            full.body(true).to_string(),
            r#"{"provider":"apple","id_token":"t","access_token":"a","nonce":"n","link_identity":true,"gotrue_meta_security":{"captcha_token":"c"}}"#
        );
    }

    #[test]
    fn debug_shows_no_token() {
        let credentials = IdTokenCredentials::new("google", "secret-token")
            .access_token("secret-access")
            .nonce("secret-nonce");
        let debug = format!("{credentials:?}");
        assert!(!debug.contains("secret"), "{debug}");
        assert!(debug.contains("google"));
    }
}
