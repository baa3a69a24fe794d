//! Refresh retries against the local Auth server's rate limiting: `Retry-After` is waited for
//! when it fits in the refresh budget, and a refresh gives up at once (as an outage, cookies
//! kept) when it does not. The retry schedule itself (jitter bounds, exact waits) is tested
//! under tokio's paused clock in `src/auth/retry.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant, SystemTime};

use supabase_ssr_core::Supabase;
use supabase_ssr_testing::conformance::{EMAIL, Harness};
use supabase_ssr_testing::{Endpoint, Fault};

fn handle(harness: &Harness, budget: Duration) -> Supabase {
    harness
        .supabase_builder()
        .refresh_budget(budget)
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rate_limited_refresh_is_retried_once_retry_after_has_passed() {
    let harness = Harness::start().await;
    let supabase = handle(&harness, Duration::from_secs(3));
    let cookie = harness.jar_with_session(&supabase, EMAIL, -10).header();
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::rate_limited("1").times(1));
    let client = supabase.client([cookie.as_str()]);
    let started = Instant::now();
    let session = client.auth().get_session().await.unwrap();
    // A lower bound: the retry waited for the server, it did not come early.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(session.is_some());
    assert_eq!(client.response_cookies().set_cookies().len(), 1);
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_retry_after_beyond_the_budget_gives_up_at_once_and_keeps_the_cookies() {
    let harness = Harness::start().await;
    let budget = Duration::from_secs(2);
    let supabase = handle(&harness, budget);
    let cookie = harness.jar_with_session(&supabase, EMAIL, -10).header();
    let in_a_minute = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
    for retry_after in ["30".to_owned(), in_a_minute] {
        harness.auth.set_fault(
            Endpoint::TokenRefresh,
            Fault::rate_limited(retry_after.clone()),
        );
        let before = harness.auth.count(Endpoint::TokenRefresh);
        let client = supabase.client([cookie.as_str()]);
        let started = Instant::now();
        let error = client.auth().get_claims().await.unwrap_err();
        // An upper bound far below the budget: it did not sleep the budget out.
        assert!(
            started.elapsed() < budget / 2,
            "{retry_after}: {:?}",
            started.elapsed()
        );
        assert!(error.is_transient(), "{error:?}");
        assert_eq!(error.status(), Some(429));
        assert!(client.response_cookies().is_empty(), "cookies kept");
        assert_eq!(harness.auth.count(Endpoint::TokenRefresh) - before, 1);
    }
    // Not remembered as a refusal: once the limit lifts, the session refreshes.
    harness.auth.clear_faults();
    let client = supabase.client([cookie.as_str()]);
    assert!(client.auth().get_claims().await.unwrap().is_some());
    assert_eq!(client.response_cookies().set_cookies().len(), 1);
}
