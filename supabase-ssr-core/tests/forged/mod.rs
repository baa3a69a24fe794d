//! Forged tokens for the tests that check a forgery is refused: a real token with one claim
//! of its payload changed and the original signature kept.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use supabase_ssr_core::Session;

/// `token` with its payload's `claim` set to `value`, the signature unchanged (so it no longer
/// verifies).
pub fn with_claim(token: &str, claim: &str, value: &str) -> String {
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(&parts[1]).unwrap()).unwrap();
    payload[claim] = value.into();
    parts[1] = URL_SAFE_NO_PAD.encode(payload.to_string());
    parts.join(".")
}

/// `session` with its access token forged by [`with_claim`].
pub fn session_with_claim(session: &Session, claim: &str, value: &str) -> Session {
    let mut body: Value = serde_json::from_str(session.as_json()).unwrap();
    body["access_token"] = with_claim(session.access_token(), claim, value).into();
    Session::from_value(body).unwrap()
}
