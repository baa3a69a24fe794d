//! Email and SMS are never sent: they land here, like the local stack's mail catcher.

use serde::{Deserialize, Serialize};

/// One message the server would have sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Message id.
    pub id: String,
    /// `signup`, `invite`, `magiclink`, `recovery`, `email_change` or `sms`; `mfa_sms` or
    /// `mfa_whatsapp` for a phone factor's challenge code (sent to the number without its `+`).
    pub kind: String,
    /// The email address or phone number it went to.
    pub to: String,
    /// The six-digit one-time code (for `verifyOtp({email, token, type})`).
    pub otp: String,
    /// The token hash (for `verifyOtp({token_hash, type})`).
    pub token_hash: String,
    /// The confirmation link (`GET /auth/v1/verify?token=…&type=…&redirect_to=…`); empty for SMS.
    pub link: String,
    /// The `redirect_to` of the request that sent it, if any.
    pub redirect_to: Option<String>,
    /// When it was sent (server clock).
    pub sent_at: String,
}
