//! `POST /otp`: magic link / one-time code by email, or a code by SMS.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::options::SeedUser;
use crate::server::otp::OtpKind;
use crate::server::state::{Inner, Shared};

pub(crate) async fn otp(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let create = body
        .get("create_user")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let redirect = query.get("redirect_to").map(String::as_str);
    if let Some(email) = field(&body, "email").filter(|e| !e.is_empty()) {
        let email = email.trim().to_lowercase();
        let (user_id, kind) = find_or_create(&mut inner, &body, &email, create, false)?;
        let flow = inner.start_flow(
            field(&body, "code_challenge"),
            field(&body, "code_challenge_method"),
            "magiclink",
            None,
        )?;
        inner.send_otp(kind, &user_id, &email, redirect, flow);
        return Ok(Json(json!({})));
    }
    if let Some(phone) = field(&body, "phone").filter(|p| !p.is_empty()) {
        let (user_id, _) = find_or_create(&mut inner, &body, phone, create, true)?;
        let message = inner.send_otp(OtpKind::Sms, &user_id, phone, None, None);
        return Ok(Json(json!({ "message_id": message.id })));
    }
    Err(ApiError::bad_request(
        "validation_failed",
        "An email address or phone number is required",
    ))
}

/// The user to send to, created (unconfirmed) when allowed; a new or unconfirmed user gets a
/// sign-up confirmation rather than a magic link, as on the Go server.
fn find_or_create(
    inner: &mut Inner,
    body: &Value,
    address: &str,
    create: bool,
    phone: bool,
) -> Result<(String, OtpKind), ApiError> {
    let found = if phone {
        inner.user_by_phone(address)
    } else {
        inner.user_by_email(address)
    }
    .map(|u| (u.id.clone(), u.email_confirmed_at.is_some() || phone));
    match found {
        Some((id, true)) => Ok((id, OtpKind::Magiclink)),
        Some((id, false)) => Ok((id, OtpKind::Signup)),
        None if !create => Err(ApiError::unprocessable(
            "otp_disabled",
            "Signups not allowed for otp",
        )),
        None => {
            let mut seed = if phone {
                SeedUser::new("", "").phone(address)
            } else {
                SeedUser::new(address, "")
            };
            seed.confirmed = false;
            if let Some(data) = body.get("data").filter(|d| d.is_object()) {
                seed.user_metadata = data.clone();
            }
            let provider = if phone { "phone" } else { "email" };
            Ok((inner.create_user(&seed, provider)?, OtpKind::Signup))
        }
    }
}
