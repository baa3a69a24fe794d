//! The Data API (`PostgREST`), as the request's user, so Row Level Security applies.
//!
//! [`SupabaseClient::from`](crate::SupabaseClient::from) starts a query on a table or view and
//! [`SupabaseClient::rpc`](crate::SupabaseClient::rpc) a function call. Every request sends the
//! publishable key as `apikey` and the user's access token as the bearer (the key when signed
//! out), loading the session the way the Auth client does: an expiring session is refreshed
//! first and its new cookies recorded for the response (spec §20). The URLs, `Prefer` headers
//! and bodies are byte for byte those of `@supabase/postgrest-js` 2.119.1.
//!
//! ```
//! use serde::Deserialize;
//! use supabase_ssr_core::Supabase;
//! use supabase_ssr_core::rest::{Order, RestError};
//!
//! #[derive(Deserialize)]
//! struct Todo {
//!     id: i64,
//!     title: String,
//! }
//!
//! async fn open_todos(client: &supabase_ssr_core::SupabaseClient) -> Result<Vec<Todo>, RestError> {
//!     client
//!         .from("todos")
//!         .select("id, title")
//!         .eq("done", false)
//!         .order("id", Order::desc())
//!         .limit(20)
//!         .execute::<Vec<Todo>>()
//!         .await
//! }
//!
//! let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x").build()?;
//! let client = supabase.client(["theme=dark"]);
//! let request = client
//!     .from("todos")
//!     .select("id, title")
//!     .eq("done", false)
//!     .order("id", Order::desc())
//!     .limit(20)
//!     .to_request()?;
//! assert_eq!(
//!     request.url().as_str(),
//!     "https://abcdefghijklmnop.supabase.co/rest/v1/todos?select=id%2Ctitle&done=eq.false&order=id.desc&limit=20",
//! );
//! # let _ = open_todos;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Bring another `PostgREST` client instead with
//! [`SupabaseClient::rest_headers`](crate::SupabaseClient::rest_headers).

mod builder;
mod client;
mod error;
mod execute;
mod filter;
mod headers;
mod params;
mod retry;
mod transform;

pub use builder::{Count, FilterBuilder, PreparedRequest, QueryBuilder};
pub use client::RestClient;
pub use error::{PostgrestError, RestError};
pub use execute::RestResponse;
pub use filter::{Order, TextSearchType};
pub use transform::{ExplainFormat, ExplainOptions};

#[doc = include_str!("parity.md")]
pub mod parity {}
