//! Fidelity with the official client: `js/fidelity.mjs` runs `@supabase/supabase-js` (pinned in
//! `js/package.json`) against a fresh server, and the 22 recorded error mappings of
//! `vectors/errors.json` are reproduced with faults and compared. Every `auth.mfa` method runs
//! too (enroll TOTP and phone, challenge, verify, challengeAndVerify, listFactors,
//! getAuthenticatorAssuranceLevel, unenroll), each call asserted; the test prints the list.
//! The Auth flows (resend, reauthenticate, the password-change rules, signInWithIdToken,
//! signInWithSSO, getUserIdentities, linkIdentity by OAuth and ID token, unlinkIdentity) run
//! against a second server configured for them; that list is printed and asserted too. Every
//! `auth.admin` method the local server supports runs against a third server with a client made
//! with the secret key (createUser, listUsers with its pages, getUserById, updateUserById,
//! signOut(jwt, scope), inviteUserByEmail, generateLink of each type, mfa.listFactors,
//! mfa.deleteFactor, deleteUser soft and hard), each answer checked; that list is printed and
//! asserted as well. The project as an OAuth 2.1 server runs against a fourth server: every
//! `auth.admin.oauth` method and a third-party app's loop through every `auth.oauth` method
//! (details, approve, the app's code exchange, grants, auto-approval, deny, revoke).
//!
//! Needs Node.js 20+ and npm; fails (never skips) without them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use supabase_ssr_testing::node::NodeScripts;
use supabase_ssr_testing::server::{
    Endpoint, Fault, LocalAuth, LocalAuthOptions, SeedUser, TestIdToken,
};

const VECTORS: &str = include_str!("../vectors/errors.json");
const V: (&str, &str) = ("X-Supabase-Api-Version", "2024-01-01");
const JSON: (&str, &str) = ("Content-Type", "application/json");

/// The response each recorded case describes, as a fault on `/token?grant_type=password`.
/// `None`: the server's own answer to a wrong password.
fn fault_for(label: &str) -> Option<Fault> {
    let respond =
        |status, headers: &[(&str, &str)], body: &str| Some(Fault::respond(status, headers, body));
    match label
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
        .as_str()
    {
        "400 {code,message} +" => None,
        "400 {code,message} WITHOUT" => respond(
            400,
            &[JSON],
            r#"{"code":"invalid_credentials","message":"Invalid login credentials"}"#,
        ),
        "400 legacy {code:400,error_code,msg}" if label.contains("WITH version") => respond(
            400,
            &[JSON, V],
            r#"{"code":400,"error_code":"email_not_confirmed","msg":"Email not confirmed"}"#,
        ),
        "400 legacy {code:400,error_code,msg}" => respond(
            400,
            &[JSON],
            r#"{"code":400,"error_code":"invalid_credentials","msg":"Invalid login credentials"}"#,
        ),
        "400 OAuth-style {error,error_description}" => respond(
            400,
            &[JSON],
            r#"{"error":"invalid_grant","error_description":"Invalid Refresh Token"}"#,
        ),
        "400 {error} only" => respond(400, &[JSON], r#"{"error":"invalid_request"}"#),
        "400 body without" => respond(400, &[JSON], r#"{"foo":"bar"}"#),
        "422 weak_password (current" => respond(
            422,
            &[JSON, V],
            r#"{"code":"weak_password","message":"Password should be at least 6 characters.","weak_password":{"reasons":["length"]}}"#,
        ),
        "422 legacy weak" => respond(
            422,
            &[JSON],
            r#"{"code":422,"msg":"Password should contain ...","weak_password":{"reasons":["characters"]}}"#,
        ),
        "429 over_request_rate_limit" => Some(Fault::status(429)),
        "403 session_not_found ->" => respond(
            403,
            &[JSON, V],
            r#"{"code":"session_not_found","message":"Session from session_id claim in JWT does not exist"}"#,
        ),
        "500 JSON ->" => respond(
            500,
            &[JSON],
            r#"{"code":500,"error_code":"unexpected_failure","msg":"Database error"}"#,
        ),
        "502 HTML body" => Some(Fault::not_json(502)),
        "503 empty body," => Some(Fault::respond(503, &[], "").reason("")),
        "504 JSON" => respond(504, &[JSON], r#"{"message":"timeout"}"#),
        "520 Cloudflare JSON" => respond(520, &[JSON], r#"{"message":"cf"}"#),
        "501 JSON" => respond(501, &[JSON], r#"{"message":"not impl"}"#),
        "505 JSON (not" => respond(505, &[JSON], r#"{"message":"http version"}"#),
        "404 HTML body" => respond(
            404,
            &[("Content-Type", "text/html")],
            "<html>not found</html>",
        ),
        "200 with non-JSON" => respond(200, &[("Content-Type", "text/plain")], "not json"),
        "200 JSON without" => respond(200, &[JSON], "{}"),
        "fetch throws TypeError" => Some(Fault::drop_connection()),
        other => panic!("no response known for error vector `{other}` ({label})"),
    }
}

/// The script's input for the recorded error mappings: each label with its fault, and a wrong
/// password for the ones the server answers itself.
fn error_cases(cases: &[Value]) -> Vec<Value> {
    cases
        .iter()
        .map(|c| {
            let label = c["label"].as_str().unwrap();
            let fault = fault_for(label);
            let password = if fault.is_none() {
                "wrong-password"
            } else {
                "password123"
            };
            json!({ "label": label, "fault": fault, "password": password })
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn official_client_against_local_auth() {
    let server = LocalAuth::start(
        LocalAuthOptions::default().user(SeedUser::new("user@example.com", "password123")),
    )
    .await
    .unwrap();
    let vectors: Value = serde_json::from_str(VECTORS).unwrap();
    let cases = vectors["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 22);
    let error_cases = error_cases(cases);
    let flows_server = flows_server().await;
    let admin_server = admin_server().await;
    let oauth_server = oauth_server().await;
    let input = json!({
        "url": server.url(),
        "key": server.publishable_key(),
        "errorCases": error_cases,
        "flows": flows_input(&flows_server),
        "admin": admin_input(&admin_server),
        "oauthServer": oauth_server_input(&oauth_server),
    })
    .to_string();

    let output = tokio::task::spawn_blocking(move || {
        NodeScripts::ensure()?.run("fidelity.mjs", &[], &input)
    })
    .await
    .unwrap()
    .unwrap_or_else(|e| panic!("{e}"));
    let report: Value = serde_json::from_str(&output).unwrap();

    let checks = report["checks"].as_array().unwrap();
    assert!(checks.len() >= 25, "{report:#}");
    for c in checks {
        assert_eq!(c["ok"], true, "check failed: {c}");
    }

    // Every `auth.mfa` method ran against the server.
    let mfa_calls: Vec<&str> = report["mfaCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    println!("auth.mfa calls run: {}", mfa_calls.join(", "));
    let mut distinct = mfa_calls.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(
        distinct,
        [
            "challenge",
            "challengeAndVerify",
            "enroll",
            "getAuthenticatorAssuranceLevel",
            "listFactors",
            "unenroll",
            "verify"
        ]
    );
    assert_eq!(mfa_calls.len(), 20, "{mfa_calls:?}");

    let actual = report["errors"].as_array().unwrap();
    assert_eq!(actual.len(), cases.len());
    let mut mismatches = Vec::new();
    for (case, got) in cases.iter().zip(actual) {
        let want = &case["error"];
        let got = &got["actual"];
        let same = got["name"] == want["__error"]
            && got["message"] == want["message"]
            && got["status"] == want["status"]
            && got["code"] == want["code"]
            && want.get("reasons").is_none_or(|r| got["reasons"] == *r);
        if !same {
            mismatches.push(format!("{}\n  want {want}\n  got  {got}", case["label"]));
        }
    }
    assert!(
        mismatches.is_empty(),
        "error mappings differ:\n{}",
        mismatches.join("\n")
    );

    // Seen from the server (the script reset the counters before its getClaims phase): JWKS
    // fetched once for the whole run (auth-js caches it per process), and every later flow
    // reached the endpoint it should.
    let counters = server.counters();
    assert_eq!(counters.get(Endpoint::Jwks), 1, "{counters:?}");
    assert!(counters.get(Endpoint::TokenRefresh) >= 6, "{counters:?}");
    assert!(counters.get(Endpoint::TokenPkce) >= 1, "{counters:?}");
    assert_eq!(counters.get(Endpoint::Authorize), 1, "{counters:?}");
    assert_eq!(counters.get(Endpoint::VerifyPost), 3, "{counters:?}");
    assert!(counters.get(Endpoint::Logout) >= 1, "{counters:?}");
    assert_eq!(counters.get(Endpoint::FactorsEnroll), 2, "{counters:?}");
    assert_eq!(counters.get(Endpoint::FactorsUnenroll), 3, "{counters:?}");
    server.stop().await;

    assert_flow_calls(&report, &flows_server);
    flows_server.stop().await;
    assert_admin_calls(&report, &admin_server);
    admin_server.stop().await;
    assert_oauth_server_calls(&report);
    oauth_server.stop().await;
}

const OAUTH_SERVER_EMAIL: &str = "consenting@example.com";

/// The server the OAuth-server section runs against: one seeded user.
async fn oauth_server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default().user(SeedUser::new(OAUTH_SERVER_EMAIL, "password123")),
    )
    .await
    .unwrap()
}

fn oauth_server_input(s: &LocalAuth) -> Value {
    json!({
        "url": s.url(),
        "key": s.publishable_key(),
        "secretKey": s.secret_key(),
        "email": OAUTH_SERVER_EMAIL,
        "password": "password123",
        "consentPath": supabase_ssr_testing::OAUTH_CONSENT_PATH,
    })
}

/// Every `auth.admin.oauth` and `auth.oauth` method ran (the script checked each answer), in
/// this order.
fn assert_oauth_server_calls(report: &Value) {
    let calls: Vec<&str> = report["oauthServerCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    println!(
        "auth.admin.oauth / auth.oauth calls run: {}",
        calls.join(", ")
    );
    assert_eq!(
        calls,
        [
            "admin.oauth.createClient",
            "admin.oauth.createClient",
            "admin.oauth.listClients",
            "admin.oauth.getClient",
            "admin.oauth.updateClient",
            "admin.oauth.regenerateClientSecret",
            "oauth.getAuthorizationDetails",
            "oauth.approveAuthorization",
            "oauth.listGrants",
            "oauth.getAuthorizationDetails",
            "oauth.getAuthorizationDetails",
            "oauth.denyAuthorization",
            "oauth.revokeGrant",
            "oauth.listGrants",
            "admin.oauth.deleteClient",
            "admin.oauth.getClient",
        ]
    );
}

const ADMIN_SEED_EMAIL: &str = "seed@example.com";

/// The server the admin section runs against: one seeded user, the default secret key.
async fn admin_server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default().user(SeedUser::new(ADMIN_SEED_EMAIL, "password123")),
    )
    .await
    .unwrap()
}

/// The admin section's input: the server, both keys, its seeded user and a passkey stored for it
/// (the script cannot register one: that takes a browser's `WebAuthn` ceremony).
fn admin_input(s: &LocalAuth) -> Value {
    json!({
        "url": s.url(),
        "key": s.publishable_key(),
        "secretKey": s.secret_key(),
        "email": ADMIN_SEED_EMAIL,
        "userId": s.user(ADMIN_SEED_EMAIL).unwrap()["id"],
        "passkeyId": s.add_passkey(ADMIN_SEED_EMAIL).unwrap(),
    })
}

/// Every `auth.admin` method the server supports ran (the script checked each answer), in
/// this order; the server counted the calls.
fn assert_admin_calls(report: &Value, s: &LocalAuth) {
    let calls: Vec<&str> = report["adminCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    println!("auth.admin calls run: {}", calls.join(", "));
    let mut expected = vec!["createUser"; 5];
    expected.extend(["listUsers"; 3]);
    expected.extend([
        "getUserById",
        "getUserById",
        "updateUserById",
        "updateUserById",
        "updateUserById",
        "signOut",
        "signOut",
        "inviteUserByEmail",
        "inviteUserByEmail",
    ]);
    expected.extend(["generateLink"; 7]);
    expected.extend([
        "mfa.listFactors",
        "mfa.deleteFactor",
        "mfa.listFactors",
        "passkey.listPasskeys",
        "passkey.deletePasskey",
        "passkey.deletePasskey",
        "passkey.listPasskeys",
        "customProviders.createProvider",
        "customProviders.createProvider",
        "customProviders.listProviders",
        "customProviders.listProviders",
        "customProviders.getProvider",
        "customProviders.updateProvider",
        "customProviders.deleteProvider",
        "customProviders.getProvider",
        "deleteUser",
        "getUserById",
        "deleteUser",
        "getUserById",
    ]);
    assert_eq!(calls, expected);
    let counters = s.counters();
    for (endpoint, n) in [
        (Endpoint::AdminUserCreate, 5),
        (Endpoint::AdminUsersList, 4),
        // auth-js's deleteUser reads the user first, to answer it.
        (Endpoint::AdminUserGet, 6),
        (Endpoint::AdminUserUpdate, 3),
        (Endpoint::AdminUserDelete, 2),
        (Endpoint::Invite, 2),
        (Endpoint::GenerateLink, 7),
        (Endpoint::AdminFactorsList, 2),
        (Endpoint::AdminFactorDelete, 1),
        (Endpoint::AdminPasskeysList, 2),
        (Endpoint::AdminPasskeyDelete, 2),
        (Endpoint::AdminCustomProviderCreate, 2),
        (Endpoint::AdminCustomProvidersList, 2),
        (Endpoint::AdminCustomProviderGet, 2),
        (Endpoint::AdminCustomProviderUpdate, 1),
        (Endpoint::AdminCustomProviderDelete, 1),
        (Endpoint::Logout, 2),
    ] {
        assert_eq!(counters.get(endpoint), n, "{endpoint}: {counters:?}");
    }
}

const FLOWS_EMAIL: &str = "flows@example.com";
const FLOWS_PASSWORD: &str = "password123";
const SSO_DOMAIN: &str = "acme.test";
const ID_TOKEN_NONCE: &str = "raw-nonce-from-the-app";

/// The server the flows section runs against: sign-ups need confirming, password changes need
/// the current password and (from sessions older than a day) a reauthentication nonce, and one
/// SSO domain.
async fn flows_server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default()
            .autoconfirm(false)
            .secure_password_change(true)
            .require_current_password(true)
            .sso_domain(SSO_DOMAIN)
            .user(SeedUser::new(FLOWS_EMAIL, FLOWS_PASSWORD)),
    )
    .await
    .unwrap()
}

/// The flows section's input: the server, its user, and ID tokens minted by the server's test
/// OIDC provider (one to sign in with, with a nonce; one to link).
fn flows_input(s: &LocalAuth) -> Value {
    let sign_in = TestIdToken::new("google", "id-token@example.com").nonce(ID_TOKEN_NONCE);
    let link = TestIdToken::new("google", "linked-google@example.com");
    json!({
        "url": s.url(),
        "key": s.publishable_key(),
        "email": FLOWS_EMAIL,
        "password": FLOWS_PASSWORD,
        "ssoDomain": SSO_DOMAIN,
        "idToken": s.mint_id_token(&sign_in),
        "idTokenNonce": ID_TOKEN_NONCE,
        "linkIdToken": s.mint_id_token(&link),
    })
}

/// Every flow ran (its checks are among the report's, all asserted above), in this order, and
/// reached the server.
fn assert_flow_calls(report: &Value, s: &LocalAuth) {
    let calls: Vec<&str> = report["flowCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    println!("auth flow calls run: {}", calls.join(", "));
    assert_eq!(
        calls,
        [
            "signUp",
            "resend",
            "exchangeCodeForSession",
            "signInWithOtp",
            "resend",
            "signInWithIdToken",
            "signInWithIdToken",
            "signInWithSSO",
            "exchangeCodeForSession",
            "signInWithSSO",
            "signInWithPassword",
            "getUserIdentities",
            "linkIdentity",
            "exchangeCodeForSession",
            "linkIdentity",
            "getUserIdentities",
            "unlinkIdentity",
            "getUserIdentities",
            "updateUser",
            "updateUser",
            "refreshSession",
            "updateUser",
            "reauthenticate",
            "updateUser",
            "updateUser",
            "signInWithPassword",
        ]
    );
    let counters = s.counters();
    for (endpoint, n) in [
        (Endpoint::Resend, 2),
        (Endpoint::Reauthenticate, 1),
        (Endpoint::TokenIdToken, 3),
        (Endpoint::Sso, 2),
        (Endpoint::SsoAcs, 1),
        (Endpoint::IdentitiesAuthorize, 1),
        (Endpoint::IdentitiesUnlink, 1),
        (Endpoint::UserPut, 5),
    ] {
        assert_eq!(counters.get(endpoint), n, "{endpoint}: {counters:?}");
    }
}
