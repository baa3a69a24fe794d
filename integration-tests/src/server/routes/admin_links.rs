//! `POST /invite` and `POST /admin/generate_link` (service role only).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use serde_json::Value;

use super::{field, json_body};
use crate::server::admin_links::GenerateLinkParams;
use crate::server::errors::ApiError;
use crate::server::state::Shared;

/// `POST /invite?redirect_to=…` with `{email, data}`: the invited user.
pub(crate) async fn invite(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let body = json_body(&body)?;
    let data = match body.get("data") {
        None | Some(Value::Null) => None,
        Some(Value::Object(data)) => Some(data),
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_json",
                "Could not parse request body as JSON: data must be an object",
            ));
        }
    };
    inner
        .invite(
            field(&body, "email").unwrap_or_default(),
            data,
            query.get("redirect_to").map(String::as_str),
        )
        .map(Json)
}

/// `POST /admin/generate_link`.
pub(crate) async fn generate_link(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let params = GenerateLinkParams::from_body(json_body(&body)?)?;
    inner
        .generate_link(&params, query.get("redirect_to").map(String::as_str))
        .map(Json)
}
