//! Why invoking a function failed: functions-js's three error classes, plus the mistakes this
//! crate catches before sending anything.

use crate::ErrorSource;
use crate::auth::AuthError;

use super::response::FunctionResponse;

/// Why invoking a function failed.
///
/// `Relay`, `Http` and `Fetch` are functions-js's `FunctionsRelayError`, `FunctionsHttpError`
/// and `FunctionsFetchError`; the first two keep the function's answer, unread, as functions-js
/// keeps it in the error's `context`. The other variants are refused before any request is sent.
///
/// ```no_run
/// # async fn run(client: supabase_ssr_core::SupabaseClient) {
/// use supabase_ssr_core::functions::FunctionsError;
///
/// match client.functions().invoke("hello").send().await {
///     Ok(response) => println!("{}", response.text().await.unwrap_or_default()),
///     Err(FunctionsError::Http { response, .. }) => {
///         // The function's own error document.
///         let error: serde_json::Value = response.json().await.unwrap_or_default();
///         eprintln!("the function failed: {error}");
///     }
///     Err(other) => eprintln!("{other}"),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FunctionsError {
    /// The platform's relay could not run the function (the answer has `x-relay-error: true`;
    /// functions-js's `FunctionsRelayError`).
    #[error("Relay Error invoking the Edge Function ({status})")]
    Relay {
        /// The HTTP status.
        status: u16,
        /// The relay's answer, unread.
        response: FunctionResponse,
    },
    /// The function answered with a status outside 200–299 (functions-js's
    /// `FunctionsHttpError`).
    #[error("Edge Function returned a non-2xx status code ({status})")]
    Http {
        /// The HTTP status.
        status: u16,
        /// The function's answer, unread, for reading its error.
        response: FunctionResponse,
    },
    /// The function could not be reached, the timeout passed, or the answer's body could not be
    /// read (functions-js's `FunctionsFetchError`).
    #[error("Failed to send a request to the Edge Function: {0}")]
    Fetch(#[source] ErrorSource),
    /// The request's credentials could not be obtained (the session could not be loaded or
    /// refreshed, a third-party token provider failed, or the token is no header value), so the
    /// function was not invoked.
    #[error("the request's credentials could not be obtained: {0}")]
    Auth(#[from] AuthError),
    /// The function name would make a URL outside `/functions/v1/` or a URL with another query
    /// or fragment; nothing was sent (functions-js sends it).
    #[error("`{name}` is not a function name: {reason}")]
    InvalidName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header given to [`Invoke::header`](super::Invoke::header) is not a valid HTTP header
    /// (its value is not repeated here: it may be a credential).
    #[error("invalid header for the Edge Function request: {0}")]
    InvalidHeader(#[source] ErrorSource),
    /// `GET` and `HEAD` requests cannot have a body (fetch refuses them too, which functions-js
    /// reports as a `FunctionsFetchError`).
    #[error("a {0} request to an Edge Function cannot have a body")]
    BodyNotAllowed(http::Method),
    /// The JSON body could not be serialized.
    #[error("the Edge Function body could not be serialized as JSON: {0}")]
    Serialize(#[source] ErrorSource),
    /// The answer is not the JSON document that was asked for.
    #[error("the Edge Function answer is not the expected JSON: {0}")]
    Decode(#[source] ErrorSource),
}

impl FunctionsError {
    /// The function's answer kept by [`Relay`](Self::Relay) and [`Http`](Self::Http) errors
    /// (functions-js's `error.context`).
    #[must_use]
    pub fn response(&self) -> Option<&FunctionResponse> {
        match self {
            Self::Relay { response, .. } | Self::Http { response, .. } => Some(response),
            _ => None,
        }
    }

    /// Takes the function's answer out of a [`Relay`](Self::Relay) or [`Http`](Self::Http)
    /// error, to read its body.
    #[must_use]
    pub fn into_response(self) -> Option<FunctionResponse> {
        match self {
            Self::Relay { response, .. } | Self::Http { response, .. } => Some(response),
            _ => None,
        }
    }

    /// Whether the request failed because its [timeout](super::Invoke::timeout) passed.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        match self {
            // Ours (`tokio::time::timeout_at`), or the HTTP client's own.
            Self::Fetch(source) => {
                source.get().is::<tokio::time::error::Elapsed>()
                    || source
                        .get()
                        .downcast_ref::<reqwest::Error>()
                        .is_some_and(reqwest::Error::is_timeout)
            }
            _ => false,
        }
    }

    pub(crate) fn fetch(error: reqwest::Error) -> Self {
        Self::Fetch(ErrorSource::http(error))
    }
}
