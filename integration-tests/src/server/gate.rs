//! The middleware every Auth API request passes: counts the call, applies a pending fault,
//! checks the API key, and renders errors in the shape the request asked for.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::endpoint::Endpoint;
use super::errors::{API_VERSION_2024_01_01, ApiError, wants_versioned};
use super::faults::FaultKind;
use super::http::ConnectionKill;
use super::state::Shared;

/// What a fault decided.
enum Outcome {
    /// Go on to the handler.
    Proceed,
    /// Answer with an Auth API error (rendered in the request's shape), with a `Retry-After`
    /// header when given.
    Error(ApiError, Option<String>),
    /// Answer with exactly this response, untouched.
    Raw(Response),
}

pub(crate) async fn gate(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let versioned = wants_versioned(req.headers());
    let Some(endpoint) = Endpoint::classify(req.method(), req.uri().path(), req.uri().query())
    else {
        return next.run(req).await;
    };
    let (fault, require_key) = {
        let mut state = shared.lock();
        *state.counters.entry(endpoint).or_default() += 1;
        (state.faults.take(endpoint), state.settings.require_api_key)
    };
    tracing::debug!(%endpoint, fault = fault.is_some(), "auth request");
    // Taken before awaiting: `Request` is not `Sync`, so no reference to it may cross an await.
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let outcome = match fault {
        Some(kind) => apply(kind, kill).await,
        None => Outcome::Proceed,
    };
    let mut retry_after = None;
    let mut response = match outcome {
        Outcome::Raw(response) => return response,
        Outcome::Error(error, header) => {
            retry_after = header.and_then(|v| HeaderValue::try_from(v).ok());
            error.into_response()
        }
        Outcome::Proceed if require_key && !endpoint.is_open() && !has_key(&req, &shared) => {
            return invalid_api_key();
        }
        Outcome::Proceed => next.run(req).await,
    };
    if let Some(error) = response.extensions_mut().remove::<ApiError>()
        && versioned
    {
        response = error.render(true);
    }
    if let Some(value) = retry_after {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    if versioned {
        response.headers_mut().insert(
            HeaderName::from_static("x-supabase-api-version"),
            HeaderValue::from_static(API_VERSION_2024_01_01),
        );
    }
    response
}

async fn apply(kind: FaultKind, kill: Option<ConnectionKill>) -> Outcome {
    match kind {
        FaultKind::Latency { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Outcome::Proceed
        }
        FaultKind::Status {
            status,
            retry_after,
        } => Outcome::Error(ApiError::for_status(status), retry_after),
        FaultKind::NotJson { status, body } => Outcome::Raw(
            (
                status_code(status),
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                body,
            )
                .into_response(),
        ),
        FaultKind::Respond {
            status,
            headers,
            body,
            reason,
        } => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status_code(status);
            if let Some(phrase) = reason
                .as_deref()
                .and_then(|r| hyper::ext::ReasonPhrase::try_from(r.as_bytes()).ok())
            {
                response.extensions_mut().insert(phrase);
            }
            for (name, value) in headers {
                if let (Ok(n), Ok(v)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
                    response.headers_mut().append(n, v);
                }
            }
            Outcome::Raw(response)
        }
        FaultKind::Drop => {
            if let Some(kill) = kill {
                kill.0.notify_one();
            }
            std::future::pending().await
        }
        FaultKind::Hang => std::future::pending().await,
    }
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn has_key(req: &Request, shared: &Shared) -> bool {
    req.headers()
        .get("apikey")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|k| k == shared.publishable_key || k == shared.secret_key)
}

/// The gateway's answer to a missing or wrong `apikey`.
fn invalid_api_key() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        axum::Json(json!({
            "message": "Invalid API key",
            "hint": "Double check your Supabase `anon` or `service_role` API key."
        })),
    )
        .into_response()
}
