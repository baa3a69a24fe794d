//! The fault matrix: the Auth server's `/token` and JWKS endpoints failing in every way the
//! local server can fail them, against an app built with an adapter.

use std::time::{Duration, Instant};

use supabase_ssr_core::Supabase;

use super::harness::{App, EMAIL, Harness, TestRequest, TestResponse};
use super::routes;
use crate::server::{Endpoint, Fault};

/// The per-request budget the apps under test are configured with: every answer must come
/// within it, plus this much slack for the app and the test itself.
const BUDGET: Duration = Duration::from_millis(500);
const SLACK: Duration = Duration::from_millis(1500);

/// The documented answer of a protected route while the Auth server cannot answer: `503` with
/// `Retry-After`, cookies untouched.
const UNAVAILABLE: u16 = 503;

fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "latency above the budget",
            Fault::latency(Duration::from_secs(3)),
        ),
        ("hang", Fault::hang()),
        ("dropped connection", Fault::drop_connection()),
        ("500", Fault::status(500)),
        ("502", Fault::status(502)),
        ("503", Fault::status(503)),
        ("429", Fault::status(429)),
        ("409", Fault::status(409)),
        ("non-JSON 200", Fault::not_json(200)),
        (
            "200 without a session",
            Fault::respond(200, &[("content-type", "application/json")], "{}"),
        ),
    ]
}

async fn timed<A: App>(app: &A, request: TestRequest, case: &str) -> TestResponse {
    let started = Instant::now();
    let response = app.send(request).await;
    assert!(
        started.elapsed() < BUDGET + SLACK,
        "{case}: answered after {:?}",
        started.elapsed()
    );
    assert_ne!(response.status, 500, "{case}: {response:?}");
    response
}

fn assert_unavailable_and_untouched(response: &TestResponse, case: &str) {
    assert_eq!(response.status, UNAVAILABLE, "{case}: {response:?}");
    assert_eq!(response.header("retry-after"), Some("1"), "{case}");
    assert!(
        response.set_cookies().is_empty(),
        "{case}: cookies written: {response:?}"
    );
}

/// Every fault of the refresh endpoint, for a request whose session has expired: the request
/// answers within its budget with `503`, nothing is deleted, and once the fault clears the
/// next request refreshes and succeeds.
pub async fn token_endpoint_faults<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(BUDGET)
        .request_timeout(BUDGET)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = make(supabase.clone());
    for (case, fault) in faults() {
        let jar = harness.jar_with_session(&supabase, EMAIL, -10);
        harness.auth.set_fault(Endpoint::TokenRefresh, fault);
        let request = TestRequest::get(routes::CLAIMS).cookies(&jar);
        let response = timed(&app, request.clone(), case).await;
        assert_unavailable_and_untouched(&response, case);
        harness.auth.clear_faults();
        let response = timed(&app, request, case).await;
        assert_eq!(response.status, 200, "{case} cleared: {response:?}");
        assert_eq!(
            response.set_cookies().len(),
            1,
            "{case} cleared: refreshed cookie"
        );
    }
    println!("fault matrix: {} /token faults", faults().len());
}

/// `/token` answering `429` with `Retry-After`, for a request whose session has expired. When
/// the wait fits in the refresh budget the request waits at least that long, the retry
/// refreshes and the request is served with the new session; when it asks for more than the
/// budget the request gives up at once (`503`, cookies kept) instead of waiting the budget out.
pub async fn token_endpoint_rate_limit<A: App>(make: fn(Supabase) -> A) {
    const RATE_LIMIT_BUDGET: Duration = Duration::from_secs(3);
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(RATE_LIMIT_BUDGET)
        .request_timeout(BUDGET)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let app = make(supabase.clone());

    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    harness
        .auth
        .push_fault(Endpoint::TokenRefresh, Fault::rate_limited("1").times(1));
    let calls = harness.auth.count(Endpoint::TokenRefresh);
    let started = Instant::now();
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    let waited = started.elapsed();
    assert_eq!(response.status, 200, "Retry-After: 1 → {response:?}");
    assert_eq!(response.set_cookies().len(), 1, "refreshed cookie");
    assert!(
        waited >= Duration::from_secs(1),
        "retried before Retry-After: 1 was over ({waited:?})"
    );
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh) - calls, 2);

    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::rate_limited("30"));
    let calls = harness.auth.count(Endpoint::TokenRefresh);
    let started = Instant::now();
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    let gave_up = started.elapsed();
    assert_unavailable_and_untouched(&response, "Retry-After: 30");
    assert!(
        gave_up < RATE_LIMIT_BUDGET,
        "waited the budget out although Retry-After exceeds it ({gave_up:?})"
    );
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh) - calls, 1);
    harness.auth.clear_faults();
    println!(
        "fault matrix: 429 Retry-After: 1 waited {} ms then refreshed; Retry-After: 30 gave up in {} ms",
        waited.as_millis(),
        gave_up.as_millis()
    );
}

/// Every fault of the JWKS endpoint before its first fetch: `503` within the budget, nothing
/// deleted, then the keys are fetched once the fault clears. Afterwards the JWKS being down
/// changes nothing (cached keys), and a rotated-in key is picked up with one refetch.
pub async fn jwks_endpoint_faults<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    for (case, fault) in faults() {
        // A fresh handle each time: its JWKS cache is cold.
        let supabase = harness
            .supabase_builder()
            .request_timeout(BUDGET)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
        let app = make(supabase);
        harness.auth.set_fault(Endpoint::Jwks, fault);
        let request = TestRequest::get(routes::CLAIMS).cookies(&jar);
        let response = timed(&app, request.clone(), case).await;
        assert_unavailable_and_untouched(&response, case);
        harness.auth.clear_faults();
        // A failed fetch is retried at most once a second.
        tokio::time::sleep(Duration::from_millis(1100)).await;
        let response = timed(&app, request, case).await;
        assert_eq!(response.status, 200, "{case} cleared: {response:?}");
        assert!(response.set_cookies().is_empty(), "{case}");
    }

    let supabase = harness.supabase();
    let app = make(supabase.clone());
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let request = TestRequest::get(routes::CLAIMS).cookies(&jar);
    assert_eq!(app.send(request.clone()).await.status, 200);
    harness.auth.set_fault(Endpoint::Jwks, Fault::status(500));
    for _ in 0..3 {
        assert_eq!(
            app.send(request.clone()).await.status,
            200,
            "cached keys keep verifying"
        );
    }
    harness.auth.clear_faults();
    let before = harness.auth.count(Endpoint::Jwks);
    harness
        .auth
        .rotate_key(crate::server::KeyAlgorithm::Es256)
        .unwrap_or_else(|e| panic!("{e}"));
    let rotated = harness.jar_with_session(&supabase, EMAIL, 3600);
    for _ in 0..3 {
        let response = app
            .send(TestRequest::get(routes::CLAIMS).cookies(&rotated))
            .await;
        assert_eq!(response.status, 200, "new key: {response:?}");
    }
    assert_eq!(
        harness.auth.count(Endpoint::Jwks) - before,
        1,
        "one refetch for the new key"
    );
    println!(
        "fault matrix: {} JWKS faults, JWKS outage, key rotation",
        faults().len()
    );
}
