//! Sign-out in one process: cookies copied before `POST` to the sign-out route (global scope)
//! are refused by the same app afterwards — `401` (a `303` to the login page for a browser
//! navigation), anonymous on the open route, their cookies deleted — and so is another session
//! of the user signed in before; a session signed in after the sign-out works.

use std::time::Duration;

use supabase_ssr_core::Supabase;

use super::harness::{
    App, BROWSER_ACCEPT, Harness, TestRequest, TestResponse, get_accepting, sign_in_through,
};
use super::routes;
use crate::jar::BrowserJar;

async fn claims<A: App>(app: &A, jar: &BrowserJar) -> TestResponse {
    app.send(TestRequest::get(routes::CLAIMS).cookies(jar))
        .await
}

fn assert_refused(response: &TestResponse, what: &str) {
    assert_eq!(response.status, 401, "{what}: {response:?}");
    assert!(
        !response.deletions().is_empty(),
        "{what}: the session is over, its cookies go: {response:?}"
    );
}

/// Copied cookies after a sign-out through the app: refused, like another earlier session of
/// the user; a later sign-in works.
pub async fn copied_cookies_are_refused_after_signing_out<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase_with(|builder| builder.login_path("/login"));
    let app = make(supabase);
    let browser = sign_in_through(&app).await;
    let other_device = sign_in_through(&app).await;
    // Both verified (and their claims cached) before the sign-out.
    for jar in [&browser, &other_device] {
        assert_eq!(claims(&app, jar).await.status, 200);
    }
    let copied = browser.clone();
    // `iat` has whole seconds, and tokens issued in the second of a global sign-out are spared
    // (a sign-in right after it must work): the earlier sessions must be a second older.
    tokio::time::sleep(Duration::from_millis(1100)).await;

    let mut browser = browser;
    let response = app
        .send(TestRequest::post(routes::SIGN_OUT, "").cookies(&browser))
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "signed out")
    );
    browser.apply(response.set_cookies());
    assert!(browser.has_none_starting_with("sb-"), "{browser:?}");

    assert_refused(&claims(&app, &copied).await, "the copied cookies");
    let page = get_accepting(&app, routes::CLAIMS, BROWSER_ACCEPT, &copied).await;
    assert_eq!(page.status, 303, "{page:?}");
    assert!(
        page.header("location")
            .is_some_and(|l| l.starts_with("/login")),
        "{page:?}"
    );
    let open = app
        .send(TestRequest::get(routes::OPTIONAL).cookies(&copied))
        .await;
    assert_eq!((open.status, open.body.as_str()), (200, "anonymous"));
    assert_refused(
        &claims(&app, &other_device).await,
        "another earlier session",
    );

    let later = sign_in_through(&app).await;
    let response = claims(&app, &later).await;
    assert_eq!(
        response.status, 200,
        "a sign-in after the sign-out: {response:?}"
    );
}
