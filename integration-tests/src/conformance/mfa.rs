//! Routes that need a second factor ([`routes::AAL2`] with the adapter's `Aal2`,
//! [`routes::STRICT_AAL2`] with its `StrictAal2`): who passes, and what the others get. A
//! session that must step up is sent to the MFA page (`303`) when the request is a browser
//! navigation, else answered `403 {"error":"mfa_required"}`; no session gets what
//! `Authenticated` answers.

use serde_json::Value;
use supabase_ssr_core::{Session, Supabase};

use super::harness::{
    App, BROWSER_ACCEPT, EMAIL, Harness, JSON_ACCEPT, TestResponse, get_accepting, jar_holding,
};
use super::routes;
use crate::jar::BrowserJar;
use crate::server::{Endpoint, IssuedSession};

const LOGIN: &str = "/login";
const MFA: &str = "/mfa/challenge";

/// The handle with a login page and an MFA page.
fn supabase(harness: &Harness) -> Supabase {
    harness.supabase_with(|builder| builder.login_path(LOGIN).mfa_path(MFA))
}

/// A jar holding `issued` (its refresh token is one the logs must never hold).
fn jar_of(harness: &Harness, supabase: &Supabase, issued: IssuedSession) -> BrowserJar {
    harness.remember_secret(&issued.refresh_token);
    let session = Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
    jar_holding(supabase, &session)
}

/// A fresh `aal2` session of the seeded user, who must have a verified factor.
fn aal2_jar(harness: &Harness, supabase: &Supabase, expires_in: i64) -> BrowserJar {
    let issued = harness
        .auth
        .mint_aal2_session(EMAIL, expires_in)
        .unwrap_or_else(|e| panic!("{e}"));
    jar_of(harness, supabase, issued)
}

/// Both answers of a session that must step up at `route`: the browser navigation is sent to
/// the MFA page, the API request gets the JSON `403`.
async fn assert_steps_up<A: App>(app: &A, route: &str, jar: &BrowserJar) {
    let page = get_accepting(app, route, BROWSER_ACCEPT, jar).await;
    assert_eq!(page.status, 303, "{route}: {page:?}");
    assert_eq!(page.header("location"), Some(MFA), "{route}: {page:?}");
    let api = get_accepting(app, route, JSON_ACCEPT, jar).await;
    assert_eq!(api.status, 403, "{route}: {api:?}");
    assert!(
        api.header("content-type")
            .is_some_and(|t| t.starts_with(JSON_ACCEPT)),
        "{route}: {api:?}"
    );
    let body: Value = serde_json::from_str(&api.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        body,
        serde_json::json!({ "error": "mfa_required" }),
        "{route}"
    );
}

/// `route` answers `200` with claims at `aal`; the response (whose cookies a refresh may have
/// changed).
async fn assert_passes<A: App>(app: &A, route: &str, jar: &BrowserJar, aal: &str) -> TestResponse {
    let response = get_accepting(app, route, JSON_ACCEPT, jar).await;
    assert_eq!(response.status, 200, "{route}: {response:?}");
    let body: Value = serde_json::from_str(&response.body).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(body["aal"], aal, "{route}: {response:?}");
    assert!(
        body["sub"].as_str().is_some_and(|s| !s.is_empty()),
        "{body}"
    );
    response
}

/// An `aal1` session of a user with a verified factor steps up on both routes.
pub async fn aal1_with_a_verified_factor_must_step_up<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    harness.add_verified_factor();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    for route in [routes::AAL2, routes::STRICT_AAL2] {
        assert_steps_up(&app, route, &jar).await;
    }
    // Still signed in: the claims route serves the same session.
    let claims = get_accepting(&app, routes::CLAIMS, JSON_ACCEPT, &jar).await;
    assert_eq!(claims.status, 200, "{claims:?}");
}

/// An `aal2` session passes both routes, and asks the Auth server nothing to do so.
pub async fn aal2_sessions_pass<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    harness.add_verified_factor();
    let jar = aal2_jar(&harness, &supabase, 3600);
    let app = make(supabase);
    harness.auth.reset_counters();
    for route in [routes::AAL2, routes::STRICT_AAL2] {
        assert_passes(&app, route, &jar, "aal2").await;
        let page = get_accepting(&app, route, BROWSER_ACCEPT, &jar).await;
        assert_eq!(page.status, 200, "{route}: {page:?}");
    }
    assert_eq!(harness.auth.count(Endpoint::UserGet), 0);
}

/// A user without a verified factor: `Aal2` lets the `aal1` session through (auth-js's rule:
/// nothing to step up with), `StrictAal2` sends it to the MFA page (to enroll one). An
/// unverified factor changes nothing.
pub async fn aal1_without_a_factor_passes_aal2_only<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase.clone());
    assert_passes(&app, routes::AAL2, &jar, "aal1").await;
    assert_steps_up(&app, routes::STRICT_AAL2, &jar).await;
    // Enrolled but never verified: still no verified factor.
    let client = supabase.client([jar.header().as_str()]);
    client
        .auth()
        .mfa()
        .enroll(&supabase_ssr_core::auth::MfaEnroll::totp())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_passes(&app, routes::AAL2, &jar, "aal1").await;
}

/// No session: exactly what the claims route (`Authenticated`) answers, `303` to the login
/// page for browser navigations and `401` JSON otherwise.
pub async fn no_session_is_answered_as_by_authenticated<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    let app = make(supabase);
    let empty = BrowserJar::new();
    for accept in [BROWSER_ACCEPT, JSON_ACCEPT] {
        let expected = get_accepting(&app, routes::CLAIMS, accept, &empty).await;
        assert!(
            [303, 401].contains(&expected.status),
            "{accept}: {expected:?}"
        );
        for route in [routes::AAL2, routes::STRICT_AAL2] {
            let response = get_accepting(&app, route, accept, &empty).await;
            assert_eq!(response.status, expected.status, "{route} {accept}");
            assert_eq!(response.header("location"), expected.header("location"));
            assert_eq!(response.body, expected.body, "{route} {accept}");
        }
    }
    let page = get_accepting(&app, routes::AAL2, BROWSER_ACCEPT, &empty).await;
    assert_eq!(page.header("location"), Some(LOGIN), "{page:?}");
}

/// An expired `aal2` access token is refreshed by the middleware before the extractor runs, and
/// the refreshed session is still `aal2`: the route passes and the new cookies are sent.
pub async fn an_expired_aal2_token_refreshed_in_the_request_stays_aal2<A: App>(
    make: fn(Supabase) -> A,
) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    harness.add_verified_factor();
    let mut jar = aal2_jar(&harness, &supabase, -1);
    let app = make(supabase);
    harness.auth.reset_counters();
    let response = assert_passes(&app, routes::STRICT_AAL2, &jar, "aal2").await;
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 1);
    assert!(!response.set_cookies().is_empty(), "{response:?}");
    jar.apply(response.set_cookies());
    assert_passes(&app, routes::AAL2, &jar, "aal2").await;
    assert_eq!(harness.auth.count(Endpoint::TokenRefresh), 1);
}

/// Unenrolling the factor a session reached `aal2` with drops it to `aal1` (the core refreshes
/// the session after `unenroll`): with another verified factor left the routes ask to step up
/// again; with none left `Aal2` lets the session through and `StrictAal2` does not.
pub async fn unenrolling_a_factor_drops_the_session_to_aal1<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    let first = harness.add_verified_factor();
    let second = harness.add_verified_factor();
    let app = make(supabase.clone());
    let unenroll = |mut jar: BrowserJar, factor: String| {
        let supabase = supabase.clone();
        async move {
            let client = supabase.client([jar.header().as_str()]);
            client
                .auth()
                .mfa()
                .unenroll(&factor)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            jar.apply(client.response_cookies().set_cookies());
            jar
        }
    };

    // The session reached aal2 with the newest factor; another verified one remains.
    let jar = aal2_jar(&harness, &supabase, 3600);
    assert_passes(&app, routes::AAL2, &jar, "aal2").await;
    let jar = unenroll(jar, second).await;
    for route in [routes::AAL2, routes::STRICT_AAL2] {
        assert_steps_up(&app, route, &jar).await;
    }

    // The last factor goes: nothing left to step up with.
    let jar = aal2_jar(&harness, &supabase, 3600);
    assert_passes(&app, routes::STRICT_AAL2, &jar, "aal2").await;
    let jar = unenroll(jar, first).await;
    assert_passes(&app, routes::AAL2, &jar, "aal1").await;
    assert_steps_up(&app, routes::STRICT_AAL2, &jar).await;
}

/// The security difference with auth-js, which reads the user's factors from the session
/// cookie's user object: the browser writes that cookie, so a user who knows only the password
/// could delete `factors` from it (or empty the list) and pass. Here the factors come from the
/// Auth server, and such a cookie still steps up.
pub async fn a_cookie_without_its_factors_does_not_pass<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = supabase(&harness);
    harness.add_verified_factor();
    let app = make(supabase.clone());
    for forged in [None, Some(Value::Array(Vec::new()))] {
        let mut issued = harness
            .auth
            .mint_session(EMAIL, 3600)
            .unwrap_or_else(|e| panic!("{e}"));
        let user = issued.body["user"]
            .as_object_mut()
            .unwrap_or_else(|| panic!("a session carries its user"));
        assert!(user.get("factors").is_some_and(Value::is_array), "{user:?}");
        match forged {
            None => {
                user.remove("factors");
            }
            Some(factors) => {
                user.insert("factors".to_owned(), factors);
            }
        }
        let jar = jar_of(&harness, &supabase, issued);
        assert_steps_up(&app, routes::AAL2, &jar).await;
    }
}
