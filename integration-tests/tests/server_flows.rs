//! The server's remaining user-facing flows over real HTTP: resend, reauthentication and the
//! password-change rules, identities (link/unlink), the ID-token grant, SSO, weak passwords.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use supabase_ssr_testing::server::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser, TestIdToken};

const EMAIL: &str = "user@example.com";
const PASSWORD: &str = "password123";

async fn server_with(options: LocalAuthOptions) -> LocalAuth {
    LocalAuth::start(options.user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

async fn server() -> LocalAuth {
    server_with(LocalAuthOptions::default()).await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap()
}

/// A call with the API key, the 2024-01-01 error shape, and an optional bearer; returns the
/// status and the JSON body (`null` when empty).
async fn call(
    s: &LocalAuth,
    method: reqwest::Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client()
        .request(method, format!("{}{path}", s.auth_url()))
        .header("apikey", s.publishable_key())
        .header("X-Supabase-Api-Version", "2024-01-01");
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(s: &LocalAuth, path: &str, body: Value) -> (u16, Value) {
    call(s, reqwest::Method::POST, path, None, Some(body)).await
}

fn code_of(v: &Value) -> &str {
    v["code"].as_str().unwrap_or_default()
}

async fn password_session(s: &LocalAuth, email: &str, password: &str) -> Value {
    let (status, body) = post(
        s,
        "/token?grant_type=password",
        json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

// ---- /resend ----

#[tokio::test]
async fn resend_signup_sends_a_new_confirmation_for_unconfirmed_users_only() {
    let s = server_with(LocalAuthOptions::default().autoconfirm(false)).await;
    let (status, _) = post(
        &s,
        "/signup",
        json!({"email": "new@example.com", "password": "secret-pw"}),
    )
    .await;
    assert_eq!(status, 200);
    s.clear_outbox();
    let (status, body) = post(
        &s,
        "/resend",
        json!({"type": "signup", "email": "NEW@example.com"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let outbox = s.outbox();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        (outbox[0].kind.as_str(), outbox[0].to.as_str()),
        ("signup", "new@example.com")
    );
    // Confirmed and unknown users: `{}` and nothing sent.
    for email in [EMAIL, "nobody@example.com"] {
        let (status, body) = post(&s, "/resend", json!({"type": "signup", "email": email})).await;
        assert_eq!((status, body), (200, json!({})));
    }
    assert_eq!(s.outbox().len(), 1);
    // The code verifies as a sign-up confirmation.
    let (status, _) = post(
        &s,
        "/verify",
        json!({"type": "signup", "email": "new@example.com", "token": outbox[0].otp}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn resend_signup_with_pkce_gives_a_code_link() {
    let s = server_with(LocalAuthOptions::default().autoconfirm(false)).await;
    post(
        &s,
        "/signup",
        json!({"email": "new@example.com", "password": "secret-pw"}),
    )
    .await;
    s.clear_outbox();
    let verifier = "v".repeat(43);
    let (status, _) = post(
        &s,
        "/resend?redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb",
        json!({"type": "signup", "email": "new@example.com",
               "code_challenge": verifier, "code_challenge_method": "plain"}),
    )
    .await;
    assert_eq!(status, 200);
    let link = s.outbox()[0].link.clone();
    let r = client().get(&link).send().await.unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("http://localhost:3000/cb?code="),
        "{location}"
    );
    let code = location.split("code=").nth(1).unwrap();
    let (status, body) = post(
        &s,
        "/token?grant_type=pkce",
        json!({"auth_code": code, "code_verifier": verifier}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn resend_validates_like_gotrue() {
    let s = server().await;
    let cases = [
        (
            json!({"type": "magiclink", "email": EMAIL}),
            "Missing one of these types: signup, email_change, sms, phone_change",
        ),
        (
            json!({"type": "signup"}),
            "Type provided requires an email address",
        ),
        (
            json!({"type": "sms"}),
            "Type provided requires a phone number",
        ),
        (
            json!({"type": "email_change", "email": EMAIL, "phone": "+15550000"}),
            "Only an email address or phone number should be provided.",
        ),
        (
            json!({"type": "email_change"}),
            "Missing email address or phone number",
        ),
        (
            json!({"type": "signup", "email": EMAIL, "code_challenge": "abc"}),
            "PKCE flow requires code_challenge_method and code_challenge",
        ),
    ];
    for (body, message) in cases {
        let (status, answer) = post(&s, "/resend", body.clone()).await;
        assert_eq!(
            (status, code_of(&answer)),
            (400, "validation_failed"),
            "{body}"
        );
        assert_eq!(answer["message"], message);
    }
}

#[tokio::test]
async fn resend_sms_and_phone_change_answer_with_the_message_id() {
    let s = server().await;
    let (status, body) = post(&s, "/otp", json!({"phone": "+15550001"})).await;
    assert_eq!(status, 200);
    let first = body["message_id"].as_str().unwrap().to_owned();
    let (status, body) = post(&s, "/resend", json!({"type": "sms", "phone": "+15550001"})).await;
    assert_eq!(status, 200);
    let outbox = s.outbox();
    assert_eq!(body["message_id"], outbox[1].id.as_str());
    assert_ne!(body["message_id"], first.as_str());
    assert_eq!(
        (outbox[1].kind.as_str(), outbox[1].link.as_str()),
        ("sms", "")
    );

    // phone_change: only with a pending change, sent to the new number.
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = post(
        &s,
        "/resend",
        json!({"type": "phone_change", "phone": "+15550002"}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let (status, user) = call(
        &s,
        reqwest::Method::PUT,
        "/user",
        Some(token),
        Some(json!({"phone": "+15550002"})),
    )
    .await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["new_phone"], "+15550002");
    assert_eq!(user["phone"], "");
    s.clear_outbox();
    // GoTrue finds the user by its current phone; this user has none yet, so by email instead.
    let (status, body) = post(
        &s,
        "/resend",
        json!({"type": "phone_change", "email": EMAIL}),
    )
    .await;
    assert_eq!(status, 200);
    let m = s.outbox().pop().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.to.as_str()),
        ("phone_change", "+15550002")
    );
    assert_eq!(body["message_id"], m.id.as_str());
    let (status, session) = post(
        &s,
        "/verify",
        json!({"type": "phone_change", "phone": "+15550002", "token": m.otp}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["user"]["phone"], "+15550002");
    assert!(session["user"].get("new_phone").is_none());
}

#[tokio::test]
async fn resend_email_change_goes_to_the_new_address() {
    let s = server().await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = post(
        &s,
        "/resend",
        json!({"type": "email_change", "email": EMAIL}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    assert!(s.outbox().is_empty());
    call(
        &s,
        reqwest::Method::PUT,
        "/user",
        Some(token),
        Some(json!({"email": "next@example.com"})),
    )
    .await;
    s.clear_outbox();
    let (status, body) = post(
        &s,
        "/resend",
        json!({"type": "email_change", "email": EMAIL}),
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let m = s.outbox().pop().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.to.as_str()),
        ("email_change", "next@example.com")
    );
}

// ---- /reauthenticate and password changes ----

#[tokio::test]
async fn reauthenticate_puts_a_nonce_in_the_outbox() {
    let s = server().await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = call(
        &s,
        reqwest::Method::GET,
        "/reauthenticate",
        Some(token),
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let m = s.outbox().pop().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.to.as_str(), m.link.as_str()),
        ("reauthentication", EMAIL, "")
    );
    assert_eq!(m.otp.len(), 6);
    let user = s.user(EMAIL).unwrap();
    assert!(user["reauthentication_sent_at"].is_string());
    // Not a code `/verify` takes.
    for t in ["email", "reauthentication"] {
        let (status, _) = post(
            &s,
            "/verify",
            json!({"type": t, "email": EMAIL, "token": m.otp}),
        )
        .await;
        assert_ne!(status, 200);
    }
    let (status, body) = call(&s, reqwest::Method::GET, "/reauthenticate", None, None).await;
    assert_eq!((status, code_of(&body)), (401, "no_authorization"));
    let (status, _) = call(
        &s,
        reqwest::Method::POST,
        "/reauthenticate",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 405);
}

#[tokio::test]
async fn reauthenticate_needs_a_confirmed_address_and_texts_phone_users() {
    let s = server().await;
    let (_, body) = post(&s, "/otp", json!({"phone": "+15550003"})).await;
    assert!(body["message_id"].is_string());
    let m = s.outbox().pop().unwrap();
    let (status, session) = post(
        &s,
        "/verify",
        json!({"type": "sms", "phone": "+15550003", "token": m.otp}),
    )
    .await;
    assert_eq!(status, 200);
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = call(
        &s,
        reqwest::Method::GET,
        "/reauthenticate",
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let m = s.outbox().pop().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.to.as_str()),
        ("reauthentication", "+15550003")
    );
    assert_eq!(body["message_id"], m.id.as_str());

    let id = s
        .add_user(&SeedUser::new("unconfirmed@example.com", PASSWORD).unconfirmed())
        .unwrap();
    let token = s.mint_session(&id, 3600).unwrap().access_token;
    let (status, body) = call(
        &s,
        reqwest::Method::GET,
        "/reauthenticate",
        Some(&token),
        None,
    )
    .await;
    assert_eq!((status, code_of(&body)), (422, "email_not_confirmed"));
}

/// Signs in, then moves the clock past the 24 hours in which the Go server waives the nonce, keeping
/// the session alive with a refresh; returns the fresh access token.
async fn day_old_session(s: &LocalAuth, password: &str) -> String {
    let session = password_session(s, EMAIL, password).await;
    s.advance(Duration::from_secs(25 * 3600));
    let (status, refreshed) = post(
        s,
        "/token?grant_type=refresh_token",
        json!({"refresh_token": session["refresh_token"]}),
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    refreshed["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn secure_password_change_requires_a_valid_nonce_from_old_sessions() {
    let s = server_with(LocalAuthOptions::default().secure_password_change(true)).await;
    // A session younger than 24 hours changes the password without a nonce.
    let fresh = password_session(&s, EMAIL, PASSWORD).await;
    let (status, body) = call(
        &s,
        reqwest::Method::PUT,
        "/user",
        fresh["access_token"].as_str(),
        Some(json!({"password": "second-pw"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let token = day_old_session(&s, "second-pw").await;
    let token = token.as_str();
    let put = |body: Value| call(&s, reqwest::Method::PUT, "/user", Some(token), Some(body));
    let (status, body) = put(json!({"password": "third-pw"})).await;
    assert_eq!((status, code_of(&body)), (400, "reauthentication_needed"));
    assert_eq!(body["message"], "Password update requires reauthentication");
    let (status, body) = put(json!({"password": "third-pw", "nonce": "123456"})).await;
    assert_eq!(
        (status, code_of(&body)),
        (422, "reauthentication_not_valid")
    );
    assert_eq!(body["message"], "Nonce has expired or is invalid");

    call(
        &s,
        reqwest::Method::GET,
        "/reauthenticate",
        Some(token),
        None,
    )
    .await;
    let nonce = s.outbox().pop().unwrap().otp;
    let wrong = if nonce == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, body) = put(json!({"password": "third-pw", "nonce": wrong})).await;
    assert_eq!(
        (status, code_of(&body)),
        (422, "reauthentication_not_valid")
    );
    let (status, body) = put(json!({"password": "third-pw", "nonce": nonce})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("reauthentication_sent_at").is_none());
    // Used once.
    let (status, body) = put(json!({"password": "fourth-pw", "nonce": nonce})).await;
    assert_eq!(
        (status, code_of(&body)),
        (422, "reauthentication_not_valid")
    );
    password_session(&s, EMAIL, "third-pw").await;
}

#[tokio::test]
async fn nonces_expire_with_the_otp_lifetime() {
    let options = LocalAuthOptions::default()
        .secure_password_change(true)
        .access_token_ttl(Duration::from_secs(3 * 24 * 3600));
    let s = server_with(options).await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    s.advance(Duration::from_secs(25 * 3600));
    call(
        &s,
        reqwest::Method::GET,
        "/reauthenticate",
        Some(token),
        None,
    )
    .await;
    let nonce = s.outbox().pop().unwrap().otp;
    s.advance(Duration::from_secs(3600));
    let body = json!({"password": "second-pw", "nonce": nonce});
    let (status, body) = call(&s, reqwest::Method::PUT, "/user", Some(token), Some(body)).await;
    assert_eq!(
        (status, code_of(&body)),
        (422, "reauthentication_not_valid")
    );
}

#[tokio::test]
async fn current_password_rule() {
    let s = server_with(LocalAuthOptions::default().require_current_password(true)).await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let put = |body: Value| call(&s, reqwest::Method::PUT, "/user", Some(token), Some(body));
    let (status, body) = put(json!({"password": "second-pw"})).await;
    assert_eq!((status, code_of(&body)), (400, "current_password_required"));
    let (status, body) =
        put(json!({"password": "second-pw", "current_password": "wrong-pw"})).await;
    assert_eq!((status, code_of(&body)), (400, "current_password_invalid"));
    assert_eq!(
        body["message"],
        "Current password required when setting new password."
    );
    let (status, body) = put(json!({"password": "second-pw", "current_password": PASSWORD})).await;
    assert_eq!(status, 200, "{body}");
    // Other updates need no current password.
    let (status, _) = put(json!({"data": {"a": 1}})).await;
    assert_eq!(status, 200);

    // A recovery session sets a new password without the old one.
    post(&s, "/recover", json!({"email": EMAIL})).await;
    let m = s.outbox().pop().unwrap();
    let (_, recovery) = post(
        &s,
        "/verify",
        json!({"type": "recovery", "token_hash": m.token_hash}),
    )
    .await;
    let (status, body) = call(
        &s,
        reqwest::Method::PUT,
        "/user",
        recovery["access_token"].as_str(),
        Some(json!({"password": "third-pw"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

// ---- identities ----

fn identities(user: &Value) -> Vec<Value> {
    user["identities"].as_array().unwrap().clone()
}

#[tokio::test]
async fn users_carry_their_identities_as_gotrue_shows_them() {
    let s = server().await;
    let user = s.user(EMAIL).unwrap();
    let ids = identities(&user);
    assert_eq!(ids.len(), 1);
    let identity = &ids[0];
    let keys: Vec<&String> = identity.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "identity_id",
            "id",
            "user_id",
            "identity_data",
            "provider",
            "last_sign_in_at",
            "created_at",
            "updated_at",
            "email"
        ]
    );
    assert_eq!(identity["provider"], "email");
    assert_eq!(identity["id"], user["id"]);
    assert_eq!(identity["user_id"], user["id"]);
    assert_eq!(identity["email"], EMAIL);
    assert_eq!(
        identity["identity_data"],
        json!({"email": EMAIL, "email_verified": true, "phone_verified": false, "sub": user["id"]})
    );
    // Anonymous users have none.
    let (_, anon) = post(&s, "/signup", json!({})).await;
    assert_eq!(anon["user"]["identities"], json!([]));
}

/// Follows a URL without following its redirect; returns the `Location`.
async fn location_of(url: &str) -> String {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 302, "{url}");
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn link_identity_through_the_test_provider_then_unlink_it() {
    let s = server().await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    let verifier = "w".repeat(43);
    let path = format!(
        "/user/identities/authorize?provider=github&redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb&skip_http_redirect=true&code_challenge={verifier}&code_challenge_method=plain&login_hint=octocat%40example.com"
    );
    let (status, body) = call(&s, reqwest::Method::GET, &path, Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/authorize?", s.auth_url())),
        "{url}"
    );
    let location = location_of(url).await;
    let code = location
        .strip_prefix("http://localhost:3000/cb?code=")
        .unwrap();
    let (status, linked) = post(
        &s,
        "/token?grant_type=pkce",
        json!({"auth_code": code, "code_verifier": verifier}),
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    let user = &linked["user"];
    assert_eq!(user["email"], EMAIL, "the signed-in user keeps its email");
    assert_eq!(
        user["app_metadata"]["providers"],
        json!(["email", "github"])
    );
    let ids = identities(user);
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[1]["provider"], "github");
    assert_eq!(ids[1]["email"], "octocat@example.com");
    assert_eq!(ids[1]["identity_data"]["email"], "octocat@example.com");

    // The same account again: identity_already_exists, in the redirect.
    let (_, body) = call(&s, reqwest::Method::GET, &path, Some(token), None).await;
    let location = location_of(body["url"].as_str().unwrap()).await;
    assert!(
        location.contains("error_code=identity_already_exists"),
        "{location}"
    );
    // The linked account now signs in as the user.
    let signin = format!(
        "{}/authorize?provider=github&login_hint=octocat%40example.com&redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb",
        s.auth_url()
    );
    let location = location_of(&signin).await;
    assert!(location.contains("access_token="), "{location}");
    assert_eq!(s.sessions(EMAIL).len(), 3);

    // Unlink it; the last one cannot go.
    let github = ids[1]["identity_id"].as_str().unwrap();
    let email_identity = ids[0]["identity_id"].as_str().unwrap();
    let (status, body) = call(
        &s,
        reqwest::Method::DELETE,
        &format!("/user/identities/{github}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!((status, body), (200, json!({})));
    let user = s.user(EMAIL).unwrap();
    assert_eq!(identities(&user).len(), 1);
    assert_eq!(user["app_metadata"]["providers"], json!(["email"]));
    let (status, body) = call(
        &s,
        reqwest::Method::DELETE,
        &format!("/user/identities/{email_identity}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(
        (status, code_of(&body)),
        (422, "single_identity_not_deletable")
    );
}

#[tokio::test]
async fn unlink_errors() {
    let s = server().await;
    let other = s
        .add_user(&SeedUser::new("other@example.com", PASSWORD))
        .unwrap();
    let other_identity = identities(&s.user(&other).unwrap())[0]["identity_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let token = session["access_token"].as_str().unwrap();
    // Give the user a second identity so the count rule does not answer first.
    let (_, body) = call(
        &s,
        reqwest::Method::GET,
        "/user/identities/authorize?provider=google&skip_http_redirect=true",
        Some(token),
        None,
    )
    .await;
    location_of(body["url"].as_str().unwrap()).await;
    assert_eq!(identities(&s.user(EMAIL).unwrap()).len(), 2);
    let del = |id: String| {
        let s = &s;
        async move {
            call(
                s,
                reqwest::Method::DELETE,
                &format!("/user/identities/{id}"),
                Some(token),
                None,
            )
            .await
        }
    };
    let (status, body) = del("not-a-uuid".into()).await;
    assert_eq!((status, code_of(&body)), (404, "validation_failed"));
    let (status, body) = del(other_identity).await;
    assert_eq!((status, code_of(&body)), (422, "identity_not_found"));
    let (status, body) = call(
        &s,
        reqwest::Method::DELETE,
        "/user/identities/6f1b2a52-9a86-4a8e-9d7b-1c2f3e4d5a6b",
        None,
        None,
    )
    .await;
    assert_eq!((status, code_of(&body)), (401, "no_authorization"));
}

#[tokio::test]
async fn manual_linking_can_be_turned_off() {
    let s = server().await;
    s.update_settings(|st| st.manual_linking = false);
    let token = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let (status, body) = call(
        &s,
        reqwest::Method::GET,
        "/user/identities/authorize?provider=github&skip_http_redirect=true",
        Some(&token),
        None,
    )
    .await;
    assert_eq!((status, code_of(&body)), (404, "manual_linking_disabled"));
    let (status, body) = call(
        &s,
        reqwest::Method::DELETE,
        "/user/identities/6f1b2a52-9a86-4a8e-9d7b-1c2f3e4d5a6b",
        Some(&token),
        None,
    )
    .await;
    assert_eq!((status, code_of(&body)), (404, "manual_linking_disabled"));
}

// ---- weak passwords ----

#[tokio::test]
async fn password_rules_refuse_sign_ups_and_flag_sign_ins() {
    let options = LocalAuthOptions::default()
        .password_rules(12, &["0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]);
    let s = server_with(options).await;
    let (status, body) = post(
        &s,
        "/signup",
        json!({"email": "new@example.com", "password": "short"}),
    )
    .await;
    assert_eq!((status, code_of(&body)), (422, "weak_password"));
    assert_eq!(
        body["weak_password"],
        json!({"reasons": ["length", "characters"]})
    );
    assert_eq!(
        body["message"],
        "Password should be at least 12 characters. Password should contain at least one character of each: 0123456789, ABCDEFGHIJKLMNOPQRSTUVWXYZ."
    );
    let (status, body) = post(
        &s,
        "/signup",
        json!({"email": "new@example.com", "password": "LongEnough123"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("weak_password").is_none());
    // The seeded user's password predates the rules: signed in, flagged, last key.
    let session = password_session(&s, EMAIL, PASSWORD).await;
    assert_eq!(
        session["weak_password"],
        json!({"message": "Password should be at least 12 characters. Password should contain at least one character of each: 0123456789, ABCDEFGHIJKLMNOPQRSTUVWXYZ.", "reasons": ["length", "characters"]})
    );
    assert_eq!(
        session.as_object().unwrap().keys().next_back().unwrap(),
        "weak_password"
    );
    // A wrong password is just wrong.
    let (status, body) = post(
        &s,
        "/token?grant_type=password",
        json!({"email": EMAIL, "password": "x"}),
    )
    .await;
    assert_eq!((status, code_of(&body)), (400, "invalid_credentials"));
    // Password changes follow the rules too.
    let token = session["access_token"].as_str().unwrap();
    let (status, body) = call(
        &s,
        reqwest::Method::PUT,
        "/user",
        Some(token),
        Some(json!({"password": "alllowercase-but-long"})),
    )
    .await;
    assert_eq!((status, code_of(&body)), (422, "weak_password"));
    assert_eq!(body["weak_password"], json!({"reasons": ["characters"]}));
}

// ---- grant_type=id_token ----

#[tokio::test]
async fn id_token_signs_in_creates_then_finds_the_user() {
    let s = server().await;
    let token = s.mint_id_token(&TestIdToken::new("google", "Gina@Example.com").nonce("raw-nonce"));
    let body = json!({"provider": "google", "id_token": token, "nonce": "raw-nonce"});
    let (status, session) = post(&s, "/token?grant_type=id_token", body.clone()).await;
    assert_eq!(status, 200, "{session}");
    let user = &session["user"];
    assert_eq!(user["email"], "gina@example.com");
    assert_eq!(
        user["app_metadata"],
        json!({"provider": "google", "providers": ["google"]})
    );
    let ids = identities(user);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0]["provider"], "google");
    assert_eq!(
        ids[0]["identity_data"]["iss"],
        format!("{}/__oidc", s.url())
    );
    assert!(user["email_confirmed_at"].is_string());
    let amr = session_amr(&session);
    assert_eq!(amr, ["oauth"]);
    // Again (a fresh token, same account): the same user.
    let again = s.mint_id_token(&TestIdToken::new("google", "gina@example.com"));
    let (status, second) = post(
        &s,
        "/token?grant_type=id_token",
        json!({"provider": "google", "id_token": again}),
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(second["user"]["id"], user["id"]);
    // An existing email user with the same (verified) email gets the identity.
    let t = s.mint_id_token(&TestIdToken::new("apple", EMAIL));
    let (status, third) = post(
        &s,
        "/token?grant_type=id_token",
        json!({"provider": "apple", "id_token": t}),
    )
    .await;
    assert_eq!(status, 200, "{third}");
    assert_eq!(third["user"]["id"], s.user(EMAIL).unwrap()["id"]);
    assert_eq!(
        third["user"]["app_metadata"]["providers"],
        json!(["email", "apple"])
    );
    assert_eq!(s.count(Endpoint::TokenIdToken), 3);
}

fn session_amr(session: &Value) -> Vec<String> {
    use base64::Engine as _;
    let payload = session["access_token"]
        .as_str()
        .unwrap()
        .split('.')
        .nth(1)
        .unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["method"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn id_token_errors_are_gotrues() {
    let s = server().await;
    let good = s.mint_id_token(&TestIdToken::new("google", "gina@example.com"));
    // One signature character changed (inside the signature, so no padding bit).
    let at = good.len() - 10;
    let swap = if &good[at..=at] == "A" { "B" } else { "A" };
    let tampered = format!("{}{swap}{}", &good[..at], &good[at + 1..]);
    let cases = [
        (
            json!({"provider": "google"}),
            "invalid request",
            "id_token required",
        ),
        (
            json!({"id_token": good}),
            "invalid request",
            "provider or client_id and issuer required",
        ),
        (
            json!({"provider": "google", "id_token": tampered}),
            "invalid request",
            "Bad ID token",
        ),
        (
            json!({"provider": "google", "id_token": s.mint_id_token(&TestIdToken::new("google", "g@example.com").expires_in(-1))}),
            "invalid request",
            "Bad ID token",
        ),
        (
            json!({"provider": "google", "id_token": s.sign_jwt(&json!({"sub": "x", "aud": "supabase-ssr-testing", "exp": s.now_secs() + 60})).unwrap()}),
            "invalid request",
            "Bad ID token",
        ),
        (
            json!({"provider": "google", "id_token": s.mint_id_token(&TestIdToken::new("google", "g@example.com").audience("someone-else"))}),
            "invalid request",
            "Unacceptable audience in id_token: [someone-else]",
        ),
        (
            json!({"provider": "google", "id_token": good, "nonce": "raw"}),
            "invalid request",
            "Passed nonce and nonce in id_token should either both exist or not.",
        ),
        (
            json!({"provider": "google", "id_token": s.mint_id_token(&TestIdToken::new("google", "g@example.com").nonce("raw"))}),
            "invalid request",
            "Passed nonce and nonce in id_token should either both exist or not.",
        ),
        (
            json!({"provider": "google", "id_token": s.mint_id_token(&TestIdToken::new("google", "g@example.com").nonce("raw")), "nonce": "other"}),
            "invalid nonce",
            "Nonces mismatch",
        ),
        (
            json!({"provider": "google", "id_token": good, "link_identity": true}),
            "invalid request",
            "Linking requires a valid user access token in Authorization",
        ),
    ];
    for (body, error, description) in cases {
        let (status, answer) = post(&s, "/token?grant_type=id_token", body.clone()).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(
            answer,
            json!({"error": error, "error_description": description}),
            "{body}"
        );
    }
    let (status, answer) = post(
        &s,
        "/token?grant_type=id_token",
        json!({"provider": "github", "id_token": good}),
    )
    .await;
    assert_eq!((status, code_of(&answer)), (400, "validation_failed"));
    assert_eq!(
        answer["message"],
        "Custom OIDC provider \"github\" not allowed"
    );
    // Facebook tokens are not nonce-checked.
    let fb = s.mint_id_token(&TestIdToken::new("facebook", "f@example.com").nonce("raw"));
    let (status, _) = post(
        &s,
        "/token?grant_type=id_token",
        json!({"provider": "facebook", "id_token": fb}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn id_token_links_to_the_signed_in_user() {
    let s = server().await;
    let session = password_session(&s, EMAIL, PASSWORD).await;
    let bearer = session["access_token"].as_str().unwrap();
    let token = s.mint_id_token(&TestIdToken::new("google", "other-address@example.com"));
    let body = json!({"provider": "google", "id_token": token, "link_identity": true});
    let (status, linked) = call(
        &s,
        reqwest::Method::POST,
        "/token?grant_type=id_token",
        Some(bearer),
        Some(body.clone()),
    )
    .await;
    assert_eq!(status, 200, "{linked}");
    assert_eq!(linked["user"]["email"], EMAIL);
    assert_eq!(
        linked["user"]["app_metadata"]["providers"],
        json!(["email", "google"])
    );
    assert_eq!(
        identities(&linked["user"])[1]["email"],
        "other-address@example.com"
    );
    let (status, again) = call(
        &s,
        reqwest::Method::POST,
        "/token?grant_type=id_token",
        Some(bearer),
        Some(body),
    )
    .await;
    assert_eq!((status, code_of(&again)), (422, "identity_already_exists"));
    assert_eq!(again["message"], "Identity is already linked");
}

// ---- SSO ----

async fn sso_server() -> LocalAuth {
    server_with(LocalAuthOptions::default().sso_domain("Acme.test")).await
}

/// Opens the identity provider page of `url`, checks its form, and posts it as the Continue button does;
/// returns the ACS answer's `Location`.
async fn continue_at_idp(s: &LocalAuth, url: &str, email: Option<&str>) -> String {
    let page = client().get(url).send().await.unwrap();
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains(">Continue</button>"), "{html}");
    assert!(html.contains(&format!("action=\"{}/sso/saml/acs\"", s.auth_url())));
    assert!(html.contains("value=\"sso-user@acme.test\""), "{html}");
    let relay = url.split("RelayState=").nth(1).unwrap();
    let form = format!(
        "RelayState={relay}&email={}",
        email.unwrap_or("sso-user%40acme.test")
    );
    let r = client()
        .post(format!("{}/sso/saml/acs", s.auth_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 302, "{:?}", r.text().await);
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn sso_by_domain_with_pkce_returns_a_code_for_the_pkce_grant() {
    let s = sso_server().await;
    let provider_id = s.sso_provider_id("acme.test").unwrap();
    assert_eq!(
        s.sso_provider_id("ACME.test").as_deref(),
        Some(provider_id.as_str())
    );
    assert_eq!(s.sso_provider_id("other.test"), None);
    let verifier = "s".repeat(43);
    let (status, body) = post(
        &s,
        "/sso",
        json!({"domain": "acme.test", "redirect_to": "http://localhost:3000/cb?sb_flow_id=f1",
               "skip_http_redirect": true, "code_challenge": verifier, "code_challenge_method": "plain"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let url = body["url"].as_str().unwrap();
    assert!(
        url.starts_with(&format!("{}/__idp/sso?SAMLRequest=", s.url())),
        "{url}"
    );
    let location = continue_at_idp(&s, url, None).await;
    let code = location
        .strip_prefix("http://localhost:3000/cb?sb_flow_id=f1&code=")
        .unwrap();
    let (status, session) = post(
        &s,
        "/token?grant_type=pkce",
        json!({"auth_code": code, "code_verifier": verifier}),
    )
    .await;
    assert_eq!(status, 200, "{session}");
    let user = &session["user"];
    assert_eq!(user["email"], "sso-user@acme.test");
    let provider = format!("sso:{provider_id}");
    assert_eq!(user["app_metadata"]["provider"], provider.as_str());
    assert_eq!(identities(user)[0]["provider"], provider.as_str());
    assert_eq!(session_amr(&session), ["sso/saml"]);
    // The relay state is single use.
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(s.count(Endpoint::Sso), 1);
    assert_eq!(s.count(Endpoint::SsoAcs), 1);
}

#[tokio::test]
async fn sso_by_provider_id_implicit_and_redirecting() {
    let s = sso_server().await;
    let id = s.sso_provider_id("acme.test").unwrap();
    // Without skip_http_redirect: a 303 to the IdP.
    let r = client()
        .post(format!("{}/sso", s.auth_url()))
        .header("apikey", s.publishable_key())
        .body(json!({"provider_id": id, "redirect_to": "http://localhost:3000/cb"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let url = r.headers()["location"].to_str().unwrap().to_owned();
    let location = continue_at_idp(&s, &url, Some("Someone%40acme.test")).await;
    assert!(
        location.starts_with("http://localhost:3000/cb#access_token="),
        "{location}"
    );
    assert!(s.user("someone@acme.test").is_some());
    // The SSO user's password and email belong to the identity provider.
    let fragment = location.split('#').nth(1).unwrap();
    let token = url::form_urlencoded::parse(fragment.as_bytes())
        .find(|(k, _)| k == "access_token")
        .unwrap()
        .1
        .into_owned();
    for body in [
        json!({"password": "new-password"}),
        json!({"email": "x@acme.test"}),
    ] {
        let (status, answer) =
            call(&s, reqwest::Method::PUT, "/user", Some(&token), Some(body)).await;
        assert_eq!((status, code_of(&answer)), (422, "user_sso_managed"));
    }
    let (status, _) = call(
        &s,
        reqwest::Method::PUT,
        "/user",
        Some(&token),
        Some(json!({"data": {"a": 1}})),
    )
    .await;
    assert_eq!(status, 200);
    // `/settings` says SAML is on with a domain configured, off without.
    let (_, settings) = call(&s, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["saml_enabled"], true);
    let plain = server().await;
    let (_, settings) = call(&plain, reqwest::Method::GET, "/settings", None, None).await;
    assert_eq!(settings["saml_enabled"], false);
}

#[tokio::test]
async fn sso_errors_are_gotrues() {
    let s = sso_server().await;
    let id = s.sso_provider_id("acme.test").unwrap();
    let cases = [
        (
            json!({"domain": "acme.test", "provider_id": id}),
            400,
            "validation_failed",
            "Only one of provider_id or domain supported",
        ),
        (
            json!({}),
            400,
            "validation_failed",
            "A provider_id or domain needs to be provided",
        ),
        (
            json!({"domain": "unknown.test"}),
            404,
            "sso_provider_not_found",
            "No SSO provider assigned for this domain",
        ),
        (
            json!({"provider_id": "6f1b2a52-9a86-4a8e-9d7b-1c2f3e4d5a6b"}),
            404,
            "sso_provider_not_found",
            "No such SSO provider",
        ),
        (
            json!({"domain": "acme.test", "code_challenge": "abc"}),
            400,
            "validation_failed",
            "PKCE flow requires code_challenge_method and code_challenge",
        ),
    ];
    for (body, status, code, message) in cases {
        let (got, answer) = post(&s, "/sso", body.clone()).await;
        assert_eq!((got, code_of(&answer)), (status, code), "{body}");
        assert_eq!(answer["message"], message, "{body}");
    }
    let (status, answer) = post(&s, "/sso", json!({"provider_id": "nope"})).await;
    assert_eq!((status, code_of(&answer)), (400, "bad_json"));
    // An unknown or expired relay state at the ACS.
    let r = client()
        .post(format!("{}/sso/saml/acs", s.auth_url()))
        .header("X-Supabase-Api-Version", "2024-01-01")
        .body("RelayState=nope&email=a%40acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 404);
    let (_, body) = post(
        &s,
        "/sso",
        json!({"domain": "acme.test", "skip_http_redirect": true}),
    )
    .await;
    let relay = body["url"]
        .as_str()
        .unwrap()
        .split("RelayState=")
        .nth(1)
        .unwrap()
        .to_owned();
    s.advance(Duration::from_secs(301));
    let r = client()
        .post(format!("{}/sso/saml/acs", s.auth_url()))
        .header("X-Supabase-Api-Version", "2024-01-01")
        .body(format!("RelayState={relay}&email=a%40acme.test"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(json_code(r).await, "saml_relay_state_expired");
}

async fn json_code(r: reqwest::Response) -> String {
    let v: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    v["code"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn linking_gives_an_anonymous_user_the_providers_email_and_unlinking_a_phone_clears_it() {
    let s = server().await;
    let (_, anon) = post(&s, "/signup", json!({})).await;
    let token = anon["access_token"].as_str().unwrap();
    let (_, body) = call(
        &s,
        reqwest::Method::GET,
        "/user/identities/authorize?provider=github&skip_http_redirect=true&login_hint=anon-now%40example.com",
        Some(token),
        None,
    )
    .await;
    let location = location_of(body["url"].as_str().unwrap()).await;
    assert!(location.contains("access_token="), "{location}");
    let user = s.user("anon-now@example.com").unwrap();
    assert_eq!(user["id"], anon["user"]["id"]);
    assert_eq!(user["is_anonymous"], false);
    assert!(user["email_confirmed_at"].is_string());

    // A phone user links GitHub, then unlinks the phone identity: the number goes.
    let (_, sent) = post(&s, "/otp", json!({"phone": "+15550200"})).await;
    assert!(sent["message_id"].is_string());
    let otp = s.outbox().pop().unwrap().otp;
    let (_, session) = post(
        &s,
        "/verify",
        json!({"type": "sms", "phone": "+15550200", "token": otp}),
    )
    .await;
    let token = session["access_token"].as_str().unwrap();
    assert_eq!(identities(&session["user"])[0]["provider"], "phone");
    let (_, body) = call(
        &s,
        reqwest::Method::GET,
        "/user/identities/authorize?provider=github&skip_http_redirect=true&login_hint=phone-user%40example.com",
        Some(token),
        None,
    )
    .await;
    location_of(body["url"].as_str().unwrap()).await;
    let user = s.user("phone-user@example.com").unwrap();
    let phone_identity = identities(&user)[0]["identity_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, _) = call(
        &s,
        reqwest::Method::DELETE,
        &format!("/user/identities/{phone_identity}"),
        Some(token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let user = s.user("phone-user@example.com").unwrap();
    assert_eq!(user["phone"], "");
    assert!(user.get("phone_confirmed_at").is_none());
    assert_eq!(user["app_metadata"]["providers"], json!(["github"]));
}

#[tokio::test]
async fn sso_users_are_kept_apart_from_users_with_the_same_email() {
    let s = sso_server().await;
    let password_user = s.user(EMAIL).unwrap();
    let (_, body) = post(
        &s,
        "/sso",
        json!({"domain": "acme.test", "skip_http_redirect": true, "redirect_to": "http://localhost:3000/cb"}),
    )
    .await;
    let location = continue_at_idp(
        &s,
        body["url"].as_str().unwrap(),
        Some("user%40example.com"),
    )
    .await;
    let fragment = location.split('#').nth(1).unwrap();
    let token = url::form_urlencoded::parse(fragment.as_bytes())
        .find(|(k, _)| k == "access_token")
        .unwrap()
        .1
        .into_owned();
    let (status, sso_user) = call(&s, reqwest::Method::GET, "/user", Some(&token), None).await;
    assert_eq!(status, 200);
    assert_eq!(sso_user["email"], EMAIL);
    assert_ne!(sso_user["id"], password_user["id"]);
    // The email still names the password user, who is untouched and still signs in.
    assert_eq!(s.user(EMAIL).unwrap()["id"], password_user["id"]);
    assert_eq!(identities(&s.user(EMAIL).unwrap()).len(), 1);
    password_session(&s, EMAIL, PASSWORD).await;
    // Signing in by SSO again finds the SSO user through its identity.
    let (_, body) = post(
        &s,
        "/sso",
        json!({"domain": "acme.test", "skip_http_redirect": true}),
    )
    .await;
    let location = continue_at_idp(
        &s,
        body["url"].as_str().unwrap(),
        Some("user%40example.com"),
    )
    .await;
    assert!(location.contains("access_token="));
    assert_eq!(s.sessions(sso_user["id"].as_str().unwrap()).len(), 2);
}
