//! Sending a confirmation again (`POST /resend`): sign-up, email change, SMS and phone change.

use reqwest::Method;

use super::flows::FlowCall;
use super::responses::OtpResponse;
use super::types::{Identifier, OtpType, meta_security};
use super::{Auth, AuthError};
use crate::json::Object;
use crate::redact;

/// What [`Auth::resend`] sends again: a sign-up confirmation or an email-change link by email,
/// or a code by SMS for a phone sign-up or phone change.
///
/// `Debug` redacts the CAPTCHA token.
///
/// ```
/// use supabase_ssr_core::auth::Resend;
///
/// let again = Resend::signup("ada@example.com")
///     .email_redirect_to("https://app.example/auth/callback");
/// # let _ = again;
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Resend {
    identifier: Identifier,
    otp_type: OtpType,
    email_redirect_to: Option<String>,
    captcha_token: Option<String>,
}

impl std::fmt::Debug for Resend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resend")
            .field("identifier", &self.identifier)
            .field("otp_type", &self.otp_type)
            .field("email_redirect_to", &self.email_redirect_to)
            .field(
                "captcha_token",
                &redact::optional(self.captcha_token.as_ref()),
            )
            .finish()
    }
}

impl Resend {
    /// The sign-up confirmation email (a PKCE link, like [`Auth::sign_up`]'s).
    pub fn signup(email: impl Into<String>) -> Self {
        Self::new(Identifier::Email(email.into()), OtpType::Signup)
    }

    /// The email-change confirmation (a PKCE link, like
    /// [`Auth::update_user`](super::Auth::update_user)'s).
    pub fn email_change(email: impl Into<String>) -> Self {
        Self::new(Identifier::Email(email.into()), OtpType::EmailChange)
    }

    /// The phone sign-up code, by SMS.
    pub fn sms(phone: impl Into<String>) -> Self {
        Self::new(Identifier::Phone(phone.into()), OtpType::Sms)
    }

    /// The phone-change code, by SMS.
    pub fn phone_change(phone: impl Into<String>) -> Self {
        Self::new(Identifier::Phone(phone.into()), OtpType::PhoneChange)
    }

    fn new(identifier: Identifier, otp_type: OtpType) -> Self {
        Self {
            identifier,
            otp_type,
            email_redirect_to: None,
            captcha_token: None,
        }
    }

    /// Where the email's link leads (your `/auth/callback`); ignored for SMS, as in auth-js.
    #[must_use]
    pub fn email_redirect_to(mut self, url: impl Into<String>) -> Self {
        self.email_redirect_to = Some(url.into());
        self
    }

    /// A CAPTCHA token, when the project requires one.
    #[must_use]
    pub fn captcha_token(mut self, token: impl Into<String>) -> Self {
        self.captcha_token = Some(token.into());
        self
    }
}

impl Auth<'_> {
    /// Sends a confirmation again (auth-js's `resend`): the sign-up or email-change link by
    /// email, the sign-up or phone-change code by SMS. An email link starts a new PKCE flow
    /// whose verifier cookies are written as [`Auth::sign_up`]'s are (and forgotten when the
    /// server refuses); the link's `code` goes to [`Auth::exchange_code_for_session`]. The
    /// answer carries the SMS message id when the server reports one.
    ///
    /// The server answers too many resends with `over_email_send_rate_limit` /
    /// `over_sms_send_rate_limit` ([`AuthError::code`]).
    pub async fn resend(&self, resend: &Resend) -> Result<OtpResponse, AuthError> {
        self.first_party("resend")?;
        let mut body = Object::new();
        resend.identifier.insert_into(&mut body);
        body.insert("type", resend.otp_type.as_str());
        body.insert(
            "gotrue_meta_security",
            meta_security(resend.captcha_token.as_deref()),
        );
        // auth-js starts a PKCE flow for the email kinds only (their links carry a code).
        let email = matches!(resend.identifier, Identifier::Email(_));
        let flow = email.then(|| self.start_flow(&mut body, ""));
        let email_redirect_to = resend
            .email_redirect_to
            .as_deref()
            .filter(|_| flow.is_some());
        let call = FlowCall::new(Method::POST, "resend", body, flow.as_ref());
        let answer = self.send_flow(call, email_redirect_to).await?;
        Ok(OtpResponse::from_answer(answer))
    }
}
