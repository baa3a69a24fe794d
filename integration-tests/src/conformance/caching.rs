//! Caching headers: a response rendered from the user's session that writes no cookie is
//! `Cache-Control: private` with `Vary: Cookie`; one that writes cookies is no-store; one that
//! read nothing is left alone.

use supabase_ssr_core::Supabase;

use super::handlers::{OWN_CACHE_CONTROL, OWN_VARY, PUBLIC_CACHE_CONTROL};
use super::harness::{App, EMAIL, Harness, PASSWORD, TestRequest};
use super::routes;

const NO_STORE: &str = "private, no-cache, no-store, must-revalidate, max-age=0";

/// Reading claims (required or optional, signed in or not) makes the response private and
/// varying on `Cookie`.
pub async fn reading_claims_makes_the_response_private<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    for request in [
        TestRequest::get(routes::CLAIMS).cookies(&jar),
        TestRequest::get(routes::OPTIONAL).cookies(&jar),
        TestRequest::get(routes::OPTIONAL),
        TestRequest::get(routes::CLAIMS),
    ] {
        let response = app.send(request).await;
        assert!(response.set_cookies().is_empty(), "{response:?}");
        assert_eq!(response.all("cache-control"), ["private"], "{response:?}");
        assert_eq!(response.all("vary"), ["Cookie"], "{response:?}");
    }
}

/// A handler that read the claims and chose its own `Cache-Control` keeps it; its `Vary` gets
/// `Cookie` added.
pub async fn the_handlers_cache_control_is_kept_and_vary_merged<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::CLAIMS_OWN_CACHE).cookies(&jar))
        .await;
    assert_eq!(response.body, EMAIL, "{response:?}");
    assert_eq!(response.all("cache-control"), [OWN_CACHE_CONTROL]);
    assert_eq!(response.all("vary"), [format!("{OWN_VARY}, Cookie")]);
}

/// A handler that read nothing gets no header, even though the middleware read the session.
pub async fn a_handler_that_reads_nothing_gets_no_cache_headers<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    let response = app
        .send(TestRequest::get(routes::COOKIE_HEADER).cookies(&jar))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert!(response.header("cache-control").is_none(), "{response:?}");
    assert!(response.header("vary").is_none(), "{response:?}");
    let response = app
        .send(TestRequest::get(routes::PUBLIC_CACHE).cookies(&jar))
        .await;
    assert_eq!(response.all("cache-control"), [PUBLIC_CACHE_CONTROL]);
    assert!(response.header("vary").is_none(), "{response:?}");
}

/// Signing in writes cookies: the no-store headers, as before.
pub async fn signing_in_is_still_no_store<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let app = make(harness.supabase());
    let credentials = serde_json::json!({ "email": EMAIL, "password": PASSWORD });
    let response = app
        .send(TestRequest::post(routes::SIGN_IN, credentials.to_string()))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
    assert!(!response.set_cookies().is_empty());
    assert_eq!(response.all("cache-control"), [NO_STORE], "{response:?}");
    assert_eq!(response.header("expires"), Some("0"));
    assert_eq!(response.header("pragma"), Some("no-cache"));
}
