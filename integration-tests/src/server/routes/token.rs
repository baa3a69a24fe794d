//! `POST /token?grant_type=password|refresh_token|pkce|id_token`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::{field, json_body};
use crate::server::auth::bearer;
use crate::server::errors::ApiError;
use crate::server::oidc::IdTokenGrant;
use crate::server::state::{Inner, Shared};

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let response = match query.get("grant_type").map(String::as_str) {
        Some("password") => password_grant(&mut inner, &body),
        Some("refresh_token") => {
            let token = field(&body, "refresh_token").unwrap_or_default();
            inner.refuse_oauth_session_refresh(token)?;
            inner.refresh_grant(token)
        }
        Some("pkce") => inner.pkce_grant(
            field(&body, "auth_code").unwrap_or_default(),
            field(&body, "code_verifier").unwrap_or_default(),
        ),
        Some("id_token") => id_token_grant(&mut inner, &headers, &body),
        _ => Err(ApiError::bad_request(
            "validation_failed",
            "unsupported_grant_type",
        )),
    }?;
    Ok(Json(response))
}

/// Email or phone plus password (`gotrue:internal/api/token.go` `ResourceOwnerPasswordGrant`).
fn password_grant(inner: &mut Inner, body: &Value) -> Result<Value, ApiError> {
    let invalid = || ApiError::bad_request("invalid_credentials", "Invalid login credentials");
    let password = field(body, "password").unwrap_or_default();
    let user = match (field(body, "email"), field(body, "phone")) {
        (Some(email), None) if !email.is_empty() => inner.user_by_email(email),
        (None, Some(phone)) if !phone.is_empty() => inner.user_by_phone(phone),
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Only an email address or phone number should be provided on login.",
            ));
        }
        _ => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "missing email or phone",
            ));
        }
    }
    .ok_or_else(invalid)?;
    if password.is_empty() || user.password.as_deref() != Some(password) {
        return Err(invalid());
    }
    let now = inner.clock.now_ms();
    if user.is_banned(now) {
        return Err(ApiError::bad_request("user_banned", "User is banned"));
    }
    if field(body, "email").is_some() && user.email_confirmed_at.is_none() {
        return Err(ApiError::bad_request(
            "email_not_confirmed",
            "Email not confirmed",
        ));
    }
    let user_id = user.id.clone();
    let mut session = inner.sign_in(&user_id, "password", None)?;
    // A correct password that breaks today's rules still signs in, flagged (`token.go`).
    if let (Some((reasons, message)), Some(map)) =
        (inner.password_weakness(password), session.as_object_mut())
    {
        map.insert(
            "weak_password".into(),
            serde_json::json!({ "message": message, "reasons": reasons }),
        );
    }
    Ok(session)
}

/// An ID token of the test OIDC provider (`gotrue:internal/api/token_oidc.go` `IdTokenGrant`):
/// signs its account in, or with `link_identity` links it to the bearer's user.
fn id_token_grant(inner: &mut Inner, headers: &HeaderMap, body: &Value) -> Result<Value, ApiError> {
    let text = |k: &str| field(body, k).unwrap_or_default();
    if text("id_token").is_empty() {
        return Err(ApiError::oauth("invalid request", "id_token required"));
    }
    if text("provider").is_empty() && (text("client_id").is_empty() || text("issuer").is_empty()) {
        return Err(ApiError::oauth(
            "invalid request",
            "provider or client_id and issuer required",
        ));
    }
    let link = body
        .get("link_identity")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let target = if link {
        if bearer(headers).is_none() {
            return Err(ApiError::oauth(
                "invalid request",
                "Linking requires a valid user access token in Authorization",
            ));
        }
        Some(inner.authenticate(headers)?.user_id)
    } else {
        None
    };
    let account = inner.verify_id_token(&IdTokenGrant {
        id_token: text("id_token"),
        provider: text("provider"),
        nonce: text("nonce"),
    })?;
    let user_id = match target {
        Some(id) => {
            inner.link_account(&id, &account)?;
            id
        }
        None => inner.external_user(&account)?,
    };
    if inner
        .user(&user_id)
        .is_some_and(|u| u.is_banned(inner.clock.now_ms()))
    {
        return Err(ApiError::bad_request("user_banned", "User is banned"));
    }
    inner.sign_in(&user_id, "oauth", None)
}
