#![doc = include_str!("../README.md")]

mod layer;
mod rejection;

pub use layer::{SupabaseLayer, SupabaseService};
pub use rejection::{AuthRejection, request_client};
pub use supabase_ssr_core as core;
pub use supabase_ssr_core::{Supabase, SupabaseClient};
