//! Test tooling for supabase-ssr-rs.
//!
//! - [`node`]: runs the official JavaScript packages pinned in `integration-tests/js/`, so Rust
//!   tests can check interop with `@supabase/ssr` and `@supabase/supabase-js`.

pub mod node;
