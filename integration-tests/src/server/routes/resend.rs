//! `POST /resend`: sends a sign-up, email-change, SMS or phone-change code again
//! (`gotrue:internal/api/resend.go`). Unknown addresses and users with nothing to confirm get
//! `{}`, so the answer reveals nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde_json::{Map, Value, json};

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::otp::OtpKind;
use crate::server::pkce::validate_pkce_params;
use crate::server::state::Shared;

pub(crate) async fn resend(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let kind = field(&body, "type").unwrap_or_default();
    let email = field(&body, "email")
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    let phone = field(&body, "phone").unwrap_or_default().trim().to_owned();
    let challenge = field(&body, "code_challenge").filter(|c| !c.is_empty());
    let method = field(&body, "code_challenge_method").filter(|m| !m.is_empty());
    validate(kind, &email, &phone, challenge, method)?;
    let nothing = || Ok(Json(Value::Object(Map::new())));
    let mut inner = shared.lock();
    let user = if email.is_empty() {
        inner.user_by_phone(&phone)
    } else {
        inner.user_by_email(&email)
    };
    let Some(user) = user.cloned() else {
        return nothing();
    };
    let redirect = query.get("redirect_to").map(String::as_str);
    let now = inner.clock.now_ms();
    let message = match kind {
        "signup" => {
            if user.email_confirmed_at.is_some() {
                return nothing();
            }
            let flow = inner.start_flow(challenge, method, "email/signup", None)?;
            inner.send_otp(OtpKind::Signup, &user.id, &user.email, redirect, flow);
            if let Some(u) = inner.user_mut(&user.id) {
                u.confirmation_sent_at = Some(now);
            }
            None
        }
        "email_change" => {
            let Some(new_email) = user.new_email.clone() else {
                return nothing();
            };
            let flow = inner.start_flow(challenge, method, "email_change", None)?;
            inner.send_otp(OtpKind::EmailChange, &user.id, &new_email, redirect, flow);
            if let Some(u) = inner.user_mut(&user.id) {
                u.email_change_sent_at = Some(now);
            }
            None
        }
        "sms" => {
            if user.phone_confirmed_at.is_some() {
                return nothing();
            }
            Some(inner.send_otp(OtpKind::Sms, &user.id, &phone, None, None))
        }
        _ => {
            let Some(new_phone) = user.phone_change.clone() else {
                return nothing();
            };
            let m = inner.send_otp(OtpKind::PhoneChange, &user.id, &new_phone, None, None);
            if let Some(u) = inner.user_mut(&user.id) {
                u.phone_change_sent_at = Some(now);
            }
            Some(m)
        }
    };
    Ok(Json(match message {
        Some(m) => json!({ "message_id": m.id }),
        None => Value::Object(Map::new()),
    }))
}

/// `ResendConfirmationParams.Validate`.
fn validate(
    kind: &str,
    email: &str,
    phone: &str,
    challenge: Option<&str>,
    method: Option<&str>,
) -> Result<(), ApiError> {
    match kind {
        "signup" | "email_change" => validate_pkce_params(challenge, method)?,
        "sms" | "phone_change" => {}
        _ => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Missing one of these types: signup, email_change, sms, phone_change",
            ));
        }
    }
    if email.is_empty() && kind == "signup" {
        return Err(ApiError::bad_request(
            "validation_failed",
            "Type provided requires an email address",
        ));
    }
    if phone.is_empty() && kind == "sms" {
        return Err(ApiError::bad_request(
            "validation_failed",
            "Type provided requires a phone number",
        ));
    }
    match (email.is_empty(), phone.is_empty()) {
        (false, false) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Only an email address or phone number should be provided.",
            ));
        }
        (true, true) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Missing email address or phone number",
            ));
        }
        _ => {}
    }
    Ok(())
}
