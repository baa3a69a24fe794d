//! Admin routes for tests driving the server over HTTP (the binary, or other languages):
//! `/__outbox`, `/__faults`, `/__counters`, `/__clock`. Not counted, never faulted.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::server::endpoint::Endpoint;
use crate::server::faults::Fault;
use crate::server::state::Shared;

/// `GET /__outbox[?to=address]`: `{"messages":[…]}`, oldest first.
pub(crate) async fn outbox(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    let inner = shared.lock();
    let to = query.get("to").map(|t| t.trim().to_lowercase());
    let messages: Vec<_> = inner
        .outbox
        .iter()
        .filter(|m| to.as_ref().is_none_or(|t| m.to.to_lowercase() == *t))
        .cloned()
        .collect();
    Json(json!({ "messages": messages }))
}

pub(crate) async fn clear_outbox(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().outbox.clear();
    StatusCode::NO_CONTENT
}

/// `POST /__faults` body.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum FaultCommand {
    /// `{"endpoint":"token_refresh","fault":{"kind":"status","status":503,"times":2},"queue":false}`
    Set {
        endpoint: Endpoint,
        fault: Fault,
        #[serde(default)]
        queue: bool,
    },
    /// `{"clear":"token_refresh"}` or `{"clear":"all"}`.
    Clear { clear: String },
}

pub(crate) async fn set_faults(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let bad = |m: String| (StatusCode::BAD_REQUEST, Json(json!({ "error": m })));
    let command: FaultCommand = serde_json::from_slice(&body).map_err(|e| bad(e.to_string()))?;
    let mut inner = shared.lock();
    match command {
        FaultCommand::Set {
            endpoint,
            fault,
            queue: true,
        } => inner.faults.push(endpoint, fault),
        FaultCommand::Set {
            endpoint,
            fault,
            queue: false,
        } => inner.faults.set(endpoint, fault),
        FaultCommand::Clear { clear } if clear == "all" => inner.faults.clear_all(),
        FaultCommand::Clear { clear } => {
            let endpoint: Endpoint = clear
                .parse()
                .map_err(|e: crate::server::endpoint::UnknownEndpoint| bad(e.to_string()))?;
            inner.faults.clear(endpoint);
        }
    }
    Ok(Json(json!({ "faults": inner.faults.snapshot() })))
}

pub(crate) async fn faults(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!({ "faults": shared.lock().faults.snapshot() }))
}

pub(crate) async fn counters(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(json!(shared.lock().counters))
}

pub(crate) async fn reset_counters(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().counters.clear();
    StatusCode::NO_CONTENT
}

/// `POST /__clock` with `{"advance_secs":n}` or `{"reset":true}`; answers the offset.
#[derive(Debug, Deserialize)]
pub(crate) struct ClockCommand {
    #[serde(default)]
    advance_secs: u64,
    #[serde(default)]
    reset: bool,
}

pub(crate) async fn clock(
    State(shared): State<Arc<Shared>>,
    Json(command): Json<ClockCommand>,
) -> Json<Value> {
    let mut inner = shared.lock();
    if command.reset {
        inner.clock.reset();
    }
    inner
        .clock
        .advance(Duration::from_secs(command.advance_secs));
    Json(json!({ "offset_ms": inner.clock.offset_ms(), "now": inner.clock.now_secs() }))
}

/// `POST /__settings`: changes some settings of the running server; answers the result.
#[derive(Debug, Deserialize)]
pub(crate) struct SettingsCommand {
    autoconfirm: Option<bool>,
    access_token_ttl_secs: Option<u64>,
    refresh_token_reuse_interval_secs: Option<u64>,
    require_api_key: Option<bool>,
    mfa_challenge_expiry_secs: Option<u64>,
    mfa_phone_max_frequency_secs: Option<u64>,
}

pub(crate) async fn settings(
    State(shared): State<Arc<Shared>>,
    Json(command): Json<SettingsCommand>,
) -> Json<Value> {
    let mut inner = shared.lock();
    let s = &mut inner.settings;
    if let Some(v) = command.autoconfirm {
        s.autoconfirm = v;
    }
    if let Some(v) = command.access_token_ttl_secs {
        s.access_token_ttl = Duration::from_secs(v);
    }
    if let Some(v) = command.refresh_token_reuse_interval_secs {
        s.refresh_token_reuse_interval = Duration::from_secs(v);
    }
    if let Some(v) = command.require_api_key {
        s.require_api_key = v;
    }
    if let Some(v) = command.mfa_challenge_expiry_secs {
        s.mfa_challenge_expiry = Duration::from_secs(v);
    }
    if let Some(v) = command.mfa_phone_max_frequency_secs {
        s.mfa_phone_max_frequency = Duration::from_secs(v);
    }
    Json(json!({
        "autoconfirm": s.autoconfirm,
        "access_token_ttl_secs": s.access_token_ttl.as_secs(),
        "refresh_token_reuse_interval_secs": s.refresh_token_reuse_interval.as_secs(),
        "require_api_key": s.require_api_key,
        "mfa_challenge_expiry_secs": s.mfa_challenge_expiry.as_secs(),
        "mfa_phone_max_frequency_secs": s.mfa_phone_max_frequency.as_secs(),
    }))
}
