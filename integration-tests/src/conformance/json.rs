//! The claims extractors as JSON: each adapter's `Authenticated` and `MaybeAuthenticated`,
//! handed to the framework's JSON responder as they are (axum `Json(user)`), answer the claims
//! object of the verified token — every claim, as the token holds it — and `null` for an
//! anonymous visitor.

use base64::Engine as _;
use serde_json::Value;
use supabase_ssr_core::Session;

use super::harness::{App, EMAIL, Harness, TestRequest, jar_holding};
use super::routes;
use crate::jar::BrowserJar;

/// `GET route` with `jar`; the JSON body (the status must be 200).
async fn json_of<A: App>(app: &A, route: &str, jar: &BrowserJar) -> Value {
    let response = app
        .send(
            TestRequest::get(route)
                .header("Accept", "application/json")
                .cookies(jar),
        )
        .await;
    assert_eq!(response.status, 200, "{route}: {response:?}");
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json")),
        "{route}: {response:?}"
    );
    serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("{route}: {e}: {response:?}"))
}

/// `Json(user)` is the token's payload; `Json(maybe)` too, or `null` without a session.
pub async fn the_extractors_serialize_as_the_claims_object<A: App>(
    make: fn(supabase_ssr_core::Supabase) -> A,
) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let issued = harness
        .auth
        .mint_session(EMAIL, 3600)
        .unwrap_or_else(|e| panic!("{e}"));
    harness.remember_secret(&issued.refresh_token);
    let payload = issued
        .access_token
        .split('.')
        .nth(1)
        .unwrap_or_else(|| panic!("a JWT has a payload"));
    let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("{e}"));
    let expected: Value = serde_json::from_slice(&payload).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(expected["email"], EMAIL, "{expected}");
    let session = Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
    let jar = jar_holding(&supabase, &session);
    let app = make(supabase);

    assert_eq!(json_of(&app, routes::CLAIMS_JSON, &jar).await, expected);
    assert_eq!(json_of(&app, routes::MAYBE_JSON, &jar).await, expected);
    assert_eq!(
        json_of(&app, routes::MAYBE_JSON, &BrowserJar::new()).await,
        Value::Null
    );
}
