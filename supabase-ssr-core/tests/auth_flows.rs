//! The Auth client end to end against the local Auth server: every sign-in flow, sessions,
//! sign-out, and the refresh rules (single flight, reuse window, transient vs terminal errors).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use supabase_ssr_core::auth::{
    AuthError, FLOW_ID_PARAM, OAuthSignIn, OtpSignIn, OtpType, PasswordCredentials, SignOutScope,
    SignUp, UserAttributes, VerifyOtp,
};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Session, Supabase, SupabaseClient};
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::{Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "demo@example.com";
const PASSWORD: &str = "password123";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap()
}

/// The session cookie name for the local server (`sb-127-auth-token`).
const KEY: &str = "sb-127-auth-token";

/// One request: a client built from the jar's cookies, whose response cookies go back into the
/// jar when `finish` is called.
struct Request {
    client: SupabaseClient,
}

impl Request {
    fn new(supabase: &Supabase, jar: &BrowserJar) -> Self {
        let header = jar.header();
        Self {
            client: supabase.client([header.as_str()]),
        }
    }

    fn finish(self, jar: &mut BrowserJar) -> Vec<String> {
        let cookies = self.client.response_cookies();
        jar.apply(cookies.set_cookies());
        cookies.into_set_cookies()
    }
}

/// A jar holding `session`, written the way a sign-in writes it.
fn jar_holding(supabase: &Supabase, session: &Session) -> BrowserJar {
    let mut writer = CookieState::new(Arc::new(supabase.config().clone()), []);
    writer.set_session(session);
    let mut jar = BrowserJar::new();
    jar.apply(writer.response_cookies().set_cookies());
    jar
}

/// A jar holding a session minted by the server, expiring in `expires_in` seconds.
fn jar_with_session(auth: &LocalAuth, supabase: &Supabase, expires_in: i64) -> BrowserJar {
    let issued = auth.mint_session(EMAIL, expires_in).unwrap();
    jar_holding(supabase, &Session::from_value(issued.body).unwrap())
}

#[tokio::test]
async fn password_sign_in_writes_the_session_cookie() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = BrowserJar::new();
    let request = Request::new(&supabase, &jar);
    let response = request
        .client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    assert_eq!(response.user.unwrap().email(), Some(EMAIL));
    let written = request.finish(&mut jar);
    assert_eq!(written.len(), 1);
    assert!(written[0].starts_with(&format!("{KEY}=base64-")));
    let cookies = supabase.client([jar.header().as_str()]);
    let session = cookies.auth().get_session().await.unwrap().unwrap();
    assert_eq!(session.user().unwrap().email(), Some(EMAIL));
}

#[tokio::test]
async fn a_wrong_password_is_invalid_credentials_and_writes_nothing() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    let err = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, "nope"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("invalid_credentials"));
    assert_eq!(err.status(), Some(400));
    assert!(!err.is_transient());
    assert!(client.response_cookies().is_empty());
}

#[tokio::test]
async fn sign_up_confirmed_at_once_signs_in() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    let response = client
        .auth()
        .sign_up(&SignUp::email("new@example.com", "password123"))
        .await
        .unwrap();
    assert!(response.session.is_some());
    let cookies = client.response_cookies();
    assert!(
        cookies
            .set_cookies()
            .iter()
            .any(|c| c.starts_with(&format!("{KEY}=")))
    );
}

#[tokio::test]
async fn sign_up_needing_confirmation_returns_the_user_and_keeps_the_pkce_verifier() {
    let auth = server().await;
    auth.update_settings(|s| s.autoconfirm = false);
    let supabase = supabase(&auth);
    let mut jar = BrowserJar::new();
    let request = Request::new(&supabase, &jar);
    let mut sign_up = SignUp::email("new@example.com", "password123");
    sign_up.email_redirect_to = Some("http://localhost:3000/auth/confirm".into());
    let response = request.client.auth().sign_up(&sign_up).await.unwrap();
    assert!(response.session.is_none());
    assert_eq!(response.user.unwrap().email(), Some("new@example.com"));
    request.finish(&mut jar);
    assert!(jar.get(&format!("{KEY}-code-verifier")).is_some());
    assert!(jar.get(&format!("{KEY}-flows-code-verifier")).is_some());
    // The confirmation link's token hash signs the user in.
    let message = auth.last_message_to("new@example.com").unwrap();
    let request = Request::new(&supabase, &jar);
    let verified = request
        .client
        .auth()
        .verify_otp(&VerifyOtp::TokenHash {
            token_hash: message.token_hash,
            otp_type: OtpType::Signup,
        })
        .await
        .unwrap();
    assert!(verified.session.is_some());
    request.finish(&mut jar);
    assert!(jar.get(KEY).is_some());
}

#[tokio::test]
async fn anonymous_sign_in_creates_an_anonymous_session() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    let response = client
        .auth()
        .sign_in_anonymously(serde_json::Map::new(), None)
        .await
        .unwrap();
    assert!(response.user.unwrap().is_anonymous());
    assert!(!client.response_cookies().is_empty());
}

#[tokio::test]
async fn magic_link_code_and_token_hash_both_sign_in() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    client
        .auth()
        .sign_in_with_otp(&OtpSignIn::email(EMAIL))
        .await
        .unwrap();
    assert_eq!(auth.count(Endpoint::Otp), 1);
    let message = auth.last_message_to(EMAIL).unwrap();
    let verified = client
        .auth()
        .verify_otp(&VerifyOtp::Code {
            identifier: supabase_ssr_core::auth::Identifier::Email(EMAIL.into()),
            token: message.otp.clone(),
            otp_type: OtpType::Email,
            redirect_to: None,
        })
        .await
        .unwrap();
    assert!(verified.session.is_some());

    let other = supabase.client([]);
    other
        .auth()
        .sign_in_with_otp(&OtpSignIn::email(EMAIL))
        .await
        .unwrap();
    let message = auth.last_message_to(EMAIL).unwrap();
    let expired = other
        .auth()
        .verify_otp(&VerifyOtp::TokenHash {
            token_hash: "not-a-real-hash".into(),
            otp_type: OtpType::Email,
        })
        .await
        .unwrap_err();
    assert_eq!(expired.code(), Some("otp_expired"));
    other
        .auth()
        .verify_otp(&VerifyOtp::TokenHash {
            token_hash: message.token_hash,
            otp_type: OtpType::Email,
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn oauth_with_pkce_round_trips_through_the_test_provider() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = BrowserJar::new();
    let request = Request::new(&supabase, &jar);
    let mut oauth = OAuthSignIn::new("github");
    oauth.redirect_to = Some("http://localhost:3000/auth/callback?next=/private".into());
    oauth.scopes = Some("repo read:user".into());
    oauth.query_params = vec![("prompt".into(), "consent".into())];
    let redirect = request.client.auth().sign_in_with_oauth(&oauth).unwrap();
    assert!(redirect.url.starts_with(&format!(
        "{}/authorize?provider=github&redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fauth%2Fcallback%3Fnext%3D%2Fprivate&scopes=repo%20read%3Auser&code_challenge=",
        auth.auth_url()
    )));
    assert!(
        redirect
            .url
            .ends_with("&code_challenge_method=s256&prompt=consent")
    );
    request.finish(&mut jar);

    // The browser follows the provider, which redirects back with a code.
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&redirect.url)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();

    let request = Request::new(&supabase, &jar);
    let exchanged = request
        .client
        .auth()
        .exchange_code_for_session(&code, None)
        .await
        .unwrap();
    assert!(exchanged.session.is_some());
    request.finish(&mut jar);
    // An OAuth user (identities, provider metadata) may need a chunked cookie.
    assert!(
        jar.get(KEY)
            .or_else(|| jar.get(&format!("{KEY}.0")))
            .is_some()
    );
    assert!(jar.get(&format!("{KEY}-code-verifier")).is_none());
}

/// Follows the sign-in URL to the test provider: the `Location` it redirects back to.
async fn provider_redirect(sign_in_url: &str) -> url::Url {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(sign_in_url)
        .send()
        .await
        .unwrap();
    url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap()
}

fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn verifier_cookies(jar: &BrowserJar) -> Vec<String> {
    let names = jar.names().into_iter();
    names
        .filter(|n| n.ends_with("-code-verifier"))
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_flow_id_on_the_redirect_lets_the_callback_remove_every_verifier_cookie() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let callback = "http://localhost:3000/auth/callback?next=%2Fprivate";
    for pass_flow_id in [true, false] {
        let mut jar = BrowserJar::new();
        let request = Request::new(&supabase, &jar);
        let mut oauth = OAuthSignIn::new("github");
        oauth.redirect_to = Some(callback.into());
        oauth.append_flow_id_to_redirect = true;
        let redirect = request.client.auth().sign_in_with_oauth(&oauth).unwrap();
        request.finish(&mut jar);
        let authorize = url::Url::parse(&redirect.url).unwrap();
        assert_eq!(
            query_value(&authorize, "redirect_to").unwrap(),
            format!("{callback}&{FLOW_ID_PARAM}={}", redirect.flow_id)
        );
        assert_eq!(verifier_cookies(&jar).len(), 3, "{:?}", jar.names());

        let back = provider_redirect(&redirect.url).await;
        let code = query_value(&back, "code").unwrap();
        let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
        assert_eq!(flow_id, redirect.flow_id);
        let request = Request::new(&supabase, &jar);
        let flow_id = pass_flow_id.then_some(flow_id.as_str());
        let exchanged = request
            .client
            .auth()
            .exchange_code_for_session(&code, flow_id)
            .await
            .unwrap();
        assert!(exchanged.session.is_some());
        request.finish(&mut jar);
        // An OAuth user (identities, provider metadata) may need a chunked cookie.
        assert!(
            jar.get(KEY)
                .or_else(|| jar.get(&format!("{KEY}.0")))
                .is_some()
        );
        if pass_flow_id {
            assert_eq!(verifier_cookies(&jar), Vec::<String>::new());
        } else {
            // As in auth-js: only the fixed slot goes; the flow's slot and the index stay.
            assert_eq!(verifier_cookies(&jar).len(), 2, "{:?}", jar.names());
        }
    }
}

#[tokio::test]
async fn a_tampered_flow_id_finds_no_verifier_and_makes_no_request() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = BrowserJar::new();
    let request = Request::new(&supabase, &jar);
    let mut oauth = OAuthSignIn::new("github");
    oauth.redirect_to = Some("http://localhost:3000/auth/callback".into());
    oauth.append_flow_id_to_redirect = true;
    let redirect = request.client.auth().sign_in_with_oauth(&oauth).unwrap();
    request.finish(&mut jar);
    let code = query_value(&provider_redirect(&redirect.url).await, "code").unwrap();
    let request = Request::new(&supabase, &jar);
    let other_flow = "0123456789abcdef0123456789abcdef";
    for flow_id in ["../../x", "a b", "short", other_flow] {
        let result = request
            .client
            .auth()
            .exchange_code_for_session(&code, Some(flow_id))
            .await;
        assert_eq!(result.unwrap_err(), AuthError::PkceVerifierMissing);
    }
    assert_eq!(auth.count(Endpoint::TokenPkce), 0);
}

#[tokio::test]
async fn a_code_exchange_without_verifier_makes_no_request() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    let err = client
        .auth()
        .exchange_code_for_session("some-code", None)
        .await
        .unwrap_err();
    assert_eq!(err, AuthError::PkceVerifierMissing);
    assert_eq!(auth.count(Endpoint::TokenPkce), 0);
}

#[tokio::test]
async fn password_recovery_and_update_user() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = jar_with_session(&auth, &supabase, 3600);
    let request = Request::new(&supabase, &jar);
    request
        .client
        .auth()
        .reset_password_for_email(EMAIL, Some("http://localhost:3000/update-password"), None)
        .await
        .unwrap();
    assert_eq!(auth.count(Endpoint::Recover), 1);
    let mut data = serde_json::Map::new();
    data.insert("theme".into(), "dark".into());
    let user = request
        .client
        .auth()
        .update_user(&UserAttributes::default().with_data(data), None)
        .await
        .unwrap();
    assert_eq!(user.user_metadata().unwrap()["theme"], "dark");
    request.finish(&mut jar);
    let session = supabase
        .client([jar.header().as_str()])
        .auth()
        .get_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        session.user().unwrap().user_metadata().unwrap()["theme"],
        "dark"
    );
}

#[tokio::test]
async fn get_user_asks_the_server() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, 3600);
    let user = supabase
        .client([jar.header().as_str()])
        .auth()
        .get_user()
        .await
        .unwrap();
    assert_eq!(user.email(), Some(EMAIL));
    assert_eq!(auth.count(Endpoint::UserGet), 1);
    let none = supabase.client([]).auth().get_user().await.unwrap_err();
    assert_eq!(none, AuthError::SessionMissing);
}

#[tokio::test]
async fn sign_out_scopes() {
    let auth = server().await;
    let supabase = supabase(&auth);
    for (scope, cleared) in [
        (SignOutScope::Global, true),
        (SignOutScope::Local, true),
        (SignOutScope::Others, false),
    ] {
        let mut jar = jar_with_session(&auth, &supabase, 3600);
        let request = Request::new(&supabase, &jar);
        request
            .client
            .auth()
            .sign_out_with_scope(scope)
            .await
            .unwrap();
        request.finish(&mut jar);
        assert_eq!(jar.has_none_starting_with("sb-"), cleared, "{scope:?}");
    }
    assert_eq!(auth.count(Endpoint::Logout), 3);
}

#[tokio::test]
async fn sign_out_clears_cookies_even_when_the_server_fails() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = jar_with_session(&auth, &supabase, 3600);
    auth.set_fault(Endpoint::Logout, Fault::status(503));
    let request = Request::new(&supabase, &jar);
    let err = request
        .client
        .auth()
        .sign_out_with_scope(SignOutScope::Global)
        .await
        .unwrap_err();
    assert!(err.is_transient());
    request.finish(&mut jar);
    assert!(jar.has_none_starting_with("sb-"));
}

#[tokio::test]
async fn a_valid_session_is_not_refreshed() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, 1800);
    for _ in 0..50 {
        let client = supabase.client([jar.header().as_str()]);
        assert!(client.auth().get_session().await.unwrap().is_some());
        assert!(client.response_cookies().is_empty());
    }
    assert_eq!(auth.count(Endpoint::TokenRefresh), 0);
}

#[tokio::test]
async fn a_session_inside_the_margin_is_refreshed_and_rewritten() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = jar_with_session(&auth, &supabase, 60);
    let before = jar.get(KEY).unwrap().to_owned();
    let request = Request::new(&supabase, &jar);
    let session = request.client.auth().get_session().await.unwrap().unwrap();
    assert!(session.expires_at().unwrap() > auth.now_secs() + 3000);
    // The rest of the request sees the new session.
    let header = request.client.request_cookie_header().unwrap();
    assert!(!header.contains(&before));
    let written = request.finish(&mut jar);
    assert_eq!(written.len(), 1);
    assert_ne!(jar.get(KEY).unwrap(), before);
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_four_concurrent_requests_share_one_refresh() {
    let auth = server().await;
    auth.set_fault(
        Endpoint::TokenRefresh,
        Fault::latency(Duration::from_millis(100)),
    );
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, -10);
    let header = jar.header();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let supabase = supabase.clone();
            let header = header.clone();
            tokio::spawn(async move {
                let client = supabase.client([header.as_str()]);
                client.auth().get_session().await.unwrap().unwrap();
                client.response_cookies().into_set_cookies()
            })
        })
        .collect();
    let mut responses = Vec::new();
    for task in tasks {
        responses.push(task.await.unwrap());
    }
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    assert!(
        responses.iter().all(|r| r == &responses[0]),
        "identical cookies"
    );
    assert!(!responses[0].is_empty());

    // A straggler with the old cookie, inside the reuse window: no second call.
    let late = supabase.client([header.as_str()]);
    late.auth().get_session().await.unwrap().unwrap();
    assert_eq!(late.response_cookies().into_set_cookies(), responses[0]);
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
}

#[tokio::test]
async fn transient_refresh_failures_keep_the_cookies() {
    let auth = server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .refresh_budget(Duration::from_millis(700))
        .request_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let faults = [
        Fault::status(500),
        Fault::status(502),
        Fault::status(503),
        Fault::status(429),
        Fault::status(409),
        Fault::not_json(200),
        Fault::drop_connection(),
        Fault::hang(),
    ];
    for fault in faults {
        let label = format!("{fault:?}");
        auth.set_fault(Endpoint::TokenRefresh, fault);
        // Expired: the error comes back and nothing is deleted.
        let jar = jar_with_session(&auth, &supabase, -10);
        let client = supabase.client([jar.header().as_str()]);
        let started = Instant::now();
        let err = client.auth().get_session().await.unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{label} took too long"
        );
        assert!(err.is_transient(), "{label}: {err:?}");
        assert!(
            client.response_cookies().is_empty(),
            "{label} deleted cookies"
        );
        // Still valid (inside the margin): the stored session is used.
        let jar = jar_with_session(&auth, &supabase, 60);
        let client = supabase.client([jar.header().as_str()]);
        assert!(
            client.auth().get_session().await.unwrap().is_some(),
            "{label}"
        );
        assert!(client.response_cookies().is_empty(), "{label}");
        auth.clear_faults();
    }
    // Once the fault clears, the next request refreshes.
    let jar = jar_with_session(&auth, &supabase, -10);
    let client = supabase.client([jar.header().as_str()]);
    assert!(client.auth().get_session().await.unwrap().is_some());
    assert!(!client.response_cookies().is_empty());
}

#[tokio::test]
async fn terminal_refresh_errors_delete_every_auth_cookie() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = jar_with_session(&auth, &supabase, -10);
    // A pending PKCE flow goes too.
    let request = Request::new(&supabase, &jar);
    request
        .client
        .auth()
        .sign_in_with_oauth(&OAuthSignIn::new("github"))
        .unwrap();
    request.finish(&mut jar);
    let issued = auth.sessions(EMAIL);
    auth.revoke_session(issued.last().unwrap()).unwrap();

    let request = Request::new(&supabase, &jar);
    assert!(request.client.auth().get_session().await.unwrap().is_none());
    request.finish(&mut jar);
    assert!(jar.has_none_starting_with("sb-"), "{:?}", jar.names());
}

#[tokio::test]
async fn an_empty_refresh_token_is_a_typed_error_not_a_panic() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut issued = auth.mint_session(EMAIL, -10).unwrap();
    issued.body["refresh_token"] = "".into();
    let jar = jar_holding(&supabase, &Session::from_value(issued.body).unwrap());
    let client = supabase.client([jar.header().as_str()]);
    assert!(client.auth().get_session().await.unwrap().is_none());
    assert_eq!(
        client.auth().refresh_session().await.unwrap_err(),
        AuthError::SessionMissing
    );
    assert_eq!(auth.count(Endpoint::TokenRefresh), 0);
}

#[tokio::test]
async fn set_session_checks_a_valid_token_and_refreshes_an_expired_one() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let valid = auth.mint_session(EMAIL, 3600).unwrap();
    let client = supabase.client([]);
    let session = client
        .auth()
        .set_session(&valid.access_token, &valid.refresh_token)
        .await
        .unwrap();
    assert_eq!(session.refresh_token(), valid.refresh_token);
    assert_eq!(session.expires_at(), Some(valid.expires_at));
    assert_eq!(auth.count(Endpoint::UserGet), 1);
    assert!(!client.response_cookies().is_empty());

    let expired = auth.mint_session(EMAIL, -5).unwrap();
    let client = supabase.client([]);
    let session = client
        .auth()
        .set_session(&expired.access_token, &expired.refresh_token)
        .await
        .unwrap();
    assert_ne!(session.refresh_token(), expired.refresh_token);
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    let bad = client
        .auth()
        .set_session("not-a-jwt", "r")
        .await
        .unwrap_err();
    assert!(matches!(bad, AuthError::InvalidJwt(_)));
}

#[tokio::test]
async fn the_proxy_step_refreshes_and_rewrites_the_request_cookie_header() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, 30);
    let header = format!("theme=dark; {}", jar.header());
    let client = supabase.client([header.as_str()]);
    let outcome = client.proxy().await;
    assert_eq!(outcome.status, supabase_ssr_core::SessionStatus::Present);
    let rewritten = outcome.request_cookie_header.unwrap();
    assert!(rewritten.starts_with("theme=dark; "));
    // Code after the middleware reads the new session from the rewritten header, no refresh.
    let downstream = supabase.client([rewritten.as_str()]);
    assert!(downstream.auth().get_session().await.unwrap().is_some());
    assert!(downstream.response_cookies().is_empty());
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);

    let signed_out = supabase.client(["theme=dark"]).proxy().await;
    assert_eq!(
        signed_out.status,
        supabase_ssr_core::SessionStatus::SignedOut
    );
    assert_eq!(signed_out.request_cookie_header, None);
}

#[tokio::test]
async fn get_claims_verifies_locally_and_caches() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, 3600);
    for _ in 0..20 {
        let client = supabase.client([jar.header().as_str()]);
        let claims = client.auth().get_claims().await.unwrap().unwrap();
        assert_eq!(claims.email(), Some(EMAIL));
        assert_eq!(claims.role(), Some("authenticated"));
        assert_eq!(claims.issuer(), auth.auth_url());
    }
    assert_eq!(auth.count(Endpoint::Jwks), 1);
    assert_eq!(auth.count(Endpoint::UserGet), 0);
    assert!(
        supabase
            .client([])
            .auth()
            .get_claims()
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn get_claims_refreshes_an_expiring_session_first() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, -30);
    let client = supabase.client([jar.header().as_str()]);
    let claims = client.auth().get_claims().await.unwrap().unwrap();
    assert!(claims.expires_at() > u64::try_from(auth.now_secs()).unwrap() + 3000);
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    assert!(!client.response_cookies().is_empty());
}

#[tokio::test]
async fn key_rotation_mid_run_needs_at_most_one_refetch() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let old = jar_with_session(&auth, &supabase, 3600);
    let client = supabase.client([old.header().as_str()]);
    client.auth().get_claims().await.unwrap().unwrap();
    auth.rotate_key(supabase_ssr_testing::KeyAlgorithm::Es256)
        .unwrap();
    let new = jar_with_session(&auth, &supabase, 3600);
    for _ in 0..5 {
        let client = supabase.client([new.header().as_str()]);
        client.auth().get_claims().await.unwrap().unwrap();
    }
    assert_eq!(auth.count(Endpoint::Jwks), 2);
}

#[tokio::test]
async fn a_tampered_session_is_rejected_and_its_cookies_kept() {
    let auth = server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .login_path("/login")
        .build()
        .unwrap();
    let issued = auth.mint_session(EMAIL, 3600).unwrap();
    // Same header and signature, claims changed to another user.
    let mut parts: Vec<String> = issued.access_token.split('.').map(str::to_owned).collect();
    let forged_claims = serde_json::json!({
        "sub": "someone-else", "email": "admin@example.com", "role": "service_role",
        "aud": "authenticated", "exp": 4_102_444_800_u64, "iss": auth.auth_url(),
    });
    parts[1] = base64_url(&forged_claims.to_string());
    let mut body = issued.body.clone();
    body["access_token"] = parts.join(".").into();
    let jar = jar_holding(&supabase, &Session::from_value(body).unwrap());
    let client = supabase.client([jar.header().as_str()]);
    let err = client.auth().get_claims().await.unwrap_err();
    assert!(matches!(err, AuthError::InvalidJwt(_)), "{err:?}");
    let rejection = client
        .require_claims(Some("application/json"))
        .await
        .unwrap_err();
    assert_eq!(rejection.status, 401);
    let page = client.require_claims(Some("text/html")).await.unwrap_err();
    assert_eq!(page.status, 303);
    assert!(client.response_cookies().is_empty(), "nothing deleted");
}

fn base64_url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test]
async fn a_session_refreshed_in_this_request_is_not_refreshed_again() {
    // Access tokens living 5 s are always inside the 90 s margin: the middleware's refresh
    // must serve the handler's get_claims too.
    let auth = server().await;
    auth.update_settings(|s| s.access_token_ttl = Duration::from_secs(5));
    let supabase = supabase(&auth);
    let jar = jar_with_session(&auth, &supabase, -1);
    let client = supabase.client([jar.header().as_str()]);
    client.proxy().await;
    client.auth().get_claims().await.unwrap().unwrap();
    client.auth().get_session().await.unwrap().unwrap();
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
}
