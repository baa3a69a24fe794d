//! Request and response types of the Auth API calls.

use serde_json::{Map, Value};

use crate::json::{Json, Object};
use crate::redact::{self, Redacted};

/// Who signs in or up: an email address or a phone number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identifier {
    /// An email address.
    Email(String),
    /// A phone number in E.164 form.
    Phone(String),
}

impl Identifier {
    pub(super) fn insert_into(&self, body: &mut Object) {
        match self {
            Self::Email(email) => body.insert("email", email.as_str()),
            Self::Phone(phone) => body.insert("phone", phone.as_str()),
        }
    }
}

/// `gotrue_meta_security`, with the CAPTCHA token when there is one.
pub(crate) fn meta_security(captcha_token: Option<&str>) -> Object {
    let mut security = Object::new();
    if let Some(token) = captcha_token {
        security.insert("captcha_token", token);
    }
    security
}

/// Email or phone and password, for [`Auth::sign_in_with_password`](super::Auth::sign_in_with_password).
///
/// `Debug` redacts the password and the CAPTCHA token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PasswordCredentials {
    /// Who signs in.
    pub identifier: Identifier,
    /// The password.
    pub password: String,
    /// A CAPTCHA token, when the project requires one.
    pub captcha_token: Option<String>,
}

impl std::fmt::Debug for PasswordCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordCredentials")
            .field("identifier", &self.identifier)
            .field("password", &Redacted)
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl PasswordCredentials {
    /// Email and password.
    pub fn email(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            identifier: Identifier::Email(email.into()),
            password: password.into(),
            captcha_token: None,
        }
    }

    /// Phone and password.
    pub fn phone(phone: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            identifier: Identifier::Phone(phone.into()),
            password: password.into(),
            captcha_token: None,
        }
    }

    pub(crate) fn body(&self) -> Json {
        let mut body = Object::new();
        self.identifier.insert_into(&mut body);
        body.insert("password", self.password.as_str());
        body.insert(
            "gotrue_meta_security",
            meta_security(self.captcha_token.as_deref()),
        );
        Json::Object(body)
    }
}

/// A new account, for [`Auth::sign_up`](super::Auth::sign_up).
///
/// `Debug` redacts the password and the CAPTCHA token.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct SignUp {
    /// Email or phone of the new user.
    pub identifier: Identifier,
    /// The password.
    pub password: String,
    /// Initial user metadata.
    pub data: Map<String, Value>,
    /// Where the confirmation link leads (email sign-ups).
    pub email_redirect_to: Option<String>,
    /// A CAPTCHA token, when the project requires one.
    pub captcha_token: Option<String>,
}

impl std::fmt::Debug for SignUp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignUp")
            .field("identifier", &self.identifier)
            .field("password", &Redacted)
            .field("data", &self.data)
            .field("email_redirect_to", &self.email_redirect_to)
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl SignUp {
    /// Sign-up with email and password.
    pub fn email(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self::new(Identifier::Email(email.into()), password.into())
    }

    /// Sign-up with phone and password.
    pub fn phone(phone: impl Into<String>, password: impl Into<String>) -> Self {
        Self::new(Identifier::Phone(phone.into()), password.into())
    }

    fn new(identifier: Identifier, password: String) -> Self {
        Self {
            identifier,
            password,
            data: Map::new(),
            email_redirect_to: None,
            captcha_token: None,
        }
    }
}

/// A one-time-password or magic-link sign-in, for
/// [`Auth::sign_in_with_otp`](super::Auth::sign_in_with_otp).
///
/// `Debug` redacts the CAPTCHA token.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct OtpSignIn {
    /// Where the code or link is sent.
    pub identifier: Identifier,
    /// Metadata for a user created by this sign-in.
    pub data: Map<String, Value>,
    /// Create the user when unknown (default `true`).
    pub should_create_user: bool,
    /// Where the magic link leads (email).
    pub email_redirect_to: Option<String>,
    /// A CAPTCHA token, when the project requires one.
    pub captcha_token: Option<String>,
}

impl std::fmt::Debug for OtpSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OtpSignIn")
            .field("identifier", &self.identifier)
            .field("data", &self.data)
            .field("should_create_user", &self.should_create_user)
            .field("email_redirect_to", &self.email_redirect_to)
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl OtpSignIn {
    /// A magic link or code by email.
    pub fn email(email: impl Into<String>) -> Self {
        Self::new(Identifier::Email(email.into()))
    }

    /// A code by SMS.
    pub fn phone(phone: impl Into<String>) -> Self {
        Self::new(Identifier::Phone(phone.into()))
    }

    fn new(identifier: Identifier) -> Self {
        Self {
            identifier,
            data: Map::new(),
            should_create_user: true,
            email_redirect_to: None,
            captcha_token: None,
        }
    }
}

/// The kind of one-time password being verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtpType {
    /// Email OTP or magic link.
    Email,
    /// Sign-up confirmation.
    Signup,
    /// Invitation.
    Invite,
    /// Magic link (legacy name).
    Magiclink,
    /// Password recovery.
    Recovery,
    /// Email change confirmation.
    EmailChange,
    /// SMS OTP.
    Sms,
    /// Phone change confirmation.
    PhoneChange,
}

impl OtpType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Signup => "signup",
            Self::Invite => "invite",
            Self::Magiclink => "magiclink",
            Self::Recovery => "recovery",
            Self::EmailChange => "email_change",
            Self::Sms => "sms",
            Self::PhoneChange => "phone_change",
        }
    }

    /// Parses a wire name (e.g. the `type` query parameter of a confirmation link).
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "email" => Self::Email,
            "signup" => Self::Signup,
            "invite" => Self::Invite,
            "magiclink" => Self::Magiclink,
            "recovery" => Self::Recovery,
            "email_change" => Self::EmailChange,
            "sms" => Self::Sms,
            "phone_change" => Self::PhoneChange,
            _ => return None,
        })
    }
}

/// What [`Auth::verify_otp`](super::Auth::verify_otp) checks.
///
/// `Debug` redacts the token hash and the code: either signs the user in.
#[derive(Clone, PartialEq, Eq)]
pub enum VerifyOtp {
    /// The `token_hash` of a link (the server-side confirmation route of the SSR guide).
    TokenHash {
        /// From the link's query.
        token_hash: String,
        /// From the link's query.
        otp_type: OtpType,
    },
    /// The code a user typed, with the address or number it was sent to.
    Code {
        /// Where the code was sent.
        identifier: Identifier,
        /// The code.
        token: String,
        /// Its kind.
        otp_type: OtpType,
        /// Redirect URL for the server, if any.
        redirect_to: Option<String>,
    },
}

impl std::fmt::Debug for VerifyOtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::TokenHash { otp_type, .. } => f
                .debug_struct("TokenHash")
                .field("token_hash", &Redacted)
                .field("otp_type", otp_type)
                .finish(),
            Self::Code {
                identifier,
                otp_type,
                redirect_to,
                ..
            } => f
                .debug_struct("Code")
                .field("identifier", identifier)
                .field("token", &Redacted)
                .field("otp_type", otp_type)
                .field("redirect_to", redirect_to)
                .finish(),
        }
    }
}

/// An OAuth sign-in, for [`Auth::sign_in_with_oauth`](super::Auth::sign_in_with_oauth).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthSignIn {
    /// The provider, e.g. `github`.
    pub provider: String,
    /// Where the provider sends the user back (your `/auth/callback`).
    pub redirect_to: Option<String>,
    /// Space-separated provider scopes.
    pub scopes: Option<String>,
    /// Extra query parameters for the provider (e.g. `prompt=consent`).
    pub query_params: Vec<(String, String)>,
    /// Appends the flow id to `redirect_to` as [`FLOW_ID_PARAM`](super::FLOW_ID_PARAM)
    /// (`sb_flow_id`, as auth-js's `experimental.appendPkceFlowIdToRedirects` does), so the
    /// callback can hand it to
    /// [`Auth::exchange_code_for_session`](super::Auth::exchange_code_for_session): the exchange
    /// then uses and removes this flow's own verifier cookies, none is left behind. Off by
    /// default, as in auth-js: the hosted Auth server matches `redirect_to` against the allow
    /// list *including* the query string, so an exact (non-wildcard) entry stops matching.
    /// [`SupabaseBuilder::append_flow_id_to_redirects`](crate::SupabaseBuilder::append_flow_id_to_redirects)
    /// turns it on for every flow of a client.
    pub append_flow_id_to_redirect: bool,
}

impl OAuthSignIn {
    /// A sign-in with `provider`.
    pub fn new(provider: impl Into<String>) -> Self {
        Self {
            provider: provider.into(),
            redirect_to: None,
            scopes: None,
            query_params: Vec::new(),
            append_flow_id_to_redirect: false,
        }
    }
}

/// Where to send the browser to sign in with an OAuth provider.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthRedirect {
    /// The provider.
    pub provider: String,
    /// The Auth server's authorize URL; redirect the browser there (303).
    pub url: String,
    /// The PKCE flow id (also stored in the verifier cookies).
    pub flow_id: String,
}

/// Which sessions [`Auth::sign_out_with_scope`](super::Auth::sign_out_with_scope) ends.
/// [`Auth::sign_out`](super::Auth::sign_out) is `Local`. Serializes as the Auth server's
/// `scope` parameter (`"global"`, `"local"`, `"others"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignOutScope {
    /// Every session of the user, on every device (the JS default, and `Default` here).
    #[default]
    Global,
    /// Only this session.
    Local,
    /// Every other session of the user; this one stays.
    Others,
}

impl SignOutScope {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Global => "global",
            Self::Local => "local",
            Self::Others => "others",
        }
    }
}

/// Changes to the signed-in user, for [`Auth::update_user`](super::Auth::update_user).
///
/// `Debug` redacts the passwords and the nonce.
#[derive(Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct UserAttributes {
    /// A new email address (confirmed by a link).
    pub email: Option<String>,
    /// A new phone number.
    pub phone: Option<String>,
    /// A new password.
    pub password: Option<String>,
    /// The current password, when the project requires it to set a new one (the Auth server's
    /// "require current password" setting; `current_password_required` without it,
    /// `invalid_credentials` when wrong).
    pub current_password: Option<String>,
    /// The reauthentication nonce, when the project requires one for password changes: the
    /// code [`Auth::reauthenticate`](super::Auth::reauthenticate) sent.
    pub nonce: Option<String>,
    /// User metadata to merge.
    pub data: Option<Map<String, Value>>,
}

/// Setters, since the struct is `#[non_exhaustive]`: start from
/// [`UserAttributes::default`] (no change).
///
/// ```
/// use supabase_ssr_core::auth::UserAttributes;
///
/// let changes = UserAttributes::default().with_password("a new passphrase");
/// assert!(changes.email.is_none());
/// ```
impl UserAttributes {
    /// A new email address.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// A new phone number.
    #[must_use]
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// A new password.
    #[must_use]
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// The current password (sent as `current_password`, beside the new one).
    #[must_use]
    pub fn with_current_password(mut self, password: impl Into<String>) -> Self {
        self.current_password = Some(password.into());
        self
    }

    /// The reauthentication nonce.
    #[must_use]
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// User metadata to merge.
    #[must_use]
    pub fn with_data(mut self, data: Map<String, Value>) -> Self {
        self.data = Some(data);
        self
    }
}

impl std::fmt::Debug for UserAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserAttributes")
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("password", &redact::optional(self.password.as_ref()))
            .field(
                "current_password",
                &redact::optional(self.current_password.as_ref()),
            )
            .field("nonce", &redact::optional(self.nonce.as_ref()))
            .field("data", &self.data)
            .finish()
    }
}
