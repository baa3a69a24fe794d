//! Request and response types of the MFA calls, mirroring the Auth server's JSON (`/factors`).
//!
//! The response types keep fields this crate does not know about in `extra`, so an answer of a
//! newer server survives a round trip through them. `Debug` never prints a TOTP secret, its
//! `otpauth://` URI or the QR code (all three carry the secret).

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::User;
use crate::redact::Redacted;

/// An authenticator assurance level: `aal1` (one factor, e.g. a password) or `aal2` (a second
/// factor verified in this session).
///
/// Like auth-js, any other string a token carries is kept as it is ([`Aal::Other`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Aal {
    /// `aal1`.
    Aal1,
    /// `aal2`.
    Aal2,
    /// Any other level a token names (a custom access-token hook may write one).
    Other(String),
}

impl Aal {
    /// `"aal1"`, `"aal2"` or the other level's text.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Aal1 => "aal1",
            Self::Aal2 => "aal2",
            Self::Other(level) => level,
        }
    }

    /// The level a claim's text names.
    pub fn from_claim(level: &str) -> Self {
        match level {
            "aal1" => Self::Aal1,
            "aal2" => Self::Aal2,
            other => Self::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for Aal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Aal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Aal {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from_claim(&String::deserialize(deserializer)?))
    }
}

/// One entry of a token's `amr` claim: how the user proved who they are in this session, and
/// when. The Auth server writes objects (`{"method":"totp","timestamp":1767225600}`); a custom
/// access-token hook may write bare strings (RFC 8176), read here with no timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AmrEntry {
    /// The method: `password`, `otp`, `oauth`, `totp`, `mfa/phone`, …
    pub method: String,
    /// Unix time (seconds) the method was used; `None` for a bare-string entry.
    pub timestamp: Option<i64>,
    /// Any other field of an object entry (the Auth server adds `provider` for some methods).
    pub extra: Map<String, Value>,
}

impl AmrEntry {
    /// An entry read from one element of an `amr` claim, `None` for an element that is neither
    /// a string nor an object with a string `method`.
    pub(crate) fn from_claim(value: &Value) -> Option<Self> {
        match value {
            Value::String(method) => Some(Self {
                method: method.clone(),
                timestamp: None,
                extra: Map::new(),
            }),
            Value::Object(fields) => {
                let method = fields.get("method")?.as_str()?.to_owned();
                let timestamp = fields.get("timestamp").and_then(Value::as_i64);
                let extra = fields
                    .iter()
                    .filter(|(key, _)| !matches!(key.as_str(), "method" | "timestamp"))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect();
                Some(Self {
                    method,
                    timestamp,
                    extra,
                })
            }
            _ => None,
        }
    }
}

impl Serialize for AmrEntry {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The shape it was read in: a bare string stays a string.
        match self.timestamp {
            None if self.extra.is_empty() => serializer.serialize_str(&self.method),
            _ => {
                let mut fields = Map::new();
                fields.insert("method".to_owned(), Value::from(self.method.as_str()));
                if let Some(timestamp) = self.timestamp {
                    fields.insert("timestamp".to_owned(), Value::from(timestamp));
                }
                fields.extend(self.extra.clone());
                fields.serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for AmrEntry {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        Self::from_claim(&value).ok_or_else(|| {
            serde::de::Error::custom("an amr entry is a string or an object with a method")
        })
    }
}

/// The answer of [`Mfa::authenticator_assurance_level`](super::Mfa::authenticator_assurance_level),
/// auth-js's `getAuthenticatorAssuranceLevel`.
///
/// No session: both levels `None` and no methods. Otherwise `current_level` is the access
/// token's `aal`, and `next_level` is `aal2` when the session's user has a verified factor,
/// else the current level. `next_level` above `current_level` means the user should be asked
/// for their second factor.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct AssuranceLevel {
    /// The session's level now (`None` without a session or without an `aal` claim).
    pub current_level: Option<Aal>,
    /// The level the session can reach.
    pub next_level: Option<Aal>,
    /// The token's `amr` claim: how the user signed in during this session.
    pub current_authentication_methods: Vec<AmrEntry>,
}

/// An MFA factor of a user, as the Auth server lists it on the user object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Factor {
    /// The factor's id (a UUID).
    pub id: String,
    /// `totp`, `phone` or `webauthn`.
    pub factor_type: String,
    /// `verified` or `unverified` (a factor is unverified from enrollment until its first
    /// successful verify).
    pub status: String,
    /// The name the user gave it (unique per user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// When it was enrolled (RFC 3339).
    #[serde(default)]
    pub created_at: String,
    /// When it last changed (RFC 3339).
    #[serde(default)]
    pub updated_at: String,
    /// When it was last challenged (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_challenged_at: Option<String>,
    /// The phone number of a `phone` factor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Every other field the Auth server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Factor {
    /// Whether the factor has been verified (only verified factors raise the next level).
    pub fn is_verified(&self) -> bool {
        self.status == "verified"
    }
}

impl User {
    /// Every MFA factor on the user object, verified or not (the Auth server lists them under
    /// `factors`). Entries that are not factors are skipped.
    ///
    /// A session's stored user has the factors as they were when the session was issued; the
    /// user from [`Auth::get_user`](super::Auth::get_user) has the current ones.
    pub fn factors(&self) -> Vec<Factor> {
        self.fields()
            .get("factors")
            .and_then(Value::as_array)
            .map(|factors| {
                factors
                    .iter()
                    .filter_map(|factor| Factor::deserialize(factor).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether the user has at least one verified factor (auth-js's rule for `nextLevel`).
    ///
    /// Reads each entry's `status` alone, as auth-js does, rather than the entries
    /// [`User::factors`] can parse: this answer decides who must step up to `aal2`
    /// ([`SupabaseClient::require_aal2`](crate::SupabaseClient::require_aal2)), and a verified
    /// factor with a field in an unexpected shape must still count (fail closed).
    pub fn has_verified_factor(&self) -> bool {
        self.fields()
            .get("factors")
            .and_then(Value::as_array)
            .is_some_and(|factors| {
                factors
                    .iter()
                    .any(|factor| factor.get("status").and_then(Value::as_str) == Some("verified"))
            })
    }
}

/// The answer of [`Mfa::list_factors`](super::Mfa::list_factors), auth-js's `listFactors`: all
/// factors, and the verified ones by type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Factors {
    /// Every factor, verified or not.
    pub all: Vec<Factor>,
    /// Verified TOTP factors.
    pub totp: Vec<Factor>,
    /// Verified phone factors.
    pub phone: Vec<Factor>,
    /// Verified `webauthn` factors.
    pub webauthn: Vec<Factor>,
}

impl Factors {
    /// Sorts factors the way auth-js does: every one in `all`, the verified ones by type too.
    pub(crate) fn from_factors(factors: Vec<Factor>) -> Self {
        let mut sorted = Self::default();
        for factor in factors {
            if factor.is_verified() {
                match factor.factor_type.as_str() {
                    "totp" => sorted.totp.push(factor.clone()),
                    "phone" => sorted.phone.push(factor.clone()),
                    "webauthn" => sorted.webauthn.push(factor.clone()),
                    _ => {}
                }
            }
            sorted.all.push(factor);
        }
        sorted
    }
}

/// What to enroll, for [`Mfa::enroll`](super::Mfa::enroll): a TOTP authenticator app or a
/// phone.
///
/// ```
/// use supabase_ssr_core::auth::MfaEnroll;
///
/// let totp = MfaEnroll::totp().issuer("Example").friendly_name("Phone app");
/// let phone = MfaEnroll::phone("+15555550100");
/// # let _ = (totp, phone);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaEnroll {
    pub(crate) factor_type: &'static str,
    pub(crate) phone: Option<String>,
    pub(crate) issuer: Option<String>,
    pub(crate) friendly_name: Option<String>,
}

impl MfaEnroll {
    /// A TOTP factor. The server answers with the secret, its `otpauth://` URI and a QR code.
    pub fn totp() -> Self {
        Self {
            factor_type: "totp",
            phone: None,
            issuer: None,
            friendly_name: None,
        }
    }

    /// A phone factor for `number` (E.164); codes are sent by text message or `WhatsApp` on
    /// [`Mfa::challenge`](super::Mfa::challenge).
    pub fn phone(number: impl Into<String>) -> Self {
        Self {
            factor_type: "phone",
            phone: Some(number.into()),
            issuer: None,
            friendly_name: None,
        }
    }

    /// The issuer shown in the authenticator app (TOTP only; the server uses the site URL's host
    /// without it).
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<String>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }

    /// A name for the factor, unique among the user's factors.
    #[must_use]
    pub fn friendly_name(mut self, name: impl Into<String>) -> Self {
        self.friendly_name = Some(name.into());
        self
    }
}

/// A factor just enrolled (unverified until its first [`Mfa::verify`](super::Mfa::verify)),
/// the Auth server's `POST /factors` answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EnrolledFactor {
    /// The factor's id.
    pub id: String,
    /// `totp` or `phone` (the Auth server's `type`).
    #[serde(rename = "type")]
    pub factor_type: String,
    /// The name given at enrollment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// What the authenticator app needs (TOTP factors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp: Option<TotpSetup>,
    /// The phone number (phone factors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Every other field the Auth server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The TOTP secret of a new factor, to show the user once. All three fields carry the secret:
/// `Debug` prints none of them; never log them.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TotpSetup {
    /// The QR code of [`TotpSetup::uri`], an SVG document exactly as the Auth server sends it (auth-js
    /// prefixes it to make a data URL: [`TotpSetup::qr_code_data_url`]).
    pub qr_code: String,
    /// The shared secret in base32, for users who cannot scan the code.
    pub secret: String,
    /// The `otpauth://totp/…` URI (issuer, account and secret).
    pub uri: String,
}

impl TotpSetup {
    /// The QR code as the data URL auth-js returns (`data:image/svg+xml;utf-8,<svg…>`), for an
    /// `<img src>` (HTML-escape it in an attribute).
    pub fn qr_code_data_url(&self) -> String {
        format!("data:image/svg+xml;utf-8,{}", self.qr_code)
    }
}

impl fmt::Debug for TotpSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpSetup")
            .field("qr_code", &Redacted)
            .field("secret", &Redacted)
            .field("uri", &Redacted)
            .finish()
    }
}

/// Where a phone factor's code is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MfaChannel {
    /// A text message.
    Sms,
    /// A `WhatsApp` message.
    Whatsapp,
}

impl MfaChannel {
    /// `"sms"` or `"whatsapp"`, as the Auth server names them.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sms => "sms",
            Self::Whatsapp => "whatsapp",
        }
    }
}

/// A challenge of a factor, the Auth server's `POST /factors/{id}/challenge` answer: verify its code
/// before it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MfaChallenge {
    /// The challenge's id, for [`Mfa::verify`](super::Mfa::verify).
    pub id: String,
    /// The factor's type (the Auth server's `type`).
    #[serde(rename = "type", default)]
    pub factor_type: String,
    /// Unix time (seconds) after which the challenge can no longer be verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Every other field the Auth server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_an_enrolled_factor_shows_no_secret() {
        let factor: EnrolledFactor = serde_json::from_value(serde_json::json!({
            "id": "f1", "type": "totp", "friendly_name": "app",
            "totp": {"qr_code": "<svg>JBSWY3DPEHPK3PXP</svg>", "secret": "JBSWY3DPEHPK3PXP",
                     "uri": "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP"},
            "new_field": 1
        }))
        .unwrap();
        let debug = format!("{factor:?}");
        assert!(!debug.contains("JBSWY3DPEHPK3PXP"), "{debug}");
        assert!(debug.contains("f1"));
        assert_eq!(factor.extra.get("new_field"), Some(&Value::from(1)));
        let back = serde_json::to_value(&factor).unwrap();
        assert_eq!(back["totp"]["secret"], "JBSWY3DPEHPK3PXP");
        assert_eq!(back["new_field"], 1);
    }

    #[test]
    fn factors_sort_like_auth_js() {
        let user = User::from(
            serde_json::json!({"id": "u", "factors": [
                {"id": "a", "factor_type": "totp", "status": "verified", "created_at": "c", "updated_at": "u"},
                {"id": "b", "factor_type": "totp", "status": "unverified", "created_at": "c", "updated_at": "u"},
                {"id": "c", "factor_type": "phone", "status": "verified", "phone": "1", "created_at": "c", "updated_at": "u"},
                "not a factor"
            ]})
            .as_object()
            .unwrap()
            .clone(),
        );
        let factors = Factors::from_factors(user.factors());
        let ids = |list: &[Factor]| list.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&factors.all), ["a", "b", "c"]);
        assert_eq!(ids(&factors.totp), ["a"]);
        assert_eq!(ids(&factors.phone), ["c"]);
        assert!(user.has_verified_factor());
    }

    #[test]
    fn a_verified_factor_counts_even_when_it_does_not_parse() {
        let user = |factors: Value| {
            User::from(
                serde_json::json!({"id": "u", "factors": factors})
                    .as_object()
                    .unwrap()
                    .clone(),
            )
        };
        // `created_at: null` is not a `Factor`; the step-up rule must not let the user through.
        let odd = user(serde_json::json!([
            {"id": "a", "factor_type": "totp", "status": "verified", "created_at": null}
        ]));
        assert!(odd.factors().is_empty());
        assert!(odd.has_verified_factor());
        let unverified = user(serde_json::json!([
            {"id": "b", "factor_type": "totp", "status": "unverified", "created_at": null}
        ]));
        assert!(!unverified.has_verified_factor());
        assert!(!user(Value::Null).has_verified_factor());
        assert!(!user(serde_json::json!([])).has_verified_factor());
    }

    #[test]
    fn amr_entries_read_both_shapes_and_write_them_back() {
        let object = serde_json::json!({"method": "totp", "timestamp": 5, "provider": "x"});
        let entry = AmrEntry::from_claim(&object).unwrap();
        assert_eq!((entry.method.as_str(), entry.timestamp), ("totp", Some(5)));
        assert_eq!(serde_json::to_value(&entry).unwrap(), object);
        let bare = AmrEntry::from_claim(&Value::from("pwd")).unwrap();
        assert_eq!(serde_json::to_value(&bare).unwrap(), Value::from("pwd"));
        assert!(AmrEntry::from_claim(&Value::from(3)).is_none());
    }

    #[test]
    fn aal_names() {
        assert_eq!(Aal::from_claim("aal2"), Aal::Aal2);
        assert_eq!(Aal::Aal1.as_str(), "aal1");
        assert_eq!(Aal::from_claim("aal3").to_string(), "aal3");
    }
}
