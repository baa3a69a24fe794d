//! The Auth client: sessions, verified claims, refresh and every sign-in flow.

mod claims;
mod error;
mod http;
mod jwks;
mod verify;

pub use claims::{Claims, Verification};
pub use error::AuthError;
#[doc(hidden)]
pub use verify::__private;
