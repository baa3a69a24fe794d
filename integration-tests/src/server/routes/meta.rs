//! `GET /.well-known/jwks.json`, `GET /settings`, `GET /health`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::server::state::Shared;

/// The public keys; cacheable for 10 minutes like the hosted endpoint.
pub(crate) async fn jwks(State(shared): State<Arc<Shared>>) -> Response {
    let jwks = shared.lock().keys.jwks();
    ([(header::CACHE_CONTROL, "public, max-age=600")], Json(jwks)).into_response()
}

pub(crate) async fn settings(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let (autoconfirm, saml) = {
        let inner = shared.lock();
        (
            inner.settings.autoconfirm,
            !inner.settings.sso_domains.is_empty(),
        )
    };
    Json(json!({
        "external": {
            "anonymous_users": false,
            "email": true,
            "phone": true,
            "github": true,
            "google": true,
        },
        "disable_signup": false,
        "mailer_autoconfirm": autoconfirm,
        "phone_autoconfirm": false,
        "sms_provider": "local-auth-outbox",
        "saml_enabled": saml,
    }))
}

pub(crate) async fn health() -> Json<Value> {
    Json(json!({
        "version": concat!("local-auth-", env!("CARGO_PKG_VERSION")),
        "name": "GoTrue",
        "description": "GoTrue is a user registration and authentication API",
    }))
}
