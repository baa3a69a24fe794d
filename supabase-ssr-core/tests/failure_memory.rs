//! Tokens the Auth server refused are refused again without a call for the failure window: a
//! flood of requests with one forged cookie makes one `/token` or `GET /user` call, each request
//! ends exactly as the first did, and outages are never remembered as refusals.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;
use supabase_ssr_core::auth::AuthError;
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::conformance::flood::{forged_kidless_session, forged_refresh_session};
use supabase_ssr_testing::conformance::{EMAIL, Harness};
use supabase_ssr_testing::{Endpoint, Fault};

/// A handle whose rotation memory is off, so only the failure memory can spare calls.
fn handle(harness: &Harness, window: Duration) -> Supabase {
    harness
        .supabase_builder()
        .refresh_reuse_window(Duration::ZERO)
        .refresh_budget(Duration::from_millis(300))
        .failure_memory_window(window)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_refresh_token_costs_one_token_call_and_every_request_ends_the_same() {
    let harness = Harness::start().await;
    let supabase = handle(&harness, Duration::from_secs(60));
    let cookie = forged_refresh_session(&harness, &supabase).header();
    let first = supabase.client([cookie.as_str()]);
    assert!(matches!(first.auth().get_claims().await, Ok(None)));
    let deleted = first.response_cookies();
    assert!(!deleted.is_empty(), "a refused refresh deletes the session");
    for _ in 0..1000 {
        let client = supabase.client([cookie.as_str()]);
        assert!(matches!(client.auth().get_claims().await, Ok(None)));
        assert_eq!(client.response_cookies(), deleted);
    }
    // `refresh_session` and `set_session` get the same refusal.
    let client = supabase.client([cookie.as_str()]);
    let error = client.auth().refresh_session().await.unwrap_err();
    assert_eq!(error.code(), Some("refresh_token_not_found"));
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forged_token_without_kid_costs_one_user_call_and_keeps_the_cookies() {
    let harness = Harness::start().await;
    let supabase = handle(&harness, Duration::from_secs(60));
    let cookie = forged_kidless_session(&harness, &supabase).header();
    let first = supabase
        .client([cookie.as_str()])
        .auth()
        .get_claims()
        .await
        .unwrap_err();
    assert_eq!(first.code(), Some("bad_jwt"));
    let sequential = (0..1000).map(|_| async {
        let client = supabase.client([cookie.as_str()]);
        let error = client.auth().get_claims().await.unwrap_err();
        assert!(client.response_cookies().is_empty());
        error
    });
    for future in sequential {
        assert_eq!(future.await, first);
    }
    assert_eq!(harness.auth.count(Endpoint::UserGet), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_requests_with_one_forged_token_share_one_user_call() {
    let harness = Harness::start().await;
    let supabase = handle(&harness, Duration::from_secs(60));
    // Slow answers, so the requests really overlap.
    harness.auth.set_fault(
        Endpoint::UserGet,
        Fault::latency(Duration::from_millis(100)),
    );
    let cookie = forged_kidless_session(&harness, &supabase).header();
    let requests = (0..200).map(|_| {
        let client = supabase.client([cookie.as_str()]);
        async move { client.auth().get_claims().await }
    });
    for outcome in futures_util::future::join_all(requests).await {
        assert!(matches!(outcome, Err(AuthError::Api { status: 403, .. })));
    }
    assert_eq!(harness.auth.count(Endpoint::UserGet), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_window_ends_and_zero_turns_the_memory_off() {
    let harness = Harness::start().await;
    let short = handle(&harness, Duration::from_millis(300));
    let cookie = forged_kidless_session(&harness, &short).header();
    let refuse = |supabase: &Supabase| {
        let client = supabase.client([cookie.as_str()]);
        async move { client.auth().get_claims().await.unwrap_err() }
    };
    refuse(&short).await;
    refuse(&short).await;
    assert_eq!(harness.auth.count(Endpoint::UserGet), 1);
    tokio::time::sleep(Duration::from_millis(350)).await;
    refuse(&short).await;
    assert_eq!(harness.auth.count(Endpoint::UserGet), 2);

    let off = handle(&harness, Duration::ZERO);
    for _ in 0..5 {
        refuse(&off).await;
    }
    assert_eq!(harness.auth.count(Endpoint::UserGet), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn outages_are_not_remembered_and_real_sessions_recover() {
    let harness = Harness::start().await;
    let supabase = handle(&harness, Duration::from_secs(60));

    // An expired session whose refresh meets an outage keeps its cookies and refreshes next time.
    let cookie = harness.jar_with_session(&supabase, EMAIL, -10).header();
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let client = supabase.client([cookie.as_str()]);
    assert!(client.auth().get_claims().await.unwrap_err().is_transient());
    assert!(client.response_cookies().is_empty());
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(429));
    assert!(
        supabase
            .client([cookie.as_str()])
            .auth()
            .get_claims()
            .await
            .unwrap_err()
            .is_transient()
    );
    harness.auth.clear_faults();
    let client = supabase.client([cookie.as_str()]);
    assert!(client.auth().get_claims().await.unwrap().is_some());
    assert_eq!(client.response_cookies().set_cookies().len(), 1);

    // A genuine token without `kid` whose `GET /user` meets an outage is confirmed next time.
    let issued = harness.auth.mint_session(EMAIL, 3600).unwrap();
    let claims: serde_json::Value = {
        use base64::Engine as _;
        let payload = issued.access_token.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    };
    let kidless = harness
        .auth
        .sign_jwt_with_header(&json!({ "alg": "ES256", "typ": "JWT" }), &claims)
        .unwrap();
    let mut body = issued.body;
    body["access_token"] = kidless.into();
    let jar = supabase_ssr_testing::conformance::jar_holding(
        &supabase,
        &Session::from_value(body).unwrap(),
    );
    let cookie = jar.header();
    harness
        .auth
        .set_fault(Endpoint::UserGet, Fault::status(503));
    let client = supabase.client([cookie.as_str()]);
    assert!(client.auth().get_claims().await.unwrap_err().is_transient());
    harness.auth.clear_faults();
    let claims = supabase
        .client([cookie.as_str()])
        .auth()
        .get_claims()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claims.email(), Some(EMAIL));
}
