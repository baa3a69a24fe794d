//! The `X-Client-Info` value: a leaf module, so the Auth client and the Data API, Storage and
//! Functions requests (`as_user`) share it without depending on each other.

/// Sent with every request so the platform can tell which library called it.
pub(crate) const CLIENT_INFO: &str = concat!("supabase-ssr-rs/", env!("CARGO_PKG_VERSION"));
