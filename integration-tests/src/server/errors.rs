//! Auth API errors and their two wire shapes (spec §12/§13).
//!
//! Requests carrying `X-Supabase-Api-Version: 2024-01-01` (or later) get the current shape
//! `{"code":"<error_code>","message":"…"}`; others the legacy shape
//! `{"code":<status>,"error_code":"…","msg":"…"}`. Both carry `x-sb-error-code`. OAuth-style
//! errors (`{"error","error_description"}`) look the same for everyone, as on the Go server.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The API version whose error shape uses a string `code` (`gotrue:internal/api/errors.go`).
pub const API_VERSION_2024_01_01: &str = "2024-01-01";

/// An error response of the Auth API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// HTTP status.
    pub status: u16,
    /// The machine-readable error code (`invalid_credentials`, …); for OAuth-style errors the
    /// OAuth `error` value.
    pub code: String,
    /// The human-readable message.
    pub message: String,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Shape {
    Api,
    WeakPassword(Vec<String>),
    OAuth,
}

impl ApiError {
    /// An error with the usual `{code, message}` shape.
    pub fn new(status: u16, code: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.to_owned(),
            message: message.into(),
            shape: Shape::Api,
        }
    }

    /// 400 with `code`.
    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(400, code, message)
    }

    /// 403 with `code`.
    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::new(403, code, message)
    }

    /// 422 with `code`.
    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(422, code, message)
    }

    /// 500 `unexpected_failure`; the detail goes to the log, not the client.
    pub fn internal(detail: &str) -> Self {
        tracing::error!(detail, "internal error");
        Self::new(
            500,
            "unexpected_failure",
            "Unexpected failure, please check server logs for more information",
        )
    }

    /// 422 `weak_password` with the reasons list the client reads.
    pub fn weak_password(reasons: Vec<String>, message: impl Into<String>) -> Self {
        Self {
            shape: Shape::WeakPassword(reasons),
            ..Self::new(422, "weak_password", message)
        }
    }

    /// 400 OAuth-style `{"error","error_description"}` (used for a missing refresh token).
    pub fn oauth(error: &str, description: impl Into<String>) -> Self {
        Self {
            shape: Shape::OAuth,
            ..Self::new(400, error, description)
        }
    }

    /// The error the gateway or server gives for an injected status code.
    pub fn for_status(status: u16) -> Self {
        match status {
            429 => Self::new(429, "over_request_rate_limit", "Request rate limit reached"),
            409 => Self::new(
                409,
                "conflict",
                "Too many concurrent token refresh requests on the same session or refresh token",
            ),
            504 => Self::new(
                504,
                "request_timeout",
                "Processing this request timed out, please retry after a moment.",
            ),
            _ => Self::new(
                status,
                "unexpected_failure",
                "Unexpected failure, please check server logs for more information",
            ),
        }
    }

    /// The JSON body, in the current (`versioned`) or legacy shape.
    pub fn body(&self, versioned: bool) -> Value {
        let mut body = match self.shape {
            Shape::OAuth => {
                return json!({"error": self.code, "error_description": self.message});
            }
            _ if versioned => json!({"code": self.code, "message": self.message}),
            _ => json!({"code": self.status, "error_code": self.code, "msg": self.message}),
        };
        if let (Shape::WeakPassword(reasons), Some(obj)) = (&self.shape, body.as_object_mut()) {
            obj.insert("weak_password".to_owned(), json!({ "reasons": reasons }));
        }
        body
    }

    /// The full response in the shape the request asked for.
    pub fn render(&self, versioned: bool) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.body(versioned))).into_response();
        let headers = response.headers_mut();
        if self.shape != Shape::OAuth
            && let Ok(value) = HeaderValue::from_str(&self.code)
        {
            headers.insert("x-sb-error-code", value);
        }
        response
    }
}

/// Lets handlers return `Result<_, ApiError>`. The legacy shape is rendered here; the gate
/// middleware re-renders it in the current shape when the request asked for it (it alone sees
/// the request headers).
impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.render(false);
        response.extensions_mut().insert(self);
        response
    }
}

/// Whether the request asked for the 2024-01-01 error shape: the header parses as a date on or
/// after 2024-01-01 (dates compare as strings in `YYYY-MM-DD` form).
pub(crate) fn wants_versioned(headers: &HeaderMap) -> bool {
    headers
        .get("x-supabase-api-version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| is_iso_date(v) && v >= API_VERSION_2024_01_01)
}

fn is_iso_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versioned_and_legacy_shapes() {
        let e = ApiError::bad_request("invalid_credentials", "Invalid login credentials");
        assert_eq!(
            e.body(true).to_string(),
            r#"{"code":"invalid_credentials","message":"Invalid login credentials"}"#
        );
        assert_eq!(
            e.body(false).to_string(),
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#
        );
    }

    #[test]
    fn weak_password_carries_reasons() {
        let e = ApiError::weak_password(vec!["length".into()], "short");
        assert_eq!(e.body(true)["weak_password"]["reasons"][0], "length");
    }

    #[test]
    fn version_header_must_be_a_late_enough_date() {
        let mut h = HeaderMap::new();
        assert!(!wants_versioned(&h));
        h.insert(
            "x-supabase-api-version",
            HeaderValue::from_static("2024-01-01"),
        );
        assert!(wants_versioned(&h));
        h.insert(
            "x-supabase-api-version",
            HeaderValue::from_static("2023-12-31"),
        );
        assert!(!wants_versioned(&h));
        h.insert(
            "x-supabase-api-version",
            HeaderValue::from_static("garbage!!!"),
        );
        assert!(!wants_versioned(&h));
    }
}
