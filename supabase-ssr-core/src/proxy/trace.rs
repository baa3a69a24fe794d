//! The `supabase_ssr.request` span every framework adapter opens around a request (see the
//! crate docs, "Tracing").
//!
//! The span is made here once and only entered by the adapters, so every framework records the
//! same names and values. Its fields are the method, the path (never the query: it may carry an
//! authorization code or a token), where the session stands and whether it was refreshed. No
//! user id, not even hashed: a hash of a user id is still a stable identifier of the user,
//! which would make every trace backend a record of who visited what.

use std::future::Future;

use tracing::field::Empty;
use tracing::instrument::{Instrument, Instrumented};

use super::ProxyOutcome;

/// Where the request's session stood after the proxy step, as the span's `session` field says
/// it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionTrace {
    /// No session cookie.
    None,
    /// A session cookie that does not hold a session (it is removed).
    Invalid,
    /// The session's claims were verified earlier in this request.
    Valid,
    /// A session that did not need a refresh (unverified).
    Present,
    /// The session was refreshed.
    Refreshed,
    /// The refresh failed; the session is used until its access token expires.
    RefreshFailed,
    /// The Auth server ended the session; its cookies are removed.
    SignedOut,
    /// The access token expired and the Auth server could not refresh it now.
    AuthUnavailable,
    /// The client uses third-party auth; the cookies were not read.
    ThirdPartyAuth,
}

impl SessionTrace {
    /// The value of the span's `session` field.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Invalid => "invalid",
            Self::Valid => "valid",
            Self::Present => "present",
            Self::Refreshed => "refreshed",
            Self::RefreshFailed => "refresh_failed",
            Self::SignedOut => "signed_out",
            Self::AuthUnavailable => "auth_unavailable",
            Self::ThirdPartyAuth => "third_party_auth",
        }
    }
}

/// The INFO span `supabase_ssr.request` of one request, made by the adapters' middleware.
///
/// Fields: `http.method`, `http.path` (no query), `session` (`none`, `invalid`, `valid`,
/// `present`, `refreshed`, `refresh_failed`, `signed_out`, `auth_unavailable`,
/// `third_party_auth` (the client uses third-party auth), or `skipped`
/// for a path the [`PathFilter`](super::PathFilter) skips, `cross_site_refused` for a request
/// the [`CsrfGuard`](super::CsrfGuard) refuses) and `refreshed` (a bool). Everything the
/// proxy step and the handler do runs inside it ([`RequestSpan::instrument`]), so the
/// `supabase_ssr.refresh` and `supabase_ssr.auth_call` spans of the request are its children.
///
/// With no subscriber interested in it the span is disabled: making it costs a check of the
/// level, and recording into it does nothing.
///
/// ```
/// use supabase_ssr_core::proxy::RequestSpan;
///
/// # async fn example(client: supabase_ssr_core::SupabaseClient) {
/// let span = RequestSpan::new("GET", "/account");
/// let outcome = span.instrument(client.proxy()).await;
/// span.record_outcome(&outcome);
/// // … then run the handler inside it: `span.instrument(handler).await`
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RequestSpan {
    span: tracing::Span,
}

impl RequestSpan {
    /// The span of a request with this method and path (give the path without its query).
    pub fn new(method: &str, path: &str) -> Self {
        let span = tracing::info_span!(
            "supabase_ssr.request",
            http.method = method,
            http.path = path,
            session = Empty,
            refreshed = Empty,
        );
        Self { span }
    }

    /// Records where the session stands after the proxy step.
    pub fn record_outcome(&self, outcome: &ProxyOutcome) {
        self.record(
            outcome.trace.as_str(),
            outcome.trace == SessionTrace::Refreshed,
        );
    }

    /// Records that the path filter skipped the request (no session work).
    pub fn record_skipped(&self) {
        self.record("skipped", false);
    }

    /// Records that the CSRF guard refused the request.
    pub fn record_cross_site_refused(&self) {
        self.record("cross_site_refused", false);
    }

    fn record(&self, session: &'static str, refreshed: bool) {
        if !self.span.is_disabled() {
            self.span.record("session", session);
            self.span.record("refreshed", refreshed);
        }
    }

    /// Runs `future` inside the span.
    pub fn instrument<F: Future>(&self, future: F) -> Instrumented<F> {
        future.instrument(self.span.clone())
    }

    /// The span, to enter it for synchronous work or to make it the parent of others.
    pub fn span(&self) -> &tracing::Span {
        &self.span
    }
}
