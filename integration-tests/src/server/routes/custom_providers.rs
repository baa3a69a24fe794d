//! `/admin/custom-providers[/{identifier}]`: custom OAuth/OIDC providers
//! (`gotrue:internal/api/custom_oauth_admin.go`), service role only.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use super::json_body;
use crate::server::errors::ApiError;
use crate::server::state::Shared;

/// `GET /admin/custom-providers[?type=oauth2|oidc]`: `{"providers": [...]}`.
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let kind = query.get("type").map_or("", String::as_str);
    inner.list_custom_providers(kind).map(Json)
}

/// `POST /admin/custom-providers`: 201 with the provider.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let provider = inner.create_custom_provider(json_body(&body)?)?;
    Ok((StatusCode::CREATED, Json(provider)))
}

/// `GET /admin/custom-providers/{identifier}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner.get_custom_provider(&identifier).map(Json)
}

/// `PUT /admin/custom-providers/{identifier}`: the changed provider.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner
        .update_custom_provider(&identifier, json_body(&body)?)
        .map(Json)
}

/// `DELETE /admin/custom-providers/{identifier}`: 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(identifier): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    inner.delete_custom_provider(&identifier)?;
    Ok(StatusCode::NO_CONTENT)
}
