//! Supabase Edge Functions, invoked as the request's user (the function sees the user's JWT in
//! `Authorization`), like `@supabase/functions-js` 2.119.1: `POST /functions/v1/<name>`.
//!
//! ```no_run
//! # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::functions::FunctionsError> {
//! use supabase_ssr_core::functions::FunctionBody;
//!
//! let response = client
//!     .functions()
//!     .invoke("hello", FunctionBody::json(&serde_json::json!({ "name": "Ada" }))?)
//!     .await?;
//! let greeting: serde_json::Value = response.json()?;
//! # let _ = greeting; Ok(()) }
//! ```

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ErrorSource;
use crate::as_user;
use crate::auth::AuthError;
use crate::client::SupabaseClient;

/// Why invoking a function failed; the variants match functions-js's error classes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FunctionsError {
    /// The platform's relay could not run the function (`x-relay-error: true`;
    /// `FunctionsRelayError`).
    #[error("Relay Error invoking the Edge Function ({status})")]
    Relay {
        /// The HTTP status.
        status: u16,
        /// The relay's body.
        body: String,
    },
    /// The function answered with a non-2xx status (`FunctionsHttpError`).
    #[error("Edge Function returned a non-2xx status code ({status})")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The function's answer, for reading its error.
        response: FunctionResponse,
    },
    /// The function could not be reached (`FunctionsFetchError`).
    #[error("Failed to send a request to the Edge Function: {0}")]
    Fetch(#[source] ErrorSource),
    /// The session could not be loaded, so the function was not invoked.
    #[error("the session could not be loaded: {0}")]
    Auth(#[from] AuthError),
    /// The body could not be serialized or the answer decoded.
    #[error("invalid Edge Function body: {0}")]
    Body(String),
}

/// The body of an invocation, with the `Content-Type` functions-js gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionBody {
    /// No body.
    Empty,
    /// A JSON document (`application/json`).
    Json(String),
    /// Raw bytes (`application/octet-stream`).
    Bytes(Vec<u8>),
    /// Text (`text/plain`).
    Text(String),
}

impl FunctionBody {
    /// A JSON body from any serializable value.
    pub fn json(value: &impl Serialize) -> Result<Self, FunctionsError> {
        serde_json::to_string(value)
            .map(Self::Json)
            .map_err(|e| FunctionsError::Body(e.to_string()))
    }
}

/// A function's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FunctionResponse {
    /// The HTTP status.
    pub status: u16,
    /// Its `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl FunctionResponse {
    /// The body as JSON.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, FunctionsError> {
        serde_json::from_slice(&self.body).map_err(|e| FunctionsError::Body(e.to_string()))
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Edge Functions of one request's user. Made by
/// [`SupabaseClient::functions`](crate::SupabaseClient::functions).
#[derive(Debug, Clone)]
pub struct Functions {
    client: SupabaseClient,
}

impl Functions {
    pub(crate) fn new(client: SupabaseClient) -> Self {
        Self { client }
    }

    /// Invokes the function `name` with `body` (`POST /functions/v1/<name>`).
    pub async fn invoke(
        &self,
        name: &str,
        body: FunctionBody,
    ) -> Result<FunctionResponse, FunctionsError> {
        let url = format!("{}functions/v1/{name}", self.client.config().url());
        let url = url::Url::parse(&url)
            .map_err(|_| FunctionsError::Body(format!("`{name}` makes an invalid URL")))?;
        let mut request = as_user::functions_request(&self.client, http::Method::POST, url).await?;
        request = match body {
            FunctionBody::Empty => request,
            FunctionBody::Json(json) => request
                .header("Content-Type", "application/json")
                .body(json),
            FunctionBody::Bytes(bytes) => request
                .header("Content-Type", "application/octet-stream")
                .body(bytes),
            FunctionBody::Text(text) => request.header("Content-Type", "text/plain").body(text),
        };
        let response = request
            .send()
            .await
            .map_err(|e| FunctionsError::Fetch(ErrorSource::http(e)))?;
        let status = response.status().as_u16();
        let relay_error = response
            .headers()
            .get("x-relay-error")
            .is_some_and(|v| v.as_bytes() == b"true");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| FunctionsError::Fetch(ErrorSource::http(e)))?
            .to_vec();
        let answer = FunctionResponse {
            status,
            content_type,
            body,
        };
        if relay_error {
            return Err(FunctionsError::Relay {
                status,
                body: answer.text(),
            });
        }
        if !(200..300).contains(&status) {
            return Err(FunctionsError::Http {
                status,
                response: answer,
            });
        }
        Ok(answer)
    }
}
