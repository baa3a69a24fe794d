//! Sessions created by a real sign-in cross between the two libraries: cookies written by our
//! `sign_in_with_password` work in `@supabase/ssr`'s `createServerClient` (`getUser()` against
//! the local Auth server), and cookies written by the JS library's sign-in work in ours,
//! including a refresh of an expiring session whose new cookies the JS library then reads.
//!
//! `aal2` sessions cross too: one stepped up by our `mfa().verify` is read by the JS library's
//! `getClaims`, and one stepped up by the JS library's `mfa.verify` passes our step-up check.
//! For the same cookies, `mfa().authenticator_assurance_level()` answers what auth-js's
//! `mfa.getAuthenticatorAssuranceLevel()` answers, with and without a session.
//!
//! Tokens-only cookies (`cookies.encode = "tokens-only"`, `CookieContents::TokensOnly`) cross
//! both ways as well, read back with `get_user`/`get_claims` and `getUser`/`getClaims`.
//!
//! Needs Node.js 20+ and npm; without them the test fails and says how to install them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use supabase_ssr_core::Supabase;
use supabase_ssr_core::auth::{Aal, MfaEnroll, PasswordCredentials};
use supabase_ssr_core::cookies::{CookieContents, CookieEncoding, CookieState};
use supabase_ssr_core::proxy::Aal2Policy;
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::node::NodeScripts;
use supabase_ssr_testing::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser, totp_code};

const EMAIL: &str = "interop@example.com";
const PASSWORD: &str = "password123";

fn run(auth: &LocalAuth, mode: &str, cases: &[Value]) -> Vec<Value> {
    let node = NodeScripts::for_test();
    let stdin = json!({ "url": auth.url(), "key": auth.publishable_key(), "cases": cases });
    let output = node
        .run("cookie-interop.mjs", &[mode], &stdin.to_string())
        .unwrap();
    serde_json::from_str(&output).unwrap()
}

fn encoding_name(encoding: CookieEncoding) -> &'static str {
    match encoding {
        CookieEncoding::Base64Url => "base64url",
        CookieEncoding::Raw => "raw",
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_ins_work_across_the_two_libraries() {
    let auth = LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap();
    for encoding in [CookieEncoding::Base64Url, CookieEncoding::Raw] {
        let supabase = Supabase::builder(auth.url(), auth.publishable_key())
            .encoding(encoding)
            .build()
            .unwrap();

        // Rust signs in; the JS library uses the cookies.
        let client = supabase.client([]);
        client
            .auth()
            .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
            .await
            .unwrap();
        let mut rust_jar = BrowserJar::new();
        rust_jar.apply(client.response_cookies().set_cookies());
        let results = run(
            &auth,
            "get-user",
            &[json!({ "encoding": encoding_name(encoding), "cookie_header": rust_jar.header() })],
        );
        assert_eq!(results[0]["email"], EMAIL, "{encoding:?}");

        // The JS library signs in; Rust uses the cookies.
        let results = run(
            &auth,
            "sign-in",
            &[json!({ "encoding": encoding_name(encoding), "email": EMAIL, "password": PASSWORD })],
        );
        let mut js_jar = BrowserJar::new();
        js_jar.apply(
            results[0]["set_cookies"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap()),
        );
        let user = supabase
            .client([js_jar.header().as_str()])
            .auth()
            .get_user()
            .await
            .unwrap();
        assert_eq!(user.email(), Some(EMAIL));
    }

    // A session expiring soon, written by JS, is refreshed by Rust; JS reads the new cookies.
    auth.update_settings(|s| s.access_token_ttl = std::time::Duration::from_secs(60));
    let results = run(
        &auth,
        "sign-in",
        &[json!({ "encoding": "base64url", "email": EMAIL, "password": PASSWORD })],
    );
    let mut jar = BrowserJar::new();
    jar.apply(
        results[0]["set_cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap()),
    );
    let before = auth.count(Endpoint::TokenRefresh);
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let client = supabase.client([jar.header().as_str()]);
    assert!(client.auth().get_session().await.unwrap().is_some());
    assert_eq!(auth.count(Endpoint::TokenRefresh), before + 1);
    jar.apply(client.response_cookies().set_cookies());
    let results = run(
        &auth,
        "get-user",
        &[json!({ "encoding": "base64url", "cookie_header": jar.header() })],
    );
    assert_eq!(results[0]["email"], EMAIL);
}

/// The Set-Cookie values a script reported, applied to a new jar.
fn jar_from(result: &Value) -> BrowserJar {
    let mut jar = BrowserJar::new();
    jar.apply(
        result["set_cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap()),
    );
    jar
}

#[tokio::test(flavor = "multi_thread")]
async fn aal2_sessions_work_across_the_two_libraries() {
    const RUST_USER: &str = "mfa-rust@example.com";
    const JS_USER: &str = "mfa-js@example.com";
    let auth = LocalAuth::start(
        LocalAuthOptions::default()
            .user(SeedUser::new(RUST_USER, PASSWORD))
            .user(SeedUser::new(JS_USER, PASSWORD)),
    )
    .await
    .unwrap();
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();

    // Rust signs in, enrolls TOTP and verifies a code; @supabase/ssr's getClaims reads aal2.
    let client = supabase.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(RUST_USER, PASSWORD))
        .await
        .unwrap();
    let mut jar = BrowserJar::new();
    jar.apply(client.response_cookies().set_cookies());
    let client = supabase.client([jar.header().as_str()]);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    let session = mfa
        .challenge_and_verify(&factor.id, &totp_code(&secret))
        .await
        .unwrap();
    jar.apply(client.response_cookies().set_cookies());
    let results = run(
        &auth,
        "get-claims",
        &[json!({ "encoding": "base64url", "cookie_header": jar.header() })],
    );
    assert_eq!(results[0]["aal"], "aal2");
    assert_eq!(results[0]["sub"], session.user().unwrap().id());
    assert_eq!(results[0]["set_cookies"], json!([]), "nothing to rewrite");

    // @supabase/ssr signs in and steps up with mfa.verify; the core's strict step-up rule lets
    // the session through (after refusing the same user's aal1 session from a plain sign-in).
    let (factor_id, secret) = auth.add_verified_totp_factor(JS_USER).unwrap();
    let results = run(
        &auth,
        "sign-in",
        &[json!({ "encoding": "base64url", "email": JS_USER, "password": PASSWORD })],
    );
    let aal1 = jar_from(&results[0]);
    let refused = supabase
        .client([aal1.header().as_str()])
        .require_aal2(Some("application/json"), Aal2Policy::Strict)
        .await
        .unwrap_err();
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body, r#"{"error":"mfa_required"}"#);
    let results = run(
        &auth,
        "sign-in-mfa",
        &[json!({
            "encoding": "base64url", "email": JS_USER, "password": PASSWORD,
            "factor_id": factor_id, "code": totp_code(&secret),
        })],
    );
    assert_eq!(results[0]["aal"], "aal2", "auth-js's own report");
    let jar = jar_from(&results[0]);
    let client = supabase.client([jar.header().as_str()]);
    let claims = client
        .require_aal2(Some("application/json"), Aal2Policy::Strict)
        .await
        .unwrap();
    assert_eq!(claims.aal(), Some("aal2"));
    let level = client
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal2));
    assert_eq!(level.next_level, Some(Aal::Aal2));
    assert!(
        client.response_cookies().is_empty(),
        "the JS session is used as written"
    );
}

/// Our assurance level in auth-js's shape (`currentLevel`, `nextLevel`,
/// `currentAuthenticationMethods`).
async fn rust_level(supabase: &Supabase, cookie_header: &str) -> Value {
    let client = supabase.client([cookie_header]);
    let level = client
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    json!({
        "currentLevel": level.current_level,
        "nextLevel": level.next_level,
        "currentAuthenticationMethods": level.current_authentication_methods,
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn assurance_levels_match_auth_js_for_the_same_cookies() {
    const PLAIN: &str = "aal-plain@example.com";
    const ENROLLED: &str = "aal-enrolled@example.com";
    const LATE: &str = "aal-late@example.com";
    let auth = LocalAuth::start(
        LocalAuthOptions::default()
            .user(SeedUser::new(PLAIN, PASSWORD))
            .user(SeedUser::new(ENROLLED, PASSWORD))
            .user(SeedUser::new(LATE, PASSWORD)),
    )
    .await
    .unwrap();
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let sign_in = |email: &'static str| {
        let supabase = supabase.clone();
        async move {
            let client = supabase.client([]);
            client
                .auth()
                .sign_in_with_password(&PasswordCredentials::email(email, PASSWORD))
                .await
                .unwrap();
            let mut jar = BrowserJar::new();
            jar.apply(client.response_cookies().set_cookies());
            jar
        }
    };

    // A factor verified before the sign-in is on the session's user: next level aal2.
    let (factor_id, secret) = auth.add_verified_totp_factor(ENROLLED).unwrap();
    let enrolled = sign_in(ENROLLED).await;
    // Stepped up: the token says aal2 and lists both methods.
    let mut stepped_up = enrolled.clone();
    let client = supabase.client([stepped_up.header().as_str()]);
    client
        .auth()
        .mfa()
        .challenge_and_verify(&factor_id, &totp_code(&secret))
        .await
        .unwrap();
    stepped_up.apply(client.response_cookies().set_cookies());
    // A factor verified after the sign-in is not on the cookie's user yet: both libraries read
    // the stored user, so both still say aal1 next (use the step-up rule to decide access).
    let late = sign_in(LATE).await;
    auth.add_verified_totp_factor(LATE).unwrap();

    let cases = [
        ("no session", String::new()),
        ("aal1 without a factor", sign_in(PLAIN).await.header()),
        ("aal1 with a verified factor", enrolled.header()),
        ("aal2", stepped_up.header()),
        ("factor verified after sign-in", late.header()),
    ];
    let inputs: Vec<Value> = cases
        .iter()
        .map(|(_, header)| json!({ "encoding": "base64url", "cookie_header": header }))
        .collect();
    let results = run(&auth, "aal", &inputs);
    for ((label, header), js) in cases.iter().zip(&results) {
        assert_eq!(rust_level(&supabase, header).await, js["level"], "{label}");
        assert_eq!(js["set_cookies"], json!([]), "{label}: nothing to rewrite");
    }
    assert_eq!(results[0]["level"]["currentLevel"], Value::Null);
    assert_eq!(results[1]["level"]["nextLevel"], "aal1");
    assert_eq!(results[2]["level"]["nextLevel"], "aal2");
    assert_eq!(results[3]["level"]["currentLevel"], "aal2");
    let methods = results[3]["level"]["currentAuthenticationMethods"]
        .as_array()
        .unwrap();
    assert_eq!(methods.len(), 2, "password, then totp: {methods:?}");
    assert_eq!(results[4]["level"]["nextLevel"], "aal1");
}

/// The session item a jar holds, decoded (chunks joined).
fn stored_session_json(auth: &LocalAuth, jar: &BrowserJar) -> String {
    let config = supabase_ssr_core::Config::new(&auth.url(), auth.publishable_key()).unwrap();
    let key = config.storage_key().to_owned();
    let state = CookieState::new(std::sync::Arc::new(config), [jar.header().as_str()]);
    state.get_item(&key).unwrap().into_owned()
}

/// `cookies.encode = "tokens-only"` against the local Auth server: a tokens-only cookie written
/// by `@supabase/ssr`'s sign-in is read by this crate (whatever its own setting): the session's
/// tokens without a user, the user from `get_user`, the verified claims from `get_claims`; a
/// tokens-only cookie written by this crate's sign-in is read by `@supabase/ssr` (`getSession`
/// with the same tokens and no readable user, `getUser`, `getClaims`).
#[tokio::test(flavor = "multi_thread")]
async fn tokens_only_sessions_work_across_the_two_libraries() {
    let auth = LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap();
    let full = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let tokens_only = Supabase::builder(auth.url(), auth.publishable_key())
        .cookie_contents(CookieContents::TokensOnly)
        .build()
        .unwrap();

    // @supabase/ssr signs in with tokens-only cookies; Rust reads them in both modes.
    let results = run(
        &auth,
        "sign-in",
        &[json!({
            "encoding": "base64url", "email": EMAIL, "password": PASSWORD, "contents": "tokens-only",
        })],
    );
    let js_jar = jar_from(&results[0]);
    let js_session = stored_session_json(&auth, &js_jar);
    assert!(js_session.contains("\"access_token\""));
    assert!(!js_session.contains("\"user\""), "{js_session}");
    for supabase in [&tokens_only, &full] {
        let client = supabase.client([js_jar.header().as_str()]);
        let session = client.auth().get_session().await.unwrap().unwrap();
        assert_eq!(session.as_json(), js_session);
        assert!(session.user().is_none());
        let user = client.auth().get_user().await.unwrap();
        assert_eq!(user.email(), Some(EMAIL));
        let claims = client.auth().get_claims().await.unwrap().unwrap();
        assert_eq!(claims.sub(), Some(user.id()));
        assert!(client.response_cookies().is_empty(), "nothing to rewrite");
    }

    // Rust signs in with tokens-only cookies; the JS library reads them in both modes.
    let client = tokens_only.client([]);
    let signed_in = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    let signed_in = signed_in.session.unwrap();
    // In the request that signed in, the session keeps its user (auth-js's userStorage).
    let same_request = client.auth().get_session().await.unwrap().unwrap();
    assert_eq!(same_request.user().unwrap().email(), Some(EMAIL));
    let mut rust_jar = BrowserJar::new();
    rust_jar.apply(client.response_cookies().set_cookies());
    let rust_session = stored_session_json(&auth, &rust_jar);
    assert_eq!(rust_session, signed_in.without_user().as_json());
    assert!(!rust_session.contains("\"user\""), "{rust_session}");
    let user_id = signed_in.user().unwrap().id().to_owned();
    for contents in [json!("tokens-only"), Value::Null] {
        let case = json!({
            "encoding": "base64url", "cookie_header": rust_jar.header(), "contents": contents,
        });
        let session = run(&auth, "get-session", std::slice::from_ref(&case));
        assert_eq!(
            session[0]["tokens_json"].as_str(),
            Some(rust_session.as_str())
        );
        assert_eq!(session[0]["user_available"], false, "{contents}");
        let user = run(&auth, "get-user", std::slice::from_ref(&case));
        assert_eq!(user[0]["email"], EMAIL, "{contents}");
        let claims = run(&auth, "get-claims", &[case]);
        assert_eq!(claims[0]["sub"], user_id.as_str(), "{contents}");
        assert_eq!(claims[0]["set_cookies"], json!([]), "{contents}");
    }
}

/// A tokens-only session refreshed by Rust stays tokens-only, and the JS library reads it.
#[tokio::test(flavor = "multi_thread")]
async fn tokens_only_sessions_refreshed_by_rust_are_read_by_javascript() {
    let auth = LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap();
    let tokens_only = Supabase::builder(auth.url(), auth.publishable_key())
        .cookie_contents(CookieContents::TokensOnly)
        .build()
        .unwrap();
    auth.update_settings(|s| s.access_token_ttl = std::time::Duration::from_secs(60));
    let client = tokens_only.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    let mut jar = BrowserJar::new();
    jar.apply(client.response_cookies().set_cookies());
    let before = auth.count(Endpoint::TokenRefresh);
    let client = tokens_only.client([jar.header().as_str()]);
    let refreshed = client.auth().get_session().await.unwrap().unwrap();
    assert_eq!(auth.count(Endpoint::TokenRefresh), before + 1);
    assert_eq!(
        refreshed.user().unwrap().email(),
        Some(EMAIL),
        "same request"
    );
    jar.apply(client.response_cookies().set_cookies());
    let stored = stored_session_json(&auth, &jar);
    assert_eq!(stored, refreshed.without_user().as_json());
    let results = run(
        &auth,
        "get-session",
        &[
            json!({ "encoding": "base64url", "cookie_header": jar.header(), "contents": "tokens-only" }),
        ],
    );
    // The refreshed access token lives 60 s, inside the JS library's margin too: it refreshes
    // again with the refresh token Rust stored, and writes a tokens-only cookie in turn.
    // Like ours, the session it refreshed in this request has its user.
    assert!(results[0]["tokens_json"].is_string(), "{}", results[0]);
    assert_eq!(results[0]["user_available"], true);
    assert_eq!(results[0]["email"], EMAIL);
    let mut js_jar = BrowserJar::new();
    js_jar.apply(
        results[0]["set_cookies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap()),
    );
    let js_refreshed = stored_session_json(&auth, &js_jar);
    assert_eq!(
        results[0]["tokens_json"].as_str(),
        Some(js_refreshed.as_str())
    );
    assert!(!js_refreshed.contains("\"user\""), "{js_refreshed}");
    assert_eq!(auth.count(Endpoint::TokenRefresh), before + 2);
}
