//! Form bodies and query strings of the example routes.

use std::fmt;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

/// `value` as a query-string component (every byte but ASCII letters and digits encoded).
pub(crate) fn query_component(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// `POST /login` and `POST /signup`.
#[derive(Debug, Clone, Deserialize)]
pub struct Credentials {
    /// Email address.
    pub email: String,
    /// Password.
    pub password: String,
    /// Where to go once signed in (the sign-in page's hidden field; untrusted like any input).
    pub next: Option<String>,
}

/// `POST /magic-link`.
#[derive(Debug, Clone, Deserialize)]
pub struct MagicLinkForm {
    /// Email address.
    pub email: String,
    /// Where to go once signed in (the sign-in page's hidden field; untrusted like any input).
    pub next: Option<String>,
}

/// `POST /signup/resend`: the confirmation email of a sign-up, once more.
#[derive(Debug, Clone, Deserialize)]
pub struct ResendForm {
    /// The address the sign-up used.
    pub email: String,
    /// Where to go once signed in (untrusted like any input).
    pub next: Option<String>,
}

/// `GET /login`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LoginQuery {
    /// An error to show, from a flow that failed.
    pub error: Option<String>,
    /// Where to go once signed in.
    pub next: Option<String>,
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
    /// The PKCE flow id the sign-in appended to the callback URL
    /// ([`FLOW_ID_PARAM`](supabase_ssr_core::auth::FLOW_ID_PARAM)).
    #[serde(rename = "sb_flow_id")]
    pub flow_id: Option<String>,
}

/// `GET /auth/oauth`.
#[derive(Debug, Clone, Deserialize)]
pub struct OAuthQuery {
    /// The OAuth provider (offline: any name works with the test provider).
    pub provider: Option<String>,
    /// Where to go once signed in.
    pub next: Option<String>,
}

/// `POST /mfa` (the first code of the factor being enrolled) and `POST /mfa/challenge`.
/// Its `Debug` leaves the code out.
#[derive(Clone, Deserialize)]
pub struct MfaCodeForm {
    /// The factor the code is for.
    pub factor_id: String,
    /// The six digits from the authenticator app (spaces allowed).
    pub code: String,
    /// Where to go once verified (untrusted like any input).
    pub next: Option<String>,
}

/// `POST /mfa/unenroll`.
#[derive(Debug, Clone, Deserialize)]
pub struct FactorForm {
    /// The factor to remove.
    pub factor_id: String,
}

/// `GET /mfa/challenge`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MfaQuery {
    /// Where to go once verified.
    pub next: Option<String>,
}

/// `POST /private/account/link`.
#[derive(Debug, Clone, Deserialize)]
pub struct LinkForm {
    /// The OAuth provider to link (offline: the local test provider answers for any name).
    pub provider: String,
}

/// `POST /private/account/unlink`.
#[derive(Debug, Clone, Deserialize)]
pub struct IdentityForm {
    /// The `identity_id` of one of the user's identities.
    pub identity_id: String,
}

/// `POST /private/account/password`: the reauthentication code and the new password. Its
/// `Debug` leaves both out.
#[derive(Clone, Deserialize)]
pub struct PasswordForm {
    /// The code of the reauthentication email.
    pub nonce: String,
    /// The new password.
    pub password: String,
}

impl fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordForm")
            .field("nonce", &"[redacted]")
            .field("password", &"[redacted]")
            .finish()
    }
}

impl fmt::Debug for MfaCodeForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaCodeForm")
            .field("factor_id", &self.factor_id)
            .field("code", &"[redacted]")
            .field("next", &self.next)
            .finish()
    }
}

/// The JSON body of `POST /api/mfa/verify` (no `Debug`: it holds a code).
#[derive(Deserialize)]
pub(crate) struct VerifyBody {
    pub factor_id: String,
    pub code: String,
}
