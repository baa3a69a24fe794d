#![doc = include_str!("../README.md")]

mod extract;
mod middleware;

pub use extract::{AuthRejection, Authenticated, Client, MaybeAuthenticated};
pub use middleware::{SupabaseEndpoint, SupabaseMiddleware};
pub use supabase_ssr_core as core;
pub use supabase_ssr_core::{Supabase, SupabaseClient};
