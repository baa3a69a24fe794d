//! Supabase Edge Functions, invoked as the request's user (the function sees the user's JWT in
//! `Authorization`), like `@supabase/functions-js` 2.119.1's `invoke`: a builder for the method,
//! headers, region, timeout and body, and an answer read as JSON, text, bytes or a stream. How
//! each functions-js method and option maps here: [`parity`].
//!
//! ```no_run
//! # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::functions::FunctionsError> {
//! let greeting: serde_json::Value = client
//!     .functions()
//!     .invoke("hello")
//!     .json(&serde_json::json!({ "name": "Ada" }))
//!     .send()
//!     .await?
//!     .json()
//!     .await?;
//! # let _ = greeting; Ok(()) }
//! ```

mod body;
mod error;
mod invoke;
mod name;
mod region;
mod response;

pub use error::FunctionsError;
pub use invoke::Invoke;
pub use region::FunctionRegion;
pub use response::{FunctionData, FunctionResponse};

use crate::client::SupabaseClient;

#[doc = include_str!("parity.md")]
pub mod parity {}

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

    /// An invocation of the function `name` (`/functions/v1/<name>`; slashes reach a function's
    /// sub-paths), to configure and [`send`](Invoke::send). A name that would leave
    /// `/functions/v1/` (`..` segments, `?`, `#`) is refused by `send` with
    /// [`FunctionsError::InvalidName`].
    pub fn invoke(&self, name: impl Into<String>) -> Invoke {
        Invoke::new(self.client.clone(), name.into())
    }
}
