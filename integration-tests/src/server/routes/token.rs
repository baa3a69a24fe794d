//! `POST /token?grant_type=password|refresh_token|pkce`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde_json::Value;

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::state::{Inner, Shared};

pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let response = match query.get("grant_type").map(String::as_str) {
        Some("password") => password_grant(&mut inner, &body),
        Some("refresh_token") => {
            inner.refresh_grant(field(&body, "refresh_token").unwrap_or_default())
        }
        Some("pkce") => inner.pkce_grant(
            field(&body, "auth_code").unwrap_or_default(),
            field(&body, "code_verifier").unwrap_or_default(),
        ),
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
    inner.sign_in(&user_id, "password", None)
}
