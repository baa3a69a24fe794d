//! The session and user objects, kept as the server sent them.
//!
//! Both keep their JSON text in the server's key order, so a session written by the JavaScript
//! library is written back byte for byte the same, and fields this crate does not know about
//! (`weak_password`, `provider_token`, future ones) survive. The `serde_json::Map` views
//! ([`Session::fields`], [`User::fields`]) are for reading: their order is `serde_json::Map`'s
//! (sorted, unless the application enables `serde_json`'s `preserve_order`).

use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::json::{Json, Object};

/// Why stored text is not a session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The text is not JSON.
    #[error("the stored session is not JSON")]
    NotJson,
    /// The JSON is not an object with `access_token`, `refresh_token` and `expires_at`.
    #[error("the stored JSON is not a session: {0}")]
    NotASession(&'static str),
}

/// A Supabase Auth session: tokens, expiry and (usually) the user.
///
/// It is *unverified*: anyone can put any JSON in a cookie. Use verified claims for
/// authorization decisions.
///
/// The stored JSON text is kept as it is, so writing an unchanged session back produces the same
/// bytes; the tokens and expiry are read once, the other fields only when asked for. Cheap to
/// clone. `Debug` never shows the tokens.
///
/// Serializes as the session object itself; deserializing applies the checks of
/// [`Session::from_json`].
#[derive(Clone)]
pub struct Session {
    inner: Arc<Stored>,
}

struct Stored {
    json: String,
    access_token: String,
    refresh_token: String,
    expires_at: Option<i64>,
    fields: OnceLock<Map<String, Value>>,
}

/// The fields every session must have, read without building the whole object.
#[derive(Deserialize)]
struct Required<'a> {
    #[serde(borrow)]
    access_token: Cow<'a, str>,
    #[serde(borrow)]
    refresh_token: Cow<'a, str>,
    // `deserialize_with` makes a missing `expires_at` an error, where a plain `Option` would
    // read it as `null`.
    #[serde(deserialize_with = "nullable_integer")]
    expires_at: Option<i64>,
}

fn nullable_integer<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<i64>::deserialize(d)
}

impl Session {
    /// Parses a stored session (spec §10.2): a JSON object holding `access_token`,
    /// `refresh_token` and `expires_at`. Where the JS library accepts any value for those keys,
    /// this requires two strings and an integer or `null`: a session of the wrong shape is not a
    /// session.
    pub fn from_json(text: &str) -> Result<Self, SessionError> {
        let required: Required<'_> = serde_json::from_str(text).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => SessionError::NotASession(
                "not an object with string access_token and refresh_token and an integer or null \
                 expires_at",
            ),
            _ => SessionError::NotJson,
        })?;
        Ok(Self {
            inner: Arc::new(Stored {
                access_token: required.access_token.into_owned(),
                refresh_token: required.refresh_token.into_owned(),
                expires_at: required.expires_at,
                json: text.to_owned(),
                fields: OnceLock::new(),
            }),
        })
    }

    /// [`Session::from_json`] for an already parsed value. The stored text follows the
    /// `serde_json::Map`'s order; [`Session::from_json`] keeps the text's own.
    pub fn from_value(value: Value) -> Result<Self, SessionError> {
        let Value::Object(fields) = value else {
            return Err(SessionError::NotASession("not an object"));
        };
        let session = Self::from_json(&Value::Object(fields.clone()).to_string())?;
        let _ = session.inner.fields.set(fields);
        Ok(session)
    }

    /// The access token (a JWT).
    pub fn access_token(&self) -> &str {
        &self.inner.access_token
    }

    /// The refresh token. May be empty in a forged cookie; refreshing then fails with a typed
    /// error.
    pub fn refresh_token(&self) -> &str {
        &self.inner.refresh_token
    }

    /// Unix time (seconds) at which the access token expires; `None` when stored as `null`,
    /// which the JS library treats as never expiring.
    pub fn expires_at(&self) -> Option<i64> {
        self.inner.expires_at
    }

    /// The token type, normally `bearer`.
    pub fn token_type(&self) -> Option<&str> {
        self.fields().get("token_type").and_then(Value::as_str)
    }

    /// The user stored with the session, if any.
    ///
    /// `None` when the session was stored without its user: a cookie written with
    /// [`CookieContents::TokensOnly`](crate::cookies::CookieContents::TokensOnly) (by this crate
    /// or by `@supabase/ssr`'s `encode: "tokens-only"`) holds only the tokens. Then get the user
    /// with [`Auth::get_user`](crate::auth::Auth::get_user) (which asks the Auth server) or the
    /// verified claims with [`Auth::get_claims`](crate::auth::Auth::get_claims). A session
    /// stored earlier in the same request (sign-in, refresh, user update) keeps its user.
    pub fn user(&self) -> Option<User> {
        match self.object().into_iter().find(|(key, _)| key == "user") {
            Some((_, Json::Object(user))) => Some(User::from_object(&user)),
            _ => None,
        }
    }

    /// Whether the session holds a user object (see [`Session::user`]), without building it.
    pub fn has_user(&self) -> bool {
        // The fields parsed once (`fields`), not the text again.
        matches!(self.fields().get("user"), Some(Value::Object(_)))
    }

    /// The session without its `user`, the other fields in their order: what a tokens-only
    /// cookie holds (auth-js deletes the key and writes the rest).
    ///
    /// ```
    /// use supabase_ssr_core::Session;
    ///
    /// let session = Session::from_json(
    ///     r#"{"access_token":"a","expires_at":1,"refresh_token":"r","user":{"id":"u"},"z":0}"#,
    /// )?;
    /// let tokens = session.without_user();
    /// assert_eq!(tokens.as_json(), r#"{"access_token":"a","expires_at":1,"refresh_token":"r","z":0}"#);
    /// assert!(tokens.user().is_none());
    /// # Ok::<(), supabase_ssr_core::SessionError>(())
    /// ```
    #[must_use]
    pub fn without_user(&self) -> Self {
        let mut fields = self.object();
        if fields.remove("user").is_some() {
            // The required fields are still there, so this cannot fail.
            if let Ok(session) = Self::from_object(fields) {
                return session;
            }
        } else if !self.fields().contains_key("user") {
            return self.clone();
        }
        // Unreachable (the text parsed when the session was made); whatever happens, a
        // tokens-only cookie never gets the user: the fields without it, in `fields` order.
        debug_assert!(false, "a session could not be copied without its user");
        let mut fields = self.fields().clone();
        fields.remove("user");
        Self {
            inner: Arc::new(Stored {
                json: Value::Object(fields).to_string(),
                access_token: self.inner.access_token.clone(),
                refresh_token: self.inner.refresh_token.clone(),
                expires_at: self.inner.expires_at,
                fields: OnceLock::new(),
            }),
        }
    }

    /// The session with `user` set: in place when it has one, else appended (a JavaScript
    /// property assignment).
    pub(crate) fn with_user(&self, user: &User) -> Self {
        let mut fields = self.object();
        fields.insert("user", user.object());
        Self::from_object(fields).unwrap_or_else(|_| self.clone())
    }

    /// [`Session::from_json`] for an object in key order.
    pub(crate) fn from_object(object: Object) -> Result<Self, SessionError> {
        Self::from_json(&Json::Object(object).to_string())
    }

    /// The stored fields in stored order.
    pub(crate) fn object(&self) -> Object {
        // The text parsed as an object when the session was made, so this cannot fail.
        serde_json::from_str(&self.inner.json).unwrap_or_default()
    }

    /// All fields (in `serde_json::Map`'s order; [`Session::as_json`] has the stored order).
    pub fn fields(&self) -> &Map<String, Value> {
        // The text parsed as an object when the session was made, so this cannot fail.
        self.inner
            .fields
            .get_or_init(|| serde_json::from_str(&self.inner.json).unwrap_or_default())
    }

    /// The session as JSON text, exactly as stored (what the JS library would store).
    pub fn to_json(&self) -> String {
        self.inner.json.clone()
    }

    /// The session as JSON text, borrowed.
    pub fn as_json(&self) -> &str {
        &self.inner.json
    }
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        self.inner.json == other.inner.json
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens stay out of logs.
        f.debug_struct("Session")
            .field("expires_at", &self.inner.expires_at)
            .finish_non_exhaustive()
    }
}

impl Serialize for Session {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // In stored order, whatever the serializer.
        self.object().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Session {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let object = Object::deserialize(deserializer)?;
        Self::from_object(object).map_err(serde::de::Error::custom)
    }
}

/// A Supabase Auth user, as the server sent it (serializes as the user object itself, in the
/// server's key order).
#[derive(Clone, PartialEq)]
pub struct User {
    /// The object's text in the server's key order (what a session stores).
    json: String,
    fields: Map<String, Value>,
}

#[allow(
    clippy::missing_fields_in_debug,
    reason = "the JSON text holds the same fields again"
)]
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("fields", &self.fields)
            .finish()
    }
}

impl Serialize for User {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.object().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for User {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Self::from_object(&Object::deserialize(deserializer)?))
    }
}

impl User {
    /// A user object in key order.
    pub(crate) fn from_object(object: &Object) -> Self {
        Self {
            json: Json::Object(object.clone()).to_string(),
            fields: object.to_map(),
        }
    }

    /// The user's fields in the server's order.
    pub(crate) fn object(&self) -> Object {
        // Written from an object, so this cannot fail.
        serde_json::from_str(&self.json).unwrap_or_default()
    }

    /// The user id (a UUID).
    #[doc(alias = "user_id", alias = "sub", alias = "uid")]
    pub fn id(&self) -> &str {
        self.str_field("id")
    }

    /// The email address, if any.
    pub fn email(&self) -> Option<&str> {
        self.opt_str("email")
    }

    /// The phone number, if any.
    pub fn phone(&self) -> Option<&str> {
        self.opt_str("phone")
    }

    /// The Postgres role, normally `authenticated`.
    pub fn role(&self) -> Option<&str> {
        self.opt_str("role")
    }

    /// Server-controlled metadata (`provider`, `providers`, …).
    pub fn app_metadata(&self) -> Option<&Map<String, Value>> {
        self.fields.get("app_metadata").and_then(Value::as_object)
    }

    /// User-editable metadata.
    pub fn user_metadata(&self) -> Option<&Map<String, Value>> {
        self.fields.get("user_metadata").and_then(Value::as_object)
    }

    /// Whether this is an anonymous user.
    pub fn is_anonymous(&self) -> bool {
        self.fields
            .get("is_anonymous")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// All fields (in `serde_json::Map`'s order; serializing the user keeps the server's).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    fn str_field(&self, key: &str) -> &str {
        self.opt_str(key).unwrap_or("")
    }

    fn opt_str(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }
}

impl From<User> for Map<String, Value> {
    fn from(user: User) -> Self {
        user.fields
    }
}

impl From<Map<String, Value>> for User {
    fn from(fields: Map<String, Value>) -> Self {
        Self {
            json: Value::Object(fields.clone()).to_string(),
            fields,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_key_order_survive_a_round_trip() {
        let text = r#"{"access_token":"a","token_type":"bearer","expires_in":3599.75,"expires_at":1767229200,"refresh_token":"r","user":{"id":"u","email":"é@x","zz":1,"aa":[]},"weak_password":null}"#;
        let session = Session::from_json(text).unwrap();
        assert_eq!(session.to_json(), text);
        assert_eq!(session.user().unwrap().email(), Some("é@x"));
    }

    #[test]
    fn serde_keeps_the_stored_shape() {
        let text = r#"{"access_token":"a","refresh_token":"r","expires_at":5,"zz":{"b":1,"a":2}}"#;
        let session: Session = serde_json::from_str(text).unwrap();
        assert_eq!(serde_json::to_string(&session).unwrap(), text);
        assert!(serde_json::from_str::<Session>(r#"{"access_token":"a"}"#).is_err());
        let text = r#"{"id":"u","email":"e@x","app_metadata":{"z":1,"a":2}}"#;
        let user: User = serde_json::from_str(text).unwrap();
        assert_eq!(user.id(), "u");
        assert_eq!(serde_json::to_string(&user).unwrap(), text);
        let session = Session::from_json(&format!(
            r#"{{"access_token":"a","refresh_token":"r","expires_at":5,"user":{text}}}"#
        ))
        .unwrap();
        assert_eq!(
            serde_json::to_string(&session.user().unwrap()).unwrap(),
            text
        );
    }

    #[test]
    fn wrong_shapes_are_not_sessions() {
        for text in [
            r#""just a string""#,
            r#"{"access_token":"a","refresh_token":"r"}"#,
            r#"{"access_token":1,"refresh_token":"r","expires_at":1}"#,
            r#"{"access_token":"a","refresh_token":"r","expires_at":"soon"}"#,
        ] {
            assert!(
                matches!(Session::from_json(text), Err(SessionError::NotASession(_))),
                "{text}"
            );
        }
        assert_eq!(Session::from_json("nope"), Err(SessionError::NotJson));
    }

    #[test]
    fn null_expires_at_is_a_session_that_never_expires() {
        let session =
            Session::from_json(r#"{"access_token":"a","refresh_token":"r","expires_at":null}"#)
                .unwrap();
        assert_eq!(session.expires_at(), None);
    }
}
