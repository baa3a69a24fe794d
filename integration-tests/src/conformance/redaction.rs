//! `Debug` output never holds a secret: a fixture of values that hold known secrets, and the
//! check every test runs over the `{:?}` and `{:#?}` of the core's and each adapter's public
//! types.
//!
//! Secrets are the JWT secret, access and refresh tokens, cookie values (the session's, a PKCE
//! verifier's, an unrelated cookie's) and the decoded PKCE verifier. The publishable key is not:
//! it is public by design (every browser of the site gets it), and `Debug` may show it.

use std::fmt::Debug;
use std::sync::Arc;

use supabase_ssr_core::auth::{Claims, OAuthSignIn};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::proxy::Rejection;
use supabase_ssr_core::{ProxyOutcome, Supabase, SupabaseClient};

use super::harness::{EMAIL, Harness};
use crate::jar::BrowserJar;

/// The JWT secret of the fixture's handle (40 bytes, so the builder accepts it).
pub const JWT_SECRET: &str = "fixture-jwt-secret-never-in-debug-output";

/// An unrelated cookie the fixture's request carries next to the session.
pub const OTHER_COOKIE: (&str, &str) = ("preferences", "unrelated-cookie-value-0123456789");

/// Values holding known secrets, and the secrets.
pub struct SecretFixture {
    /// The local Auth server (its log capture checks the logs too).
    pub harness: Harness,
    /// A handle built with [`JWT_SECRET`].
    pub supabase: Supabase,
    /// A request's client that came with an expiring session and [`OTHER_COOKIE`], refreshed
    /// its session, verified its claims and started an OAuth sign-in (PKCE verifier cookies
    /// written).
    pub client: SupabaseClient,
    /// What the proxy step answered for that request (its rewritten `Cookie` header holds the
    /// new session).
    pub proxy_outcome: ProxyOutcome,
    /// The verified claims of the refreshed session.
    pub claims: Claims,
    /// The rejection of a request without a session.
    pub rejection: Rejection,
    secrets: Vec<String>,
}

impl Debug for SecretFixture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretFixture")
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl SecretFixture {
    /// Starts the Auth server and builds every value.
    pub async fn start() -> Self {
        let harness = Harness::start().await;
        let supabase = harness
            .supabase_builder()
            .jwt_secret(JWT_SECRET)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let mut secrets = vec![JWT_SECRET.to_owned(), OTHER_COOKIE.1.to_owned()];

        let issued = harness
            .auth
            .mint_session(EMAIL, 30)
            .unwrap_or_else(|e| panic!("{e}"));
        secrets.extend([issued.access_token.clone(), issued.refresh_token.clone()]);
        let session =
            supabase_ssr_core::Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
        let jar = super::harness::jar_holding(&supabase, &session);
        secrets.extend(cookie_values(&jar));
        let header = format!("{}; {}={}", jar.header(), OTHER_COOKIE.0, OTHER_COOKIE.1);

        let client = supabase.client([header.as_str()]);
        let proxy_outcome = client.proxy().await;
        let claims = client
            .auth()
            .get_claims()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("the fixture's session did not verify"));
        let refreshed = client
            .auth()
            .get_session()
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|| panic!("no refreshed session"));
        assert_ne!(
            refreshed.refresh_token(),
            issued.refresh_token,
            "the fixture's session must have been refreshed"
        );
        secrets.extend([
            refreshed.access_token().to_owned(),
            refreshed.refresh_token().to_owned(),
        ]);
        client
            .auth()
            .sign_in_with_oauth(&OAuthSignIn::new("github"))
            .unwrap_or_else(|e| panic!("{e}"));
        let mut written = BrowserJar::new();
        written.apply(client.response_cookies().set_cookies());
        secrets.extend(cookie_values(&written));
        // The decoded verifiers too, as the cookie state holds them.
        let written_header = written.header();
        let state = CookieState::new(
            Arc::new(supabase.config().clone()),
            [written_header.as_str()],
        );
        let verifiers: Vec<String> = written
            .names()
            .into_iter()
            .filter(|name| {
                name.ends_with("-code-verifier") && !name.ends_with("-flows-code-verifier")
            })
            .filter_map(|name| state.get_item(name).map(|v| v.trim_matches('"').to_owned()))
            .collect();
        assert!(!verifiers.is_empty(), "no PKCE verifier was written");
        secrets.extend(verifiers);

        let rejection = supabase
            .client([])
            .require_claims(None)
            .await
            .err()
            .unwrap_or_else(|| panic!("a request without a session was let in"));
        for secret in &secrets {
            harness.remember_secret(secret);
        }
        Self {
            harness,
            supabase,
            client,
            proxy_outcome,
            claims,
            rejection,
            secrets,
        }
    }

    /// The secrets the fixture's values hold.
    pub fn secrets(&self) -> &[String] {
        &self.secrets
    }

    /// Panics when the `{:?}` or `{:#?}` of `value` holds a secret of the fixture, or anything
    /// that looks like a JWT or a base64 session cookie (`eyJ`, the base64 of `{"`).
    pub fn assert_redacted(&self, what: &str, value: &dyn Debug) {
        if let Some(leak) = self.leak(value, &[]) {
            panic!("{what}: {leak}");
        }
    }

    /// What the `{:?}` or `{:#?}` of `value` gives away, if anything: a secret of the fixture,
    /// one of `more`, or `eyJ` (the start of every JWT and base64 session cookie).
    pub fn leak(&self, value: &dyn Debug, more: &[&str]) -> Option<String> {
        let secrets = self
            .secrets
            .iter()
            .map(String::as_str)
            .chain(more.iter().copied());
        for text in [format!("{value:?}"), format!("{value:#?}")] {
            if text.contains("eyJ") {
                return Some(format!("a token in Debug: {text}"));
            }
            for secret in secrets.clone() {
                if text.contains(secret) {
                    return Some(format!(
                        "a secret ({} bytes) in Debug: {text}",
                        secret.len()
                    ));
                }
            }
        }
        None
    }
}

/// Every cookie value of a jar (the values only: the names are not secret).
fn cookie_values(jar: &BrowserJar) -> Vec<String> {
    jar.names()
        .into_iter()
        .filter_map(|name| jar.get(name))
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
        .collect()
}
