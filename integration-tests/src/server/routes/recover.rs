//! `POST /recover`: a password-recovery message for a known email; `{}` either way, so the
//! answer does not reveal which emails exist.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde_json::{Value, json};

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::otp::OtpKind;
use crate::server::state::Shared;

pub(crate) async fn recover(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let email = field(&body, "email")
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if email.is_empty() {
        return Err(ApiError::bad_request(
            "validation_failed",
            "Password recovery requires an email",
        ));
    }
    let mut inner = shared.lock();
    let Some(user_id) = inner.user_by_email(&email).map(|u| u.id.clone()) else {
        return Ok(Json(json!({})));
    };
    let flow = inner.start_flow(
        field(&body, "code_challenge"),
        field(&body, "code_challenge_method"),
        "recovery",
        None,
    )?;
    let redirect = query.get("redirect_to").map(String::as_str);
    inner.send_otp(OtpKind::Recovery, &user_id, &email, redirect, flow);
    let now = inner.clock.now_ms();
    if let Some(user) = inner.user_mut(&user_id) {
        user.recovery_sent_at = Some(now);
    }
    Ok(Json(json!({})))
}
