//! A function's answer, read when and how the caller chooses.

use std::fmt;

use bytes::Bytes;
use futures_util::{Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::error::FunctionsError;
use crate::ErrorSource;

/// A function's answer, its body not read yet.
///
/// Read it once, as [`json`](Self::json), [`text`](Self::text), [`bytes`](Self::bytes),
/// [`bytes_stream`](Self::bytes_stream), or [`data`](Self::data) (picked by `Content-Type` as
/// functions-js does). A [timeout](super::Invoke::timeout) (or else the client-wide
/// [`api_timeout`](crate::SupabaseBuilder::api_timeout)) keeps running while the body is read
/// whole, as in functions-js, but never cuts [`bytes_stream`](Self::bytes_stream).
pub struct FunctionResponse {
    // Boxed: errors carry the answer, and an unboxed `reqwest::Response` makes every
    // `Result<_, FunctionsError>` large.
    response: Box<reqwest::Response>,
    deadline: Option<Instant>,
}

/// A function's body as functions-js picks it from the answer's `Content-Type` (functions-js's
/// `data`). Made by [`FunctionResponse::data`].
#[derive(Debug)]
#[non_exhaustive]
pub enum FunctionData {
    /// `application/json`.
    Json(serde_json::Value),
    /// `application/octet-stream` or `application/pdf` (a `Blob` in functions-js).
    Bytes(Bytes),
    /// `text/event-stream`: the answer itself, to stream (functions-js returns the `Response`).
    Stream(FunctionResponse),
    /// `multipart/form-data`: the raw body and its `Content-Type` (with the boundary), for a
    /// multipart parser (functions-js parses it as `FormData`).
    Multipart {
        /// The answer's `Content-Type`.
        content_type: String,
        /// The raw body.
        body: Bytes,
    },
    /// Anything else, or no `Content-Type`: text.
    Text(String),
}

impl FunctionResponse {
    pub(crate) fn new(response: reqwest::Response, deadline: Option<Instant>) -> Self {
        Self {
            response: Box::new(response),
            deadline,
        }
    }

    /// The HTTP status.
    #[must_use]
    pub fn status(&self) -> http::StatusCode {
        self.response.status()
    }

    /// The answer's headers.
    #[must_use]
    pub fn headers(&self) -> &http::HeaderMap {
        self.response.headers()
    }

    /// The `Content-Type` header, if any (and readable as text).
    #[must_use]
    pub fn content_type(&self) -> Option<&str> {
        self.headers()
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
    }

    /// The whole body.
    ///
    /// # Errors
    /// [`FunctionsError::Fetch`] when the body cannot be read or the timeout passes.
    pub async fn bytes(self) -> Result<Bytes, FunctionsError> {
        let read = self.response.bytes();
        match self.deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, read)
                .await
                .map_err(|elapsed| FunctionsError::Fetch(ErrorSource::new(elapsed)))?,
            None => read.await,
        }
        .map_err(FunctionsError::fetch)
    }

    /// The body as text: UTF-8 (invalid sequences replaced, a byte order mark dropped), as
    /// JavaScript's `Response.text()` reads it whatever the charset.
    ///
    /// # Errors
    /// As [`bytes`](Self::bytes).
    pub async fn text(self) -> Result<String, FunctionsError> {
        let bytes = self.bytes().await?;
        Ok(String::from_utf8_lossy(without_bom(&bytes)).into_owned())
    }

    /// The body as JSON.
    ///
    /// # Errors
    /// As [`bytes`](Self::bytes), and [`FunctionsError::Decode`] when the body is not a `T`.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, FunctionsError> {
        let bytes = self.bytes().await?;
        serde_json::from_slice(without_bom(&bytes))
            .map_err(|error| FunctionsError::Decode(ErrorSource::new(error)))
    }

    /// The body as it arrives, chunk by chunk (server-sent events, large files), without a
    /// timeout.
    pub fn bytes_stream(
        self,
    ) -> impl Stream<Item = Result<Bytes, FunctionsError>> + Send + 'static {
        self.response.bytes_stream().map_err(FunctionsError::fetch)
    }

    /// The body read as functions-js reads it, by the media type of `Content-Type`
    /// (case-insensitive, parameters ignored; text when absent).
    ///
    /// # Errors
    /// As [`bytes`](Self::bytes); [`FunctionsError::Decode`] for invalid JSON.
    pub async fn data(self) -> Result<FunctionData, FunctionsError> {
        let content_type = self.content_type().unwrap_or("text/plain").to_owned();
        let media_type = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Ok(match media_type.as_str() {
            "application/json" => FunctionData::Json(self.json().await?),
            "application/octet-stream" | "application/pdf" => {
                FunctionData::Bytes(self.bytes().await?)
            }
            "text/event-stream" => FunctionData::Stream(self),
            "multipart/form-data" => FunctionData::Multipart {
                body: self.bytes().await?,
                content_type,
            },
            _ => FunctionData::Text(self.text().await?),
        })
    }
}

/// `bytes` without a leading UTF-8 byte order mark, which `Response.text()`/`.json()` drop.
fn without_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

impl fmt::Debug for FunctionResponse {
    // Status and type only: other headers may carry cookies or tokens.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FunctionResponse")
            .field("status", &self.status())
            .field("content_type", &self.content_type())
            .finish_non_exhaustive()
    }
}
