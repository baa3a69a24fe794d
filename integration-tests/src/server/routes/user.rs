//! `GET /user` and `PUT /user` (bearer-authenticated).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::{field, json_body};
use crate::server::errors::ApiError;
use crate::server::otp::OtpKind;
use crate::server::state::{Inner, Shared};

pub(crate) async fn get_user(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    inner
        .user(&caller.user_id)
        .map(|u| Json(u.to_json()))
        .ok_or_else(|| ApiError::internal("authenticated user vanished"))
}

pub(crate) async fn put_user(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    let now = inner.clock.now_ms();
    if let Some(password) = field(&body, "password") {
        inner.check_password(password)?;
    }
    check_sso_managed(&inner, &caller.user_id, &body)?;
    let (new_email, new_phone) = new_addresses(&inner, &caller.user_id, &body)?;
    if let Some(password) = field(&body, "password") {
        inner.check_password_change(
            &caller.user_id,
            &caller.session_id,
            field(&body, "nonce"),
            field(&body, "current_password"),
            password,
        )?;
    }
    let user = inner
        .user_mut(&caller.user_id)
        .ok_or_else(|| ApiError::internal("authenticated user vanished"))?;
    if let Some(password) = field(&body, "password") {
        if user.password.as_deref() == Some(password) {
            return Err(ApiError::unprocessable(
                "same_password",
                "New password should be different from the old password.",
            ));
        }
        user.password = Some(password.to_owned());
    }
    if let (Some(data), Some(meta)) = (
        body.get("data").and_then(Value::as_object),
        user.user_metadata.as_object_mut(),
    ) {
        // Keys set to null are removed, as the Go server does.
        for (k, v) in data {
            if v.is_null() {
                meta.remove(k);
            } else {
                meta.insert(k.clone(), v.clone());
            }
        }
    }
    let email_change = new_email.filter(|e| *e != user.email);
    if let Some(email) = &email_change {
        user.new_email = Some(email.clone());
        user.email_change_sent_at = Some(now);
    }
    let phone_change = new_phone.filter(|p| *p != user.phone);
    if let Some(phone) = &phone_change {
        user.phone_change = Some(phone.clone());
        user.phone_change_sent_at = Some(now);
    }
    user.updated_at = now;
    if let Some(phone) = phone_change {
        inner.send_otp(OtpKind::PhoneChange, &caller.user_id, &phone, None, None);
    }
    if let Some(email) = email_change {
        let flow = inner.start_flow(
            field(&body, "code_challenge"),
            field(&body, "code_challenge_method"),
            "email_change",
            None,
        )?;
        let redirect = query.get("redirect_to").map(String::as_str);
        inner.send_otp(
            OtpKind::EmailChange,
            &caller.user_id,
            &email,
            redirect,
            flow,
        );
    }
    inner
        .user(&caller.user_id)
        .map(|u| Json(u.to_json()))
        .ok_or_else(|| ApiError::internal("authenticated user vanished"))
}

/// The new email and phone of the update (`None` when absent), each unused by other users
/// (`email_exists` / `phone_exists` otherwise).
fn new_addresses(
    inner: &Inner,
    user_id: &str,
    body: &Value,
) -> Result<(Option<String>, Option<String>), ApiError> {
    let new_email = field(body, "email")
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty());
    if let Some(email) = &new_email
        && inner.user_by_email(email).is_some_and(|u| u.id != user_id)
    {
        return Err(ApiError::unprocessable(
            "email_exists",
            "A user with this email address has already been registered",
        ));
    }
    let new_phone = field(body, "phone")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    if let Some(phone) = &new_phone
        && inner.user_by_phone(phone).is_some_and(|u| u.id != user_id)
    {
        return Err(ApiError::unprocessable(
            "phone_exists",
            "A user with this phone number has already been registered",
        ));
    }
    Ok((new_email, new_phone))
}

/// SSO users change their email, phone and password at their identity provider only
/// (`user_sso_managed`).
fn check_sso_managed(inner: &Inner, user_id: &str, body: &Value) -> Result<(), ApiError> {
    let Some(user) = inner.user(user_id).filter(|u| u.sso) else {
        return Ok(());
    };
    let set = |k: &str| field(body, k).is_some_and(|v| !v.is_empty());
    let changes = set("password")
        || set("nonce")
        || field(body, "email")
            .is_some_and(|e| !e.is_empty() && !e.eq_ignore_ascii_case(&user.email))
        || field(body, "phone").is_some_and(|p| !p.is_empty() && p != user.phone);
    if changes {
        return Err(ApiError::unprocessable(
            "user_sso_managed",
            "Updating email, phone, password of a SSO account only possible via SSO",
        ));
    }
    Ok(())
}
