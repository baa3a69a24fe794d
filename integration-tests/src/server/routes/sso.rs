//! `POST /sso`, the test identity provider's page `GET /__idp/sso`, and its assertion consumer
//! `POST /sso/saml/acs` (see `server::sso`).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse as _, Response};
use serde_json::{Value, json};

use super::{field, fragment_of, json_body, redirect, redirect_target};
use crate::server::errors::ApiError;
use crate::server::pkce::validate_pkce_params;
use crate::server::sso::RelayState;
use crate::server::state::Shared;

pub(crate) async fn sso(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body = json_body(&body)?;
    let provider_id = field(&body, "provider_id").filter(|p| !p.is_empty());
    if let Some(id) = provider_id
        && uuid::Uuid::parse_str(id).is_err()
    {
        return Err(ApiError::bad_request(
            "bad_json",
            "Could not parse request body as JSON: invalid UUID in provider_id",
        ));
    }
    let domain = field(&body, "domain").filter(|d| !d.is_empty());
    let mut inner = shared.lock();
    let (provider_id, domain) = match (provider_id, domain) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Only one of provider_id or domain supported",
            ));
        }
        (None, None) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "A provider_id or domain needs to be provided",
            ));
        }
        (Some(id), None) => {
            let domain = inner.sso_domain_of(id).ok_or_else(|| {
                ApiError::new(404, "sso_provider_not_found", "No such SSO provider")
            })?;
            (id.to_owned(), domain)
        }
        (None, Some(domain)) => {
            let id = inner.sso_provider_by_domain(domain).ok_or_else(|| {
                ApiError::new(
                    404,
                    "sso_provider_not_found",
                    "No SSO provider assigned for this domain",
                )
            })?;
            (id, domain.trim().to_lowercase())
        }
    };
    let (challenge, method) = (
        field(&body, "code_challenge"),
        field(&body, "code_challenge_method"),
    );
    validate_pkce_params(challenge, method)?;
    let flow = inner.start_flow(challenge, method, "sso/saml", None)?;
    let created_at = inner.clock.now_ms();
    let relay = inner.start_sso(RelayState {
        provider_id,
        domain,
        redirect_to: field(&body, "redirect_to")
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
        flow,
        created_at,
    });
    let mut url = url::Url::parse(&format!("{}/__idp/sso", inner.base_url))
        .map_err(|e| ApiError::internal(&e.to_string()))?;
    url.query_pairs_mut()
        .append_pair("SAMLRequest", &crate::server::random::token())
        .append_pair("RelayState", &relay);
    if body.get("skip_http_redirect").and_then(Value::as_bool) == Some(true) {
        return Ok(Json(json!({ "url": url.as_str() })).into_response());
    }
    Ok(redirect(StatusCode::SEE_OTHER, &url))
}

/// The test identity provider's sign-in page: the account's email (editable) and a Continue button that posts
/// it to the assertion consumer.
pub(crate) async fn idp_page(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let relay_id = query.get("RelayState").cloned().unwrap_or_default();
    let inner = shared.lock();
    let Some(relay) = inner.sso_relays.get(&relay_id) else {
        return (
            StatusCode::NOT_FOUND,
            Html(
                "<!doctype html><title>Unknown request</title><p>Unknown or used SSO request.</p>"
                    .to_owned(),
            ),
        )
            .into_response();
    };
    let acs = format!("{}/sso/saml/acs", inner.issuer());
    let email = format!("sso-user@{}", relay.domain);
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Test identity provider</title></head>\
         <body><h1>Test identity provider</h1><p>Sign in to {domain}</p>\
         <form method=\"post\" action=\"{acs}\">\
         <input type=\"hidden\" name=\"RelayState\" value=\"{relay}\">\
         <label>Email <input type=\"email\" name=\"email\" value=\"{email}\"></label>\
         <button type=\"submit\" id=\"continue\">Continue</button></form></body></html>",
        domain = escape(&relay.domain),
        acs = escape(&acs),
        relay = escape(&relay_id),
        email = escape(&email),
    );
    ([(header::CACHE_CONTROL, "no-store")], Html(page)).into_response()
}

/// Minimal HTML escaping for attribute and text positions.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The assertion consumer: the identity provider's form post (`RelayState`, `email`).
pub(crate) async fn acs(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let form: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(&body).into_owned().collect();
    let text = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    let mut inner = shared.lock();
    let relay = inner.take_relay(text("RelayState"))?;
    let user_id = inner.sso_user(&relay, text("email"))?;
    let mut target = redirect_target(&inner, relay.redirect_to.as_deref())?;
    if let Some(code) = relay.flow.as_deref()
        && let Some(flow) = inner.flows.get_mut(code)
    {
        flow.user_id = Some(user_id);
        target.query_pairs_mut().append_pair("code", code);
    } else {
        let session = inner.sign_in(&user_id, "sso/saml", None)?;
        target.set_fragment(Some(&fragment_of(&session, "")));
    }
    tracing::info!("test identity provider signed in");
    Ok(redirect(StatusCode::FOUND, &target))
}
