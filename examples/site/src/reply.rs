//! What a handler answers, and the status, headers and body it becomes: decided here, once,
//! so every example server sends the same response whatever its framework.

use supabase_ssr_core::auth::AuthError;
use supabase_ssr_core::proxy::Rejection;

/// Headers on every reply: no other site may put these pages in a frame (clickjacking).
/// `X-Frame-Options` for older browsers, the CSP directive for current ones.
pub const FRAME_HEADERS: [(&str, &str); 2] = [
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", "frame-ancestors 'none'"),
];

/// The status of a page showing an Auth error: `429` when the Auth server asks to wait (e.g.
/// an email sent too recently), `503` when it could not answer, else `400`.
pub(crate) fn error_status(error: &AuthError) -> u16 {
    match error.status() {
        Some(429) => 429,
        _ if error.is_transient() => 503,
        _ => 400,
    }
}

/// What a handler answers; each example sends its [`Reply::into_parts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// An HTML page.
    Page {
        /// HTTP status.
        status: u16,
        /// The page.
        html: String,
    },
    /// `303 See Other` to a path on this site or to the Auth server's authorize URL. A target
    /// taken from the request (`next`) goes through `supabase_ssr_core::redirect` first.
    Redirect(String),
    /// A JSON body.
    Json {
        /// HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// What the core answers a request a guard refused (`303` to the login or MFA page, `401`,
    /// `403 {"error":"mfa_required"}`, `503`), with its headers: for servers without an
    /// extractor, which call `SupabaseClient::require_aal2` themselves.
    Rejected(Rejection),
    /// A reply holding a secret (a TOTP enrollment's secret and QR code): the same, with
    /// `Cache-Control: no-store`, so that no cache keeps it, not even the browser's for the
    /// back button (the middleware would only make it `private`).
    NoStore(Box<Reply>),
}

impl From<Rejection> for Reply {
    fn from(rejection: Rejection) -> Self {
        Self::Rejected(rejection)
    }
}

/// A reply as an HTTP response: status, headers (each set once) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyParts {
    /// HTTP status.
    pub status: u16,
    /// Header names and values: the content type or `Location`, then [`FRAME_HEADERS`].
    pub headers: Vec<(&'static str, String)>,
    /// Response body.
    pub body: String,
}

impl Reply {
    /// The status, headers and body to send.
    pub fn into_parts(self) -> ReplyParts {
        let frame = FRAME_HEADERS.map(|(name, value)| (name, value.to_owned()));
        let (status, header, body) = match self {
            Self::Page { status, html } => (
                status,
                ("Content-Type", "text/html; charset=utf-8".to_owned()),
                html,
            ),
            Self::Redirect(to) => (303, ("Location", to), String::new()),
            Self::Json { status, body } => (
                status,
                ("Content-Type", "application/json".to_owned()),
                body,
            ),
            Self::NoStore(reply) => {
                let mut parts = reply.into_parts();
                parts
                    .headers
                    .insert(1, ("Cache-Control", "no-store".to_owned()));
                return parts;
            }
            Self::Rejected(rejection) => {
                return ReplyParts {
                    status: rejection.status.as_u16(),
                    headers: rejection.headers.into_iter().chain(frame).collect(),
                    body: rejection.body,
                };
            }
        };
        ReplyParts {
            status,
            headers: std::iter::once(header).chain(frame).collect(),
            body,
        }
    }
}

/// `303` to the sign-in page, coming back to `path` afterwards.
pub(crate) fn sign_in_first(path: &str) -> Reply {
    Reply::Redirect(format!(
        "{}?next={}",
        crate::routes::LOGIN,
        crate::forms::query_component(path)
    ))
}
