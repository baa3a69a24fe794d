//! `POST /factors`, `POST /factors/{id}/challenge`, `POST /factors/{id}/verify`,
//! `DELETE /factors/{id}` (bearer-authenticated, anonymous users refused, as on the Go server).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::{field, json_body};
use crate::server::auth::Caller;
use crate::server::errors::ApiError;
use crate::server::factors::EnrollParams;
use crate::server::state::{Inner, Shared};

/// `requireAuthentication` + `requireNotAnonymous`.
fn caller(inner: &Inner, headers: &HeaderMap) -> Result<Caller, ApiError> {
    let caller = inner.authenticate(headers)?;
    if inner.user(&caller.user_id).is_some_and(|u| u.anonymous) {
        return Err(ApiError::forbidden(
            "no_authorization",
            "Anonymous user not allowed to perform these actions",
        ));
    }
    Ok(caller)
}

pub(crate) async fn enroll(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let text = |k: &str| field(&body, k).unwrap_or_default().to_owned();
    let params = EnrollParams {
        factor_type: text("factor_type"),
        friendly_name: text("friendly_name"),
        issuer: text("issuer"),
        phone: text("phone"),
    };
    let mut inner = shared.lock();
    let caller = caller(&inner, &headers)?;
    Ok(Json(inner.enroll_factor(
        &caller.user_id,
        &caller.session_id,
        &params,
    )?))
}

pub(crate) async fn challenge(
    State(shared): State<Arc<Shared>>,
    Path(factor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let caller = caller(&inner, &headers)?;
    Ok(Json(inner.challenge_factor(
        &caller.user_id,
        &factor_id,
        field(&body, "channel"),
    )?))
}

pub(crate) async fn verify(
    State(shared): State<Arc<Shared>>,
    Path(factor_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let mut inner = shared.lock();
    let caller = caller(&inner, &headers)?;
    Ok(Json(inner.verify_factor(
        &caller.user_id,
        &caller.session_id,
        &factor_id,
        field(&body, "challenge_id").unwrap_or_default(),
        field(&body, "code").unwrap_or_default(),
    )?))
}

pub(crate) async fn unenroll(
    State(shared): State<Arc<Shared>>,
    Path(factor_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    let caller = caller(&inner, &headers)?;
    Ok(Json(inner.unenroll_factor(
        &caller.user_id,
        &caller.session_id,
        &factor_id,
    )?))
}
