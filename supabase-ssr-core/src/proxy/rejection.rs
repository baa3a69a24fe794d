//! What to answer when a handler requires a signed-in user (or one at `aal2`) and the request
//! has none, or when the CSRF guard refuses a request.

use std::fmt;

use http::StatusCode;

use crate::auth::AuthError;

/// What every adapter answers (with a `500`) when an extractor or guard runs on a request its
/// middleware did not handle: the middleware is not installed on the route, or its
/// [`PathFilter`](super::PathFilter) skips the path. A programming error, never an anonymous
/// visitor.
pub const MISSING_MIDDLEWARE: &str = "the Supabase middleware did not handle this request: \
                                      it is not installed on this route, or its path filter \
                                      skips the path";

/// Logs [`MISSING_MIDDLEWARE`] as an error, the first time only (a misconfigured route under
/// load must not flood the logs). Adapters call it whenever an extractor finds no client, so
/// the mistake is reported even where the framework's `Option<T>` extractor turns it into
/// `None`.
pub fn report_missing_middleware() {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| tracing::error!("{MISSING_MIDDLEWARE}"));
}

/// What [`Rejection::third_party_auth`] answers (with a `500`): a route requires a Supabase
/// Auth user, but the client uses third-party auth. A configuration error, never a visitor's.
pub const THIRD_PARTY_AUTH: &str = "this route requires a Supabase Auth user, but the Supabase \
                                    client is configured for third-party auth (access_token): \
                                    verify the third-party token with its provider instead";

/// Logs [`THIRD_PARTY_AUTH`] as an error, the first time only.
pub(crate) fn report_third_party_auth() {
    static LOGGED: std::sync::Once = std::sync::Once::new();
    LOGGED.call_once(|| tracing::error!("{THIRD_PARTY_AUTH}"));
}

/// How unauthenticated requests to protected routes, and cross-site requests the
/// [`CsrfGuard`](super::CsrfGuard) refuses, are answered.
///
/// JSON clients get `401 {"error": …}`. When a login page is configured
/// ([`SupabaseBuilder::login_path`](crate::SupabaseBuilder::login_path)), browser navigations
/// (an `Accept` header that prefers HTML) are redirected there with `303 See Other` instead
/// (carrying the requested path when
/// [`SupabaseBuilder::login_next_param`](crate::SupabaseBuilder::login_next_param) is set).
/// A refused cross-site request is a `403`: JSON for clients that prefer it, else plain text.
///
/// A signed-in user who must step up to `aal2` first
/// ([`SupabaseClient::require_aal2`](crate::SupabaseClient::require_aal2)) gets
/// `403 {"error":"mfa_required"}`, or, for browser navigations when an MFA page is configured
/// ([`SupabaseBuilder::mfa_path`](crate::SupabaseBuilder::mfa_path)), a `303` there.
///
/// Its `Display` names the status only: the body and headers are for the client.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejection {
    /// HTTP status: 401, 303, 503 when the Auth server is unreachable, 403 for a cross-site
    /// request or a session that must step up to `aal2`, 500 for
    /// [`Rejection::missing_middleware`] and [`Rejection::third_party_auth`].
    pub status: StatusCode,
    /// Headers to set, e.g. `Location`, `Content-Type`, `Retry-After`.
    pub headers: Vec<(&'static str, String)>,
    /// Response body.
    pub body: String,
}

/// Why a request was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Denied {
    /// No session, or one that does not verify.
    Unauthenticated,
    /// The Auth server could not be reached to refresh or verify.
    Unavailable(AuthError),
    /// The CSRF guard refused an unsafe-method request from another site.
    CrossSite,
    /// A verified user whose session must step up to `aal2` first.
    MfaRequired,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "request rejected with {}", self.status)
    }
}

impl std::error::Error for Rejection {}

impl Rejection {
    /// The `500` every adapter answers when its middleware did not handle the request: a
    /// plain-text body of [`MISSING_MIDDLEWARE`]. Adapters build it for their
    /// `AuthRejection::MissingMiddleware`.
    ///
    /// ```
    /// use supabase_ssr_core::proxy::{MISSING_MIDDLEWARE, Rejection};
    ///
    /// let rejection = Rejection::missing_middleware();
    /// assert_eq!(rejection.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    /// assert_eq!(rejection.body, MISSING_MIDDLEWARE);
    /// ```
    ///
    /// Logs an error through `tracing` the first time it is built in the process (once, so a
    /// misconfigured route under load does not flood the logs).
    #[must_use]
    pub fn missing_middleware() -> Self {
        report_missing_middleware();
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
            body: MISSING_MIDDLEWARE.to_owned(),
        }
    }

    /// The `500` of an extractor that needs a Supabase Auth user on a client that uses
    /// third-party auth: a plain-text body of [`THIRD_PARTY_AUTH`], logged once as an error.
    ///
    /// ```
    /// use supabase_ssr_core::proxy::{Rejection, THIRD_PARTY_AUTH};
    ///
    /// let rejection = Rejection::third_party_auth();
    /// assert_eq!(rejection.status, http::StatusCode::INTERNAL_SERVER_ERROR);
    /// assert_eq!(rejection.body, THIRD_PARTY_AUTH);
    /// ```
    #[must_use]
    pub fn third_party_auth() -> Self {
        report_third_party_auth();
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
            body: THIRD_PARTY_AUTH.to_owned(),
        }
    }

    /// The answer for `denied`. `page` is where browser navigations are sent instead: the login
    /// page for [`Denied::Unauthenticated`], the MFA page for [`Denied::MfaRequired`] (ignored
    /// for the others).
    pub(crate) fn new(denied: &Denied, page: Option<&str>, accept: Option<&str>) -> Self {
        let page = page.filter(|_| wants_html(accept));
        match (denied, page) {
            (Denied::Unauthenticated | Denied::MfaRequired, Some(page)) => Self {
                status: StatusCode::SEE_OTHER,
                headers: vec![("Location", page.to_owned())],
                body: String::new(),
            },
            (Denied::Unauthenticated, None) => json(StatusCode::UNAUTHORIZED, "not signed in"),
            (Denied::MfaRequired, None) => json(StatusCode::FORBIDDEN, MFA_REQUIRED),
            (Denied::Unavailable(_), _) => {
                let mut rejection = json(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the Auth server is unavailable, try again",
                );
                rejection.headers.push(("Retry-After", "1".to_owned()));
                rejection
            }
            (Denied::CrossSite, _) if prefers_json(accept) => {
                json(StatusCode::FORBIDDEN, CROSS_SITE)
            }
            (Denied::CrossSite, _) => Self {
                status: StatusCode::FORBIDDEN,
                headers: vec![("Content-Type", "text/plain; charset=utf-8".to_owned())],
                body: CROSS_SITE.to_owned(),
            },
        }
    }
}

const CROSS_SITE: &str = "cross-site request refused";

/// The `error` of the `403` for a session that must step up (what the examples' JSON contract
/// names).
const MFA_REQUIRED: &str = "mfa_required";

fn json(status: StatusCode, message: &str) -> Rejection {
    Rejection {
        status,
        headers: vec![("Content-Type", "application/json".to_owned())],
        body: serde_json::json!({ "error": message }).to_string(),
    }
}

/// A browser navigation: `text/html` is accepted before any JSON type.
fn wants_html(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let position = |needle: &str| accept.find(needle);
    match (position("text/html"), position("json")) {
        (Some(html), Some(json)) => html < json,
        (Some(_), None) => true,
        _ => false,
    }
}

/// An API client: a JSON type is accepted before any HTML.
fn prefers_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    match (accept.find("json"), accept.find("text/html")) {
        (Some(json), Some(html)) => json < html,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_redirected_and_api_clients_get_json() {
        let page = Rejection::new(
            &Denied::Unauthenticated,
            Some("/login"),
            Some("text/html,application/xhtml+xml,*/*;q=0.8"),
        );
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.headers, vec![("Location", "/login".to_owned())]);
        let api = Rejection::new(
            &Denied::Unauthenticated,
            Some("/login"),
            Some("application/json"),
        );
        assert_eq!(api.status, StatusCode::UNAUTHORIZED);
        assert_eq!(api.body, r#"{"error":"not signed in"}"#);
        let no_login = Rejection::new(&Denied::Unauthenticated, None, Some("text/html"));
        assert_eq!(no_login.status, StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn a_step_up_redirects_browsers_to_the_mfa_page_and_answers_403_json_otherwise() {
        let html = Some("text/html,application/xhtml+xml,*/*;q=0.8");
        let page = Rejection::new(&Denied::MfaRequired, Some("/mfa/challenge"), html);
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            page.headers,
            vec![("Location", "/mfa/challenge".to_owned())]
        );
        assert_eq!(page.body, "");
        let api = Rejection::new(
            &Denied::MfaRequired,
            Some("/mfa/challenge"),
            Some("application/json"),
        );
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        assert_eq!(api.body, r#"{"error":"mfa_required"}"#);
        assert!(
            api.headers
                .contains(&("Content-Type", "application/json".to_owned()))
        );
        // Without an MFA page, browsers get the JSON 403 too (never the login page).
        let no_page = Rejection::new(&Denied::MfaRequired, None, html);
        assert_eq!(no_page.status, StatusCode::FORBIDDEN);
        assert_eq!(no_page.body, r#"{"error":"mfa_required"}"#);
    }

    #[test]
    fn an_unreachable_auth_server_is_a_503() {
        let denied = Denied::Unavailable(AuthError::Transient {
            status: Some(503),
            code: None,
            message: "down".into(),
            source: None,
        });
        let rejection = Rejection::new(&denied, Some("/login"), Some("text/html"));
        assert_eq!(rejection.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(rejection.headers.contains(&("Retry-After", "1".to_owned())));
    }

    #[test]
    fn display_names_the_status_only() {
        let rejection = Rejection::new(&Denied::Unauthenticated, None, None);
        assert_eq!(
            rejection.to_string(),
            "request rejected with 401 Unauthorized"
        );
        let missing = Rejection::missing_middleware();
        assert_eq!(missing.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(missing.body, MISSING_MIDDLEWARE);
    }
}
