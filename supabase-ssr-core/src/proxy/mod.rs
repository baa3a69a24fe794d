//! The proxy step: what a middleware does before the handler (refresh the session if needed and
//! let the rest of the request see it) and after it (send the cookies), plus the pieces every
//! framework adapter shares: which paths to handle, which cross-site requests to refuse, how to
//! reject unauthenticated requests (and `aal1` sessions on routes that need `aal2`), and the
//! header plumbing for `http` 1.x.

mod csrf;
mod filter;
pub mod http_headers;
mod next_param;
mod rejection;
mod step_up;
mod trace;

pub use csrf::{CsrfGuard, GuardedRequest, InvalidOrigin, combine_header_values};
pub use filter::PathFilter;
pub(crate) use next_param::validate_name as validate_next_param_name;
pub(crate) use rejection::Denied;
pub use rejection::{MISSING_MIDDLEWARE, Rejection, THIRD_PARTY_AUTH, report_missing_middleware};
pub use step_up::Aal2Policy;
pub use trace::RequestSpan;
pub(crate) use trace::SessionTrace;

use crate::auth::{AuthError, Claims};
use crate::client::SupabaseClient;

/// Where the request's session stands after the proxy step.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionStatus {
    /// A session is present (refreshed if it was expiring). Still unverified: use verified
    /// claims to decide who the user is.
    Present,
    /// No session, or it is over (its cookies are being deleted).
    SignedOut,
    /// The session's access token expired and the Auth server could not refresh it now. The
    /// cookies are kept; treat the request as signed out for now and let the next one retry.
    Unavailable(AuthError),
    /// The client uses third-party auth
    /// ([`SupabaseBuilder::access_token`](crate::SupabaseBuilder::access_token)): Supabase auth
    /// cookies were not read, refreshed or deleted.
    ThirdPartyAuth,
}

/// What the middleware applies to the request before calling the handler.
///
/// `Debug` shows the length of the `Cookie` header, never its content.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyOutcome {
    /// The `Cookie` header to put on the request (replacing all its `Cookie` headers) so code
    /// after the middleware sees the refreshed session; `None` when nothing changed.
    pub request_cookie_header: Option<String>,
    /// The session's state.
    pub status: SessionStatus,
    /// What happened, for the request span's `session` field.
    pub(crate) trace: SessionTrace,
}

impl std::fmt::Debug for ProxyOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let header = self
            .request_cookie_header
            .as_ref()
            .map(|h| crate::redact::RedactedLen(h.len()));
        f.debug_struct("ProxyOutcome")
            .field("request_cookie_header", &header)
            .field("status", &self.status)
            .field("trace", &self.trace)
            .finish()
    }
}

impl SupabaseClient {
    /// Runs the proxy step: loads the session from the request's cookies and refreshes it when
    /// it expires within the margin (one `/token` call per refresh token in the process).
    ///
    /// After the handler, send [`SupabaseClient::response_cookies`].
    ///
    /// ```no_run
    /// # async fn example(supabase: supabase_ssr_core::Supabase, cookie_header: &str) {
    /// let client = supabase.client([cookie_header]);
    /// let outcome = client.proxy().await;
    /// if let Some(header) = outcome.request_cookie_header {
    ///     // replace the request's Cookie header with `header`
    /// }
    /// // … call the handler with `client` in the request's extensions …
    /// let cookies = client.response_cookies();
    /// // append each of cookies.set_cookies() as Set-Cookie, then set each header of
    /// // cookies.cache_headers_for(<the handler's Cache-Control>, <its Vary values>)
    /// # }
    /// ```
    ///
    /// With third-party auth it does nothing: no cookie is read, refreshed or deleted
    /// ([`SessionStatus::ThirdPartyAuth`]).
    pub async fn proxy(&self) -> ProxyOutcome {
        if self.uses_third_party_auth() {
            return ProxyOutcome {
                request_cookie_header: None,
                status: SessionStatus::ThirdPartyAuth,
                trace: SessionTrace::ThirdPartyAuth,
            };
        }
        if self.auth().remembered_claims().is_some() {
            return ProxyOutcome {
                request_cookie_header: None,
                status: SessionStatus::Present,
                trace: SessionTrace::Valid,
            };
        }
        let (loaded, trace) = self.auth().load_session_traced().await;
        let status = match loaded {
            Ok(Some(_)) => SessionStatus::Present,
            Ok(None) => SessionStatus::SignedOut,
            Err(error) => SessionStatus::Unavailable(error),
        };
        ProxyOutcome {
            request_cookie_header: self.request_cookie_header(),
            status,
            trace,
        }
    }
}

impl SupabaseClient {
    /// For extractors of protected routes: the verified claims of the request's user, or the
    /// response to send instead — `401` JSON, a `303` to the login page for browser navigations
    /// when one is configured, or `503` when the Auth server cannot be reached. A token that
    /// does not verify is answered like no session; its cookies are left alone.
    ///
    /// With third-party auth there are no Supabase Auth claims to give: the answer is a `500`
    /// naming the configuration error (logged once), rather than a `401` that would pretend the
    /// visitor is signed out. Verify the third-party token with its provider's library.
    pub async fn require_claims(&self, accept: Option<&str>) -> Result<Claims, Rejection> {
        if self.uses_third_party_auth() {
            return Err(Rejection::third_party_auth());
        }
        let denied = match self.auth().get_claims().await {
            Ok(Some(claims)) => return Ok(claims),
            Ok(None) => Denied::Unauthenticated,
            Err(error) if error.is_transient() => Denied::Unavailable(error),
            Err(error) => {
                tracing::debug!(reason = %error, "rejecting a session that does not verify");
                Denied::Unauthenticated
            }
        };
        Err(self.reject(&denied, accept))
    }

    /// The answer for `denied`, with the page browser navigations are sent to instead.
    pub(crate) fn reject(&self, denied: &Denied, accept: Option<&str>) -> Rejection {
        let page = match denied {
            Denied::MfaRequired => self.shared.mfa_path.as_deref(),
            _ => self.shared.login_path.as_deref(),
        };
        // The MFA page gets the way back too: after the challenge, the user continues to the
        // page that asked for `aal2`.
        let with_target =
            page.zip(self.shared.login_next_param.as_deref())
                .and_then(|(page, name)| {
                    let target = self.request_target()?;
                    next_param::page_with_target(page, name, target)
                });
        Rejection::new(denied, with_target.as_deref().or(page), accept)
    }

    /// For extractors of pages open to everyone: the verified claims, or `None` for anonymous
    /// visitors, sessions that do not verify and Auth outages alike. With third-party auth,
    /// always `None` (and the configuration error is logged once, as
    /// [`require_claims`](Self::require_claims) reports it).
    pub async fn optional_claims(&self) -> Option<Claims> {
        if self.uses_third_party_auth() {
            rejection::report_third_party_auth();
            return None;
        }
        match self.auth().get_claims().await {
            Ok(claims) => claims,
            Err(error) => {
                tracing::debug!(reason = %error, "treating the request as anonymous");
                None
            }
        }
    }
}
