//! The project as an OAuth 2.1 server (`gotrue:internal/api/oauthserver/handlers.go`,
//! `authorize.go`): `/admin/oauth/clients[/{client_id}[/regenerate_secret]]` (service role),
//! `/oauth/authorize` (the app's browser), `/oauth/authorizations/{id}[/consent]` and
//! `/user/oauth/grants` (the signed-in user), `/oauth/token` (the app).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::{field, json_body, redirect};
use crate::server::errors::ApiError;
use crate::server::state::Shared;

pub(crate) async fn list_clients(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    Ok(Json(inner.oauth_list_clients()))
}

pub(crate) async fn create_client(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let body =
        json_body(&body).map_err(|_| ApiError::bad_request("bad_json", "Invalid JSON body"))?;
    let client = inner.oauth_register_client(&body)?;
    Ok((StatusCode::CREATED, Json(client)).into_response())
}

pub(crate) async fn get_client(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner.oauth_get_client(&client_id).map(Json)
}

pub(crate) async fn update_client(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let body =
        json_body(&body).map_err(|_| ApiError::bad_request("bad_json", "Invalid JSON body"))?;
    inner.oauth_update_client(&client_id, &body).map(Json)
}

pub(crate) async fn delete_client(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner.oauth_delete_client(&client_id)?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn regenerate_secret(
    State(shared): State<Arc<Shared>>,
    Path(client_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner.oauth_regenerate_secret(&client_id).map(Json)
}

/// `GET /oauth/authorize`: 302 to the project's consent page, or back to the app with an error.
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let location = match shared.lock().oauth_authorize(&query) {
        Ok(consent) => consent,
        Err(Ok(back)) => back,
        Err(Err(error)) => return Err(error),
    };
    let location = url::Url::parse(&location).map_err(|e| ApiError::internal(&e.to_string()))?;
    Ok(redirect(StatusCode::FOUND, &location))
}

pub(crate) async fn authorization_details(
    State(shared): State<Arc<Shared>>,
    Path(authorization_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    inner
        .oauth_authorization_details(&caller.user_id, &authorization_id)
        .map(Json)
}

pub(crate) async fn consent(
    State(shared): State<Arc<Shared>>,
    Path(authorization_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    let body =
        json_body(&body).map_err(|_| ApiError::bad_request("bad_json", "invalid JSON body"))?;
    let action = field(&body, "action").unwrap_or_default();
    inner
        .oauth_consent(&caller.user_id, &authorization_id, action)
        .map(Json)
}

pub(crate) async fn list_grants(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    Ok(Json(inner.oauth_grants(&caller.user_id)))
}

pub(crate) async fn revoke_grant(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    inner.oauth_revoke_grant(&caller.user_id, query.get("client_id").map(String::as_str))?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /oauth/token` (form-encoded or JSON), the client authenticated by HTTP Basic or by
/// `client_id` / `client_secret` in the body.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let form: HashMap<String, String> = if is_json {
        let body = json_body(&body)
            .map_err(|_| ApiError::oauth("invalid_request", "Invalid JSON body"))?;
        body.as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect()
    } else {
        url::form_urlencoded::parse(&body).into_owned().collect()
    };
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b64| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| {
            let (id, secret) = pair.split_once(':')?;
            Some((id.to_owned(), secret.to_owned()))
        });
    shared.lock().oauth_token(&form, basic.as_ref()).map(Json)
}
