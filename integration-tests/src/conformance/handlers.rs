//! The handler logic of the conformance routes, framework-free: each adapter's test app calls
//! these from its handlers, so the apps differ only in glue.

use serde_json::{Value, json};
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::{Claims, PasswordCredentials, SignOutScope};

/// Body of [`routes::CLAIMS`](super::routes::CLAIMS): `{"sub", "email"}` of verified claims.
pub fn claims_body(claims: &Claims) -> String {
    json!({ "sub": claims.sub(), "email": claims.email() }).to_string()
}

/// Body of [`routes::AAL2`](super::routes::AAL2) and
/// [`routes::STRICT_AAL2`](super::routes::STRICT_AAL2): `{"sub", "aal"}` of verified claims.
pub fn aal_body(claims: &Claims) -> String {
    json!({ "sub": claims.sub(), "aal": claims.aal() }).to_string()
}

/// Body of [`routes::CLAIMS_JSON`](super::routes::CLAIMS_JSON) and
/// [`routes::MAYBE_JSON`](super::routes::MAYBE_JSON) in an app without a JSON responder of its
/// own (the tower app): `value` as JSON.
pub fn json_body(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| panic!("{e}"))
}

/// Body of [`routes::OPTIONAL`](super::routes::OPTIONAL): the email, or `anonymous`.
pub fn optional_body(claims: Option<&Claims>) -> String {
    claims
        .and_then(Claims::email)
        .unwrap_or("anonymous")
        .to_owned()
}

/// [`routes::SIGN_IN`](super::routes::SIGN_IN): signs in with the JSON body's credentials;
/// `(200, "signed in")` or `(400, error code)`.
pub async fn sign_in(client: &SupabaseClient, body: &str) -> (u16, String) {
    let Ok(form) = serde_json::from_str::<Value>(body) else {
        return (400, "bad body".to_owned());
    };
    let text = |k: &str| {
        form.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let credentials = PasswordCredentials::email(text("email"), text("password"));
    match client.auth().sign_in_with_password(&credentials).await {
        Ok(_) => (200, "signed in".to_owned()),
        Err(error) => (400, error.code().unwrap_or("error").to_owned()),
    }
}

/// [`routes::SIGN_OUT`](super::routes::SIGN_OUT): signs out (global); `(200, "signed out")`.
pub async fn sign_out(client: &SupabaseClient) -> (u16, String) {
    match client
        .auth()
        .sign_out_with_scope(SignOutScope::Global)
        .await
    {
        Ok(()) => (200, "signed out".to_owned()),
        Err(error) => (502, error.to_string()),
    }
}

/// The `Cache-Control` value [`routes::PUBLIC_CACHE`](super::routes::PUBLIC_CACHE) sets.
pub const PUBLIC_CACHE_CONTROL: &str = "public, max-age=600";

/// The `Cache-Control` [`routes::CLAIMS_OWN_CACHE`](super::routes::CLAIMS_OWN_CACHE) sets.
pub const OWN_CACHE_CONTROL: &str = "max-age=60";

/// The `Vary` [`routes::CLAIMS_OWN_CACHE`](super::routes::CLAIMS_OWN_CACHE) sets.
pub const OWN_VARY: &str = "Accept-Encoding";
