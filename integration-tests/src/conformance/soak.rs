//! The soak: sustained load over many sessions whose access tokens expire every 2 s.

use std::cell::RefCell;
use std::time::{Duration, Instant};

use supabase_ssr_core::Supabase;

use super::harness::{App, EMAIL, Harness, TestRequest};
use super::routes;
use crate::jar::BrowserJar;
use crate::server::Endpoint;

const SESSIONS: usize = 200;
const WORKERS: usize = 16;
const TOKEN_LIFETIME: Duration = Duration::from_secs(2);

/// How long the soak runs: `SOAK_SECONDS` (CI sets 40), else 5 s.
fn duration() -> Duration {
    let seconds = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    Duration::from_secs(seconds)
}

/// 200 sessions with 2 s access tokens under continuous load through the app: no request
/// fails, every session is still valid at the end, and the `/token` calls follow the expiries,
/// never the requests.
pub async fn soak<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    harness
        .auth
        .update_settings(|settings| settings.access_token_ttl = TOKEN_LIFETIME);
    // A margin shorter than the lifetime, or every request would be inside it.
    let supabase = harness
        .supabase_builder()
        .refresh_margin(Duration::from_millis(500))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jars: Vec<RefCell<BrowserJar>> = (0..SESSIONS)
        .map(|_| RefCell::new(harness.jar_with_session(&supabase, EMAIL, 2)))
        .collect();
    let app = make(supabase);
    let deadline = Instant::now() + duration();
    let worker = |first: usize| {
        let (jars, app) = (&jars, &app);
        async move {
            let (mut requests, mut failures) = (0u64, Vec::new());
            let mut index = first;
            while Instant::now() < deadline {
                let header = jars[index].borrow().header();
                let response = app
                    .send(TestRequest::get(routes::CLAIMS).header("Cookie", header))
                    .await;
                requests += 1;
                if response.status != 200 {
                    failures.push(format!("session {index}: {response:?}"));
                }
                jars[index].borrow_mut().apply(response.set_cookies());
                index = (index + WORKERS) % SESSIONS;
            }
            (requests, failures)
        }
    };
    let results = futures_util::future::join_all((0..WORKERS).map(worker)).await;
    let requests: u64 = results.iter().map(|(n, _)| n).sum();
    let failures: Vec<&String> = results.iter().flat_map(|(_, f)| f).collect();
    let refreshes = harness.auth.count(Endpoint::TokenRefresh);
    assert!(
        failures.is_empty(),
        "{} of {requests} requests failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    let mut lost = Vec::new();
    for (index, jar) in jars.iter().enumerate() {
        let header = jar.borrow().header();
        let response = app
            .send(TestRequest::get(routes::CLAIMS).header("Cookie", header))
            .await;
        if response.status != 200 {
            lost.push(index);
        }
    }
    assert!(lost.is_empty(), "sessions lost: {lost:?}");
    assert!(
        requests > SESSIONS as u64,
        "too little load: {requests} requests"
    );
    assert!(
        refreshes > 0,
        "the tokens expired, so some refreshes happen"
    );
    assert!(
        refreshes < requests,
        "{refreshes} refreshes for {requests} requests: not one per request"
    );
    println!("soak: {requests} requests, {refreshes} /token calls, 0 failed, 0 lost");
}
