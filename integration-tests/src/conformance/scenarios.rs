//! The scenarios, one function each; [`conformance_tests!`](crate::conformance_tests) makes a
//! test of each for a framework.

use std::time::Duration;

use supabase_ssr_core::Supabase;
use supabase_ssr_core::cookies::CookieOptions;

use super::handlers::PUBLIC_CACHE_CONTROL;
use super::harness::{App, BIG_EMAIL, EMAIL, Harness, PASSWORD, TestRequest, TestResponse};
use super::routes;
use crate::jar::BrowserJar;
use crate::node::NodeScripts;
use crate::server::{Endpoint, Fault};

const KEY: &str = "sb-127-auth-token";
const NO_STORE: &str = "private, no-cache, no-store, must-revalidate, max-age=0";

fn assert_no_store(response: &TestResponse) {
    assert_eq!(response.all("cache-control"), [NO_STORE], "{response:?}");
    assert_eq!(response.header("expires"), Some("0"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
}

fn assert_claims_of(response: &TestResponse, email: &str) {
    assert_eq!(response.status, 200, "{response:?}");
    let body: serde_json::Value = serde_json::from_str(&response.body).unwrap_or_default();
    assert_eq!(body["email"], email, "{response:?}");
}

/// No cookie: protected route 401 JSON, open route anonymous, nothing written.
pub async fn no_cookie<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let app = make(harness.supabase());
    let response = app.send(TestRequest::get(routes::CLAIMS)).await;
    assert_eq!(response.status, 401, "{response:?}");
    assert!(response.body.contains("error"), "{response:?}");
    assert!(response.set_cookies().is_empty());
    let response = app.send(TestRequest::get(routes::OPTIONAL)).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "anonymous")
    );
    // No cookie written; the page still depends on the (absent) session.
    assert_eq!(response.all("cache-control"), ["private"]);
}

/// A valid one-cookie session: claims served, nothing written, no cache headers added.
pub async fn valid_plain_session<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_claims_of(&response, EMAIL);
    assert!(response.set_cookies().is_empty());
    // A page for this user, not the no-store of a cookie write ([`super::caching`]).
    assert_eq!(response.all("cache-control"), ["private"]);
    let response = app
        .send(TestRequest::get(routes::OPTIONAL).cookies(&jar))
        .await;
    assert_eq!(response.body, EMAIL);
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 0);
}

/// A chunked session written by `@supabase/ssr` itself (its sign-in, run by Node).
pub async fn valid_chunked_session_written_by_js<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let node = NodeScripts::for_test();
    let stdin = serde_json::json!({
        "url": harness.auth.url(), "key": harness.auth.publishable_key(),
        "cases": [{ "encoding": "base64url", "email": BIG_EMAIL, "password": PASSWORD }],
    });
    // Node calls the Auth server, which runs on this runtime: wait for it off the runtime.
    let output = tokio::task::spawn_blocking(move || {
        node.run("cookie-interop.mjs", &["sign-in"], &stdin.to_string())
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"))
    .unwrap_or_else(|e| panic!("{e}"));
    let results: serde_json::Value = serde_json::from_str(&output).unwrap_or_default();
    let mut jar = BrowserJar::new();
    jar.apply(
        results[0]["set_cookies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(serde_json::Value::as_str),
    );
    assert!(
        jar.get(&format!("{KEY}.1")).is_some(),
        "chunked: {:?}",
        jar.names()
    );
    let app = make(harness.supabase());
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_claims_of(&response, BIG_EMAIL);
    assert!(response.set_cookies().is_empty());
}

/// A session inside the refresh margin is refreshed before the handler, which already sees the
/// new cookie; the response carries it with the no-store headers.
pub async fn expiring_session_is_refreshed_before_the_handler<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let mut jar = harness.jar_with_session(&supabase, EMAIL, 30);
    let old = jar.get(KEY).unwrap_or_default().to_owned();
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::COOKIE_HEADER).cookies(&jar))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_eq!(response.set_cookies().len(), 1, "{response:?}");
    assert_no_store(&response);
    jar.apply(response.set_cookies());
    let new = jar.get(KEY).unwrap_or_default();
    assert_ne!(new, old);
    assert!(
        response.body.contains(new),
        "the handler saw: {}",
        response.body
    );
    assert!(!response.body.contains(&old));
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 1);
}

/// The handler asks shared caches to store the response while a refresh writes a cookie:
/// no-store wins.
pub async fn no_store_wins_over_the_handlers_cache_control<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let app = make(supabase.clone());
    let response = app.send(TestRequest::get(routes::PUBLIC_CACHE)).await;
    assert_eq!(response.header("cache-control"), Some(PUBLIC_CACHE_CONTROL));
    let jar = harness.jar_with_session(&supabase, EMAIL, 30);
    let response = app
        .send(TestRequest::get(routes::PUBLIC_CACHE).cookies(&jar))
        .await;
    assert_eq!(response.status, 200);
    assert!(!response.set_cookies().is_empty());
    assert_no_store(&response);
}

/// The handler fails while a refresh happened: the new cookies still reach the browser.
pub async fn cookies_survive_an_error_response<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 30);
    let app = make(supabase);
    let response = app.send(TestRequest::get(routes::FAIL).cookies(&jar)).await;
    assert_eq!(response.status, 500, "{response:?}");
    assert_eq!(response.set_cookies().len(), 1, "{response:?}");
    assert_no_store(&response);
}

/// The server says the session is over (revoked): every chunk is deleted.
pub async fn terminal_refresh_error_deletes_every_chunk<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let mut jar = harness.jar_with_session(&supabase, BIG_EMAIL, -10);
    let chunks = jar.names().len();
    assert!(chunks >= 2, "{:?}", jar.names());
    for session in harness.auth.sessions(BIG_EMAIL) {
        harness
            .auth
            .revoke_session(&session)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_eq!(response.status, 401, "{response:?}");
    assert_eq!(response.deletions().len(), chunks, "{response:?}");
    assert_no_store(&response);
    jar.apply(response.set_cookies());
    assert!(jar.has_none_starting_with("sb-"));
}

/// The Auth server answers 503 to the refresh of an expired session: 503, nothing deleted, and
/// the next request after the outage refreshes.
pub async fn transient_refresh_error_deletes_nothing<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(500))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_eq!(response.status, 503, "{response:?}");
    assert!(response.set_cookies().is_empty(), "{response:?}");
    harness.auth.clear_faults();
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_claims_of(&response, EMAIL);
    assert_eq!(response.set_cookies().len(), 1);
}

/// The refresh hangs: the request still answers within the budget, deleting nothing.
pub async fn refresh_timeout_deletes_nothing<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(400))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::hang());
    let app = make(supabase);
    let started = std::time::Instant::now();
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(response.status, 503, "{response:?}");
    assert!(response.set_cookies().is_empty());
}

/// A session whose access token was altered: 401, and the cookies are left alone.
pub async fn tampered_signature_is_401_and_deletes_nothing<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let mut issued = harness
        .auth
        .mint_session(EMAIL, 3600)
        .unwrap_or_else(|e| panic!("{e}"));
    let token = issued.access_token.clone();
    let (rest, signature) = token.rsplit_once('.').unwrap_or_default();
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    issued.body["access_token"] = format!("{rest}.{flipped}{}", &signature[1..]).into();
    let session =
        supabase_ssr_core::Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
    let jar = super::harness::jar_holding(&supabase, &session);
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_eq!(response.status, 401, "{response:?}");
    assert!(response.set_cookies().is_empty(), "{response:?}");
}

/// Signing in from a handler sets the session cookie with the no-store headers.
pub async fn sign_in_in_a_handler_sets_cookies<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let app = make(harness.supabase());
    let body = serde_json::json!({ "email": EMAIL, "password": PASSWORD }).to_string();
    let response = app.send(TestRequest::post(routes::SIGN_IN, body)).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "signed in"),
        "{response:?}"
    );
    assert!(response.set_cookies()[0].starts_with(&format!("{KEY}=base64-")));
    assert_no_store(&response);
    let mut jar = BrowserJar::new();
    jar.apply(response.set_cookies());
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&jar))
        .await;
    assert_claims_of(&response, EMAIL);
    let wrong = serde_json::json!({ "email": EMAIL, "password": "nope" }).to_string();
    let response = app.send(TestRequest::post(routes::SIGN_IN, wrong)).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (400, "invalid_credentials")
    );
    assert!(response.set_cookies().is_empty());
}

/// Signing out deletes every chunk, host-only first then with the configured domain.
pub async fn sign_out_deletes_every_chunk_at_both_scopes<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let options = CookieOptions::default().with_domain("example.com");
    let supabase = harness
        .supabase_builder()
        .cookie_options(options)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let jar = harness.jar_with_session(&supabase, BIG_EMAIL, 3600);
    let chunks = jar.names().len();
    assert!(chunks >= 2);
    let app = make(supabase);
    let response = app
        .send(TestRequest::post(routes::SIGN_OUT, "").cookies(&jar))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    let deletions = response.deletions();
    assert_eq!(deletions.len(), chunks * 2, "{deletions:?}");
    let (host_only, scoped) = deletions.split_at(chunks);
    assert!(
        host_only.iter().all(|d| !d.contains("Domain=")),
        "{host_only:?}"
    );
    assert!(
        scoped.iter().all(|d| d.contains("Domain=example.com")),
        "{scoped:?}"
    );
    assert_no_store(&response);
}

/// 64 concurrent requests carrying the same expiring session make one `/token` call.
pub async fn concurrent_requests_share_one_refresh<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    harness.auth.set_fault(
        Endpoint::TokenRefresh,
        Fault::latency(Duration::from_millis(50)),
    );
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 20);
    let app = make(supabase);
    let requests = (0..64).map(|_| app.send(TestRequest::get(routes::CLAIMS).cookies(&jar)));
    let responses = futures_util::future::join_all(requests).await;
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 1);
    for response in &responses {
        assert_claims_of(response, EMAIL);
        assert_eq!(response.set_cookies(), responses[0].set_cookies());
    }
}

/// The session's chunks arrive on two `Cookie` header lines (as HTTP/2 may send them).
pub async fn two_cookie_header_lines<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, BIG_EMAIL, 3600);
    let header = jar.header();
    let (first, second) = header.split_once("; ").unwrap_or((&header, ""));
    let app = make(supabase);
    let request = TestRequest::get(routes::CLAIMS)
        .header("Cookie", first)
        .header("Cookie", second);
    assert_claims_of(&app.send(request).await, BIG_EMAIL);
}

/// A path the filter skips gets no auth work: no client, no refresh, no cookies.
pub async fn skipped_path_does_no_auth_work<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, -10);
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::STATIC_ASSET).cookies(&jar))
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "no client"),
        "{response:?}"
    );
    assert!(response.set_cookies().is_empty());
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 0);
}

/// A route the middleware did not handle is a programming error: the optional-claims extractor
/// answers `500` with the shared message (logged once) rather than `None`, which would serve
/// every user as anonymous. Even with a valid session cookie, no refresh is attempted.
pub async fn optional_claims_without_the_middleware_are_a_500<A: App>(make: fn(Supabase) -> A) {
    let answer = (500, supabase_ssr_core::proxy::MISSING_MIDDLEWARE);
    answers_without_the_middleware(make, routes::OPTIONAL_UNHANDLED, answer).await;
}

/// `Option<Authenticated>` on a route the middleware did not handle answers `None` in every
/// adapter (actix-web's, poem's and Rocket's `Option<T>` turn every failure into `None`, and
/// axum's answers the same so code behaves alike everywhere): the visitor is anonymous, no
/// session work is done, nothing is written. `MaybeAuthenticated` is the strict choice: see
/// [`optional_claims_without_the_middleware_are_a_500`].
pub async fn option_claims_without_the_middleware_are_none<A: App>(make: fn(Supabase) -> A) {
    let anonymous = super::handlers::optional_body(None);
    answers_without_the_middleware(make, routes::OPTION_UNHANDLED, (200, &anonymous)).await;
}

/// `path`, which the middleware skips, answers `answer` with or without a valid session
/// cookie, writes no cookie and refreshes nothing.
async fn answers_without_the_middleware<A: App>(
    make: fn(Supabase) -> A,
    path: &str,
    answer: (u16, &str),
) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    for request in [TestRequest::get(path), TestRequest::get(path).cookies(&jar)] {
        let response = app.send(request).await;
        assert_eq!(
            (response.status, response.body.as_str()),
            answer,
            "{response:?}"
        );
        assert!(response.set_cookies().is_empty(), "{response:?}");
    }
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 0);
}

/// The hostile input catalogue ([`super::hostile`]): every case answers promptly, never 500,
/// 401 on the protected route and `anonymous` on the open one, and a bad cookie next to a valid
/// session leaves it working; then a flood of 1,000 forged `kid`s makes at most one JWKS fetch,
/// and an Auth outage answers 503 at worst.
pub async fn hostile_input_catalogue<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let valid = harness.jar_with_session(&supabase, EMAIL, 3600).header();
    let cases = super::hostile::cases(&harness, &supabase, &valid);
    assert!(cases.len() >= 50, "{} cases", cases.len());
    let app = make(supabase.clone());
    let started = std::time::Instant::now();
    for case in &cases {
        super::hostile::run_case(&app, case).await;
    }
    // A fresh app, its key cache warmed by one valid request, meets the flood.
    let app = make(supabase.clone());
    let response = app
        .send(TestRequest::get(routes::CLAIMS).header("Cookie", valid.clone()))
        .await;
    assert_claims_of(&response, EMAIL);
    super::hostile::forged_kid_flood(&harness, &supabase, &app).await;
    super::hostile::outage_case(&harness, make).await;
    println!(
        "hostile input catalogue: {} cases, flood and outage in {:?}",
        cases.len(),
        started.elapsed()
    );
}
