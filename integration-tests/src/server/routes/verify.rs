//! `POST /verify` (codes typed by the user) and `GET /verify` (the link in an email).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use super::{field, fragment_of, json_body, redirect, redirect_target};
use crate::server::errors::ApiError;
use crate::server::otp::VerifyParams;
use crate::server::state::{Inner, Shared};

pub(crate) async fn verify_post(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let body = json_body(&body)?;
    let params = VerifyParams {
        verify_type: field(&body, "type").unwrap_or_default().to_owned(),
        token_hash: field(&body, "token_hash").map(str::to_owned),
        token: field(&body, "token").map(str::to_owned),
        email: field(&body, "email").map(str::to_owned),
        phone: field(&body, "phone").map(str::to_owned),
    };
    let mut inner = shared.lock();
    let record = inner.consume_otp(&params)?;
    inner
        .sign_in(&record.user_id, record.kind.amr(), None)
        .map(Json)
}

pub(crate) async fn verify_get(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let mut inner = shared.lock();
    let verify_type = query.get("type").cloned().unwrap_or_default();
    let mut target = redirect_target(&inner, query.get("redirect_to").map(String::as_str))?;
    let params = VerifyParams {
        verify_type: verify_type.clone(),
        token_hash: query.get("token").cloned(),
        ..VerifyParams::default()
    };
    match link_outcome(&mut inner, &params) {
        Ok(Link::Code(code)) => {
            target.query_pairs_mut().append_pair("code", &code);
        }
        Ok(Link::Session(session)) => {
            target.set_fragment(Some(&fragment_of(&session, &verify_type)));
        }
        Err(error) => {
            let fragment = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("error", "access_denied")
                .append_pair("error_code", &error.code)
                .append_pair("error_description", "Email link is invalid or has expired")
                .finish();
            target.set_fragment(Some(&fragment));
        }
    }
    Ok(redirect(StatusCode::SEE_OTHER, &target))
}

enum Link {
    /// PKCE: the auth code to exchange.
    Code(String),
    /// Implicit: the session itself.
    Session(Value),
}

fn link_outcome(inner: &mut Inner, params: &VerifyParams) -> Result<Link, ApiError> {
    let record = inner.consume_otp(params)?;
    if let Some(code) = record.flow.as_deref()
        && let Some(flow) = inner.flows.get_mut(code)
    {
        flow.user_id = Some(record.user_id.clone());
        return Ok(Link::Code(code.to_owned()));
    }
    inner
        .sign_in(&record.user_id, record.kind.amr(), None)
        .map(Link::Session)
}
