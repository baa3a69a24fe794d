//! Failure floods: the same forged cookie sent hundreds of times must not become hundreds of
//! Auth calls. The first refusal is remembered (by a keyed hash of the token) for the failure
//! window, and every later request ends exactly as the first did.

use std::time::Duration;

use serde_json::{Value, json};
use supabase_ssr_core::{Session, Supabase};

use super::harness::{App, EMAIL, Harness, TestRequest, TestResponse, jar_holding};
use super::routes;
use crate::jar::BrowserJar;
use crate::server::{Endpoint, Fault};

/// Requests per flood, sent [`CONCURRENCY`] at a time.
pub const REQUESTS: usize = 300;
/// How many requests of a flood are in flight at once.
pub const CONCURRENCY: usize = 50;

/// A session of `EMAIL` whose access token has expired and whose refresh token is random: every
/// request asks to refresh it, and the Auth server refuses.
pub fn forged_refresh_session(harness: &Harness, supabase: &Supabase) -> BrowserJar {
    let issued = harness
        .auth
        .mint_session(EMAIL, -10)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut body = issued.body;
    body["refresh_token"] = format!("forged-{}", uuid::Uuid::new_v4().simple()).into();
    let session = Session::from_value(body).unwrap_or_else(|e| panic!("{e}"));
    jar_holding(supabase, &session)
}

/// A session of `EMAIL` whose access token has no `kid` (so only `GET /user` can check it) and
/// claims another user's email over the original signature: the Auth server refuses it.
pub fn forged_kidless_session(harness: &Harness, supabase: &Supabase) -> BrowserJar {
    let issued = harness
        .auth
        .mint_session(EMAIL, 3600)
        .unwrap_or_else(|e| panic!("{e}"));
    let claims = payload(&issued.access_token);
    let token = harness
        .auth
        .sign_jwt_with_header(&json!({ "alg": "ES256", "typ": "JWT" }), &claims)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut altered = claims;
    altered["email"] = "attacker@example.com".into();
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    parts[1] = b64(&altered.to_string());
    let mut body = issued.body;
    body["access_token"] = parts.join(".").into();
    let session = Session::from_value(body).unwrap_or_else(|e| panic!("{e}"));
    jar_holding(supabase, &session)
}

fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn payload(token: &str) -> Value {
    use base64::Engine as _;
    let segment = token.split('.').nth(1).unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(segment)
        .unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

/// Sends [`REQUESTS`] requests with `jar` to the protected route and returns the answers.
async fn flood<A: App>(app: &A, jar: &BrowserJar) -> Vec<TestResponse> {
    let mut responses = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS / CONCURRENCY {
        let batch =
            (0..CONCURRENCY).map(|_| app.send(TestRequest::get(routes::CLAIMS).cookies(jar)));
        responses.extend(futures_util::future::join_all(batch).await);
    }
    responses
}

/// A flood with a forged refresh token makes at most one `/token` call, and every request ends
/// like the first (401, the session's cookies deleted); a flood with a forged token without
/// `kid` makes at most one `GET /user` call (401, cookies left alone). A real session whose
/// refresh failed for an outage still refreshes on the next request.
pub async fn failure_flood<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(500))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = make(supabase.clone());

    let forged = forged_refresh_session(&harness, &supabase);
    let responses = flood(&app, &forged).await;
    let first = &responses[0];
    assert_eq!(first.status, 401, "{first:?}");
    assert!(!first.deletions().is_empty(), "{first:?}");
    for response in &responses {
        assert_eq!(response.status, 401, "{response:?}");
        assert_eq!(response.set_cookies(), first.set_cookies(), "as the first");
    }
    let token_calls = harness.auth.count(Endpoint::TokenRefresh);
    assert!(token_calls <= 1, "{token_calls} /token calls");

    let forged = forged_kidless_session(&harness, &supabase);
    for response in flood(&app, &forged).await {
        assert_eq!(response.status, 401, "{response:?}");
        assert!(response.set_cookies().is_empty(), "{response:?}");
    }
    let user_calls = harness.auth.count(Endpoint::UserGet);
    assert!(user_calls <= 1, "{user_calls} /user calls");

    // A real session caught by an outage is not remembered as refused.
    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503).times(10));
    let request = TestRequest::get(routes::CLAIMS).cookies(&jar);
    let response = app.send(request.clone()).await;
    assert_eq!(response.status, 503, "{response:?}");
    harness.auth.clear_faults();
    let response = app.send(request).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.set_cookies().len(), 1, "refreshed: {response:?}");
    println!(
        "flood: {} requests, {token_calls} /token calls, {user_calls} /user calls",
        2 * REQUESTS
    );
}
