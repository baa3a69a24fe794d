//! Errors of the Auth client, classified by what they mean for the user's session.

use crate::ErrorSource;

/// An Auth operation failed.
///
/// Every variant says whether it is [transient](AuthError::is_transient) (the Auth server could
/// not answer: retry later, keep the session) or not, and carries the server's `error_code` when
/// there is one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The Auth server refused the request (a 4xx other than 408/409/429).
    #[error("{message} (HTTP {status}{})", code.as_deref().map(|c| format!(", {c}")).unwrap_or_default())]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's machine-readable `error_code`, e.g. `invalid_credentials`.
        code: Option<String>,
        /// The server's message.
        message: String,
    },
    /// The password was refused as too weak.
    #[error("{message} (HTTP {status}, weak_password)")]
    WeakPassword {
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
        /// Why, e.g. `length`, `characters`, `pwned`.
        reasons: Vec<String>,
    },
    /// The Auth server could not answer: connection refused or reset, timeout, 5xx, 408, 409,
    /// 429, or a body that is not JSON. The session is kept.
    #[error("the Auth server is unavailable: {message}")]
    Transient {
        /// HTTP status, if a response arrived.
        status: Option<u16>,
        /// The server's `error_code`, if any.
        code: Option<String>,
        /// What happened (never contains a token).
        message: String,
        /// The HTTP client's error, for a connection failure or timeout (without its URL).
        #[source]
        source: Option<ErrorSource>,
    },
    /// There is no session (or its refresh token is empty), or the server no longer knows it.
    #[error("Auth session missing!")]
    SessionMissing,
    /// A JWT is malformed, expired, or does not verify.
    #[error("invalid JWT: {0}")]
    InvalidJwt(String),
    /// A PKCE code exchange found no code verifier in the request's cookies.
    #[error(
        "PKCE code verifier not found in storage. This can happen if the auth flow was initiated in a different browser or device, or if the storage was cleared."
    )]
    PkceVerifierMissing,
    /// An argument was refused before any request was sent: an id that is not a UUID (it
    /// would otherwise become part of the request's path, as auth-js refuses it too).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// The server answered 2xx with a body that is not what the call returns (e.g. no session).
    #[error("unexpected response from the Auth server: {0}")]
    InvalidResponse(String),
    /// The client is configured for third-party auth
    /// ([`SupabaseBuilder::access_token`](crate::SupabaseBuilder::access_token) or
    /// [`Supabase::client_with_access_token`](crate::Supabase::client_with_access_token)):
    /// sessions belong to the other identity provider, so every Auth method is refused without
    /// a call, as supabase-js throws on any `supabase.auth.<x>` of such a client.
    #[error(
        "the Supabase client is configured with a third-party access token (access_token), \
         accessing auth().{method} is not possible: sessions belong to the third-party provider"
    )]
    ThirdPartyAuth {
        /// The Auth method that was called, e.g. `get_claims`.
        method: &'static str,
    },
    /// The third-party [`AccessTokenProvider`](crate::access_token::AccessTokenProvider) failed;
    /// no request was sent.
    #[error("the access token provider failed: {source}")]
    AccessTokenProvider {
        /// The provider's error.
        #[source]
        source: ErrorSource,
    },
}

impl AuthError {
    /// The server's `error_code`, or this crate's code for local errors.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Api { code, .. } | Self::Transient { code, .. } => code.as_deref(),
            Self::WeakPassword { .. } => Some("weak_password"),
            Self::SessionMissing => Some("session_not_found"),
            Self::InvalidJwt(_) => Some("invalid_jwt"),
            Self::PkceVerifierMissing => Some("pkce_code_verifier_not_found"),
            Self::InvalidResponse(_)
            | Self::InvalidArgument(_)
            | Self::ThirdPartyAuth { .. }
            | Self::AccessTokenProvider { .. } => None,
        }
    }

    /// The HTTP status the server answered with, if any.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::WeakPassword { status, .. } => Some(*status),
            Self::Transient { status, .. } => *status,
            _ => None,
        }
    }

    /// Whether trying again later may succeed; a transient error never ends a session.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transient { .. } | Self::InvalidResponse(_))
    }
}
