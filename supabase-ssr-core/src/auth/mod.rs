//! The Auth client: sessions, verified claims, refresh and every sign-in flow.

mod error;
mod http;

pub use error::AuthError;
