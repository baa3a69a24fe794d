//! Verified claims of an access token: the value `get_claims` hands to a handler.
//!
//! A [`Claims`] can only be built inside this crate, after the token was verified (signature,
//! expiry, issuer and audience) and found to name a user (a non-empty `sub`), so holding one is
//! proof of both.

use std::sync::Arc;

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::auth::AuthError;
use crate::json::Object;

/// A token's payload: its JSON text (what [`Claims`] serializes, in the token's key order) and
/// the same as a map (what the checks and accessors read). The text is the decoded payload the
/// verifier has anyway, so keeping the order costs no second tree on the verification path.
pub(crate) struct Payload {
    text: Box<[u8]>,
    pub(crate) fields: Map<String, Value>,
}

impl Payload {
    /// Parses the decoded payload of a token.
    pub(crate) fn parse(text: Vec<u8>) -> serde_json::Result<Self> {
        let fields = serde_json::from_slice(&text)?;
        Ok(Self {
            text: text.into_boxed_slice(),
            fields,
        })
    }
}

/// How the claims were confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verification {
    /// The signature was checked locally, with a key of the project's JWKS (ES256, RS256,
    /// `EdDSA`) or with the configured HS256 secret.
    Signature,
    /// The token is HS256 (or has no `kid`) and no secret was configured: the Auth server
    /// accepted it on `GET /user`, and the claims are the token's payload (spec §15 step 4).
    AuthServer,
}

/// The claims of a verified access token, in token order.
///
/// Cheap to clone (one `Arc`). Serializes as the claims object, so a handler can return it as
/// JSON. Typed accessors cover the claims Supabase Auth writes; [`Claims::get`] and
/// [`Claims::fields`] reach any other (custom access-token hook claims, for instance).
///
/// Verified locally, by signature: they prove the Auth server issued the token and that it
/// has not expired, not that its session is still alive. A session signed out through this
/// process is refused ([`Auth::get_claims`](crate::auth::Auth::get_claims)); one ended
/// anywhere else keeps verifying until its `exp`. Ask the server with
/// [`Auth::get_user`](crate::auth::Auth::get_user) before irreversible actions.
#[derive(Clone)]
pub struct Claims {
    inner: Arc<Inner>,
}

struct Inner {
    payload: Payload,
    /// The string claims with accessors, read once: a claims-cache hit is served many times.
    standard: Standard,
    expires_at: u64,
    issuer: String,
    key_id: Option<String>,
    verified_by: Verification,
}

impl Claims {
    /// Wraps claims that passed every check. `expires_at` and `issuer` were read and checked
    /// by the verifier; they are stored to spare the accessors a re-parse.
    ///
    /// Refuses a payload without a non-empty string `sub` ([`AuthError::InvalidJwt`]): such a
    /// token (a service-role key, a token signed for something else) names no user, whoever
    /// signed it, and every `Claims` must answer [`user_id`](Self::user_id).
    pub(crate) fn new(
        payload: Payload,
        expires_at: u64,
        issuer: String,
        key_id: Option<String>,
        verified_by: Verification,
    ) -> Result<Self, AuthError> {
        let standard = Standard::read(&payload.fields)
            .ok_or_else(|| AuthError::InvalidJwt("missing sub claim".to_owned()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                payload,
                standard,
                expires_at,
                issuer,
                key_id,
                verified_by,
            }),
        })
    }

    /// The user's id: the token's `sub`, the same as [`User::id`](crate::User::id). Never
    /// empty — a token without a user id does not verify.
    ///
    /// ```
    /// # fn user_id_example(claims: &supabase_ssr_core::auth::Claims) {
    /// // e.g. the owner of a row: `.eq("owner_id", claims.user_id())`
    /// let owner: &str = claims.user_id();
    /// assert!(!owner.is_empty());
    /// # }
    /// ```
    #[doc(alias = "id", alias = "uid")]
    pub fn user_id(&self) -> &str {
        &self.inner.standard.sub
    }

    /// `sub`: the user id, always `Some` and never empty (a token without one does not
    /// verify). [`user_id`](Self::user_id) gives it without the `Option`.
    #[doc(alias = "id")]
    pub fn sub(&self) -> Option<&str> {
        Some(&self.inner.standard.sub)
    }

    /// `email`, when the user has one (Supabase writes `""` for phone-only users).
    pub fn email(&self) -> Option<&str> {
        self.inner.standard.email.as_deref()
    }

    /// `phone`, when present.
    pub fn phone(&self) -> Option<&str> {
        self.inner.standard.phone.as_deref()
    }

    /// `role`: the Postgres role, `authenticated` for signed-in users.
    pub fn role(&self) -> Option<&str> {
        self.inner.standard.role.as_deref()
    }

    /// `aal`: the authenticator assurance level, `aal1` or `aal2`.
    pub fn aal(&self) -> Option<&str> {
        self.inner.standard.aal.as_deref()
    }

    /// `session_id`: the Auth session this token belongs to.
    pub fn session_id(&self) -> Option<&str> {
        self.inner.standard.session_id.as_deref()
    }

    /// `is_anonymous`; `false` when absent.
    pub fn is_anonymous(&self) -> bool {
        self.inner
            .payload
            .fields
            .get("is_anonymous")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// `exp`, in seconds since the Unix epoch (always present: tokens without it are rejected).
    pub fn expires_at(&self) -> u64 {
        self.inner.expires_at
    }

    /// `iat`, in seconds since the Unix epoch, when present and a non-negative integer.
    pub fn issued_at(&self) -> Option<u64> {
        self.inner.payload.fields.get("iat").and_then(Value::as_u64)
    }

    /// `iss`: always the project's Auth URL (checked).
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    /// `aud`, as a list (the claim may be one string or an array); it contains the expected
    /// audience (checked).
    pub fn audience(&self) -> Vec<&str> {
        match self.inner.payload.fields.get("aud") {
            Some(Value::String(aud)) => vec![aud.as_str()],
            Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// `app_metadata` (provider, providers, and what the server's admin API wrote).
    pub fn app_metadata(&self) -> Option<&Map<String, Value>> {
        self.inner
            .payload
            .fields
            .get("app_metadata")
            .and_then(Value::as_object)
    }

    /// `user_metadata` (what the user may change themselves: never use it for authorization).
    pub fn user_metadata(&self) -> Option<&Map<String, Value>> {
        self.inner
            .payload
            .fields
            .get("user_metadata")
            .and_then(Value::as_object)
    }

    /// `amr`: the authentication methods used, e.g. `[{"method":"password","timestamp":…}]`.
    pub fn amr(&self) -> Option<&[Value]> {
        self.inner
            .payload
            .fields
            .get("amr")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
    }

    /// Any claim by name.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.inner.payload.fields.get(name)
    }

    /// All claims (in `serde_json::Map`'s order; serializing the claims keeps the token's).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.inner.payload.fields
    }

    /// The `kid` of the key that verified the token (`None` for HS256 tokens without one).
    pub fn key_id(&self) -> Option<&str> {
        self.inner.key_id.as_deref()
    }

    /// How the claims were confirmed.
    pub fn verified_by(&self) -> Verification {
        self.inner.verified_by
    }
}

/// The string claims [`Claims`] has accessors for.
struct Standard {
    /// Non-empty.
    sub: String,
    email: Option<String>,
    phone: Option<String>,
    role: Option<String>,
    aal: Option<String>,
    session_id: Option<String>,
}

impl Standard {
    /// The claims, or `None` without a non-empty string `sub`.
    fn read(fields: &Map<String, Value>) -> Option<Self> {
        let read = |name: &str| fields.get(name).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            sub: read("sub").filter(|sub| !sub.is_empty())?,
            email: read("email"),
            phone: read("phone"),
            role: read("role"),
            aal: read("aal"),
            session_id: read("session_id"),
        })
    }
}

impl Serialize for Claims {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // In the token's key order: parsed again here, off the verification path. The text
        // parsed when the token was verified, so this does not fail.
        serde_json::from_slice::<Object>(&self.inner.payload.text)
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

// Claims are not secrets (no token in them), but a debug print should stay one line long.
impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims")
            .field("sub", &self.user_id())
            .field("role", &self.role())
            .field("session_id", &self.session_id())
            .field("expires_at", &self.expires_at())
            .field("key_id", &self.key_id())
            .field("verified_by", &self.verified_by())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Claims {
        // From text: the order of the keys is the point of one test.
        let payload = Payload::parse(
            br#"{"iss":"https://p.supabase.co/auth/v1","sub":"8f0e5c7e-4a3b-4c7d-9e2f-1a2b3c4d5e6f",
            "aud":["authenticated","other"],"exp":1767229200,"iat":1767225600,
            "email":"user@example.com","phone":"","app_metadata":{"provider":"email"},
            "user_metadata":{"email_verified":true},"role":"authenticated","aal":"aal1",
            "amr":[{"method":"password","timestamp":1767225600}],"session_id":"0b1c2d3e",
            "is_anonymous":false,"custom":7}"#
                .to_vec(),
        )
        .unwrap();
        Claims::new(
            payload,
            1_767_229_200,
            "https://p.supabase.co/auth/v1".into(),
            Some("kid-1".into()),
            Verification::Signature,
        )
        .unwrap()
    }

    fn with_payload(text: &str) -> Result<Claims, AuthError> {
        Claims::new(
            Payload::parse(text.as_bytes().to_vec()).unwrap(),
            1,
            "iss".into(),
            None,
            Verification::Signature,
        )
    }

    #[test]
    fn accessors_read_the_supabase_claims() {
        let c = sample();
        assert_eq!(c.sub(), Some("8f0e5c7e-4a3b-4c7d-9e2f-1a2b3c4d5e6f"));
        assert_eq!(c.user_id(), "8f0e5c7e-4a3b-4c7d-9e2f-1a2b3c4d5e6f");
        assert_eq!(c.email(), Some("user@example.com"));
        assert_eq!(c.phone(), Some(""));
        assert_eq!(c.role(), Some("authenticated"));
        assert_eq!(c.aal(), Some("aal1"));
        assert_eq!(c.session_id(), Some("0b1c2d3e"));
        assert!(!c.is_anonymous());
        assert_eq!(c.expires_at(), 1_767_229_200);
        assert_eq!(c.issued_at(), Some(1_767_225_600));
        assert_eq!(c.issuer(), "https://p.supabase.co/auth/v1");
        assert_eq!(c.audience(), ["authenticated", "other"]);
        assert_eq!(c.app_metadata().unwrap()["provider"], "email");
        assert_eq!(c.user_metadata().unwrap()["email_verified"], true);
        assert_eq!(c.amr().unwrap()[0]["method"], "password");
        assert_eq!(c.get("custom"), Some(&json!(7)));
        assert_eq!(c.key_id(), Some("kid-1"));
        assert_eq!(c.verified_by(), Verification::Signature);
    }

    #[test]
    fn serializes_as_the_claims_object_in_token_order() {
        let c = sample();
        let text = serde_json::to_string(&c).unwrap();
        assert!(text.starts_with(r#"{"iss":"https://p.supabase.co/auth/v1","sub":"#));
        assert!(text.ends_with(r#""is_anonymous":false,"custom":7}"#));
        assert_eq!(c.fields().len(), 15);
    }

    #[test]
    fn clones_share_one_allocation() {
        let c = sample();
        let d = c.clone();
        assert!(Arc::ptr_eq(&c.inner, &d.inner));
    }

    #[test]
    fn debug_is_short_and_has_no_metadata() {
        let text = format!("{:?}", sample());
        assert!(text.contains("8f0e5c7e"));
        assert!(!text.contains("email_verified"));
    }

    #[test]
    fn claims_without_a_user_id_are_refused() {
        for payload in ["{}", r#"{"sub":""}"#, r#"{"sub":null}"#, r#"{"sub":42}"#] {
            let error = with_payload(payload).unwrap_err();
            assert!(
                matches!(&error, AuthError::InvalidJwt(reason) if reason == "missing sub claim"),
                "{payload}: {error:?}"
            );
        }
        assert_eq!(with_payload(r#"{"sub":"u"}"#).unwrap().user_id(), "u");
    }
}
