//! The payload of a JWT read without verifying it, for what needs no trust: the expiry and
//! assurance level auth-js reads the same way (the server checks the token either way), and
//! the `role` of a legacy API key (a guard against a configuration mistake).

use base64::Engine as _;
use serde_json::Value;

/// The decoded payload of `token`, or why it is not a JWT.
pub(crate) fn decode(token: &str) -> Result<Value, &'static str> {
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("a JWT has three parts");
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| "the payload is not base64url")?;
    serde_json::from_slice(&bytes).map_err(|_| "the payload is not JSON")
}
