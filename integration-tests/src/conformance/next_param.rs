//! The way back from the login page
//! ([`SupabaseBuilder::login_next_param`](supabase_ssr_core::SupabaseBuilder::login_next_param)):
//! each adapter hands its client the request's target, so the `303` of a refused browser
//! navigation carries it, percent-encoded, to the login page (and to the MFA page); API clients
//! still get the `401` / `403` JSON, and without the option the pages get no parameter.

use supabase_ssr_core::Supabase;

use super::harness::{App, BROWSER_ACCEPT, EMAIL, Harness, JSON_ACCEPT, get_accepting};
use super::routes;
use crate::jar::BrowserJar;

/// A page target with a query that needs encoding in a query value (`&`, `=`, `%`).
fn claims_target() -> String {
    format!("{}?tab=2&q=a%20b", routes::CLAIMS)
}

/// With `login_next_param("next")`: the login page's `303` carries the path and query, the
/// MFA page's too; JSON requests get no `Location`.
pub async fn a_refused_navigation_carries_the_way_back<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase_with(|builder| {
        builder
            .login_path("/login?lang=en")
            .mfa_path("/mfa/challenge")
            .login_next_param("next")
    });
    harness.add_verified_factor();
    let aal1 = harness.jar_with_session(&supabase, EMAIL, 3600);
    let app = make(supabase);
    let empty = BrowserJar::new();

    let page = get_accepting(&app, &claims_target(), BROWSER_ACCEPT, &empty).await;
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(
        page.header("location"),
        Some("/login?lang=en&next=%2Fclaims%3Ftab%3D2%26q%3Da%2520b"),
        "{page:?}"
    );
    let api = get_accepting(&app, &claims_target(), JSON_ACCEPT, &empty).await;
    assert_eq!(api.status, 401, "{api:?}");
    assert_eq!(api.header("location"), None, "{api:?}");

    let step_up = get_accepting(&app, routes::STRICT_AAL2, BROWSER_ACCEPT, &aal1).await;
    assert_eq!(step_up.status, 303, "{step_up:?}");
    assert_eq!(
        step_up.header("location"),
        Some("/mfa/challenge?next=%2Faal2%2Fstrict"),
        "{step_up:?}"
    );
}

/// Without the option, the login page is exactly `login_path`.
pub async fn without_the_option_the_login_page_gets_no_parameter<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase_with(|builder| builder.login_path("/login"));
    let app = make(supabase);
    let page = get_accepting(&app, &claims_target(), BROWSER_ACCEPT, &BrowserJar::new()).await;
    assert_eq!(page.status, 303, "{page:?}");
    assert_eq!(page.header("location"), Some("/login"), "{page:?}");
}
