//! `/admin/users/{id}/passkeys[/{passkey_id}]` (`gotrue:internal/api/passkey_admin.go`), service
//! role only.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::Value;

use crate::server::admin_users::check_user_id;
use crate::server::errors::ApiError;
use crate::server::state::Shared;

/// `GET /admin/users/{id}/passkeys`: the user's passkeys (a JSON array).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    Ok(Json(Value::Array(inner.passkeys_of(&id))))
}

/// `DELETE /admin/users/{id}/passkeys/{passkey_id}`: 204.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path((id, passkey_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    inner.delete_passkey(&id, &passkey_id)?;
    Ok(StatusCode::NO_CONTENT)
}
