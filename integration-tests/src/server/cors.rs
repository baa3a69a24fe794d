//! CORS, as the hosted service answers it: browsers (the official `createBrowserClient` on a
//! page of another origin) call the Auth API cross-origin. Outside the gate: a preflight is
//! neither counted nor faulted nor checked for an API key.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Request headers a browser may send (`apikey`, `authorization`, and supabase-js's own).
pub(crate) const ALLOW_HEADERS: &str =
    "apikey, authorization, content-type, x-client-info, x-supabase-api-version";
/// Methods the Auth API uses.
pub(crate) const ALLOW_METHODS: &str = "GET, POST, PUT, DELETE, OPTIONS";
/// Response headers a browser script may read (supabase-js reads the error code).
pub(crate) const EXPOSE_HEADERS: &str = "x-sb-error-code, x-supabase-api-version";

/// Answers preflights (`OPTIONS` with `Access-Control-Request-Method`) with `204`, and adds
/// `Access-Control-Allow-Origin` (echoing the request's `Origin`) to every other response.
pub(crate) async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let Some(origin) = origin else {
        return next.run(req).await;
    };
    if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        allow_origin(headers, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(ALLOW_METHODS),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOW_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("3600"),
        );
        return response;
    }
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    allow_origin(headers, origin);
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static(EXPOSE_HEADERS),
    );
    response
}

fn allow_origin(headers: &mut HeaderMap, origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("Origin"));
}
