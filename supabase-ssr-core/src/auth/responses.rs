//! What the sign-in and OTP calls answer, beyond the session itself.

use serde_json::Value;

use crate::json::Json;
use crate::{Session, User};

/// The session and user an Auth call produced.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AuthResponse {
    /// The new session, when the call signed the user in.
    pub session: Option<Session>,
    /// The user, when the server returned one.
    pub user: Option<User>,
    /// Set when the password just used is accepted but does not meet the project's current
    /// password rules (the Auth server's `weak_password` answer to a sign-in or sign-up): the
    /// user is signed in; ask them to choose a stronger password.
    pub weak_password: Option<WeakPassword>,
}

/// Why a password counts as weak, from the Auth server's `weak_password` object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WeakPassword {
    /// The rules it breaks: `length`, `characters`, `pwned`.
    pub reasons: Vec<String>,
    /// The server's explanation, if it sent one.
    pub message: Option<String>,
}

impl WeakPassword {
    /// The `weak_password` of a 2xx answer, read as auth-js reads it: a non-empty list of
    /// string reasons, else nothing.
    pub(crate) fn from_answer(answer: &Json) -> Option<Self> {
        let Json::Object(fields) = answer else {
            return None;
        };
        let Value::Object(weak) = fields.get("weak_password")?.to_value() else {
            return None;
        };
        let reasons = weak
            .get("reasons")?
            .as_array()?
            .iter()
            .map(|reason| reason.as_str().map(str::to_owned))
            .collect::<Option<Vec<_>>>()?;
        (!reasons.is_empty()).then(|| Self {
            reasons,
            message: weak
                .get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

/// The answer to a request that sends a one-time password
/// ([`Auth::sign_in_with_otp`](super::Auth::sign_in_with_otp),
/// [`Auth::resend`](super::Auth::resend)).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct OtpResponse {
    /// The SMS provider's id of the message sent, when the server reports one (phone OTPs;
    /// auth-js's `messageId`).
    pub message_id: Option<String>,
}

impl OtpResponse {
    pub(crate) fn from_answer(answer: Json) -> Self {
        let message_id = match answer {
            Json::Object(fields) => match fields.get("message_id") {
                Some(Json::String(id)) if !id.is_empty() => Some(id.clone()),
                _ => None,
            },
            _ => None,
        };
        Self { message_id }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak(text: &str) -> Option<WeakPassword> {
        WeakPassword::from_answer(&Json::parse(text).unwrap())
    }

    #[test]
    fn weak_password_is_read_like_auth_js() {
        let read = weak(
            r#"{"access_token":"a","weak_password":{"reasons":["length","pwned"],"message":"m"}}"#,
        )
        .unwrap();
        assert_eq!(read.reasons, ["length", "pwned"]);
        assert_eq!(read.message.as_deref(), Some("m"));
        assert_eq!(
            weak(r#"{"weak_password":{"reasons":["length"]}}"#)
                .unwrap()
                .message,
            None
        );
        for text in [
            r#"{"access_token":"a"}"#,
            r#"{"weak_password":null}"#,
            r#"{"weak_password":{"reasons":[]}}"#,
            r#"{"weak_password":{"reasons":["length",1]}}"#,
            r#"{"weak_password":{"reasons":"length"}}"#,
            "[1]",
        ] {
            assert_eq!(weak(text), None, "{text}");
        }
    }

    #[test]
    fn the_message_id_is_read_when_present() {
        let answer = Json::parse(r#"{"message_id":"SM123"}"#).unwrap();
        assert_eq!(
            OtpResponse::from_answer(answer).message_id.as_deref(),
            Some("SM123")
        );
        for text in ["{}", r#"{"message_id":""}"#, r#"{"message_id":7}"#, "null"] {
            let answer = Json::parse(text).unwrap();
            assert_eq!(OtpResponse::from_answer(answer), OtpResponse::default());
        }
    }
}
