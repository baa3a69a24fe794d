//! One-time codes and token hashes for email and SMS (`gotrue:internal/api/verify.go`).
//!
//! Each send stores a six-digit code and its `token_hash` (hex SHA-224 of address + code, as
//! the Go server computes it) and puts a message in the outbox. A newer send of the same kind to
//! the same user replaces the older one. Verification consumes the record.

use std::fmt::Write as _;

use aws_lc_rs::digest;

use super::clock::rfc3339;
use super::errors::ApiError;
use super::outbox::OutboxMessage;
use super::random;
use super::state::Inner;

/// What a code confirms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OtpKind {
    Signup,
    /// An admin's invitation (`POST /invite`, `generate_link` type `invite`); confirms like
    /// [`OtpKind::Signup`].
    Invite,
    Magiclink,
    Recovery,
    EmailChange,
    Sms,
    /// A new phone number's confirmation (`phone_change`).
    PhoneChange,
    /// The nonce `GET /reauthenticate` sends; `PUT /user` consumes it, `/verify` never does.
    Reauthentication,
}

impl OtpKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            OtpKind::Signup => "signup",
            OtpKind::Invite => "invite",
            OtpKind::Magiclink => "magiclink",
            OtpKind::Recovery => "recovery",
            OtpKind::EmailChange => "email_change",
            OtpKind::Sms => "sms",
            OtpKind::PhoneChange => "phone_change",
            OtpKind::Reauthentication => "reauthentication",
        }
    }

    /// Whether the code goes by SMS (no link, a `message_id` in the answer).
    pub(crate) fn is_sms(self) -> bool {
        matches!(self, OtpKind::Sms | OtpKind::PhoneChange)
    }

    /// Whether a `type` given to `/verify` accepts a code of this kind. `email` stands for
    /// sign-up and magic-link codes alike, as in the Go server.
    fn accepted_by(self, verify_type: &str) -> bool {
        match verify_type {
            "email" | "signup" | "magiclink" | "invite" => {
                matches!(self, OtpKind::Signup | OtpKind::Invite | OtpKind::Magiclink)
            }
            "recovery" => self == OtpKind::Recovery,
            "email_change" => self == OtpKind::EmailChange,
            "sms" => self == OtpKind::Sms,
            "phone_change" => self == OtpKind::PhoneChange,
            _ => false,
        }
    }

    /// The `amr` method of the session a verified code creates.
    pub(crate) fn amr(self) -> &'static str {
        match self {
            OtpKind::Recovery => "recovery",
            OtpKind::EmailChange => "email_change",
            OtpKind::Magiclink => "magiclink",
            OtpKind::Signup
            | OtpKind::Invite
            | OtpKind::Sms
            | OtpKind::PhoneChange
            | OtpKind::Reauthentication => "otp",
        }
    }
}

/// A code waiting to be verified.
#[derive(Debug, Clone)]
pub(crate) struct OtpRecord {
    pub(crate) kind: OtpKind,
    pub(crate) user_id: String,
    pub(crate) address: String,
    pub(crate) otp: String,
    pub(crate) token_hash: String,
    pub(crate) created_at: i64,
    /// The auth code of the PKCE flow started with it, if any.
    pub(crate) flow: Option<String>,
}

/// What `/verify` was given.
#[derive(Debug, Clone, Default)]
pub(crate) struct VerifyParams {
    pub(crate) verify_type: String,
    pub(crate) token_hash: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) phone: Option<String>,
}

/// The Go server's `GenerateTokenHash`: hex SHA-224 of address + code.
pub(crate) fn token_hash(address: &str, otp: &str) -> String {
    let d = digest::digest(&digest::SHA224, format!("{address}{otp}").as_bytes());
    d.as_ref().iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

impl Inner {
    /// Stores a code and puts the message in the outbox.
    pub(crate) fn send_otp(
        &mut self,
        kind: OtpKind,
        user_id: &str,
        address: &str,
        redirect_to: Option<&str>,
        flow: Option<String>,
    ) -> OutboxMessage {
        let message = self.issue_otp(kind, user_id, address, redirect_to, flow);
        tracing::info!(kind = kind.name(), "message put in the outbox");
        self.outbox.push(message.clone());
        message
    }

    /// Stores a code and answers the message that would carry it, without sending it (what
    /// `/admin/generate_link` hands to the caller).
    pub(crate) fn issue_otp(
        &mut self,
        kind: OtpKind,
        user_id: &str,
        address: &str,
        redirect_to: Option<&str>,
        flow: Option<String>,
    ) -> OutboxMessage {
        let now = self.clock.now_ms();
        let otp = random::otp();
        let hash = token_hash(address, &otp);
        self.otps
            .retain(|r| !(r.user_id == user_id && r.kind == kind));
        self.otps.push(OtpRecord {
            kind,
            user_id: user_id.to_owned(),
            address: address.to_owned(),
            otp: otp.clone(),
            token_hash: hash.clone(),
            created_at: now,
            flow,
        });
        let link = if kind.is_sms() || kind == OtpKind::Reauthentication {
            String::new()
        } else {
            let mut url = format!("{}/verify?token={hash}&type={}", self.issuer(), kind.name());
            if let Some(r) = redirect_to {
                url.push_str("&redirect_to=");
                url.extend(url::form_urlencoded::byte_serialize(r.as_bytes()));
            }
            url
        };
        OutboxMessage {
            id: random::uuid(),
            kind: kind.name().to_owned(),
            to: address.to_owned(),
            otp,
            token_hash: hash,
            link,
            redirect_to: redirect_to.map(str::to_owned),
            sent_at: rfc3339(now),
        }
    }

    /// Finds and consumes the code `params` names; applies its effect on the user.
    pub(crate) fn consume_otp(&mut self, params: &VerifyParams) -> Result<OtpRecord, ApiError> {
        let invalid = || ApiError::forbidden("otp_expired", "Token has expired or is invalid");
        let position = if let Some(hash) = params.token_hash.as_deref().filter(|h| !h.is_empty()) {
            self.otps
                .iter()
                .position(|r| r.token_hash == hash && r.kind.accepted_by(&params.verify_type))
        } else {
            let token = params
                .token
                .as_deref()
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "validation_failed",
                        "Verify requires either a token or a token hash",
                    )
                })?;
            let address = params
                .email
                .as_deref()
                .map(|e| e.trim().to_lowercase())
                .or_else(|| params.phone.clone())
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "validation_failed",
                        "Only an email address or phone number should be provided on verify",
                    )
                })?;
            // A bare token (link) may also be the token hash.
            self.otps.iter().position(|r| {
                (r.address == address && r.otp == token || r.token_hash == token)
                    && r.kind.accepted_by(&params.verify_type)
            })
        };
        let record = self.otps.remove(position.ok_or_else(invalid)?);
        let ttl_ms = i64::try_from(self.settings.otp_ttl.as_millis()).unwrap_or(i64::MAX);
        let now = self.clock.now_ms();
        if now >= record.created_at.saturating_add(ttl_ms) {
            return Err(invalid());
        }
        let user = self.user_mut(&record.user_id).ok_or_else(invalid)?;
        match record.kind {
            OtpKind::Signup | OtpKind::Invite | OtpKind::Magiclink | OtpKind::Recovery => {
                if user.email_confirmed_at.is_none() {
                    user.email_confirmed_at = Some(now);
                    if let Some(meta) = user.user_metadata.as_object_mut() {
                        meta.insert("email_verified".to_owned(), true.into());
                    }
                    for identity in user.identities.iter_mut().filter(|i| i.provider == "email") {
                        if let Some(data) = identity.data.as_object_mut() {
                            data.insert("email_verified".to_owned(), true.into());
                        }
                    }
                }
            }
            OtpKind::EmailChange => {
                if let Some(new_email) = user.new_email.take() {
                    user.email = new_email;
                    user.email_change_sent_at = None;
                }
            }
            OtpKind::Sms => {
                user.phone_confirmed_at.get_or_insert(now);
            }
            OtpKind::PhoneChange => {
                if let Some(phone) = user.phone_change.take() {
                    user.phone = phone;
                    user.phone_confirmed_at = Some(now);
                    user.phone_change_sent_at = None;
                }
            }
            // Never offered to `/verify` (`accepted_by` is false for every type).
            OtpKind::Reauthentication => {}
        }
        user.updated_at = now;
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::server::state::test_support::{EMAIL, inner, user_id};

    fn by_hash(hash: &str, t: &str) -> VerifyParams {
        VerifyParams {
            verify_type: t.to_owned(),
            token_hash: Some(hash.to_owned()),
            ..VerifyParams::default()
        }
    }

    #[test]
    fn token_hash_verifies_once() {
        let mut s = inner();
        let uid = user_id(&s);
        let m = s.send_otp(OtpKind::Magiclink, &uid, EMAIL, None, None);
        assert_eq!(m.token_hash, token_hash(EMAIL, &m.otp));
        assert!(
            m.link
                .contains(&format!("token={}&type=magiclink", m.token_hash))
        );
        let r = s.consume_otp(&by_hash(&m.token_hash, "email")).unwrap();
        assert_eq!(r.user_id, uid);
        assert_eq!(
            s.consume_otp(&by_hash(&m.token_hash, "email"))
                .unwrap_err()
                .code,
            "otp_expired"
        );
    }

    #[test]
    fn email_and_code_verify_and_confirm_the_user() {
        let mut s = inner();
        let uid = user_id(&s);
        s.user_mut(&uid).unwrap().email_confirmed_at = None;
        let m = s.send_otp(OtpKind::Signup, &uid, EMAIL, None, None);
        let params = VerifyParams {
            verify_type: "email".into(),
            token: Some(m.otp.clone()),
            email: Some(EMAIL.to_uppercase()),
            ..VerifyParams::default()
        };
        s.consume_otp(&params).unwrap();
        assert!(s.user(&uid).unwrap().email_confirmed_at.is_some());
    }

    #[test]
    fn expired_wrong_type_and_replaced_codes_fail() {
        let mut s = inner();
        let uid = user_id(&s);
        let m = s.send_otp(OtpKind::Recovery, &uid, EMAIL, None, None);
        assert_eq!(
            s.consume_otp(&by_hash(&m.token_hash, "email"))
                .unwrap_err()
                .code,
            "otp_expired"
        );
        s.clock.advance(Duration::from_secs(3600));
        let e = s
            .consume_otp(&by_hash(&m.token_hash, "recovery"))
            .unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (403, "otp_expired"));

        let first = s.send_otp(OtpKind::Magiclink, &uid, EMAIL, None, None);
        let _second = s.send_otp(OtpKind::Magiclink, &uid, EMAIL, None, None);
        assert!(
            s.consume_otp(&by_hash(&first.token_hash, "magiclink"))
                .is_err()
        );
    }
}
