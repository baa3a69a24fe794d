//! Random identifiers, tokens and one-time codes.
//!
//! Everything comes from UUID v4 (the OS random source): enough for a test server, and it keeps
//! these helpers infallible.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// A new random id in the canonical UUID form, as the Go server uses for users and sessions.
pub(crate) fn uuid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An opaque token: 16 random bytes, base64url (22 characters), like the Go server's
/// `crypto.SecureToken()` used for v1 refresh tokens.
pub(crate) fn token() -> String {
    URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().into_bytes())
}

/// A six-digit one-time code.
pub(crate) fn otp() -> String {
    format!("{:06}", uuid::Uuid::new_v4().as_u128() % 1_000_000)
}
