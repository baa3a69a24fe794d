//! HTTP calls to the Auth API and the mapping of its answers to [`AuthError`] (spec §12).

use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use tracing::Instrument;
use tracing::field::Empty;
use url::Url;

use super::error::AuthError;
use crate::client_info::CLIENT_INFO;
use crate::global_headers::GlobalHeaders;
use crate::json::Json;

/// Sent on every request so the server answers with its current error shape.
pub(crate) const API_VERSION: (&str, &str) = ("X-Supabase-Api-Version", "2024-01-01");

/// The Auth API of one project: its base URL, the API key and the shared HTTP client.
///
/// The API key is the publishable key for the per-request client and the secret key for
/// [`SupabaseAdmin`](crate::SupabaseAdmin): it goes in `apikey`, and in `Authorization` when
/// the request carries no other bearer.
#[derive(Clone)]
pub(crate) struct AuthHttp {
    client: reqwest::Client,
    base: Url,
    api_key: String,
    timeout: Duration,
    /// The application's headers for every call (`global.headers`).
    global: GlobalHeaders,
}

// The HTTP client's `Debug` shows default headers and proxies, which may hold the
// application's credentials; the API key may be a secret key.
impl std::fmt::Debug for AuthHttp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthHttp")
            .field("base", &self.base.as_str())
            .field("timeout", &self.timeout)
            .field("global_headers", &self.global)
            .finish_non_exhaustive()
    }
}

/// One request to the Auth API.
pub(crate) struct AuthRequest<'a> {
    pub method: Method,
    /// Path under the Auth base URL, e.g. `token`.
    pub path: &'a str,
    /// What the `supabase_ssr.auth_call` span records as the endpoint when `path` holds an id
    /// (`admin/users/{id}`): ids identify users and never go in traces.
    pub endpoint: Option<&'static str>,
    pub query: &'a [(&'a str, &'a str)],
    /// `Authorization: Bearer` value; the API key when `None`.
    pub bearer: Option<&'a str>,
    /// Sent as JSON text in the object's key order (auth-js sends `JSON.stringify`).
    pub body: Option<&'a Json>,
    /// Overrides the client's timeout (e.g. what is left of a retry budget).
    pub timeout: Option<Duration>,
    /// Whether [`AuthHttp::send_with_headers`] returns the answer's headers (the admin lists'
    /// pagination headers); other calls do not copy them.
    pub keep_headers: bool,
    /// Which try of a retried call this is (from 1), for the `supabase_ssr.auth_call` span.
    pub attempt: u32,
}

impl<'a> AuthRequest<'a> {
    pub(crate) fn new(method: Method, path: &'a str) -> Self {
        Self {
            method,
            path,
            endpoint: None,
            keep_headers: false,
            query: &[],
            bearer: None,
            body: None,
            timeout: None,
            attempt: 1,
        }
    }
}

impl AuthHttp {
    pub(crate) fn new(
        client: reqwest::Client,
        base: Url,
        api_key: String,
        timeout: Duration,
    ) -> Self {
        Self {
            client,
            base,
            api_key,
            timeout,
            global: GlobalHeaders::default(),
        }
    }

    /// Sends `global` with every call, under this crate's credentials.
    pub(crate) fn with_global_headers(mut self, global: GlobalHeaders) -> Self {
        self.global = global;
        self
    }

    /// The URL of `path` under the Auth base URL, with `query` encoded like `URLSearchParams`.
    pub(crate) fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path.split('/'));
        }
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    /// Sends a request and returns the JSON body of a 2xx answer in key order (`Json::Null` for
    /// an empty body), or the error the answer means.
    pub(crate) async fn send(&self, request: AuthRequest<'_>) -> Result<Json, AuthError> {
        self.send_detailed(request)
            .await
            .map_err(|failure| failure.error)
    }

    /// [`AuthHttp::send`], with the server's `Retry-After` on failure.
    ///
    /// Every call to the Auth API goes through here, inside a DEBUG span
    /// `supabase_ssr.auth_call`: the endpoint (its path, never the query), the `grant_type`
    /// (the only query value recorded), the attempt, the HTTP status and the outcome. Nothing
    /// else of the request or the answer is recorded: bodies, headers and the other query
    /// values carry tokens, codes, keys and emails.
    pub(crate) async fn send_detailed(
        &self,
        request: AuthRequest<'_>,
    ) -> Result<Json, HttpFailure> {
        self.send_with_headers(request)
            .await
            .map(|(body, _headers)| body)
    }

    /// [`AuthHttp::send_detailed`], with the answer's headers when the request asks for them
    /// ([`AuthRequest::keep_headers`]; an empty map otherwise).
    pub(crate) async fn send_with_headers(
        &self,
        request: AuthRequest<'_>,
    ) -> Result<(Json, HeaderMap), HttpFailure> {
        let span = tracing::debug_span!(
            "supabase_ssr.auth_call",
            endpoint = request.endpoint.unwrap_or(request.path),
            grant_type = Empty,
            attempt = request.attempt,
            status = Empty,
            outcome = Empty,
        );
        if span.is_disabled() {
            return self.send_untraced(request, &span).await;
        }
        if let Some((_, grant_type)) = request.query.iter().find(|(k, _)| *k == "grant_type") {
            span.record("grant_type", grant_type);
        }
        let result = self
            .send_untraced(request, &span)
            .instrument(span.clone())
            .await;
        span.record(
            "outcome",
            outcome_label(result.as_ref().err().map(|f| &f.error)),
        );
        result
    }

    /// [`AuthHttp::send_detailed`] without the span; records the status in `span`.
    async fn send_untraced(
        &self,
        request: AuthRequest<'_>,
        span: &tracing::Span,
    ) -> Result<(Json, HeaderMap), HttpFailure> {
        let url = self.url(request.path, request.query);
        let bearer = request.bearer.unwrap_or(&self.api_key);
        let mut builder = self
            .client
            .request(request.method.clone(), url)
            .timeout(request.timeout.unwrap_or(self.timeout));
        // auth-js's order: the application's headers over the client info and API version
        // defaults; the credentials (never a global header, `GlobalHeaders` refuses them) and
        // the content type over everything.
        if !self.global.map().is_empty() {
            builder = builder.headers(self.global.map().clone());
        }
        builder = builder
            .header("apikey", &self.api_key)
            .header("Authorization", format!("Bearer {bearer}"));
        if !self.global.has("x-client-info") {
            builder = builder.header("X-Client-Info", CLIENT_INFO);
        }
        if !self.global.has(API_VERSION.0) {
            builder = builder.header(API_VERSION.0, API_VERSION.1);
        }
        if request.method != Method::GET {
            // `headers` replaces a global `Content-Type` where `header` would add a second one.
            builder = builder.headers(HeaderMap::from_iter([(
                reqwest::header::CONTENT_TYPE,
                reqwest::header::HeaderValue::from_static("application/json;charset=UTF-8"),
            )]));
        }
        if let Some(body) = request.body {
            builder = builder.body(body.to_string());
        }
        let response = builder.send().await.map_err(transport_error)?;
        let status = response.status();
        span.record("status", status.as_u16());
        let retry_after = retry_after(status, response.headers(), SystemTime::now());
        let api_version_ok = response
            .headers()
            .get(API_VERSION.0)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v >= API_VERSION.1);
        let headers = if request.keep_headers {
            response.headers().clone()
        } else {
            HeaderMap::new()
        };
        let text = response.text().await.map_err(transport_error)?;
        if status.is_success() {
            if text.trim().is_empty() {
                return Ok((Json::Null, headers));
            }
            return Json::parse(&text).map(|body| (body, headers)).map_err(|e| {
                HttpFailure::from(AuthError::Transient {
                    status: Some(status.as_u16()),
                    code: None,
                    message: format!("the response body is not JSON: {e}"),
                    source: Some(crate::ErrorSource::new(e)),
                })
            });
        }
        Err(HttpFailure {
            error: error_from_response(status, api_version_ok, &text),
            retry_after,
        })
    }
}

/// The `outcome` field of the Auth spans: `ok`, `transient` (an outage, a timeout, a 5xx or a
/// 429: retried or kept), or `refused` (the server's answer stands).
pub(crate) fn outcome_label(error: Option<&AuthError>) -> &'static str {
    match error {
        None => "ok",
        Some(error) if error.is_transient() => "transient",
        Some(_) => "refused",
    }
}

/// A failed Auth call: what it means, and when the server asked to be called again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HttpFailure {
    pub error: AuthError,
    /// The `Retry-After` of a 429 or 503 answer.
    pub retry_after: Option<Duration>,
}

impl From<AuthError> for HttpFailure {
    fn from(error: AuthError) -> Self {
        Self {
            error,
            retry_after: None,
        }
    }
}

/// The `Retry-After` of a 429 (RFC 6585) or 503 (RFC 9110 §10.2.3) answer: delay-seconds or an
/// HTTP date (a date in the past means now). Other statuses and unreadable values give `None`.
fn retry_after(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    if !matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        return None;
    }
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "later than any budget".
        return Some(Duration::from_secs(value.parse().unwrap_or(u64::MAX)));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

fn transport_error(error: reqwest::Error) -> HttpFailure {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "the connection failed"
    };
    // The URL is dropped from the message: it may carry a token in its query. The causes stay
    // (the source's `Display`): reqwest's own text ("error sending request") hides why, e.g. a
    // certificate from an unknown issuer (see `SupabaseBuilder::root_certificates_pem`).
    let source = crate::ErrorSource::http(error);
    HttpFailure::from(AuthError::Transient {
        status: None,
        code: None,
        message: format!("{what}: {source}"),
        source: Some(source),
    })
}

/// Maps a non-2xx answer (spec §12): 5xx, 408, 409 and 429 are transient; the error code is
/// `code` when the server speaks the 2024-01-01 API, else `error_code`.
fn error_from_response(status: StatusCode, api_version_ok: bool, text: &str) -> AuthError {
    let body: Option<Value> = serde_json::from_str(text).ok();
    let code = body.as_ref().and_then(|b| {
        // A legacy body's `code` is the status (a number): its `error_code` applies then.
        let code = if api_version_ok { b.get("code") } else { None };
        code.and_then(Value::as_str)
            .or_else(|| b.get("error_code").and_then(Value::as_str))
            .map(str::to_owned)
    });
    let message = body
        .as_ref()
        .and_then(|b| {
            ["msg", "message", "error_description", "error"]
                .iter()
                .find_map(|k| b.get(*k).and_then(Value::as_str))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| {
            status
                .canonical_reason()
                .map_or_else(|| format!("HTTP {}", status.as_u16()), str::to_owned)
        });
    let transient = status.is_server_error()
        || matches!(
            status,
            StatusCode::REQUEST_TIMEOUT | StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS
        )
        || body.is_none();
    if transient {
        return AuthError::Transient {
            status: Some(status.as_u16()),
            code,
            message,
            source: None,
        };
    }
    let weak_reasons = body
        .as_ref()
        .and_then(|b| b.get("weak_password")?.get("reasons")?.as_array().cloned());
    if code.as_deref() == Some("weak_password") || (code.is_none() && weak_reasons.is_some()) {
        return AuthError::WeakPassword {
            status: status.as_u16(),
            message,
            reasons: weak_reasons
                .unwrap_or_default()
                .iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect(),
        };
    }
    if code.as_deref() == Some("session_not_found") {
        return AuthError::SessionMissing;
    }
    AuthError::Api {
        status: status.as_u16(),
        code,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_error_shape_uses_code() {
        let err = error_from_response(
            StatusCode::BAD_REQUEST,
            true,
            r#"{"code":"invalid_credentials","message":"Invalid login credentials"}"#,
        );
        assert_eq!(err.code(), Some("invalid_credentials"));
        assert!(!err.is_transient());
    }

    #[test]
    fn without_the_version_header_code_is_the_status() {
        let err = error_from_response(
            StatusCode::BAD_REQUEST,
            false,
            r#"{"code":400,"error_code":"refresh_token_already_used","msg":"Invalid Refresh Token: Already Used"}"#,
        );
        assert_eq!(err.code(), Some("refresh_token_already_used"));
        assert!(!err.is_transient());
    }

    #[test]
    fn a_numeric_code_with_the_version_header_falls_back_to_error_code() {
        let err = error_from_response(
            StatusCode::BAD_REQUEST,
            true,
            r#"{"code":400,"error_code":"email_not_confirmed","msg":"Email not confirmed"}"#,
        );
        assert_eq!(err.code(), Some("email_not_confirmed"));
    }

    #[test]
    fn overload_and_conflicts_are_transient() {
        for status in [429, 409, 408, 500, 502, 503, 504] {
            let err = error_from_response(
                StatusCode::from_u16(status).unwrap(),
                true,
                r#"{"code":"x","message":"m"}"#,
            );
            assert!(err.is_transient(), "{status}");
        }
        let html = error_from_response(StatusCode::BAD_REQUEST, true, "<html>");
        assert!(html.is_transient());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates_of_429_and_503() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            headers
        };
        let read = |status: u16, value: &str| {
            retry_after(StatusCode::from_u16(status).unwrap(), &with(value), now)
        };
        assert_eq!(read(429, "3"), Some(Duration::from_secs(3)));
        assert_eq!(read(503, " 120 "), Some(Duration::from_secs(120)));
        assert_eq!(read(429, "0"), Some(Duration::ZERO));
        assert_eq!(
            read(429, "99999999999999999999999"),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(
            read(429, "Thu, 01 Jan 2026 00:00:05 GMT"),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            read(503, "Wed, 31 Dec 2025 23:59:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        for value in ["-1", "1.5", "soon", ""] {
            assert_eq!(read(429, value), None, "{value:?}");
        }
        assert_eq!(read(500, "3"), None);
        assert_eq!(read(400, "3"), None);
        let none = retry_after(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), now);
        assert_eq!(none, None);
    }

    #[test]
    fn urls_keep_the_project_prefix() {
        let http = AuthHttp::new(
            reqwest::Client::new(),
            Url::parse("https://example.com/prefix/auth/v1").unwrap(),
            "k".into(),
            Duration::from_secs(1),
        );
        assert_eq!(
            http.url("token", &[("grant_type", "refresh_token")])
                .as_str(),
            "https://example.com/prefix/auth/v1/token?grant_type=refresh_token"
        );
        assert_eq!(
            http.url(".well-known/jwks.json", &[]).as_str(),
            "https://example.com/prefix/auth/v1/.well-known/jwks.json"
        );
    }
}
