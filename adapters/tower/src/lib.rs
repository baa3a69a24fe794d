#![doc = include_str!("../README.md")]

mod layer;

pub use layer::{SupabaseLayer, SupabaseService};
pub use supabase_ssr_core as core;
pub use supabase_ssr_core::{Supabase, SupabaseClient};
