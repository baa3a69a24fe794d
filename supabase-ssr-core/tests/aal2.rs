//! `SupabaseClient::require_aal2` against the local Auth server: who passes under each
//! `Aal2Policy`, and what the others get.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use base64::Engine as _;
use serde_json::Value;
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::proxy::{Aal2Policy, Rejection};
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::{Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "demo@example.com";
const HTML: Option<&str> = Some("text/html,application/xhtml+xml,*/*;q=0.8");
const JSON: Option<&str> = Some("application/json");

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, "password123")))
        .await
        .unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .login_path("/login")
        .mfa_path("/mfa/challenge")
        .build()
        .unwrap()
}

/// The `Cookie` header of a browser holding `session`.
fn cookie_header(supabase: &Supabase, session: &Session) -> String {
    let mut writer = CookieState::new(Arc::new(supabase.config().clone()), []);
    writer.set_session(session);
    let mut jar = BrowserJar::new();
    jar.apply(writer.response_cookies().set_cookies());
    jar.header()
}

fn payload(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A session minted by the server, its access token re-signed with `aal` (the server's key, the
/// server's session: `GET /user` accepts it).
fn session_at(auth: &LocalAuth, aal: &str) -> Session {
    let issued = auth.mint_session(EMAIL, 3600).unwrap();
    let mut claims = payload(&issued.access_token);
    claims["aal"] = aal.into();
    let mut body = issued.body;
    body["access_token"] = auth.sign_jwt(&claims).unwrap().into();
    Session::from_value(body).unwrap()
}

async fn require(
    supabase: &Supabase,
    session: &Session,
    accept: Option<&str>,
    policy: Aal2Policy,
) -> Result<String, Rejection> {
    let header = cookie_header(supabase, session);
    let client = supabase.client([header.as_str()]);
    client
        .require_aal2(accept, policy)
        .await
        .map(|claims| claims.aal().unwrap_or_default().to_owned())
}

fn assert_mfa_required(rejection: &Rejection, accept: Option<&str>) {
    if accept == HTML {
        assert_eq!(rejection.status, 303);
        assert_eq!(
            rejection.headers,
            vec![("Location", "/mfa/challenge".to_owned())]
        );
    } else {
        assert_eq!(rejection.status, 403);
        assert_eq!(rejection.body, r#"{"error":"mfa_required"}"#);
    }
}

#[tokio::test]
async fn an_aal2_session_passes_both_policies_without_an_auth_call() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let session = session_at(&auth, "aal2");
    for policy in [Aal2Policy::NextLevel, Aal2Policy::Strict] {
        let aal = require(&supabase, &session, HTML, policy).await.unwrap();
        assert_eq!(aal, "aal2");
    }
    assert_eq!(auth.count(Endpoint::UserGet), 0);
}

#[tokio::test]
async fn an_aal1_user_without_a_factor_passes_next_level_and_steps_up_under_strict() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let session = session_at(&auth, "aal1");
    let aal = require(&supabase, &session, JSON, Aal2Policy::NextLevel)
        .await
        .unwrap();
    assert_eq!(aal, "aal1");
    // The factors come from the Auth server, once.
    assert_eq!(auth.count(Endpoint::UserGet), 1);
    for accept in [HTML, JSON] {
        let rejection = require(&supabase, &session, accept, Aal2Policy::Strict)
            .await
            .unwrap_err();
        assert_mfa_required(&rejection, accept);
    }
    assert_eq!(auth.count(Endpoint::UserGet), 1, "Strict asks no one");
}

#[tokio::test]
async fn no_session_gets_what_require_claims_answers() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    for policy in [Aal2Policy::NextLevel, Aal2Policy::Strict] {
        for accept in [HTML, JSON] {
            let expected = client.require_claims(accept).await.unwrap_err();
            let rejection = client.require_aal2(accept, policy).await.unwrap_err();
            assert_eq!(rejection, expected);
        }
    }
    let page = client.require_aal2(HTML, Aal2Policy::Strict).await;
    assert_eq!(
        page.unwrap_err().headers,
        vec![("Location", "/login".to_owned())]
    );
}

#[tokio::test]
async fn an_auth_outage_while_reading_the_factors_is_a_503_never_a_pass() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let session = session_at(&auth, "aal1");
    auth.set_fault(Endpoint::UserGet, Fault::status(503));
    let rejection = require(&supabase, &session, HTML, Aal2Policy::NextLevel)
        .await
        .unwrap_err();
    assert_eq!(rejection.status, 503);
    assert!(rejection.headers.contains(&("Retry-After", "1".to_owned())));
}

#[tokio::test]
async fn a_session_the_server_revoked_is_answered_like_no_session() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let session = session_at(&auth, "aal1");
    let session_id = payload(session.access_token())["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    auth.revoke_session(&session_id).unwrap();
    let page = require(&supabase, &session, HTML, Aal2Policy::NextLevel)
        .await
        .unwrap_err();
    assert_eq!(page.status, 303);
    assert_eq!(page.headers, vec![("Location", "/login".to_owned())]);
    let api = require(&supabase, &session, JSON, Aal2Policy::NextLevel)
        .await
        .unwrap_err();
    assert_eq!(api.status, 401);
}

#[tokio::test]
async fn an_aal1_user_with_a_verified_factor_must_step_up_under_both_policies() {
    let auth = server().await;
    let supabase = supabase(&auth);
    auth.add_verified_totp_factor(EMAIL).unwrap();
    let session = Session::from_value(auth.mint_session(EMAIL, 3600).unwrap().body).unwrap();
    for policy in [Aal2Policy::NextLevel, Aal2Policy::Strict] {
        for accept in [HTML, JSON] {
            let rejection = require(&supabase, &session, accept, policy)
                .await
                .unwrap_err();
            assert_mfa_required(&rejection, accept);
        }
    }
    let aal2 = Session::from_value(auth.mint_aal2_session(EMAIL, 3600).unwrap().body).unwrap();
    for policy in [Aal2Policy::NextLevel, Aal2Policy::Strict] {
        assert_eq!(
            require(&supabase, &aal2, HTML, policy).await.unwrap(),
            "aal2"
        );
    }
}

/// auth-js decides from the session cookie's user object, which the browser controls: a user
/// who knows only the password could delete `factors` from their own cookie and pass. The
/// factors come from the Auth server here.
#[tokio::test]
async fn a_cookie_whose_user_object_lacks_the_factors_still_steps_up() {
    let auth = server().await;
    let supabase = supabase(&auth);
    auth.add_verified_totp_factor(EMAIL).unwrap();
    let mut body = auth.mint_session(EMAIL, 3600).unwrap().body;
    assert!(
        body["user"]["factors"].is_array(),
        "the server lists the factor on the session's user"
    );
    for forged in [None, Some(serde_json::json!([]))] {
        match forged {
            None => {
                body["user"].as_object_mut().unwrap().remove("factors");
            }
            Some(factors) => body["user"]["factors"] = factors,
        }
        let session = Session::from_value(body.clone()).unwrap();
        for accept in [HTML, JSON] {
            let rejection = require(&supabase, &session, accept, Aal2Policy::NextLevel)
                .await
                .unwrap_err();
            assert_mfa_required(&rejection, accept);
        }
    }
}
