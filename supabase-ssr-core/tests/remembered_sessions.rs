//! The session-cookie memory of the verified-claims cache: a cookie seen before is answered
//! without decoding it, but only that exact cookie, only while its session needs no refresh,
//! and never after the request changed the session.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use supabase_ssr_core::auth::AuthError;
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser};

mod forged;

const EMAIL: &str = "memo@example.com";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, "password123")))
        .await
        .unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap()
}

/// The `Cookie` header holding `session`, as a sign-in writes it.
fn cookie_of(supabase: &Supabase, session: &Session) -> String {
    let mut writer = CookieState::new(Arc::new(supabase.config().clone()), []);
    writer.set_session(session);
    let set_cookies = writer.response_cookies().into_set_cookies();
    assert_eq!(set_cookies.len(), 1, "one chunk");
    set_cookies[0].split(';').next().unwrap().to_owned()
}

fn session(auth: &LocalAuth, expires_in: i64) -> Session {
    Session::from_value(auth.mint_session(EMAIL, expires_in).unwrap().body).unwrap()
}

#[tokio::test]
async fn only_the_very_same_cookie_is_answered_from_memory() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let valid = session(&auth, 3600);
    let cookie = cookie_of(&supabase, &valid);
    let first = supabase.client([cookie.as_str()]);
    assert!(first.proxy().await.request_cookie_header.is_none());
    let claims = first.auth().get_claims().await.unwrap().unwrap();
    let again = supabase.client([cookie.as_str()]);
    assert!(again.proxy().await.request_cookie_header.is_none());
    let remembered = again.auth().get_claims().await.unwrap().unwrap();
    assert_eq!(remembered.sub(), claims.sub());
    assert!(again.response_cookies().is_empty());

    // The same session with a forged token: another cookie value, checked from scratch.
    let forged = forged::session_with_claim(&valid, "sub", "00000000-0000-0000-0000-000000000000");
    let forged_cookie = cookie_of(&supabase, &forged);
    let attacker = supabase.client([forged_cookie.as_str()]);
    let error = attacker.auth().get_claims().await.unwrap_err();
    assert!(matches!(error, AuthError::InvalidJwt(_)), "{error:?}");
}

#[tokio::test]
async fn a_remembered_session_is_refreshed_once_it_enters_the_margin() {
    let auth = server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .refresh_margin(Duration::from_secs(58))
        .build()
        .unwrap();
    let cookie = cookie_of(&supabase, &session(&auth, 60));
    let first = supabase.client([cookie.as_str()]);
    first.auth().get_claims().await.unwrap().unwrap();
    assert_eq!(auth.count(Endpoint::TokenRefresh), 0);
    // Two seconds on, the same cookie is within 58 s of its expiry: it must be refreshed,
    // not served from memory.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let later = supabase.client([cookie.as_str()]);
    assert!(later.proxy().await.request_cookie_header.is_some());
    later.auth().get_claims().await.unwrap().unwrap();
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    assert!(!later.response_cookies().is_empty());
}

#[tokio::test]
async fn after_signing_out_the_request_has_no_claims() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let cookie = cookie_of(&supabase, &session(&auth, 3600));
    supabase
        .client([cookie.as_str()])
        .auth()
        .get_claims()
        .await
        .unwrap()
        .unwrap();
    let request = supabase.client([cookie.as_str()]);
    request.proxy().await;
    assert!(request.auth().get_claims().await.unwrap().is_some());
    request.auth().sign_out().await.unwrap();
    assert!(request.auth().get_claims().await.unwrap().is_none());
}
