//! The requests our Auth client sends, compared with the ones auth-js sends for the same call.
//!
//! Each case runs twice against fresh, equivalent state: once through the official library
//! (`@supabase/ssr`'s `createServerClient` for per-request calls; `js/auth-requests.mjs`), once
//! through ours. Each side talks to its own recording proxy in front of its own local Auth
//! server, seeded alike. The test then compares, request by request: the method, the path, the
//! query (keys and values; random PKCE values by shape), the JSON body (keys and values, random
//! ones by shape), and the headers that matter — `apikey` and `Authorization` by kind (none,
//! publishable key, user JWT, …), `Content-Type` and `X-Supabase-Api-Version` — and whether the
//! call succeeded on both sides. A case succeeds unless marked `.refused()` (then both sides must
//! fail), so no comparison rests on two errors such as a 404 from a missing endpoint.
//!
//! Values that differ between the two servers (the user's id, the access token, a factor id,
//! an ID token) are written `$USER_ID`, `$ACCESS_TOKEN`, `$FACTOR_ID`, `$ID_TOKEN` in a case's
//! arguments and replaced on each side; in what was recorded they are replaced back, so they
//! compare equal.
//!
//! Adding a case is one [`Case`] in one of the lists [`cases`] joins: the auth-js call (a dotted
//! path and its arguments) and the same call through our client — `Case::server` for the
//! per-request client, `Case::admin` for auth-js's `auth.admin` and [`SupabaseAdmin`].
//!
//! Needs Node.js 20+ and npm; without them the test fails and says how to install them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Map, Value, json};
use supabase_ssr_core::admin::{
    AdminUserAttributes, CreateCustomProvider, CreateOAuthClient, CustomProviderType, GenerateLink,
    InviteOptions, ListOAuthClients, ListUsers, OAuth2Endpoints, UpdateCustomProvider,
    UpdateOAuthClient,
};
use supabase_ssr_core::auth::{
    AuthError, IdTokenCredentials, Identifier, Identity, OAuthSignIn, OtpSignIn, OtpType,
    PasswordCredentials, Resend, SignOutScope, SignUp, SsoSignIn, UserAttributes, VerifyOtp,
};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Config, Session, Supabase, SupabaseAdmin, SupabaseClient};
use supabase_ssr_testing::node::NodeScripts;
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser, TestIdToken};

const EMAIL: &str = "requests@example.com";
const PASSWORD: &str = "password123";
const PHONE: &str = "15555550100";

/// Query and body keys whose values are random on each call: compared by shape.
const RANDOM_KEYS: &[&str] = &["code_challenge"];

// ---- the cases ----

type RustCall = Box<dyn Fn(Ctx) -> Pin<Box<dyn Future<Output = Result<(), AuthError>> + Send>>>;

/// Which client makes a call.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ClientKind {
    /// The per-request client (`createServerClient`, publishable key).
    Server,
    /// The admin client (`createClient(url, secretKey).auth.admin`, [`SupabaseAdmin`]).
    Admin,
}

/// One call made by both libraries.
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent switches of a case, each set by its own builder method"
)]
struct Case {
    name: &'static str,
    client: ClientKind,
    signed_in: bool,
    /// The server refuses the call (on both sides); otherwise both must succeed, so a
    /// comparison never rests on two errors (a missing endpoint answers 404 to both).
    refused: bool,
    /// The seeded user has a verified TOTP factor, `$FACTOR_ID`.
    factor: bool,
    /// Both clients put each PKCE flow's id on its redirect (`sb_flow_id`).
    flow_ids: bool,
    /// An OAuth client is registered, `$OAUTH_CLIENT_ID`; signed in, the user granted it
    /// `email` and has a pending authorization of it, `$AUTHORIZATION_ID`.
    oauth: bool,
    /// The seeded user has a passkey, `$PASSKEY_ID`.
    passkey: bool,
    /// The custom OAuth 2.0 provider `custom:acme` exists.
    custom_provider: bool,
    /// Requests auth-js sends that ours does not, on purpose (method and masked path): left
    /// out of the comparison. Each use says why.
    js_only: Vec<(&'static str, &'static str)>,
    /// Requests ours sends that auth-js does not, on purpose; left out likewise.
    ours_only: Vec<(&'static str, &'static str)>,
    /// The auth-js method, a dotted path on the client (`auth.signInWithPassword`).
    js_call: &'static str,
    /// Its arguments (spread), with `$USER_ID`, `$ACCESS_TOKEN`, `$REFRESH_TOKEN`, `$ID_TOKEN`,
    /// `$SSO_PROVIDER_ID`, `$IDENTITY_ID` (signed in: a second identity of the user) placeholders.
    js_args: Value,
    rust: RustCall,
}

/// What a Rust call gets: the clients of its side and the side's placeholder values.
struct Ctx {
    client: SupabaseClient,
    admin: SupabaseAdmin,
    vars: Vars,
}

impl Ctx {
    /// This side's value of a placeholder (e.g. `$ID_TOKEN`).
    fn var(&self, name: &str) -> String {
        self.vars.fill(name)
    }
}

impl Case {
    /// A per-request call, without a session.
    fn server<F, Fut>(name: &'static str, js_call: &'static str, js_args: Value, rust: F) -> Self
    where
        F: Fn(Ctx) -> Fut + 'static,
        Fut: Future<Output = Result<(), AuthError>> + Send + 'static,
    {
        Self {
            name,
            client: ClientKind::Server,
            signed_in: false,
            refused: false,
            factor: false,
            flow_ids: false,
            oauth: false,
            passkey: false,
            custom_provider: false,
            js_only: Vec::new(),
            ours_only: Vec::new(),
            js_call,
            js_args,
            rust: Box::new(move |ctx| Box::pin(rust(ctx))),
        }
    }

    /// An admin call: auth-js's `createClient(url, secretKey).auth.admin…` and our
    /// [`SupabaseAdmin`].
    fn admin<F, Fut>(name: &'static str, js_call: &'static str, js_args: Value, rust: F) -> Self
    where
        F: Fn(Ctx) -> Fut + 'static,
        Fut: Future<Output = Result<(), AuthError>> + Send + 'static,
    {
        Self {
            client: ClientKind::Admin,
            ..Self::server(name, js_call, js_args, rust)
        }
    }

    /// The call is made with the seeded user signed in (a session in the cookies, its access
    /// token in `$ACCESS_TOKEN`).
    fn signed_in(mut self) -> Self {
        self.signed_in = true;
        self
    }

    /// Both clients append PKCE flow ids to redirects: auth-js's
    /// `experimental.appendPkceFlowIdToRedirects`, our `append_flow_id_to_redirects`.
    fn with_flow_ids(mut self) -> Self {
        self.flow_ids = true;
        self
    }

    /// The server refuses this call: both sides must fail.
    fn refused(mut self) -> Self {
        self.refused = true;
        self
    }

    /// An OAuth client is registered (`$OAUTH_CLIENT_ID`); with a session, a grant of it and a
    /// pending authorization (`$AUTHORIZATION_ID`).
    fn with_oauth_client(mut self) -> Self {
        self.oauth = true;
        self
    }

    /// The seeded user has a verified TOTP factor, its id in `$FACTOR_ID`.
    fn with_factor(mut self) -> Self {
        self.factor = true;
        self
    }

    /// The seeded user has a passkey, its id in `$PASSKEY_ID`.
    fn with_passkey(mut self) -> Self {
        self.passkey = true;
        self
    }

    /// The custom provider `custom:acme` exists.
    fn with_custom_provider(mut self) -> Self {
        self.custom_provider = true;
        self
    }

    /// Ours also sends `method path` (masked), which auth-js does not, on purpose.
    fn ours_also_send(mut self, method: &'static str, path: &'static str) -> Self {
        self.ours_only.push((method, path));
        self
    }

    /// auth-js also sends `method path` (masked), which ours does not on purpose.
    fn js_also_sends(mut self, method: &'static str, path: &'static str) -> Self {
        self.js_only.push((method, path));
        self
    }
}

fn map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// Every case; each group of methods has its own function, so adding a group touches one line
/// here.
fn cases() -> Vec<Case> {
    [
        sign_in_cases(),
        user_cases(),
        resend_cases(),
        flow_cases(),
        account_cases(),
        session_cases(),
        flow_id_cases(),
        identity_cases(),
        admin_user_cases(),
        admin_session_cases(),
        admin_link_cases(),
        oauth_server_cases(),
        admin_oauth_cases(),
        admin_oauth_change_cases(),
        admin_passkey_cases(),
        admin_custom_provider_cases(),
        admin_custom_provider_create_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn sign_in_cases() -> Vec<Case> {
    vec![
        Case::server(
            "sign_in_with_password",
            "auth.signInWithPassword",
            json!([{ "email": EMAIL, "password": PASSWORD }]),
            |ctx| async move {
                let credentials = PasswordCredentials::email(EMAIL, PASSWORD);
                ctx.client
                    .auth()
                    .sign_in_with_password(&credentials)
                    .await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_password, wrong password",
            "auth.signInWithPassword",
            json!([{ "email": EMAIL, "password": "not-the-password" }]),
            |ctx| async move {
                let credentials = PasswordCredentials::email(EMAIL, "not-the-password");
                ctx.client
                    .auth()
                    .sign_in_with_password(&credentials)
                    .await?;
                Ok(())
            },
        )
        .refused(),
        Case::server(
            "sign_in_with_password, phone",
            "auth.signInWithPassword",
            json!([{ "phone": PHONE, "password": PASSWORD }]),
            |ctx| async move {
                let credentials = PasswordCredentials::phone(PHONE, PASSWORD);
                ctx.client
                    .auth()
                    .sign_in_with_password(&credentials)
                    .await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_otp, email",
            "auth.signInWithOtp",
            json!([{
                "email": EMAIL,
                "options": {
                    "emailRedirectTo": "http://localhost:3000/auth/confirm",
                    "data": { "plan": "pro" },
                    "shouldCreateUser": false,
                },
            }]),
            |ctx| async move {
                let mut otp = OtpSignIn::email(EMAIL);
                otp.email_redirect_to = Some("http://localhost:3000/auth/confirm".into());
                otp.data = map(json!({ "plan": "pro" }));
                otp.should_create_user = false;
                ctx.client.auth().sign_in_with_otp(&otp).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_otp, new email",
            "auth.signInWithOtp",
            json!([{ "email": "someone-new@example.com" }]),
            |ctx| async move {
                let otp = OtpSignIn::email("someone-new@example.com");
                ctx.client.auth().sign_in_with_otp(&otp).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_otp, phone",
            "auth.signInWithOtp",
            json!([{ "phone": PHONE }]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .sign_in_with_otp(&OtpSignIn::phone(PHONE))
                    .await?;
                Ok(())
            },
        ),
    ]
}

fn user_cases() -> Vec<Case> {
    vec![
        Case::server(
            "update_user, metadata",
            "auth.updateUser",
            json!([{ "data": { "theme": "dark" } }]),
            |ctx| async move {
                let changes = UserAttributes::default().with_data(map(json!({ "theme": "dark" })));
                ctx.client.auth().update_user(&changes, None).await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "update_user, email with a redirect",
            "auth.updateUser",
            json!([
                { "email": "changed@example.com" },
                { "emailRedirectTo": "http://localhost:3000/auth/confirm" },
            ]),
            |ctx| async move {
                let changes = UserAttributes::default().with_email("changed@example.com");
                ctx.client
                    .auth()
                    .update_user(&changes, Some("http://localhost:3000/auth/confirm"))
                    .await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "update_user, password",
            "auth.updateUser",
            json!([{ "password": "a new passphrase" }]),
            |ctx| async move {
                let changes = UserAttributes::default().with_password("a new passphrase");
                ctx.client.auth().update_user(&changes, None).await?;
                Ok(())
            },
        )
        .signed_in(),
    ]
}

const CALLBACK: &str = "http://localhost:3000/auth/callback";

/// The domain of each side's test SAML identity provider.
const SSO_DOMAIN: &str = "company.example";

/// An identity id no user has (both servers answer `identity_not_found`).
const UNKNOWN_IDENTITY: &str = "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";

/// `resend` of each kind.
fn resend_cases() -> Vec<Case> {
    vec![
        Case::server(
            "resend, signup with a redirect",
            "auth.resend",
            json!([{ "type": "signup", "email": EMAIL, "options": { "emailRedirectTo": CALLBACK } }]),
            |ctx| async move {
                let resend = Resend::signup(EMAIL).email_redirect_to(CALLBACK);
                ctx.client.auth().resend(&resend).await?;
                Ok(())
            },
        ),
        Case::server(
            "resend, email_change",
            "auth.resend",
            json!([{ "type": "email_change", "email": EMAIL, "options": { "captchaToken": "c" } }]),
            |ctx| async move {
                let resend = Resend::email_change(EMAIL).captcha_token("c");
                ctx.client.auth().resend(&resend).await?;
                Ok(())
            },
        ),
        Case::server(
            "resend, sms",
            "auth.resend",
            json!([{ "type": "sms", "phone": PHONE }]),
            |ctx| async move {
                ctx.client.auth().resend(&Resend::sms(PHONE)).await?;
                Ok(())
            },
        ),
        Case::server(
            "resend, phone_change",
            "auth.resend",
            json!([{ "type": "phone_change", "phone": PHONE }]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .resend(&Resend::phone_change(PHONE))
                    .await?;
                Ok(())
            },
        ),
    ]
}

/// Reauthentication and the password change it protects, ID tokens and SSO.
fn flow_cases() -> Vec<Case> {
    vec![
        Case::server(
            "reauthenticate",
            "auth.reauthenticate",
            json!([]),
            |ctx| async move { ctx.client.auth().reauthenticate().await },
        )
        .signed_in(),
        Case::server(
            "update_user, password with the current one and a nonce",
            "auth.updateUser",
            json!([{ "password": "a new passphrase", "current_password": PASSWORD, "nonce": "123456" }]),
            |ctx| async move {
                let changes = UserAttributes::default()
                    .with_password("a new passphrase")
                    .with_current_password(PASSWORD)
                    .with_nonce("123456");
                ctx.client.auth().update_user(&changes, None).await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "sign_in_with_id_token",
            "auth.signInWithIdToken",
            json!([{ "provider": "google", "token": "$ID_TOKEN", "nonce": "n" }]),
            |ctx| async move {
                let credentials = IdTokenCredentials::new("google", ctx.var("$ID_TOKEN")).nonce("n");
                ctx.client.auth().sign_in_with_id_token(&credentials).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_id_token, refused",
            "auth.signInWithIdToken",
            json!([{ "provider": "google", "token": "not-an-id-token", "access_token": "at", "nonce": "n" }]),
            |ctx| async move {
                let credentials = IdTokenCredentials::new("google", "not-an-id-token")
                    .access_token("at")
                    .nonce("n");
                ctx.client.auth().sign_in_with_id_token(&credentials).await?;
                Ok(())
            },
        )
        .refused(),
        Case::server(
            "sign_in_with_sso, domain",
            "auth.signInWithSSO",
            json!([{ "domain": SSO_DOMAIN, "options": { "redirectTo": CALLBACK } }]),
            |ctx| async move {
                let sso = SsoSignIn::domain(SSO_DOMAIN).redirect_to(CALLBACK);
                ctx.client.auth().sign_in_with_sso(&sso).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_sso, provider id and captcha",
            "auth.signInWithSSO",
            json!([{ "providerId": "$SSO_PROVIDER_ID", "options": { "captchaToken": "c" } }]),
            |ctx| async move {
                let sso = SsoSignIn::provider_id(ctx.var("$SSO_PROVIDER_ID")).captcha_token("c");
                ctx.client.auth().sign_in_with_sso(&sso).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_in_with_sso, unknown domain",
            "auth.signInWithSSO",
            json!([{ "domain": "unknown.example" }]),
            |ctx| async move {
                let sso = SsoSignIn::domain("unknown.example");
                ctx.client.auth().sign_in_with_sso(&sso).await?;
                Ok(())
            },
        )
        .refused(),
    ]
}

/// Sign-up, anonymous sign-in, OTP verification and password recovery.
fn account_cases() -> Vec<Case> {
    vec![
        Case::server(
            "sign_up, email with data and a redirect",
            "auth.signUp",
            json!([{ "email": "new@example.com", "password": "a long passphrase",
                     "options": { "emailRedirectTo": CALLBACK, "data": { "plan": "pro" } } }]),
            |ctx| async move {
                let mut sign_up = SignUp::email("new@example.com", "a long passphrase");
                sign_up.email_redirect_to = Some(CALLBACK.into());
                sign_up.data = map(json!({ "plan": "pro" }));
                ctx.client.auth().sign_up(&sign_up).await?;
                Ok(())
            },
        ),
        Case::server(
            "sign_up, phone",
            "auth.signUp",
            json!([{ "phone": "15555550199", "password": "a long passphrase" }]),
            |ctx| async move {
                let sign_up = SignUp::phone("15555550199", "a long passphrase");
                ctx.client.auth().sign_up(&sign_up).await?;
                Ok(())
            },
        )
        .refused(),
        Case::server(
            "sign_in_anonymously",
            "auth.signInAnonymously",
            json!([]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .sign_in_anonymously(Map::new(), None)
                    .await?;
                Ok(())
            },
        ),
        Case::server(
            "verify_otp, token hash",
            "auth.verifyOtp",
            json!([{ "token_hash": "not-a-token-hash", "type": "email" }]),
            |ctx| async move {
                let verify = VerifyOtp::TokenHash {
                    token_hash: "not-a-token-hash".into(),
                    otp_type: OtpType::Email,
                };
                ctx.client.auth().verify_otp(&verify).await?;
                Ok(())
            },
        )
        .refused(),
        Case::server(
            "verify_otp, code",
            "auth.verifyOtp",
            json!([{ "email": EMAIL, "token": "000000", "type": "email" }]),
            |ctx| async move {
                let verify = VerifyOtp::Code {
                    identifier: Identifier::Email(EMAIL.into()),
                    token: "000000".into(),
                    otp_type: OtpType::Email,
                    redirect_to: None,
                };
                ctx.client.auth().verify_otp(&verify).await?;
                Ok(())
            },
        )
        .refused(),
        Case::server(
            "reset_password_for_email",
            "auth.resetPasswordForEmail",
            json!([EMAIL, { "redirectTo": CALLBACK }]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .reset_password_for_email(EMAIL, Some(CALLBACK), None)
                    .await
            },
        ),
    ]
}

/// The signed-in user's session: reading, refreshing, signing out.
fn session_cases() -> Vec<Case> {
    vec![
        Case::server("get_user", "auth.getUser", json!([]), |ctx| async move {
            ctx.client.auth().get_user().await?;
            Ok(())
        })
        .signed_in(),
        Case::server(
            "refresh_session",
            "auth.refreshSession",
            json!([]),
            |ctx| async move {
                ctx.client.auth().refresh_session().await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "sign_out, global",
            "auth.signOut",
            json!([]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .sign_out_with_scope(SignOutScope::Global)
                    .await
            },
        )
        .signed_in(),
        Case::server(
            "sign_out, others",
            "auth.signOut",
            json!([{ "scope": "others" }]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .sign_out_with_scope(SignOutScope::Others)
                    .await
            },
        )
        .signed_in(),
    ]
}

/// Each PKCE flow with flow ids on its redirect, as auth-js appends them.
fn flow_id_cases() -> Vec<Case> {
    vec![
        Case::server(
            "sign_up with a flow id",
            "auth.signUp",
            json!([{ "email": "new@example.com", "password": "a long passphrase",
                     "options": { "emailRedirectTo": "http://localhost:3000/auth/callback?next=%2Fa#f" } }]),
            |ctx| async move {
                let mut sign_up = SignUp::email("new@example.com", "a long passphrase");
                sign_up.email_redirect_to = Some("http://localhost:3000/auth/callback?next=%2Fa#f".into());
                ctx.client.auth().sign_up(&sign_up).await?;
                Ok(())
            },
        )
        .with_flow_ids(),
        Case::server(
            "sign_in_with_otp with a flow id",
            "auth.signInWithOtp",
            json!([{ "email": EMAIL, "options": { "emailRedirectTo": CALLBACK } }]),
            |ctx| async move {
                let mut otp = OtpSignIn::email(EMAIL);
                otp.email_redirect_to = Some(CALLBACK.into());
                ctx.client.auth().sign_in_with_otp(&otp).await?;
                Ok(())
            },
        )
        .with_flow_ids(),
        Case::server(
            "reset_password_for_email with a flow id",
            "auth.resetPasswordForEmail",
            json!([EMAIL, { "redirectTo": "myapp://reset?sb_flow_id=old" }]),
            |ctx| async move {
                ctx.client
                    .auth()
                    .reset_password_for_email(EMAIL, Some("myapp://reset?sb_flow_id=old"), None)
                    .await
            },
        )
        .with_flow_ids(),
        Case::server(
            "update_user, email with a flow id",
            "auth.updateUser",
            json!([{ "email": "changed@example.com" }, { "emailRedirectTo": CALLBACK }]),
            |ctx| async move {
                let changes = UserAttributes::default().with_email("changed@example.com");
                ctx.client.auth().update_user(&changes, Some(CALLBACK)).await?;
                Ok(())
            },
        )
        .signed_in()
        .with_flow_ids(),
        Case::server(
            "resend with a flow id",
            "auth.resend",
            json!([{ "type": "signup", "email": EMAIL, "options": { "emailRedirectTo": CALLBACK } }]),
            |ctx| async move {
                let resend = Resend::signup(EMAIL).email_redirect_to(CALLBACK);
                ctx.client.auth().resend(&resend).await?;
                Ok(())
            },
        )
        .with_flow_ids(),
        Case::server(
            "sign_in_with_sso with a flow id",
            "auth.signInWithSSO",
            json!([{ "domain": SSO_DOMAIN, "options": { "redirectTo": CALLBACK } }]),
            |ctx| async move {
                let sso = SsoSignIn::domain(SSO_DOMAIN).redirect_to(CALLBACK);
                ctx.client.auth().sign_in_with_sso(&sso).await?;
                Ok(())
            },
        )
        .with_flow_ids(),
        Case::server(
            "link_identity with a flow id",
            "auth.linkIdentity",
            json!([{ "provider": "github", "options": { "redirectTo": CALLBACK } }]),
            |ctx| async move {
                let mut oauth = OAuthSignIn::new("github");
                oauth.redirect_to = Some(CALLBACK.into());
                ctx.client.auth().link_identity(&oauth).await?;
                Ok(())
            },
        )
        .signed_in()
        .with_flow_ids(),
    ]
}

/// Listing, linking and unlinking the signed-in user's identities.
fn identity_cases() -> Vec<Case> {
    vec![
        Case::server(
            "user_identities",
            "auth.getUserIdentities",
            json!([]),
            |ctx| async move {
                ctx.client.auth().user_identities().await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "link_identity, OAuth",
            "auth.linkIdentity",
            json!([{ "provider": "github", "options": {
                "redirectTo": CALLBACK, "scopes": "read:user user:email",
                "queryParams": { "prompt": "consent" },
            } }]),
            |ctx| async move {
                let mut oauth = OAuthSignIn::new("github");
                oauth.redirect_to = Some(CALLBACK.into());
                oauth.scopes = Some("read:user user:email".into());
                oauth.query_params = vec![("prompt".into(), "consent".into())];
                ctx.client.auth().link_identity(&oauth).await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "link_identity, ID token",
            "auth.linkIdentity",
            json!([{ "provider": "google", "token": "$ID_TOKEN", "nonce": "n" }]),
            |ctx| async move {
                let credentials =
                    IdTokenCredentials::new("google", ctx.var("$ID_TOKEN")).nonce("n");
                ctx.client
                    .auth()
                    .link_identity_with_id_token(&credentials)
                    .await?;
                Ok(())
            },
        )
        .signed_in(),
        Case::server(
            "link_identity, ID token refused",
            "auth.linkIdentity",
            json!([{ "provider": "google", "token": "not-an-id-token", "nonce": "n" }]),
            |ctx| async move {
                let credentials = IdTokenCredentials::new("google", "not-an-id-token").nonce("n");
                ctx.client
                    .auth()
                    .link_identity_with_id_token(&credentials)
                    .await?;
                Ok(())
            },
        )
        .refused()
        .signed_in(),
        Case::server(
            "unlink_identity",
            "auth.unlinkIdentity",
            json!([{ "identity_id": "$IDENTITY_ID" }]),
            |ctx| async move {
                let identity =
                    Identity::from(map(json!({ "identity_id": ctx.var("$IDENTITY_ID") })));
                ctx.client.auth().unlink_identity(&identity).await
            },
        )
        .signed_in()
        // Ours refreshes the session afterwards, so the cookie's user and token drop the
        // identity at once; auth-js leaves that to the application.
        .ours_also_send("POST", "/token"),
        Case::server(
            "unlink_identity, unknown",
            "auth.unlinkIdentity",
            json!([{ "identity_id": UNKNOWN_IDENTITY }]),
            |ctx| async move {
                let identity = Identity::from(map(json!({ "identity_id": UNKNOWN_IDENTITY })));
                ctx.client.auth().unlink_identity(&identity).await
            },
        )
        .refused()
        .signed_in(),
    ]
}

/// `auth.admin`: users.
fn admin_user_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin create_user, email",
            "auth.admin.createUser",
            json!([{
                "email": "created@example.com",
                "password": PASSWORD,
                "email_confirm": true,
                "user_metadata": { "name": "Ada" },
                "app_metadata": { "plan": "pro" },
            }]),
            |ctx| async move {
                let attributes = AdminUserAttributes::default()
                    .with_email("created@example.com")
                    .with_password(PASSWORD)
                    .with_email_confirm(true)
                    .with_user_metadata(map(json!({ "name": "Ada" })))
                    .with_app_metadata(map(json!({ "plan": "pro" })));
                ctx.admin.auth().create_user(&attributes).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin create_user, phone",
            "auth.admin.createUser",
            json!([{ "phone": "15555550111", "phone_confirm": true, "role": "authenticated" }]),
            |ctx| async move {
                let attributes = AdminUserAttributes::default()
                    .with_phone("15555550111")
                    .with_phone_confirm(true)
                    .with_role("authenticated");
                ctx.admin.auth().create_user(&attributes).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin list_users",
            "auth.admin.listUsers",
            json!([]),
            |ctx| async move {
                ctx.admin.auth().list_users(&ListUsers::default()).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin list_users, a page",
            "auth.admin.listUsers",
            json!([{ "page": 2, "perPage": 1 }]),
            |ctx| async move {
                let params = ListUsers::default().with_page(2).with_per_page(1);
                ctx.admin.auth().list_users(&params).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin get_user_by_id",
            "auth.admin.getUserById",
            json!(["$USER_ID"]),
            |ctx| async move {
                let id = ctx.vars.get("$USER_ID");
                ctx.admin.auth().get_user_by_id(id).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin update_user_by_id",
            "auth.admin.updateUserById",
            json!(["$USER_ID", {
                "email": "renamed@example.com",
                "email_confirm": true,
                "user_metadata": { "name": "Grace" },
                "ban_duration": "none",
            }]),
            |ctx| async move {
                let attributes = AdminUserAttributes::default()
                    .with_email("renamed@example.com")
                    .with_email_confirm(true)
                    .with_user_metadata(map(json!({ "name": "Grace" })))
                    .with_ban_duration("none");
                let id = ctx.vars.get("$USER_ID");
                ctx.admin.auth().update_user_by_id(id, &attributes).await?;
                Ok(())
            },
        ),
    ]
}

/// `auth.admin`: deleting users, ending their sessions, removing their MFA factors.
fn admin_session_cases() -> Vec<Case> {
    vec![
        // auth-js fetches the user first only to return it (a polyfill until its v3).
        Case::admin(
            "admin delete_user",
            "auth.admin.deleteUser",
            json!(["$USER_ID"]),
            |ctx| async move {
                let id = ctx.vars.get("$USER_ID");
                ctx.admin.auth().delete_user(id, false).await
            },
        )
        .js_also_sends("GET", "/admin/users/$USER_ID"),
        Case::admin(
            "admin delete_user, soft",
            "auth.admin.deleteUser",
            json!(["$USER_ID", true]),
            |ctx| async move {
                let id = ctx.vars.get("$USER_ID");
                ctx.admin.auth().delete_user(id, true).await
            },
        )
        .js_also_sends("GET", "/admin/users/$USER_ID"),
        Case::admin(
            "admin sign_out",
            "auth.admin.signOut",
            json!(["$ACCESS_TOKEN"]),
            |ctx| async move {
                let jwt = ctx.vars.get("$ACCESS_TOKEN");
                ctx.admin.auth().sign_out(jwt, SignOutScope::Global).await
            },
        )
        .signed_in(),
        Case::admin(
            "admin sign_out, local",
            "auth.admin.signOut",
            json!(["$ACCESS_TOKEN", "local"]),
            |ctx| async move {
                let jwt = ctx.vars.get("$ACCESS_TOKEN");
                ctx.admin.auth().sign_out(jwt, SignOutScope::Local).await
            },
        )
        .signed_in(),
        Case::admin(
            "admin mfa list_factors",
            "auth.admin.mfa.listFactors",
            json!([{ "userId": "$USER_ID" }]),
            |ctx| async move {
                let id = ctx.vars.get("$USER_ID");
                ctx.admin.auth().mfa().list_factors(id).await?;
                Ok(())
            },
        )
        .with_factor(),
        Case::admin(
            "admin mfa delete_factor",
            "auth.admin.mfa.deleteFactor",
            json!([{ "userId": "$USER_ID", "id": "$FACTOR_ID" }]),
            |ctx| async move {
                let (id, factor) = (ctx.vars.get("$USER_ID"), ctx.vars.get("$FACTOR_ID"));
                ctx.admin.auth().mfa().delete_factor(id, factor).await
            },
        )
        .with_factor(),
    ]
}

/// `auth.admin`: invitations and generated links.
fn admin_link_cases() -> Vec<Case> {
    let link = |name: &'static str, js: Value, rust: fn() -> GenerateLink| {
        Case::admin(
            name,
            "auth.admin.generateLink",
            json!([js]),
            move |ctx| async move {
                ctx.admin.auth().generate_link(&rust()).await?;
                Ok(())
            },
        )
    };
    vec![
        Case::admin(
            "admin invite_user_by_email",
            "auth.admin.inviteUserByEmail",
            json!(["invited@example.com", { "data": { "team": "blue" }, "redirectTo": CALLBACK }]),
            |ctx| async move {
                let options = InviteOptions::default()
                    .with_data(map(json!({ "team": "blue" })))
                    .with_redirect_to(CALLBACK);
                let auth = ctx.admin.auth();
                auth.invite_user_by_email("invited@example.com", &options)
                    .await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin invite_user_by_email, no options",
            "auth.admin.inviteUserByEmail",
            json!(["invited@example.com"]),
            |ctx| async move {
                let auth = ctx.admin.auth();
                auth.invite_user_by_email("invited@example.com", &InviteOptions::default())
                    .await?;
                Ok(())
            },
        ),
        link(
            "admin generate_link, signup",
            json!({
                "type": "signup",
                "email": "linked@example.com",
                "password": PASSWORD,
                "options": { "data": { "from": "link" }, "redirectTo": CALLBACK },
            }),
            || {
                GenerateLink::signup("linked@example.com", PASSWORD)
                    .data(map(json!({ "from": "link" })))
                    .redirect_to(CALLBACK)
            },
        ),
        link(
            "admin generate_link, invite",
            json!({ "type": "invite", "email": "linked@example.com" }),
            || GenerateLink::invite("linked@example.com"),
        ),
        link(
            "admin generate_link, magiclink",
            json!({ "type": "magiclink", "email": EMAIL, "options": { "redirectTo": CALLBACK } }),
            || GenerateLink::magiclink(EMAIL).redirect_to(CALLBACK),
        ),
        link(
            "admin generate_link, recovery",
            json!({ "type": "recovery", "email": EMAIL }),
            || GenerateLink::recovery(EMAIL),
        ),
        link(
            "admin generate_link, email_change_current",
            json!({ "type": "email_change_current", "email": EMAIL, "newEmail": "next@example.com" }),
            || GenerateLink::email_change_current(EMAIL, "next@example.com"),
        ),
        link(
            "admin generate_link, email_change_new",
            json!({
                "type": "email_change_new",
                "email": EMAIL,
                "newEmail": "next@example.com",
                "options": { "redirectTo": CALLBACK },
            }),
            || GenerateLink::email_change_new(EMAIL, "next@example.com").redirect_to(CALLBACK),
        ),
    ]
}

/// A client id no server registered.
const UNKNOWN_OAUTH_CLIENT: &str = "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";

/// Where the test OAuth client of the `oauth` cases gets its answers.
const OAUTH_CALLBACK: &str = "http://localhost:9999/callback";

/// The consent page's calls (auth-js `auth.oauth`).
fn oauth_server_cases() -> Vec<Case> {
    vec![
        Case::server(
            "oauth authorization_details",
            "auth.oauth.getAuthorizationDetails",
            json!(["$AUTHORIZATION_ID"]),
            |ctx| async move {
                let id = ctx.var("$AUTHORIZATION_ID");
                ctx.client.auth().oauth().authorization_details(&id).await?;
                Ok(())
            },
        )
        .signed_in()
        .with_oauth_client(),
        Case::server(
            "oauth approve_authorization",
            "auth.oauth.approveAuthorization",
            json!(["$AUTHORIZATION_ID", { "skipBrowserRedirect": true }]),
            |ctx| async move {
                let id = ctx.var("$AUTHORIZATION_ID");
                ctx.client.auth().oauth().approve_authorization(&id).await?;
                Ok(())
            },
        )
        .signed_in()
        .with_oauth_client(),
        Case::server(
            "oauth deny_authorization",
            "auth.oauth.denyAuthorization",
            json!(["$AUTHORIZATION_ID", { "skipBrowserRedirect": true }]),
            |ctx| async move {
                let id = ctx.var("$AUTHORIZATION_ID");
                ctx.client.auth().oauth().deny_authorization(&id).await?;
                Ok(())
            },
        )
        .signed_in()
        .with_oauth_client(),
        Case::server(
            "oauth list_grants",
            "auth.oauth.listGrants",
            json!([]),
            |ctx| async move {
                ctx.client.auth().oauth().list_grants().await?;
                Ok(())
            },
        )
        .signed_in()
        .with_oauth_client(),
        Case::server(
            "oauth approve_authorization, unknown",
            "auth.oauth.approveAuthorization",
            json!(["nosuchauthorization", { "skipBrowserRedirect": true }]),
            |ctx| async move {
                let oauth = ctx.client.auth().oauth();
                oauth.approve_authorization("nosuchauthorization").await?;
                Ok(())
            },
        )
        .signed_in()
        .refused(),
        Case::server(
            "oauth revoke_grant, no grant",
            "auth.oauth.revokeGrant",
            json!([{ "clientId": UNKNOWN_OAUTH_CLIENT }]),
            |ctx| async move {
                let oauth = ctx.client.auth().oauth();
                oauth.revoke_grant(UNKNOWN_OAUTH_CLIENT).await
            },
        )
        .signed_in()
        .refused(),
        Case::server(
            "oauth revoke_grant",
            "auth.oauth.revokeGrant",
            json!([{ "clientId": "$OAUTH_CLIENT_ID" }]),
            |ctx| async move {
                let id = ctx.var("$OAUTH_CLIENT_ID");
                ctx.client.auth().oauth().revoke_grant(&id).await
            },
        )
        .signed_in()
        .with_oauth_client(),
    ]
}

/// A UUID that names nothing on the server.
const UNKNOWN_UUID: &str = "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";

/// Users' passkeys (auth-js `auth.admin.passkey`).
fn admin_passkey_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin passkeys list",
            "auth.admin.passkey.listPasskeys",
            json!([{ "userId": "$USER_ID" }]),
            |ctx| async move {
                let id = ctx.var("$USER_ID");
                ctx.admin.auth().passkeys().list(&id).await?;
                Ok(())
            },
        )
        .with_passkey(),
        Case::admin(
            "admin passkeys delete",
            "auth.admin.passkey.deletePasskey",
            json!([{ "userId": "$USER_ID", "passkeyId": "$PASSKEY_ID" }]),
            |ctx| async move {
                let (id, passkey) = (ctx.var("$USER_ID"), ctx.var("$PASSKEY_ID"));
                ctx.admin.auth().passkeys().delete(&id, &passkey).await
            },
        )
        .with_passkey(),
        Case::admin(
            "admin passkeys delete, unknown passkey",
            "auth.admin.passkey.deletePasskey",
            json!([{ "userId": "$USER_ID", "passkeyId": UNKNOWN_UUID }]),
            |ctx| async move {
                let id = ctx.var("$USER_ID");
                ctx.admin.auth().passkeys().delete(&id, UNKNOWN_UUID).await
            },
        )
        .refused(),
    ]
}

/// The provider `custom:acme` of the custom provider cases.
fn acme_provider() -> CreateCustomProvider {
    CreateCustomProvider::oauth2(
        "custom:acme",
        "Acme",
        "acme-client",
        "acme-secret",
        OAuth2Endpoints {
            authorization_url: "https://acme.example/authorize".into(),
            token_url: "https://acme.example/token".into(),
            userinfo_url: "https://acme.example/userinfo".into(),
        },
    )
    .with_scopes(["email"])
}

/// Custom OAuth/OIDC providers (auth-js `auth.admin.customProviders`).
fn admin_custom_provider_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin custom providers list",
            "auth.admin.customProviders.listProviders",
            json!([]),
            |ctx| async move {
                ctx.admin
                    .auth()
                    .custom_providers()
                    .list_providers(None)
                    .await?;
                Ok(())
            },
        )
        .with_custom_provider(),
        Case::admin(
            "admin custom providers list, one type",
            "auth.admin.customProviders.listProviders",
            json!([{ "type": "oidc" }]),
            |ctx| async move {
                ctx.admin
                    .auth()
                    .custom_providers()
                    .list_providers(Some(CustomProviderType::Oidc))
                    .await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin custom providers get",
            "auth.admin.customProviders.getProvider",
            json!(["custom:acme"]),
            |ctx| async move {
                let providers = ctx.admin.auth().custom_providers();
                providers.get_provider("custom:acme").await?;
                Ok(())
            },
        )
        .with_custom_provider(),
        Case::admin(
            "admin custom providers get, unknown",
            "auth.admin.customProviders.getProvider",
            json!(["custom:none"]),
            |ctx| async move {
                let providers = ctx.admin.auth().custom_providers();
                providers.get_provider("custom:none").await?;
                Ok(())
            },
        )
        .refused(),
        Case::admin(
            "admin custom providers update",
            "auth.admin.customProviders.updateProvider",
            json!(["custom:acme", { "name": "Acme Inc", "enabled": false, "client_secret": "rotated" }]),
            |ctx| async move {
                let changes = UpdateCustomProvider::default()
                    .with_name("Acme Inc")
                    .with_enabled(false)
                    .with_client_secret("rotated");
                let providers = ctx.admin.auth().custom_providers();
                providers.update_provider("custom:acme", &changes).await?;
                Ok(())
            },
        )
        .with_custom_provider(),
        Case::admin(
            "admin custom providers delete",
            "auth.admin.customProviders.deleteProvider",
            json!(["custom:acme"]),
            |ctx| async move {
                let providers = ctx.admin.auth().custom_providers();
                providers.delete_provider("custom:acme").await
            },
        )
        .with_custom_provider(),
    ]
}

/// Creating custom providers of both kinds.
fn admin_custom_provider_create_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin custom providers create, oauth2",
            "auth.admin.customProviders.createProvider",
            json!([{
                "provider_type": "oauth2",
                "identifier": "custom:acme",
                "name": "Acme",
                "client_id": "acme-client",
                "client_secret": "acme-secret",
                "scopes": ["email"],
                "authorization_url": "https://acme.example/authorize",
                "token_url": "https://acme.example/token",
                "userinfo_url": "https://acme.example/userinfo",
            }]),
            |ctx| async move {
                let providers = ctx.admin.auth().custom_providers();
                providers.create_provider(&acme_provider()).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin custom providers create, oidc with options",
            "auth.admin.customProviders.createProvider",
            json!([{
                "provider_type": "oidc",
                "identifier": "custom:corp",
                "name": "Corp",
                "client_id": "corp-client",
                "client_secret": "corp-secret",
                "issuer": "https://id.corp.example",
                "pkce_enabled": false,
                "attribute_mapping": { "name": "display_name" },
                "authorization_params": { "prompt": "login" },
                "custom_claims_allowlist": ["groups"],
            }]),
            |ctx| async move {
                let mut mapping = Map::new();
                mapping.insert("name".into(), json!("display_name"));
                let corp = CreateCustomProvider::oidc(
                    "custom:corp",
                    "Corp",
                    "corp-client",
                    "corp-secret",
                    "https://id.corp.example",
                )
                .with_pkce_enabled(false)
                .with_attribute_mapping(mapping)
                .with_authorization_param("prompt", "login")
                .with_custom_claims_allowlist(["groups"]);
                ctx.admin
                    .auth()
                    .custom_providers()
                    .create_provider(&corp)
                    .await?;
                Ok(())
            },
        ),
    ]
}

/// The OAuth client registry (auth-js `auth.admin.oauth`).
fn admin_oauth_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin oauth list_clients",
            "auth.admin.oauth.listClients",
            json!([]),
            |ctx| async move {
                ctx.admin
                    .auth()
                    .oauth()
                    .list_clients(&ListOAuthClients::default())
                    .await?;
                Ok(())
            },
        )
        .with_oauth_client(),
        Case::admin(
            "admin oauth list_clients, a page",
            "auth.admin.oauth.listClients",
            json!([{ "page": 2, "perPage": 5 }]),
            |ctx| async move {
                let page = ListOAuthClients::default().with_page(2).with_per_page(5);
                ctx.admin.auth().oauth().list_clients(&page).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin oauth create_client",
            "auth.admin.oauth.createClient",
            json!([{
                "client_name": "Acme Notes",
                "client_uri": "https://notes.example.com",
                "redirect_uris": [OAUTH_CALLBACK],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "client_secret_post",
            }]),
            |ctx| async move {
                let client = CreateOAuthClient::new("Acme Notes", [OAUTH_CALLBACK])
                    .with_client_uri("https://notes.example.com")
                    .with_grant_types(["authorization_code", "refresh_token"])
                    .with_response_types(["code"])
                    .with_token_endpoint_auth_method("client_secret_post");
                ctx.admin.auth().oauth().create_client(&client).await?;
                Ok(())
            },
        ),
        Case::admin(
            "admin oauth get_client",
            "auth.admin.oauth.getClient",
            json!(["$OAUTH_CLIENT_ID"]),
            |ctx| async move {
                let id = ctx.var("$OAUTH_CLIENT_ID");
                ctx.admin.auth().oauth().get_client(&id).await?;
                Ok(())
            },
        )
        .with_oauth_client(),
        Case::admin(
            "admin oauth get_client, unknown",
            "auth.admin.oauth.getClient",
            json!([UNKNOWN_OAUTH_CLIENT]),
            |ctx| async move {
                let oauth = ctx.admin.auth().oauth();
                oauth.get_client(UNKNOWN_OAUTH_CLIENT).await?;
                Ok(())
            },
        )
        .refused(),
    ]
}

/// The OAuth client registry's changes (auth-js `auth.admin.oauth`).
fn admin_oauth_change_cases() -> Vec<Case> {
    vec![
        Case::admin(
            "admin oauth update_client",
            "auth.admin.oauth.updateClient",
            json!(["$OAUTH_CLIENT_ID", { "client_name": "Renamed", "logo_uri": "https://notes.example.com/logo.png" }]),
            |ctx| async move {
                let id = ctx.var("$OAUTH_CLIENT_ID");
                let changes = UpdateOAuthClient::default()
                    .with_client_name("Renamed")
                    .with_logo_uri("https://notes.example.com/logo.png");
                ctx.admin.auth().oauth().update_client(&id, &changes).await?;
                Ok(())
            },
        )
        .with_oauth_client(),
        Case::admin(
            "admin oauth delete_client",
            "auth.admin.oauth.deleteClient",
            json!(["$OAUTH_CLIENT_ID"]),
            |ctx| async move {
                let id = ctx.var("$OAUTH_CLIENT_ID");
                ctx.admin.auth().oauth().delete_client(&id).await
            },
        )
        .with_oauth_client(),
        Case::admin(
            "admin oauth regenerate_client_secret",
            "auth.admin.oauth.regenerateClientSecret",
            json!(["$OAUTH_CLIENT_ID"]),
            |ctx| async move {
                let id = ctx.var("$OAUTH_CLIENT_ID");
                ctx.admin.auth().oauth().regenerate_client_secret(&id).await?;
                Ok(())
            },
        )
        .with_oauth_client(),
    ]
}

// ---- one side: a local Auth server behind a recording proxy ----

/// Placeholder → this side's value.
#[derive(Debug, Clone, Default)]
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map_or_else(|| panic!("no {name}"), |(_, v)| v.as_str())
    }

    /// `text` with each placeholder replaced by this side's value.
    fn fill(&self, text: &str) -> String {
        self.0.iter().fold(text.to_owned(), |text, (name, value)| {
            text.replace(name, value)
        })
    }

    /// `text` with each of this side's values replaced by its placeholder.
    fn mask(&self, text: &str) -> String {
        self.0
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .fold(text.to_owned(), |text, (name, value)| {
                text.replace(value, name)
            })
    }
}

/// One request that reached a proxy.
#[derive(Debug, Clone)]
struct Recorded {
    method: Method,
    /// Path and query string.
    uri: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone)]
struct ProxyState {
    auth_url: String,
    records: Arc<Mutex<Vec<Recorded>>>,
}

struct Side {
    auth: LocalAuth,
    url: String,
    records: Arc<Mutex<Vec<Recorded>>>,
    vars: Vars,
    cookie_header: String,
    flow_ids: bool,
}

impl Side {
    async fn start(case: &Case) -> Self {
        let auth = LocalAuth::start(
            LocalAuthOptions::default()
                .sso_domain(SSO_DOMAIN)
                .user(SeedUser::new(EMAIL, PASSWORD))
                .user(SeedUser::new("phone@example.com", PASSWORD).phone(PHONE)),
        )
        .await
        .unwrap();
        let records = Arc::new(Mutex::new(Vec::new()));
        let state = ProxyState {
            auth_url: auth.url(),
            records: records.clone(),
        };
        let app = axum::Router::new().fallback(proxy).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

        let user_id = auth.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
        // An ID token of the server's test OIDC provider, for the ID-token cases.
        let id_token =
            auth.mint_id_token(&TestIdToken::new("google", "oidc@example.com").nonce("n"));
        let sso_provider = auth.sso_provider_id(SSO_DOMAIN).unwrap();
        let mut vars = vec![
            ("$USER_ID", user_id),
            ("$ID_TOKEN", id_token),
            ("$SSO_PROVIDER_ID", sso_provider),
        ];
        let mut cookie_header = String::new();
        if case.factor {
            let (factor_id, _secret) = auth.add_verified_totp_factor(EMAIL).unwrap();
            vars.push(("$FACTOR_ID", factor_id));
        }
        if case.signed_in {
            let issued = auth.mint_session(EMAIL, 3600).unwrap();
            let session = Session::from_value(issued.body).unwrap();
            let config = Config::new(&url, auth.publishable_key()).unwrap();
            let mut state = CookieState::new(Arc::new(config), []);
            state.set_session(&session);
            cookie_header = state
                .response_cookies()
                .set_cookies()
                .iter()
                .map(|c| c.split(';').next().unwrap().to_owned())
                .collect::<Vec<_>>()
                .join("; ");
            let identity_id = link_second_identity(&auth, &issued.access_token).await;
            vars.push(("$IDENTITY_ID", identity_id));
            if case.oauth {
                let (client_id, authorization_id) =
                    oauth_client_with_grant(&auth, &issued.access_token).await;
                vars.push(("$OAUTH_CLIENT_ID", client_id));
                vars.push(("$AUTHORIZATION_ID", authorization_id));
            }
            vars.push(("$ACCESS_TOKEN", issued.access_token));
            vars.push(("$REFRESH_TOKEN", issued.refresh_token));
        }
        if case.passkey {
            vars.push(("$PASSKEY_ID", auth.add_passkey(EMAIL).unwrap()));
        }
        if case.custom_provider {
            SupabaseAdmin::new(&auth.url(), auth.secret_key())
                .unwrap()
                .auth()
                .custom_providers()
                .create_provider(&acme_provider())
                .await
                .unwrap();
        }
        if case.oauth && !case.signed_in {
            vars.push(("$OAUTH_CLIENT_ID", register_oauth_client(&auth).await));
        }
        Self {
            auth,
            url,
            records,
            vars: Vars(vars),
            cookie_header,
            flow_ids: case.flow_ids,
        }
    }

    fn recorded(&self) -> Vec<Recorded> {
        self.records.lock().unwrap().clone()
    }

    fn client(&self) -> SupabaseClient {
        Supabase::builder(&self.url, self.auth.publishable_key())
            .append_flow_id_to_redirects(self.flow_ids)
            .build()
            .unwrap()
            .client([self.cookie_header.as_str()])
    }

    /// The input of `auth-requests.mjs` for this side's run of `case`.
    fn js_case(&self, case: &Case) -> Value {
        let args = self.vars.fill(&case.js_args.to_string());
        json!({
            "name": case.name,
            "url": self.url,
            "key": match case.client {
                ClientKind::Server => self.auth.publishable_key(),
                ClientKind::Admin => self.auth.secret_key(),
            },
            "client": match case.client {
                ClientKind::Server => "server",
                ClientKind::Admin => "admin",
            },
            "cookie_header": self.cookie_header,
            "flow_ids": case.flow_ids,
            "call": case.js_call,
            "args": serde_json::from_str::<Value>(&args).unwrap(),
        })
    }

    /// What was recorded, in the form compared.
    fn requests(&self) -> Vec<Value> {
        self.recorded()
            .iter()
            .map(|request| self.normalize(request))
            .collect()
    }

    fn normalize(&self, request: &Recorded) -> Value {
        let (path, query) = request
            .uri
            .split_once('?')
            .unwrap_or((request.uri.as_str(), ""));
        let query: BTreeMap<String, Value> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| {
                let value = self.value(&k, Value::String(v.into_owned()));
                (k.into_owned(), value)
            })
            .collect();
        let body = if request.body.is_empty() {
            Value::Null
        } else {
            match serde_json::from_slice::<Value>(&request.body) {
                Ok(body) => self.value("", body),
                Err(_) => {
                    json!({ "not JSON": self.vars.mask(&String::from_utf8_lossy(&request.body)) })
                }
            }
        };
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        json!({
            "method": request.method.as_str(),
            "path": self.vars.mask(path.strip_prefix("/auth/v1").unwrap_or(path)),
            "query": query,
            "body": body,
            "apikey": header("apikey").map(|key| self.key_kind(&key)),
            "authorization": match header("authorization") {
                None => "none".to_owned(),
                Some(value) => match value.strip_prefix("Bearer ") {
                    Some(token) => self.key_kind(token),
                    None => "not a bearer".to_owned(),
                },
            },
            "content-type": header("content-type"),
            "x-supabase-api-version": header("x-supabase-api-version"),
        })
    }

    /// A JSON value with this side's values masked, and random ones (under [`RANDOM_KEYS`])
    /// replaced by their shape.
    fn value(&self, key: &str, value: Value) -> Value {
        match value {
            Value::String(text) if RANDOM_KEYS.contains(&key) => Value::String(shape(&text)),
            Value::String(text) => Value::String(self.vars.mask(&mask_flow_ids(&text))),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let v = self.value(&k, v);
                        (k, v)
                    })
                    .collect(),
            ),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.value(key, v)).collect())
            }
            other => other,
        }
    }

    /// What kind of credential a header carries, never the credential itself.
    fn key_kind(&self, value: &str) -> String {
        if value == self.auth.publishable_key() {
            return "publishable key".to_owned();
        }
        if value == self.auth.secret_key() {
            return "secret key".to_owned();
        }
        let role = value.split('.').nth(1).and_then(|payload| {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .ok()?;
            let claims: Value = serde_json::from_slice(&bytes).ok()?;
            Some(claims["role"].as_str().unwrap_or("none").to_owned())
        });
        match role {
            Some(role) if role == "authenticated" => "user JWT".to_owned(),
            Some(role) => format!("JWT with role {role}"),
            None => "something else".to_owned(),
        }
    }
}

/// `text` with the random flow id of each `sb_flow_id=` (32 hex digits, in auth-js and ours)
/// replaced by its shape.
fn mask_flow_ids(text: &str) -> String {
    const PARAM: &str = "sb_flow_id=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PARAM) {
        let (before, after) = rest.split_at(at + PARAM.len());
        out.push_str(before);
        let len = after.bytes().take_while(u8::is_ascii_hexdigit).count();
        let _ = write!(out, "<random: {len} hex digits>");
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// How a random value looks: its length and alphabet.
fn shape(value: &str) -> String {
    let alphabet = if value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        "base64url"
    } else {
        "other"
    };
    format!("<random: {} {alphabet} characters>", value.len())
}

/// Links a second identity (Apple, by an ID token) to the seeded user, straight to the server
/// (not recorded), so one of them may be unlinked; returns its identity id (`$IDENTITY_ID`).
async fn link_second_identity(auth: &LocalAuth, access_token: &str) -> String {
    let id_token = auth.mint_id_token(&TestIdToken::new("apple", "second@example.com"));
    let answer = reqwest::Client::new()
        .post(format!("{}/token?grant_type=id_token", auth.auth_url()))
        .header("apikey", auth.publishable_key())
        .bearer_auth(access_token)
        .json(&json!({ "provider": "apple", "id_token": id_token, "link_identity": true }))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_success(), "{:?}", answer.text().await);
    let user = auth.user(EMAIL).unwrap();
    let identities = user["identities"].as_array().unwrap();
    let apple = identities
        .iter()
        .find(|i| i["provider"] == "apple")
        .unwrap();
    apple["identity_id"].as_str().unwrap().to_owned()
}

/// Registers an OAuth client straight at the server (not recorded); its id.
async fn register_oauth_client(auth: &LocalAuth) -> String {
    SupabaseAdmin::new(&auth.url(), auth.secret_key())
        .unwrap()
        .auth()
        .oauth()
        .create_client(&CreateOAuthClient::new("Acme", [OAUTH_CALLBACK]))
        .await
        .unwrap()
        .client_id()
        .to_owned()
}

/// Starts an authorization of `client_id` for `scope` and binds it to the user of
/// `access_token` (the consent page's first read), straight at the server; its id.
async fn bound_authorization(
    auth: &LocalAuth,
    access_token: &str,
    client_id: &str,
    scope: &str,
) -> String {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let challenge = "c".repeat(43);
    let authorize = url::Url::parse_with_params(
        &format!("{}/oauth/authorize", auth.auth_url()),
        [
            ("client_id", client_id),
            ("redirect_uri", OAUTH_CALLBACK),
            ("scope", scope),
            ("code_challenge", &challenge),
            ("code_challenge_method", "plain"),
        ],
    )
    .unwrap();
    let started = http.get(authorize).send().await.unwrap();
    let location = url::Url::parse(started.headers()["location"].to_str().unwrap()).unwrap();
    let id = location
        .query_pairs()
        .find(|(k, _)| k == "authorization_id")
        .unwrap()
        .1
        .into_owned();
    let details = http
        .get(format!("{}/oauth/authorizations/{id}", auth.auth_url()))
        .header("apikey", auth.publishable_key())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert!(details.status().is_success(), "{:?}", details.text().await);
    id
}

/// A registered client the seeded user granted `email` to, and a pending authorization of it
/// for more scopes bound to the user: `(client id, authorization id)`.
async fn oauth_client_with_grant(auth: &LocalAuth, access_token: &str) -> (String, String) {
    let client_id = register_oauth_client(auth).await;
    let granted = bound_authorization(auth, access_token, &client_id, "email").await;
    let consent = reqwest::Client::new()
        .post(format!(
            "{}/oauth/authorizations/{granted}/consent",
            auth.auth_url()
        ))
        .header("apikey", auth.publishable_key())
        .bearer_auth(access_token)
        .json(&json!({ "action": "approve" }))
        .send()
        .await
        .unwrap();
    assert!(consent.status().is_success(), "{:?}", consent.text().await);
    let pending = bound_authorization(auth, access_token, &client_id, "openid profile").await;
    (client_id, pending)
}

/// Records the request and forwards it to the local Auth server.
async fn proxy(State(state): State<ProxyState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
    let uri = parts
        .uri
        .path_and_query()
        .map(ToString::to_string)
        .unwrap_or_default();
    state.records.lock().unwrap().push(Recorded {
        method: parts.method.clone(),
        uri: uri.clone(),
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    let mut forwarded =
        reqwest::Client::new().request(parts.method, format!("{}{uri}", state.auth_url));
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            forwarded = forwarded.header(name, value);
        }
    }
    let answer = forwarded.body(body).send().await.unwrap();
    let mut response = Response::builder().status(answer.status().as_u16());
    for (name, value) in answer.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            response = response.header(name, value);
        }
    }
    response
        .body(Body::from(answer.bytes().await.unwrap()))
        .unwrap()
}

// ---- the comparison ----

#[tokio::test(flavor = "multi_thread")]
async fn our_requests_match_auth_js() {
    let node = NodeScripts::for_test();
    let cases = cases();
    let mut sides = Vec::new();
    for case in &cases {
        sides.push((Side::start(case).await, Side::start(case).await));
    }

    let input = json!({
        "cases": cases.iter().zip(&sides).map(|(case, (js, _))| js.js_case(case)).collect::<Vec<_>>(),
    });
    let output = tokio::task::spawn_blocking(move || {
        node.run("auth-requests.mjs", &[], &input.to_string())
            .unwrap()
    })
    .await
    .unwrap();
    let js_results: Vec<Value> = serde_json::from_str(&output).unwrap();

    let mut report = String::new();
    for ((case, (js, rust)), js_result) in cases.iter().zip(&sides).zip(&js_results) {
        let ctx = Ctx {
            client: rust.client(),
            admin: SupabaseAdmin::new(&rust.url, rust.auth.secret_key()).unwrap(),
            vars: rust.vars.clone(),
        };
        let rust_result = (case.rust)(ctx).await;
        let js_ok = js_result["ok"].as_bool().unwrap();
        if js_ok == case.refused {
            let expected = if case.refused { "a refusal" } else { "success" };
            writeln!(
                report,
                "\n## {}: expected {expected}, auth-js got {}",
                case.name, js_result["error"]
            )
            .unwrap();
        }
        if js_ok != rust_result.is_ok() {
            let js_outcome = if js_ok { "succeeded" } else { "failed" };
            let rust_outcome = rust_result.map_err(|e| e.to_string());
            writeln!(
                report,
                "\n## {}: auth-js {js_outcome} ({}), ours {rust_outcome:?}",
                case.name, js_result["error"],
            )
            .unwrap();
        }
        let expected: Vec<Value> =
            js.requests()
                .into_iter()
                .filter(|request| {
                    !case.js_only.iter().any(|(method, path)| {
                        request["method"] == *method && request["path"] == *path
                    })
                })
                .collect();
        let actual: Vec<Value> =
            rust.requests()
                .into_iter()
                .filter(|request| {
                    !case.ours_only.iter().any(|(method, path)| {
                        request["method"] == *method && request["path"] == *path
                    })
                })
                .collect();
        if expected.is_empty() {
            writeln!(report, "\n## {}: auth-js sent nothing", case.name).unwrap();
        }
        if expected != actual {
            writeln!(
                report,
                "\n## {}: the requests differ\nauth-js:\n{}\nours:\n{}",
                case.name,
                serde_json::to_string_pretty(&expected).unwrap(),
                serde_json::to_string_pretty(&actual).unwrap(),
            )
            .unwrap();
        }
    }
    assert!(report.is_empty(), "{report}");
}

#[test]
fn placeholders_round_trip_and_random_values_compare_by_shape() {
    let vars = Vars(vec![("$USER_ID", "u-123".to_owned())]);
    assert_eq!(vars.fill("/admin/users/$USER_ID"), "/admin/users/u-123");
    assert_eq!(vars.mask("/admin/users/u-123"), "/admin/users/$USER_ID");
    assert_eq!(
        shape("abc-_DEF"),
        "<random: 8 base64url characters>",
        "the value itself never appears"
    );
    assert_eq!(shape("a+b/"), "<random: 4 other characters>");
}
