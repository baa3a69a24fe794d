#![doc = include_str!("../README.md")]

mod extract;
mod middleware;

pub use extract::{AuthRejection, Authenticated, Client, MaybeAuthenticated};
pub use middleware::{SupabaseMiddleware, SupabaseService};
pub use supabase_ssr_core as core;
pub use supabase_ssr_core::{Supabase, SupabaseClient};
