//! Enterprise single sign-on (SAML) through the Auth server (`POST /sso`), with PKCE.

use reqwest::Method;

use super::http::AuthRequest;
use super::types::meta_security;
use super::{Auth, AuthError};
use crate::json::{Json, Object};
use crate::redact;

/// Which identity provider [`Auth::sign_in_with_sso`] signs in with: the one registered for an
/// email domain, or one by its id.
///
/// `Debug` redacts the CAPTCHA token.
///
/// ```
/// use supabase_ssr_core::auth::SsoSignIn;
///
/// let sso = SsoSignIn::domain("company.example").redirect_to("https://app.example/auth/callback");
/// # let _ = sso;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct SsoSignIn {
    provider: SsoProvider,
    redirect_to: Option<String>,
    captcha_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum SsoProvider {
    Domain(String),
    Id(String),
}

impl std::fmt::Debug for SsoSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SsoSignIn")
            .field("provider", &self.provider)
            .field("redirect_to", &self.redirect_to)
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl SsoSignIn {
    /// The identity provider registered for `domain` (e.g. the domain of the user's email).
    pub fn domain(domain: impl Into<String>) -> Self {
        Self::new(SsoProvider::Domain(domain.into()))
    }

    /// The identity provider with this id (a UUID from the project's SSO settings).
    pub fn provider_id(id: impl Into<String>) -> Self {
        Self::new(SsoProvider::Id(id.into()))
    }

    fn new(provider: SsoProvider) -> Self {
        Self {
            provider,
            redirect_to: None,
            captcha_token: None,
        }
    }

    /// Where the user lands after the identity provider (your `/auth/callback`).
    #[must_use]
    pub fn redirect_to(mut self, url: impl Into<String>) -> Self {
        self.redirect_to = Some(url.into());
        self
    }

    /// A CAPTCHA token, when the project requires one.
    #[must_use]
    pub fn captcha_token(mut self, token: impl Into<String>) -> Self {
        self.captcha_token = Some(token.into());
        self
    }
}

/// Where to send the browser for an SSO sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SsoRedirect {
    /// The identity provider's sign-in URL; redirect the browser there (303).
    pub url: String,
    /// The PKCE flow id (also stored in the verifier cookies).
    pub flow_id: String,
}

impl Auth<'_> {
    /// Starts an SSO sign-in: stores the PKCE verifier cookies and asks the Auth server for the
    /// identity provider's URL (auth-js's `signInWithSSO`, which a server cannot follow with a
    /// browser redirect itself, so `skip_http_redirect` is always sent). After the identity
    /// provider, the server sends the user to `redirect_to` with a `code` for
    /// [`Auth::exchange_code_for_session`].
    ///
    /// An unknown domain or id is the server's `sso_provider_not_found` ([`AuthError::code`]);
    /// the flow's verifier is forgotten on any failure.
    pub async fn sign_in_with_sso(&self, sso: &SsoSignIn) -> Result<SsoRedirect, AuthError> {
        self.first_party("sign_in_with_sso")?;
        let mut body = Object::new();
        match &sso.provider {
            SsoProvider::Id(id) => body.insert("provider_id", id.as_str()),
            SsoProvider::Domain(domain) => body.insert("domain", domain.as_str()),
        }
        // The flow starts here (its id goes on `redirect_to`), but auth-js puts the challenge
        // last in the body: it waits in `flow_body`.
        let mut flow_body = Object::new();
        let flow = self.start_flow(&mut flow_body, "");
        if let Some(redirect_to) = self.flow_redirect(sso.redirect_to.as_deref(), Some(&flow)) {
            body.insert("redirect_to", redirect_to);
        }
        if let Some(token) = &sso.captcha_token {
            // auth-js sends `gotrue_meta_security` here only with a token.
            body.insert("gotrue_meta_security", meta_security(Some(token)));
        }
        body.insert("skip_http_redirect", true);
        for (key, value) in flow_body {
            body.insert(key, value);
        }
        let body = Json::Object(body);
        let mut request = AuthRequest::new(Method::POST, "sso");
        request.body = Some(&body);
        let result = self.http().send(request).await.and_then(|answer| {
            answer_url(&answer)
                .ok_or_else(|| AuthError::InvalidResponse("POST /sso returned no url".into()))
        });
        self.end_failed_flow(Some(&flow), &result);
        Ok(SsoRedirect {
            url: result?,
            flow_id: flow.flow_id,
        })
    }
}

/// The `url` of an answer (`{"url": "…"}`), for the SSO and identity-linking calls.
pub(super) fn answer_url(answer: &Json) -> Option<String> {
    // Matched rather than `Json::as_object`, which only the `rest` feature compiles.
    let Json::Object(fields) = answer else {
        return None;
    };
    match fields.get("url")? {
        Json::String(url) if !url.is_empty() => Some(url.clone()),
        _ => None,
    }
}
