#![doc = include_str!("../README.md")]

mod extract;

pub use extract::{AuthRejection, Authenticated, Client};
pub use supabase_ssr_core as core;
pub use supabase_ssr_core::{Supabase, SupabaseClient};
pub use supabase_ssr_tower::{SupabaseLayer, SupabaseService};
