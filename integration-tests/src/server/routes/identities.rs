//! `GET /user/identities/authorize` and `DELETE /user/identities/{identity_id}`
//! (`gotrue:internal/api/identity.go`), behind "manual linking".

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse as _, Response};
use serde_json::{Map, Value, json};

use super::redirect;
use crate::server::errors::ApiError;
use crate::server::pkce::validate_pkce_params;
use crate::server::state::{Inner, Shared};

/// `requireManualLinkingEnabled`.
fn require_manual_linking(inner: &Inner) -> Result<(), ApiError> {
    if inner.settings.manual_linking {
        Ok(())
    } else {
        Err(ApiError::new(
            404,
            "manual_linking_disabled",
            "Manual linking is disabled",
        ))
    }
}

/// The URL of the test OAuth provider that links its account to the caller: `/authorize` with
/// the request's parameters and a `state` naming the pending link (the Go server likewise uses
/// the flow state's id as the OAuth `state`).
pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    require_manual_linking(&inner)?;
    let get = |k: &str| query.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if get("provider").is_none() {
        return Err(ApiError::bad_request(
            "validation_failed",
            "Unsupported provider: missing provider",
        ));
    }
    validate_pkce_params(get("code_challenge"), get("code_challenge_method"))?;
    let state = inner.start_link(&caller.user_id);
    let mut url = url::Url::parse(&format!("{}/authorize", inner.issuer()))
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &query {
            if !matches!(k.as_str(), "skip_http_redirect" | "state") {
                pairs.append_pair(k, v);
            }
        }
        pairs.append_pair("state", &state);
    }
    if get("skip_http_redirect") == Some("true") {
        return Ok(Json(json!({ "url": url.as_str() })).into_response());
    }
    Ok(redirect(StatusCode::FOUND, &url))
}

pub(crate) async fn unlink(
    State(shared): State<Arc<Shared>>,
    Path(identity_id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    require_manual_linking(&inner)?;
    inner.unlink_identity(&caller.user_id, &identity_id)?;
    Ok(Json(Value::Object(Map::new())))
}
