//! What can go wrong with a Data API request.

use serde::Deserialize;

use crate::ErrorSource;
use crate::auth::AuthError;

/// An error answer of `PostgREST`, with its fields as sent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
pub struct PostgrestError {
    /// `PostgREST` (`PGRST…`) or Postgres (SQLSTATE, e.g. `42501` for an RLS denial) error code.
    #[serde(default)]
    pub code: String,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
    /// More about it, when `PostgREST` has some.
    #[serde(default)]
    pub details: Option<String>,
    /// A suggestion to fix it, when `PostgREST` has one.
    #[serde(default)]
    pub hint: Option<String>,
}

/// Why a Data API request failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// `PostgREST` answered with an error status.
    #[error("the Data API answered {status}: {} ({})", .error.message, .error.code)]
    Api {
        /// The HTTP status.
        status: u16,
        /// The error `PostgREST` sent.
        error: PostgrestError,
    },
    /// The request's credentials could not be obtained (a refresh failed while the access token
    /// had expired, a third-party token provider failed, or the token is no header value), so
    /// the request was not sent rather than sent as the wrong role.
    #[error("the request's credentials could not be obtained: {0}")]
    Auth(#[from] AuthError),
    /// The request could not be sent or its answer not read.
    #[error("the Data API could not be reached: {0}")]
    Transport(#[source] ErrorSource),
    /// The answer is not what the request expected (not JSON, or not the type asked for).
    #[error("the Data API answer could not be decoded: {0}")]
    Decode(String),
    /// The request cannot be built (an empty relation name, a body that does not serialize).
    #[error("invalid Data API request: {0}")]
    InvalidRequest(String),
}

impl RestError {
    /// `PostgREST`'s error, for [`RestError::Api`].
    pub fn postgrest(&self) -> Option<&PostgrestError> {
        match self {
            Self::Api { error, .. } => Some(error),
            _ => None,
        }
    }

    /// The HTTP status, for [`RestError::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}
