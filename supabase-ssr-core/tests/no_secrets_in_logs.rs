//! Every log line the library writes while it signs in, refreshes, verifies, fails and signs
//! out is captured at TRACE level, and none holds a token or a cookie value.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use supabase_ssr_core::Supabase;
use supabase_ssr_core::auth::PasswordCredentials;
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::{Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_token_or_cookie_value_reaches_the_logs() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let email = "logs@example.com";
    let auth =
        LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(email, "password123")))
            .await
            .unwrap();
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .refresh_budget(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut secrets = Vec::new();

    // Sign in, verify, and keep everything the browser got.
    let client = supabase.client([]);
    let signed_in = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(email, "password123"))
        .await
        .unwrap();
    let session = signed_in.session.unwrap();
    secrets.push(session.access_token().to_owned());
    secrets.push(session.refresh_token().to_owned());
    let mut jar = BrowserJar::new();
    jar.apply(client.response_cookies().set_cookies());
    secrets.extend(jar.names().iter().map(|n| jar.get(n).unwrap().to_owned()));
    supabase
        .client([jar.header().as_str()])
        .auth()
        .get_claims()
        .await
        .unwrap();

    // A refresh that fails (503), then one that succeeds, then a terminal one.
    let expiring = auth.mint_session(email, -5).unwrap();
    secrets.push(expiring.access_token.clone());
    secrets.push(expiring.refresh_token.clone());
    let mut old = BrowserJar::new();
    let mut state =
        supabase_ssr_core::cookies::CookieState::new(Arc::new(supabase.config().clone()), []);
    state.set_session(&supabase_ssr_core::Session::from_value(expiring.body.clone()).unwrap());
    old.apply(state.response_cookies().set_cookies());
    auth.set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let _ = supabase
        .client([old.header().as_str()])
        .auth()
        .get_session()
        .await;
    auth.clear_faults();
    let refreshed = supabase.client([old.header().as_str()]);
    let new = refreshed.auth().get_session().await.unwrap().unwrap();
    secrets.push(new.access_token().to_owned());
    secrets.push(new.refresh_token().to_owned());
    auth.revoke_session(&expiring.session_id).unwrap();
    let mut revoked = auth.mint_session(email, -5).unwrap();
    auth.revoke_session(&revoked.session_id).unwrap();
    revoked.body["refresh_token"] = "revoked-refresh-token-value".into();
    secrets.push("revoked-refresh-token-value".to_owned());
    let mut state =
        supabase_ssr_core::cookies::CookieState::new(Arc::new(supabase.config().clone()), []);
    state.set_session(&supabase_ssr_core::Session::from_value(revoked.body).unwrap());
    let mut revoked_jar = BrowserJar::new();
    revoked_jar.apply(state.response_cookies().set_cookies());
    let _ = supabase
        .client([revoked_jar.header().as_str()])
        .auth()
        .get_session()
        .await;

    // A tampered token, an undecodable cookie, then sign-out.
    let tampered = format!("{}x", session.access_token());
    secrets.push(tampered.clone());
    let _ = supabase.client([]).auth().claims_for_token(&tampered).await;
    let garbage = "base64-not!valid!at!all";
    secrets.push(garbage.to_owned());
    let _ = supabase
        .client([format!("sb-127-auth-token={garbage}").as_str()])
        .auth()
        .get_session()
        .await;
    supabase
        .client([jar.header().as_str()])
        .auth()
        .sign_out()
        .await
        .unwrap();

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.lines().count() > 5,
        "the test must capture the library's logs:\n{logs}"
    );
    for secret in &secrets {
        assert!(secret.len() >= 12);
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the logs:\n{logs}"
        );
    }
}

#[test]
fn responses_over_the_cookie_size_budget_are_warned_about() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let config = supabase_ssr_core::Config::new("https://abcdefghijklmnop.supabase.co", "k")
        .unwrap()
        .with_cookie_size_budget(4096);
    let mut state = supabase_ssr_core::cookies::CookieState::new(Arc::new(config), []);
    state.set_item("sb-abcdefghijklmnop-auth-token", "x".repeat(2000));
    assert!(state.response_cookies().set_cookies().len() == 1);
    let quiet = capture.0.lock().unwrap().len();
    assert_eq!(quiet, 0, "a small response is not warned about");
    state.set_item("sb-abcdefghijklmnop-auth-token", "x".repeat(9000));
    state.response_cookies();
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("exceed the size budget"), "{logs}");
    assert!(!logs.contains("xxxxxxxx"), "the value is never logged");
}
