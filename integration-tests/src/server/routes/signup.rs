//! `POST /signup`: with autoconfirm a session at once, otherwise the bare user and a
//! confirmation message in the outbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use serde_json::Value;

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::options::SeedUser;
use crate::server::otp::OtpKind;
use crate::server::state::Shared;

pub(crate) async fn signup(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let email = field(&body, "email")
        .unwrap_or_default()
        .trim()
        .to_lowercase();
    if email.is_empty() && field(&body, "phone").is_none() && field(&body, "password").is_none() {
        // `signInAnonymously`: a user without email or phone, signed in at once.
        let mut seed = SeedUser::new(String::new(), String::new());
        if let Some(data) = body.get("data").filter(|d| d.is_object()) {
            seed.user_metadata = data.clone();
        }
        let id = inner.create_user(&seed, "anonymous")?;
        return inner.sign_in(&id, "anonymous", None).map(Json);
    }
    if email.is_empty() {
        return Err(ApiError::bad_request(
            "validation_failed",
            "To signup, please provide your email",
        ));
    }
    let password = field(&body, "password").unwrap_or_default();
    inner.check_password(password)?;
    let existing = inner
        .user_by_email(&email)
        .map(|u| (u.id.clone(), u.email_confirmed_at.is_some()));
    let user_id = match existing {
        Some((_, true)) => {
            return Err(ApiError::unprocessable(
                "user_already_exists",
                "User already registered",
            ));
        }
        // An unconfirmed user signing up again gets a fresh confirmation.
        Some((id, false)) => id,
        None => {
            let autoconfirm = inner.settings.autoconfirm;
            let mut seed = SeedUser::new(email.clone(), password);
            seed.confirmed = autoconfirm;
            if let Some(data) = body.get("data").filter(|d| d.is_object()) {
                seed.user_metadata = data.clone();
            }
            let id = inner.create_user(&seed, "email")?;
            if autoconfirm {
                return inner.sign_in(&id, "password", None).map(Json);
            }
            id
        }
    };
    let flow = inner.start_flow(
        field(&body, "code_challenge"),
        field(&body, "code_challenge_method"),
        "email/signup",
        None,
    )?;
    let redirect = query.get("redirect_to").map(String::as_str);
    inner.send_otp(OtpKind::Signup, &user_id, &email, redirect, flow);
    let now = inner.clock.now_ms();
    let user = inner
        .user_mut(&user_id)
        .ok_or_else(|| ApiError::internal("signed-up user vanished"))?;
    user.confirmation_sent_at = Some(now);
    Ok(Json(user.to_json()))
}
