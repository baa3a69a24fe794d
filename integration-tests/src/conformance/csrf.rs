//! The CSRF guard in every middleware: unsafe-method requests a browser sends from another site
//! get `403` before any handler runs; same-origin forms, allow-listed origins, non-browser
//! clients and safe methods are served.
//!
//! These scenarios build their app with a chosen [`CsrfGuard`] (`make(supabase, guard)`), and
//! send an explicit `Host` so the `Origin` comparison does not depend on how each framework's
//! test client addresses the app.

use supabase_ssr_core::Supabase;
use supabase_ssr_core::proxy::CsrfGuard;

use super::harness::{App, EMAIL, Harness, PASSWORD, TestRequest, TestResponse};
use super::routes;
use crate::server::Endpoint;

/// The `Host` every request of these scenarios carries.
const HOST: &str = "app.test";
const REFUSED: &str = "cross-site request refused";

fn sign_in() -> TestRequest {
    sign_in_to(HOST)
}

/// A sign-in `POST` with the seeded user's credentials, to `Host: host`.
fn sign_in_to(host: &str) -> TestRequest {
    let credentials = serde_json::json!({ "email": EMAIL, "password": PASSWORD });
    TestRequest::post(routes::SIGN_IN, credentials.to_string()).header("Host", host)
}

#[track_caller]
fn assert_refused(response: &TestResponse) {
    assert_eq!(response.status, 403, "{response:?}");
    assert!(response.body.contains(REFUSED), "{response:?}");
    assert!(response.set_cookies().is_empty(), "{response:?}");
}

#[track_caller]
fn assert_signed_in(response: &TestResponse) {
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "signed in"),
        "{response:?}"
    );
    assert!(!response.set_cookies().is_empty(), "{response:?}");
}

/// Cross-site `POST`s (by `Sec-Fetch-Site`, or by an `Origin` that is not the host) are refused
/// with `403` in the client's format, and the sign-in handler never runs: no `/token` call, no
/// cookie. Paths the filter skips are guarded too.
pub async fn cross_site_posts_are_refused_before_the_handler<A: App>(
    make: fn(Supabase, CsrfGuard) -> A,
) {
    let harness = Harness::start().await;
    let app = make(harness.supabase(), CsrfGuard::default());

    let json = sign_in()
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://evil.test")
        .header("Accept", "application/json");
    let response = app.send(json).await;
    assert_refused(&response);
    assert_eq!(response.body, r#"{"error":"cross-site request refused"}"#);
    assert_eq!(response.header("content-type"), Some("application/json"));

    let page = sign_in()
        .header("Sec-Fetch-Site", "cross-site")
        .header("Accept", "text/html,application/xhtml+xml,*/*;q=0.8");
    let response = app.send(page).await;
    assert_refused(&response);
    assert_eq!(response.body, REFUSED);
    let content_type = response.header("content-type").unwrap_or_default();
    assert!(content_type.starts_with("text/plain"), "{response:?}");

    // A sibling subdomain is another origin.
    let sibling = sign_in()
        .header("Sec-Fetch-Site", "same-site")
        .header("Origin", "https://evil.app.test");
    assert_refused(&app.send(sibling).await);
    // Browsers from before `Sec-Fetch-Site`: the `Origin` must be the host.
    for origin in ["https://evil.test", "http://app.test:8080", "null"] {
        let response = app.send(sign_in().header("Origin", origin)).await;
        assert_refused(&response);
    }
    // The guard sees every request, static assets the path filter skips included.
    let asset = TestRequest::post(routes::STATIC_ASSET, "{}")
        .header("Host", HOST)
        .header("Sec-Fetch-Site", "cross-site");
    assert_refused(&app.send(asset).await);

    assert_eq!(harness.auth.count(Endpoint::TokenPassword), 0);
}

/// Same-origin forms, navigations typed by the user, an `Origin` naming the host (default port
/// or not) and clients that send no browser header at all are served.
pub async fn same_origin_and_non_browser_posts_are_served<A: App>(
    make: fn(Supabase, CsrfGuard) -> A,
) {
    let harness = Harness::start().await;
    let app = make(harness.supabase(), CsrfGuard::default());
    let requests = [
        sign_in()
            .header("Sec-Fetch-Site", "same-origin")
            .header("Origin", "http://app.test"),
        sign_in().header("Sec-Fetch-Site", "none"),
        sign_in().header("Origin", "http://app.test"),
        // Default ports are equal to none.
        sign_in_to("app.test:443").header("Origin", "https://app.test"),
        sign_in(),
    ];
    let mut served = 0;
    for request in requests {
        let response = app.send(request.clone()).await;
        assert_eq!(response.status, 200, "{request:?} → {response:?}");
        assert_signed_in(&response);
        served += 1;
    }
    assert_eq!(harness.auth.count(Endpoint::TokenPassword), served);
}

/// An origin on the allow-list is served whatever its `Sec-Fetch-Site`; others are not.
pub async fn allow_listed_origins_are_served<A: App>(make: fn(Supabase, CsrfGuard) -> A) {
    let harness = Harness::start().await;
    let guard = CsrfGuard::default()
        .allow_origin("https://partner.test")
        .unwrap_or_else(|e| panic!("{e}"));
    let app = make(harness.supabase(), guard);
    let partner = sign_in()
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://partner.test");
    assert_signed_in(&app.send(partner).await);
    let other = sign_in()
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://other.test");
    assert_refused(&app.send(other).await);
    assert_eq!(harness.auth.count(Endpoint::TokenPassword), 1);
}

/// `CsrfGuard::off()` serves cross-site posts; with the guard on, cross-site `GET`s are served.
pub async fn guard_off_and_safe_methods_are_served<A: App>(make: fn(Supabase, CsrfGuard) -> A) {
    let harness = Harness::start().await;
    let off = make(harness.supabase(), CsrfGuard::off());
    let cross_site = sign_in()
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://evil.test");
    assert_signed_in(&off.send(cross_site).await);

    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let on = make(supabase, CsrfGuard::default());
    let get = TestRequest::get(routes::OPTIONAL)
        .header("Host", HOST)
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://evil.test")
        .cookies(&jar);
    let response = on.send(get).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, EMAIL),
        "{response:?}"
    );
}
