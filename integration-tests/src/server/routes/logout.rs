//! `POST /logout?scope=global|local|others`: deletes sessions (and their refresh tokens).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};

use crate::server::errors::ApiError;
use crate::server::state::Shared;

pub(crate) async fn logout(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    let scope = query.get("scope").map_or("global", String::as_str);
    let targets: Vec<String> = match scope {
        "global" => inner.sessions_of(&caller.user_id),
        "local" => vec![caller.session_id.clone()],
        "others" => inner
            .sessions_of(&caller.user_id)
            .into_iter()
            .filter(|s| *s != caller.session_id)
            .collect(),
        _ => {
            return Err(ApiError::bad_request(
                "validation_failed",
                format!("Unsupported logout scope {scope:?}"),
            ));
        }
    };
    for session_id in &targets {
        inner.delete_session(session_id);
    }
    tracing::info!(scope, sessions = targets.len(), "signed out");
    Ok(StatusCode::NO_CONTENT)
}
