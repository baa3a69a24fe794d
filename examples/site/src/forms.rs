//! Form bodies and query strings of the example routes.

use serde::Deserialize;

/// `POST /login` and `POST /signup`.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /magic-link`.
#[derive(Debug, Clone, Deserialize)]
pub struct MagicLinkForm {
    /// Email address.
    pub email: String,
}

/// `GET /login`.
#[derive(Debug, Clone, Deserialize)]
pub struct LoginQuery {
    /// An error to show, from a flow that failed.
    pub error: Option<String>,
}

/// `GET /auth/confirm`.
#[derive(Debug, Clone, Deserialize)]
pub struct ConfirmQuery {
    /// The link's token hash.
    pub token_hash: Option<String>,
    /// The link's OTP type (`email`, `signup`, `recovery`, …).
    #[serde(rename = "type")]
    pub otp_type: Option<String>,
    /// Where to go after signing in.
    pub next: Option<String>,
}

/// `GET /auth/callback`.
#[derive(Debug, Clone, Deserialize)]
pub struct CallbackQuery {
    /// The PKCE authorization code.
    pub code: Option<String>,
    /// Where to go after signing in.
    pub next: Option<String>,
    /// Set by the provider or the Auth server when the flow failed.
    pub error_description: Option<String>,
}

/// `GET /auth/oauth`.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthQuery {
    /// The OAuth provider (offline: any name works with the test provider).
    pub provider: Option<String>,
}

/// A `next` target that stays on this site: a path, never `//host` or an absolute URL, so the
/// confirmation routes cannot be used as open redirects.
pub(crate) fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/private".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_never_leaves_the_site() {
        assert_eq!(safe_next(Some("/private?x=1")), "/private?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/private");
        assert_eq!(safe_next(Some("https://evil.example")), "/private");
        assert_eq!(safe_next(Some("/\\evil.example")), "/private");
        assert_eq!(safe_next(None), "/private");
    }
}
