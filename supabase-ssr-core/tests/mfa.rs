//! `client.auth().mfa()` end to end against the local Auth server: enroll, challenge, verify
//! (and the cookies it writes), unenroll, the factor list, the assurance level, and the
//! server's error codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use supabase_ssr_core::auth::{
    Aal, AssuranceLevel, AuthError, MfaChannel, MfaEnroll, PasswordCredentials,
};
use supabase_ssr_core::cookies::{CookieContents, CookieState};
use supabase_ssr_core::{Session, Supabase, SupabaseClient};
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::{Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser, totp_code};

const EMAIL: &str = "demo@example.com";
const BIG: &str = "big@example.com";
const PASSWORD: &str = "password123";
/// The session cookie name for the local server.
const KEY: &str = "sb-127-auth-token";

async fn server() -> LocalAuth {
    // A user whose metadata makes every session of theirs span two cookies.
    let metadata = serde_json::json!({ "bio": "x".repeat(1000) });
    let options = LocalAuthOptions::default()
        .user(SeedUser::new(EMAIL, PASSWORD))
        .user(SeedUser::new(BIG, PASSWORD).user_metadata(metadata));
    LocalAuth::start(options).await.unwrap()
}

fn supabase(auth: &LocalAuth) -> Supabase {
    Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap()
}

/// A jar holding `session`, written the way a sign-in writes it.
fn jar_holding(supabase: &Supabase, session: &Session) -> BrowserJar {
    let mut writer = CookieState::new(Arc::new(supabase.config().clone()), []);
    writer.set_session(session);
    let mut jar = BrowserJar::new();
    jar.apply(writer.response_cookies().set_cookies());
    jar
}

/// A jar signed in with the password (an `aal1` session issued now, so its stored user has the
/// factors the user has now).
async fn signed_in(supabase: &Supabase, email: &str) -> BrowserJar {
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

/// The client of one request from `jar`.
fn request(supabase: &Supabase, jar: &BrowserJar) -> SupabaseClient {
    supabase.client([jar.header().as_str()])
}

/// The verified `aal` claim of the session in `jar`.
async fn aal_of(supabase: &Supabase, jar: &BrowserJar) -> Option<String> {
    let claims = request(supabase, jar).auth().get_claims().await.unwrap()?;
    claims.aal().map(str::to_owned)
}

/// Enrolls a TOTP factor and verifies its first code: the jar then holds an `aal2` session.
async fn enroll_verified(supabase: &Supabase, jar: &mut BrowserJar) -> (String, String) {
    let client = request(supabase, jar);
    let factor = client
        .auth()
        .mfa()
        .enroll(&MfaEnroll::totp())
        .await
        .unwrap();
    let secret = factor.totp.unwrap().secret;
    client
        .auth()
        .mfa()
        .challenge_and_verify(&factor.id, &totp_code(&secret))
        .await
        .unwrap();
    jar.apply(client.response_cookies().set_cookies());
    (factor.id, secret)
}

#[tokio::test]
async fn enroll_totp_answers_the_secret_its_uri_and_the_qr_code() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let enroll = MfaEnroll::totp()
        .issuer("Example Co")
        .friendly_name("Phone app");
    let factor = client.auth().mfa().enroll(&enroll).await.unwrap();
    assert!(!factor.id.is_empty());
    assert_eq!(factor.factor_type, "totp");
    assert_eq!(factor.friendly_name.as_deref(), Some("Phone app"));
    let totp = factor.totp.as_ref().expect("a TOTP factor has its setup");
    assert!(
        totp.secret.len() >= 16
            && totp
                .secret
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)),
        "base32 secret"
    );
    assert!(totp.uri.starts_with("otpauth://totp/"), "{}", totp.uri);
    assert!(totp.uri.contains(&format!("secret={}", totp.secret)));
    assert!(totp.uri.contains("issuer=Example"));
    assert!(
        totp.qr_code.contains("<svg"),
        "the server's SVG as it sent it"
    );
    assert!(
        totp.qr_code_data_url()
            .starts_with("data:image/svg+xml;utf-8,")
    );
    let debug = format!("{factor:?}");
    assert!(
        !debug.contains(&totp.secret),
        "Debug shows no secret: {debug}"
    );
    // Enrolling does not touch the session.
    assert!(client.response_cookies().is_empty());
    // An unverified factor is listed in `all` only, and does not raise the next level.
    let factors = client.auth().mfa().list_factors().await.unwrap();
    assert_eq!(factors.all.len(), 1);
    assert_eq!(factors.all[0].status, "unverified");
    assert!(factors.totp.is_empty());
}

#[tokio::test]
async fn verify_steps_the_session_up_to_aal2_and_verifies_the_factor() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = signed_in(&supabase, EMAIL).await;
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal1"));
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    let challenge = mfa.challenge(&factor.id, None).await.unwrap();
    assert_eq!(challenge.factor_type, "totp");
    assert!(challenge.expires_at.is_some_and(|at| at > auth.now_secs()));
    let session = mfa
        .verify(&factor.id, &challenge.id, &totp_code(&secret))
        .await
        .unwrap();
    // The answer is the session that was stored.
    jar.apply(client.response_cookies().set_cookies());
    let stored = request(&supabase, &jar)
        .auth()
        .get_session()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.access_token(), session.access_token());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal2"));
    let client = request(&supabase, &jar);
    let factors = client.auth().mfa().list_factors().await.unwrap();
    assert_eq!(factors.totp.len(), 1);
    assert_eq!(factors.totp[0].id, factor.id);
    assert!(factors.totp[0].is_verified());
    let user = client.auth().get_user().await.unwrap();
    assert_eq!(user.factors().len(), 1);
}

#[tokio::test]
async fn verify_writes_chunks_no_store_and_removes_stale_chunks() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = signed_in(&supabase, BIG).await;
    // The stored session carries more than the server will send back (a provider token), so
    // it spans more cookies than the aal2 session that replaces it.
    let stored = request(&supabase, &jar)
        .auth()
        .get_session()
        .await
        .unwrap()
        .unwrap();
    let mut fields = stored.fields().clone();
    fields.insert("provider_token".into(), "p".repeat(8000).into());
    let jar = jar_holding(&supabase, &Session::from_value(fields.into()).unwrap());
    let before = jar.names();
    assert!(before.len() >= 4, "{before:?}");
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    mfa.challenge_and_verify(&factor.id, &totp_code(&secret))
        .await
        .unwrap();
    let response = client.response_cookies();
    let written: Vec<&String> = response
        .set_cookies()
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .collect();
    let removed: Vec<&String> = response
        .set_cookies()
        .iter()
        .filter(|c| c.contains("Max-Age=0"))
        .collect();
    assert!(
        written.len() >= 2,
        "the aal2 session is chunked: {written:?}"
    );
    assert!(written[0].starts_with(&format!("{KEY}.0=base64-")));
    for (i, cookie) in written.iter().enumerate() {
        assert!(cookie.starts_with(&format!("{KEY}.{i}=")), "{cookie}");
    }
    assert!(written.len() < before.len());
    assert_eq!(removed.len(), before.len() - written.len(), "{removed:?}");
    for (i, cookie) in removed.iter().enumerate() {
        let chunk = written.len() + i;
        assert!(cookie.starts_with(&format!("{KEY}.{chunk}=;")), "{cookie}");
    }
    assert_eq!(
        response.cache_headers()[0],
        (
            "Cache-Control",
            "private, no-cache, no-store, must-revalidate, max-age=0"
        )
    );
    let mut jar = jar;
    jar.apply(response.set_cookies());
    assert_eq!(jar.names().len(), written.len());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal2"));
}

#[tokio::test]
async fn a_phone_factor_is_challenged_through_its_channel_and_verified() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let enroll = MfaEnroll::phone("+15555550100").friendly_name("Work phone");
    let factor = mfa.enroll(&enroll).await.unwrap();
    assert_eq!(factor.factor_type, "phone");
    assert_eq!(
        factor.phone.as_deref(),
        Some("+15555550100"),
        "as sent, like GoTrue"
    );
    assert!(factor.totp.is_none());
    let challenge = mfa
        .challenge(&factor.id, Some(MfaChannel::Whatsapp))
        .await
        .unwrap();
    assert_eq!(challenge.factor_type, "phone");
    let message = auth.last_message_to("15555550100").unwrap();
    assert_eq!(message.kind, "mfa_whatsapp");
    mfa.verify(&factor.id, &challenge.id, &message.otp)
        .await
        .unwrap();
    jar.apply(client.response_cookies().set_cookies());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal2"));
    let factors = request(&supabase, &jar)
        .auth()
        .mfa()
        .list_factors()
        .await
        .unwrap();
    assert_eq!(factors.phone.len(), 1);
    assert!(factors.totp.is_empty());
}

#[tokio::test]
async fn a_wrong_code_is_mfa_verification_failed_and_writes_nothing() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    let right = totp_code(&secret);
    let wrong = format!(
        "{:06}",
        (right.parse::<u32>().unwrap() + 500_000) % 1_000_000
    );
    let error = mfa
        .challenge_and_verify(&factor.id, &wrong)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("mfa_verification_failed"));
    assert_eq!(error.status(), Some(422));
    assert!(!error.is_transient());
    assert!(client.response_cookies().is_empty());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal1"));
}

#[tokio::test]
async fn the_servers_mfa_codes_come_through_auth_error() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    // A factor of nobody.
    let missing = "00000000-0000-4000-8000-000000000000";
    let error = mfa.challenge(missing, None).await.unwrap_err();
    assert_eq!(error.code(), Some("mfa_factor_not_found"));
    // A friendly name is unique per user.
    let named = MfaEnroll::totp().friendly_name("same");
    mfa.enroll(&named).await.unwrap();
    let error = mfa.enroll(&named).await.unwrap_err();
    assert_eq!(error.code(), Some("mfa_factor_name_conflict"));
    // A verified factor cannot be removed from an aal1 session.
    let (factor_id, _) = enroll_verified(&supabase, &mut jar).await;
    let aal1 = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &aal1);
    let error = client.auth().mfa().unenroll(&factor_id).await.unwrap_err();
    assert_eq!(error.code(), Some("insufficient_aal"));
    assert!(client.response_cookies().is_empty());
}

#[tokio::test]
async fn an_expired_challenge_is_mfa_challenge_expired() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    let challenge = mfa.challenge(&factor.id, None).await.unwrap();
    let expires_in = challenge.expires_at.unwrap() - auth.now_secs();
    auth.advance(std::time::Duration::from_secs(
        u64::try_from(expires_in).unwrap() + 1,
    ));
    // A fresh request: the session is refreshed by the advanced clock if it must be.
    let error = mfa
        .verify(&factor.id, &challenge.id, &auth.totp_code(&secret))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some("mfa_challenge_expired"));
}

#[tokio::test]
async fn unenroll_refreshes_the_session_down_to_aal1() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = signed_in(&supabase, EMAIL).await;
    let (factor_id, _) = enroll_verified(&supabase, &mut jar).await;
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal2"));
    let client = request(&supabase, &jar);
    client.auth().mfa().unenroll(&factor_id).await.unwrap();
    let response = client.response_cookies();
    assert!(!response.is_empty(), "the refreshed session is written");
    assert_eq!(response.cache_headers().len(), 3);
    jar.apply(response.set_cookies());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal1"));
    let client = request(&supabase, &jar);
    let level = client
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal1));
    assert_eq!(level.next_level, Some(Aal::Aal1));
    assert!(
        client
            .auth()
            .mfa()
            .list_factors()
            .await
            .unwrap()
            .all
            .is_empty()
    );
}

#[tokio::test]
async fn the_assurance_level_answers_like_auth_js() {
    let auth = server().await;
    let supabase = supabase(&auth);
    // No session: nothing, and no error.
    let level = supabase
        .client([])
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level, AssuranceLevel::default());
    assert_eq!(level.current_level, None);
    assert_eq!(level.next_level, None);
    assert!(level.current_authentication_methods.is_empty());
    // aal1 without a factor: the next level is the current one.
    let mut jar = signed_in(&supabase, EMAIL).await;
    let level = request(&supabase, &jar)
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal1));
    assert_eq!(level.next_level, Some(Aal::Aal1));
    let methods: Vec<&str> = level
        .current_authentication_methods
        .iter()
        .map(|m| m.method.as_str())
        .collect();
    assert_eq!(methods, ["password"]);
    assert!(level.current_authentication_methods[0].timestamp.is_some());
    // aal2 after verifying: totp joins the methods.
    enroll_verified(&supabase, &mut jar).await;
    let level = request(&supabase, &jar)
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal2));
    assert_eq!(level.next_level, Some(Aal::Aal2));
    let methods: Vec<&str> = level
        .current_authentication_methods
        .iter()
        .map(|m| m.method.as_str())
        .collect();
    assert!(
        methods.contains(&"totp") && methods.contains(&"password"),
        "{methods:?}"
    );
    // A new sign-in of a user with a verified factor: aal1, next aal2.
    let jar = signed_in(&supabase, EMAIL).await;
    let level = request(&supabase, &jar)
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal1));
    assert_eq!(level.next_level, Some(Aal::Aal2));
}

#[tokio::test]
async fn a_factor_added_on_the_server_is_listed_and_verifiable() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let (factor_id, secret) = auth.add_verified_totp_factor(EMAIL).unwrap();
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factors = mfa.list_factors().await.unwrap();
    assert_eq!(factors.totp.len(), 1);
    assert_eq!(factors.totp[0].id, factor_id);
    let session = mfa
        .challenge_and_verify(&factor_id, &totp_code(&secret))
        .await
        .unwrap();
    assert_eq!(session.user().unwrap().factors().len(), 1);
}

#[tokio::test]
async fn a_transient_failure_keeps_the_cookies() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let secret = factor.totp.unwrap().secret;
    let challenge = mfa.challenge(&factor.id, None).await.unwrap();
    auth.set_fault(Endpoint::FactorsVerify, Fault::status(503));
    let error = mfa
        .verify(&factor.id, &challenge.id, &totp_code(&secret))
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert!(client.response_cookies().is_empty(), "no cookie removed");
    auth.clear_faults();
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal1"));
}

#[tokio::test]
async fn unenroll_whose_refresh_fails_removes_the_factor_and_keeps_the_cookies() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let mut jar = signed_in(&supabase, EMAIL).await;
    let (factor_id, _) = enroll_verified(&supabase, &mut jar).await;
    auth.set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let client = request(&supabase, &jar);
    client.auth().mfa().unenroll(&factor_id).await.unwrap();
    assert!(client.response_cookies().is_empty(), "no cookie removed");
    auth.clear_faults();
    let client = request(&supabase, &jar);
    assert!(
        client
            .auth()
            .mfa()
            .list_factors()
            .await
            .unwrap()
            .all
            .is_empty()
    );
    // The session is still the aal2 one until it is refreshed; refreshing drops it to aal1.
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal2"));
    client.auth().refresh_session().await.unwrap();
    jar.apply(client.response_cookies().set_cookies());
    assert_eq!(aal_of(&supabase, &jar).await.as_deref(), Some("aal1"));
}

#[tokio::test]
async fn without_a_session_the_calls_make_no_request() {
    let auth = server().await;
    let supabase = supabase(&auth);
    let client = supabase.client([]);
    let mfa = client.auth().mfa();
    auth.reset_counters();
    assert_eq!(
        mfa.enroll(&MfaEnroll::totp()).await.unwrap_err(),
        AuthError::SessionMissing
    );
    let id = "00000000-0000-4000-8000-000000000000";
    assert_eq!(
        mfa.challenge(id, None).await.unwrap_err(),
        AuthError::SessionMissing
    );
    assert_eq!(
        mfa.verify(id, id, "123456").await.unwrap_err(),
        AuthError::SessionMissing
    );
    assert_eq!(
        mfa.unenroll(id).await.unwrap_err(),
        AuthError::SessionMissing
    );
    assert_eq!(
        mfa.list_factors().await.unwrap_err(),
        AuthError::SessionMissing
    );
    assert_eq!(auth.counters().token_total(), 0);
    assert_eq!(auth.count(Endpoint::FactorsEnroll), 0);
    assert!(client.response_cookies().is_empty());
    // Signing out leaves nothing to act with either.
    let jar = signed_in(&supabase, EMAIL).await;
    let client = request(&supabase, &jar);
    client.auth().sign_out().await.unwrap();
    assert_eq!(
        client.auth().mfa().list_factors().await.unwrap_err(),
        AuthError::SessionMissing
    );
}

/// A tokens-only cookie holds no user, so no factors: the next level comes from `GET /user`
/// (auth-js throws on the user it cannot show), once per call, and a session stored in the same
/// request answers from its kept user without the call.
#[tokio::test]
async fn the_assurance_level_of_a_tokens_only_session_reads_the_factors_from_the_server() {
    let auth = server().await;
    let full = supabase(&auth);
    let mut jar = signed_in(&full, EMAIL).await;
    enroll_verified(&full, &mut jar).await;
    let tokens_only = Supabase::builder(auth.url(), auth.publishable_key())
        .cookie_contents(CookieContents::TokensOnly)
        .build()
        .unwrap();
    let client = tokens_only.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    let before = auth.count(Endpoint::UserGet);
    let level = client
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.next_level, Some(Aal::Aal2), "the kept user's factors");
    assert_eq!(auth.count(Endpoint::UserGet), before);

    let mut jar = BrowserJar::new();
    jar.apply(client.response_cookies().set_cookies());
    let next = request(&tokens_only, &jar);
    assert!(
        next.auth()
            .get_session()
            .await
            .unwrap()
            .unwrap()
            .user()
            .is_none()
    );
    let level = next
        .auth()
        .mfa()
        .authenticator_assurance_level()
        .await
        .unwrap();
    assert_eq!(level.current_level, Some(Aal::Aal1));
    assert_eq!(level.next_level, Some(Aal::Aal2));
    assert_eq!(auth.count(Endpoint::UserGet), before + 1);
}
