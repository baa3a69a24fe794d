//! No `Debug` output of a public type holds a secret: every type of the crate that can hold a
//! token, a cookie value, a PKCE verifier, a password or the JWT secret is formatted with `{:?}`
//! and `{:#?}` while holding known ones (the shared [`SecretFixture`], plus the secrets of
//! sign-in inputs), and none appears. The adapters run the same check over their types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use supabase_ssr_core::auth::{
    AuthError, AuthResponse, IdTokenCredentials, Identifier, OAuthSignIn, OtpSignIn, OtpType,
    PasswordCredentials, Resend, SignUp, SsoSignIn, UserAttributes, VerifyOtp,
};
use supabase_ssr_core::cookies::{CookieState, StoredSession, create_chunks, parse_cookie_header};
#[cfg(feature = "storage")]
use supabase_ssr_core::storage::SignedUrl;
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::conformance::redaction::{JWT_SECRET, SecretFixture};
use supabase_ssr_testing::{Endpoint, Fault};

const PASSWORD: &str = "a-password-never-in-debug-output";
const CAPTCHA: &str = "a-captcha-token-never-in-debug-output";
const OTP: &str = "otp-code-or-token-hash-never-in-debug";
const NONCE: &str = "a-reauthentication-nonce-never-in-debug";
const SIGNED_URL_TOKEN: &str = "signed-url-token-never-in-debug-output";
const ID_TOKEN: &str = "a-provider-id-token-never-in-debug-output";

/// Collects every leak, so a failure names every type that leaks.
struct Leaks<'a> {
    fixture: &'a SecretFixture,
    found: std::cell::RefCell<Vec<String>>,
}

impl<'a> Leaks<'a> {
    fn new(fixture: &'a SecretFixture) -> Self {
        Self {
            fixture,
            found: std::cell::RefCell::default(),
        }
    }

    fn check(&self, what: &str, value: &dyn std::fmt::Debug) {
        let more = [PASSWORD, CAPTCHA, OTP, NONCE, SIGNED_URL_TOKEN, ID_TOKEN];
        if let Some(leak) = self.fixture.leak(value, &more) {
            self.found.borrow_mut().push(format!("{what}: {leak}"));
        }
    }

    fn assert_none(self) {
        let found = self.found.into_inner();
        assert!(
            found.is_empty(),
            "{} leaks:\n{}",
            found.len(),
            found.join("\n")
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn handles_clients_sessions_and_cookies_hide_their_secrets() {
    let fixture = SecretFixture::start().await;
    // The check must have something to find: the fixture's values really hold the secrets.
    assert!(fixture.secrets().len() >= 8, "{}", fixture.secrets().len());
    let header = fixture.client.request_cookie_header().unwrap();
    assert!(
        fixture
            .secrets()
            .iter()
            .any(|s| header.contains(s.as_str()))
    );
    let leaks = Leaks::new(&fixture);
    let check = |what: &str, value: &dyn std::fmt::Debug| leaks.check(what, value);

    let supabase = &fixture.supabase;
    let client = &fixture.client;
    check("Supabase", supabase);
    check("Config", supabase.config());
    check(
        "SupabaseBuilder",
        &Supabase::builder("http://127.0.0.1:1", "sb_publishable_x")
            .jwt_secret(JWT_SECRET)
            .http_client(reqwest::Client::new()),
    );
    check("SupabaseClient", client);
    check("Auth", &client.auth());
    check("ResponseCookies", &client.response_cookies());
    check("ProxyOutcome", &fixture.proxy_outcome);
    check("SessionStatus", &fixture.proxy_outcome.status);
    check("Claims", &fixture.claims);
    check("Rejection", &fixture.rejection);
    #[cfg(feature = "storage")]
    {
        check("Storage", &client.storage());
        check("Bucket", &client.storage().from("avatars"));
    }
    #[cfg(feature = "functions")]
    check("Functions", &client.functions());
    #[cfg(feature = "rest")]
    {
        check("QueryBuilder", &client.from("todos"));
        check("FilterBuilder", &client.from("todos").select("*"));
    }

    let session = client.auth().get_session().await.unwrap().unwrap();
    check("UnverifiedSession", &session);
    check("Session", &*session);
    check("User", &session.user());
    let mut response = AuthResponse::default();
    response.session = Some(session.clone().into_inner());
    response.user = session.user();
    check("AuthResponse", &response);

    let config = Arc::new(supabase.config().clone());
    let jar_header = fixture.proxy_outcome.request_cookie_header.clone().unwrap();
    let state = CookieState::new(config.clone(), [jar_header.as_str()]);
    check("CookieState (unread)", &state);
    let stored = state.stored_session();
    assert!(matches!(stored, StoredSession::Present(_)));
    check("StoredSession", &stored);
    check("CookieState (read)", &state);
    check("RequestCookie", &parse_cookie_header(&jar_header));
    check(
        "Chunk",
        &create_chunks("sb-127-auth-token", &session.to_json(), 3180),
    );
    let mut written = CookieState::new(config, []);
    written.set_session(&session);
    check("CookieState (written)", &written);
    check("ResponseCookies (written)", &written.response_cookies());
    leaks.assert_none();
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_in_inputs_hide_passwords_codes_and_verifiers() {
    let fixture = SecretFixture::start().await;
    let leaks = Leaks::new(&fixture);
    let check = |what: &str, value: &dyn std::fmt::Debug| leaks.check(what, value);
    let oauth = OAuthSignIn::new("github");
    check("OAuthSignIn", &oauth);
    let pkce_client = fixture.supabase.client([]);
    check(
        "OAuthRedirect",
        &pkce_client.auth().sign_in_with_oauth(&oauth).unwrap(),
    );
    check("SupabaseClient (PKCE flow started)", &pkce_client);
    let mut credentials = PasswordCredentials::email("a@example.com", PASSWORD);
    credentials.captcha_token = Some(CAPTCHA.to_owned());
    check("PasswordCredentials", &credentials);
    let mut sign_up = SignUp::email("a@example.com", PASSWORD);
    sign_up.captcha_token = Some(CAPTCHA.to_owned());
    check("SignUp", &sign_up);
    let mut otp = OtpSignIn::email("a@example.com");
    otp.captcha_token = Some(CAPTCHA.to_owned());
    check("OtpSignIn", &otp);
    check(
        "VerifyOtp::TokenHash",
        &VerifyOtp::TokenHash {
            token_hash: OTP.to_owned(),
            otp_type: OtpType::Email,
        },
    );
    check(
        "VerifyOtp::Code",
        &VerifyOtp::Code {
            identifier: Identifier::Email("a@example.com".into()),
            token: OTP.to_owned(),
            otp_type: OtpType::Email,
            redirect_to: None,
        },
    );
    let mut attributes = UserAttributes::default();
    attributes.password = Some(PASSWORD.to_owned());
    attributes.nonce = Some(NONCE.to_owned());
    attributes.current_password = Some(PASSWORD.to_owned());
    check("UserAttributes", &attributes);
    check(
        "Resend",
        &Resend::signup("a@example.com").captcha_token(CAPTCHA),
    );
    check(
        "SsoSignIn",
        &SsoSignIn::domain("a.example").captcha_token(CAPTCHA),
    );
    let id_token = IdTokenCredentials::new("google", ID_TOKEN)
        .access_token(PASSWORD)
        .nonce(NONCE)
        .captcha_token(CAPTCHA);
    check("IdTokenCredentials", &id_token);
    #[cfg(feature = "storage")]
    {
        let mut signed = SignedUrl::default();
        signed.path = Some("a.png".into());
        signed.signed_url = Some(format!(
            "http://127.0.0.1/storage/v1/object/sign/b/a.png?token={SIGNED_URL_TOKEN}"
        ));
        check("SignedUrl", &signed);
    }
    leaks.assert_none();
}

/// The admin handle holds the project's secret key; admin inputs hold passwords, nonces and
/// password hashes.
#[test]
fn admin_handles_and_inputs_hide_the_secret_key_and_passwords() {
    use base64::Engine as _;
    use supabase_ssr_core::SupabaseAdmin;
    use supabase_ssr_core::admin::{AdminUserAttributes, GenerateLink};
    const SECRET_KEY: &str = "sb_secret_never-in-debug-output";
    const HASH: &str = "$2a$10$a-password-hash-never-in-debug";
    let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let service_role = format!(
        "{}.{}.signature-never-in-debug",
        encode(r#"{"alg":"HS256","typ":"JWT"}"#),
        encode(r#"{"role":"service_role","iss":"supabase"}"#)
    );
    let url = "https://abcdefghijklmnop.supabase.co";
    let mut found = Vec::new();
    let mut check = |what: &str, value: &dyn std::fmt::Debug| {
        for text in [format!("{value:?}"), format!("{value:#?}")] {
            let secrets = [
                SECRET_KEY,
                service_role.as_str(),
                PASSWORD,
                NONCE,
                HASH,
                "eyJ",
            ];
            if let Some(secret) = secrets.iter().find(|s| text.contains(*s)) {
                found.push(format!(
                    "{what} shows {} bytes of a secret: {text}",
                    secret.len()
                ));
            }
        }
    };
    for key in [SECRET_KEY, service_role.as_str()] {
        check("SupabaseAdminBuilder", &SupabaseAdmin::builder(url, key));
        let admin = SupabaseAdmin::new(url, key).unwrap();
        check("SupabaseAdmin", &admin);
        check("AdminAuth", &admin.auth());
        check("AdminMfa", &admin.auth().mfa());
        check("AdminOAuth", &admin.auth().oauth());
    }
    // An OAuth client as registration and regeneration answer it, with its secret.
    let client = supabase_ssr_core::admin::OAuthClient::from(
        serde_json::json!({ "client_id": "c1", "client_secret": SECRET_KEY, "client_name": "App" })
            .as_object()
            .cloned()
            .unwrap(),
    );
    check("OAuthClient", &client);
    let page = vec![client];
    check("Vec<OAuthClient>", &page);
    let attributes = AdminUserAttributes::default()
        .with_email("a@example.com")
        .with_password(PASSWORD)
        .with_nonce(NONCE)
        .with_password_hash(HASH);
    check("AdminUserAttributes", &attributes);
    check(
        "GenerateLink",
        &GenerateLink::signup("a@example.com", PASSWORD),
    );
    // The refusals say what kind of key was given, never the key.
    check(
        "ConfigError (a secret key given to Supabase)",
        &Supabase::builder(url, SECRET_KEY).build().unwrap_err(),
    );
    let anon = format!(
        "{}.{}.sig",
        encode(r#"{"alg":"HS256"}"#),
        encode(r#"{"role":"anon","name":"never-in-debug"}"#)
    );
    let refused = SupabaseAdmin::new(url, &anon).unwrap_err();
    check("ConfigError (an anon key given to SupabaseAdmin)", &refused);
    assert!(!format!("{refused:?}{refused}").contains("never-in-debug"));
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Errors carrying the server's text, from calls made with the secrets.
#[tokio::test(flavor = "multi_thread")]
async fn errors_hide_the_tokens_they_were_made_with() {
    let fixture = SecretFixture::start().await;
    let leaks = Leaks::new(&fixture);
    let auth = &fixture.harness.auth;
    let expired = auth.mint_session("conformance@example.com", -10).unwrap();
    fixture.harness.remember_secret(&expired.refresh_token);
    let expired = Session::from_value(expired.body).unwrap();
    let supabase = fixture
        .harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(300))
        .build()
        .unwrap();
    let mut errors: Vec<AuthError> = Vec::new();
    let client = supabase.client([]);
    auth.set_fault(Endpoint::TokenRefresh, Fault::status(503));
    errors.push(
        client
            .auth()
            .set_session(expired.access_token(), expired.refresh_token())
            .await
            .unwrap_err(),
    );
    auth.clear_faults();
    for token in fixture.secrets() {
        // Every secret as a refresh token (mostly refused: `Api`) and as an access token (mostly
        // `InvalidJwt`); the live ones succeed.
        let auth = client.auth();
        errors.extend(auth.set_session(expired.access_token(), token).await.err());
        errors.extend(auth.claims_for_token(token).await.err());
    }
    assert!(errors.iter().any(AuthError::is_transient));
    assert!(errors.iter().any(|e| matches!(e, AuthError::Api { .. })));
    for error in &errors {
        leaks.check("AuthError", error);
        leaks.check("AuthError (Display)", &error.to_string());
    }
    leaks.assert_none();
}

/// A TOTP factor's secret is in its secret, its `otpauth://` URI and its QR code: none of the
/// three appears in the `Debug` of the enrollment answer, nor does the code verified with it.
#[tokio::test(flavor = "multi_thread")]
async fn mfa_answers_hide_the_totp_secret_and_codes() {
    use supabase_ssr_core::auth::MfaEnroll;
    use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser, totp_code};

    let auth = LocalAuth::start(
        LocalAuthOptions::default().user(SeedUser::new("mfa@example.com", PASSWORD)),
    )
    .await
    .unwrap();
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let client = supabase.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email("mfa@example.com", PASSWORD))
        .await
        .unwrap();
    let mfa = client.auth().mfa();
    let factor = mfa.enroll(&MfaEnroll::totp()).await.unwrap();
    let totp = factor.totp.clone().unwrap();
    let code = totp_code(&totp.secret);
    let challenge = mfa.challenge(&factor.id, None).await.unwrap();
    let session = mfa.verify(&factor.id, &challenge.id, &code).await.unwrap();
    let printed = [
        format!("{factor:?}"),
        format!("{factor:#?}"),
        format!("{totp:?}"),
        format!("{mfa:?}"),
        format!("{challenge:?}"),
        format!("{session:?}"),
        format!("{client:?}"),
    ];
    for text in &printed {
        for secret in [&totp.secret, &totp.uri, &totp.qr_code, &code] {
            assert!(!text.contains(secret.as_str()), "{text}");
        }
        assert!(!text.contains(session.access_token()), "{text}");
    }
}
