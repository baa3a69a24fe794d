//! Turning the Auth server's token responses into sessions (spec §10.1).

use std::time::{SystemTime, UNIX_EPOCH};

use super::error::AuthError;
use crate::json::{Json, Object};

use crate::{Session, User};

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    now_millis() / 1000
}

/// Milliseconds since the Unix epoch.
pub(crate) fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The session and user of a response. A response has a session only when `access_token`,
/// `refresh_token` and `expires_in` are all present and truthy; the session keeps every field in
/// the server's order, with `expires_at` appended when the server did not send it. The user is
/// `user`, or the whole body when it is a bare user (a sign-up awaiting confirmation).
pub(crate) fn session_from_response(
    body: Json,
) -> Result<(Option<Session>, Option<User>), AuthError> {
    let Json::Object(mut fields) = body else {
        return Err(AuthError::InvalidResponse(
            "the response is not a JSON object".into(),
        ));
    };
    let user = match fields.get("user") {
        Some(Json::Object(user)) => Some(User::from_object(user)),
        _ if fields.get("id").is_some_and(Json::is_string) => Some(User::from_object(&fields)),
        _ => None,
    };
    let truthy = |key: &str| match fields.get(key) {
        Some(Json::String(s)) => !s.is_empty(),
        Some(Json::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    };
    if !(truthy("access_token") && truthy("refresh_token") && truthy("expires_in")) {
        return Ok((None, user));
    }
    if !fields.contains_key("expires_at") {
        fields.insert("expires_at", expires_at_of(&fields));
    }
    let session =
        Session::from_object(fields).map_err(|e| AuthError::InvalidResponse(e.to_string()))?;
    Ok((Some(session), user))
}

/// The `expires_at` auth-js stores for a token answer: `Math.round(Date.now() / 1000) +
/// expires_in`.
pub(crate) fn expires_at_of(fields: &Object) -> i64 {
    let expires_in = fields
        .get("expires_in")
        .and_then(Json::as_f64)
        .unwrap_or(0.0);
    #[allow(clippy::cast_possible_truncation, reason = "token lifetimes are small")]
    let expires_in = expires_in.round() as i64;
    (now_millis() + 500).div_euclid(1000) + expires_in
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(value: &serde_json::Value) -> Json {
        Json::from_value(value)
    }

    #[test]
    fn expires_at_is_appended_last_when_missing() {
        let body = r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","user":{"id":"u","b":1,"a":2}}"#;
        let (session, user) = session_from_response(Json::parse(body).unwrap()).unwrap();
        let session = session.unwrap();
        let expected = format!(
            "{},\"expires_at\":{}}}",
            &body[..body.len() - 1],
            session.expires_at().unwrap()
        );
        assert_eq!(session.as_json(), expected);
        assert!((session.expires_at().unwrap() - now_secs() - 3600).abs() <= 1);
        assert_eq!(user.unwrap().id(), "u");
    }

    #[test]
    fn a_bare_user_is_a_user_without_session() {
        let (session, user) = session_from_response(json(
            &serde_json::json!({"id": "u", "email": "a@b", "confirmation_sent_at": "x"}),
        ))
        .unwrap();
        assert!(session.is_none());
        assert_eq!(user.unwrap().email(), Some("a@b"));
    }

    #[test]
    fn an_empty_refresh_token_is_no_session() {
        let (session, _) = session_from_response(json(&serde_json::json!({
            "access_token": "a", "expires_in": 3600, "refresh_token": "", "user": {"id": "u"}
        })))
        .unwrap();
        assert!(session.is_none());
    }
}
