//! The Go server's admin side over real HTTP: the secret key and who may call admin endpoints,
//! `/admin/users` CRUD and its pagination headers, `/invite`, `/admin/generate_link`, admin
//! sign-out and the admin MFA factor endpoints, with its shapes, codes and statuses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Method;
use serde_json::{Value, json};
use supabase_ssr_testing::server::{
    DEFAULT_SECRET_KEY, Endpoint, LocalAuth, LocalAuthOptions, SeedUser,
};

const EMAIL: &str = "user@example.com";
const PASSWORD: &str = "password123";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

/// Who calls: the key sent as `apikey` and the bearer, if any.
#[derive(Clone, Copy)]
enum As<'a> {
    /// `apikey: <secret>`, no `Authorization` (what a server-side admin client sends).
    Secret,
    /// `apikey: <secret>` and `Authorization: Bearer <secret>` (what supabase-js sends).
    SecretBoth,
    /// `apikey: <publishable>`, no `Authorization`.
    Publishable,
    /// `apikey: <key>` and a bearer token.
    KeyAndBearer(&'a str, &'a str),
}

/// A response: status, headers, JSON body (`Null` when empty).
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Value,
}

async fn call(
    s: &LocalAuth,
    who: As<'_>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", s.auth_url()))
        .header("X-Supabase-Api-Version", "2024-01-01");
    req = match who {
        As::Secret => req.header("apikey", s.secret_key()),
        As::SecretBoth => req
            .header("apikey", s.secret_key())
            .bearer_auth(s.secret_key()),
        As::Publishable => req.header("apikey", s.publishable_key()),
        As::KeyAndBearer(key, token) => req.header("apikey", key).bearer_auth(token),
    };
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn admin(s: &LocalAuth, method: Method, path: &str, body: Option<Value>) -> Answer {
    call(s, As::Secret, method, path, body).await
}

fn code(a: &Answer) -> (u16, &str) {
    (a.status, a.body["code"].as_str().unwrap_or_default())
}

async fn sign_in(s: &LocalAuth, email: &str, password: &str) -> Answer {
    call(
        s,
        As::Publishable,
        Method::POST,
        "/token?grant_type=password",
        Some(json!({"email": email, "password": password})),
    )
    .await
}

#[tokio::test]
async fn the_secret_key_is_configurable_and_has_a_default() {
    let s = server().await;
    assert_eq!(s.secret_key(), DEFAULT_SECRET_KEY);
    assert!(DEFAULT_SECRET_KEY.starts_with("sb_secret_"));
    let custom = LocalAuth::start(LocalAuthOptions::default().secret_key("sb_secret_custom"))
        .await
        .unwrap();
    assert_eq!(custom.secret_key(), "sb_secret_custom");
    let a = call(
        &custom,
        As::KeyAndBearer(DEFAULT_SECRET_KEY, DEFAULT_SECRET_KEY),
        Method::GET,
        "/admin/users",
        None,
    )
    .await;
    assert_eq!(a.status, 401, "the default key is not this server's");
    assert_eq!(
        admin(&custom, Method::GET, "/admin/users", None)
            .await
            .status,
        200
    );
}

#[tokio::test]
async fn only_service_role_requests_reach_admin_endpoints() {
    let s = server().await;
    let user = s.mint_session(EMAIL, 3600).unwrap();
    let uid = user.user_id.clone();
    let (factor_id, _) = s.add_verified_totp_factor(EMAIL).unwrap();
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/admin/users".into(), None),
        (
            Method::POST,
            "/admin/users".into(),
            Some(json!({"email": "x@example.com"})),
        ),
        (Method::GET, format!("/admin/users/{uid}"), None),
        (Method::PUT, format!("/admin/users/{uid}"), Some(json!({}))),
        (Method::GET, format!("/admin/users/{uid}/factors"), None),
        (
            Method::DELETE,
            format!("/admin/users/{uid}/factors/{factor_id}"),
            None,
        ),
        (
            Method::POST,
            "/invite".into(),
            Some(json!({"email": "x@example.com"})),
        ),
        (
            Method::POST,
            "/admin/generate_link".into(),
            Some(json!({"type": "magiclink", "email": EMAIL})),
        ),
        (Method::DELETE, format!("/admin/users/{uid}"), None),
    ];
    for (method, path, body) in routes {
        // The publishable key alone is the anon role: not an admin.
        let a = call(&s, As::Publishable, method.clone(), &path, body.clone()).await;
        assert_eq!(code(&a), (403, "not_admin"), "{method} {path}");
        assert_eq!(a.body["message"], "User not allowed");
        // A user's access token, even beside the secret key, is that user: not an admin.
        let a = call(
            &s,
            As::KeyAndBearer(s.secret_key(), &user.access_token),
            method.clone(),
            &path,
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (403, "not_admin"), "{method} {path}");
        let a = call(
            &s,
            As::KeyAndBearer(s.publishable_key(), &user.access_token),
            method.clone(),
            &path,
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (403, "not_admin"), "{method} {path}");
        // The publishable key as the bearer too (supabase-js without a session): anon.
        let a = call(
            &s,
            As::KeyAndBearer(s.publishable_key(), s.publishable_key()),
            method.clone(),
            &path,
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (403, "not_admin"), "{method} {path}");
        // Garbage as the bearer is a bad JWT.
        let a = call(
            &s,
            As::KeyAndBearer(s.publishable_key(), "not-a-jwt"),
            method.clone(),
            &path,
            body.clone(),
        )
        .await;
        assert_eq!(code(&a), (403, "bad_jwt"), "{method} {path}");
        // No key at all: the gateway's 401.
        let r = reqwest::Client::new()
            .request(method.clone(), format!("{}{path}", s.auth_url()))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{method} {path}");
    }
    // The user and its factor still exist, nothing was sent: nothing above went through.
    assert!(s.user(EMAIL).is_some());
    assert_eq!(s.user(EMAIL).unwrap()["factors"][0]["id"], factor_id);
    assert!(s.outbox().is_empty());
}

#[tokio::test]
async fn the_secret_key_and_service_role_tokens_are_admins() {
    let s = server().await;
    let user = s.mint_session(EMAIL, 3600).unwrap();
    let uid = user.user_id.clone();
    // The secret key as apikey, as bearer, or both, is the service role.
    for who in [
        As::Secret,
        As::SecretBoth,
        As::KeyAndBearer(s.publishable_key(), s.secret_key()),
    ] {
        let a = call(&s, who, Method::GET, &format!("/admin/users/{uid}"), None).await;
        assert_eq!(a.status, 200);
        assert_eq!(a.body["email"], EMAIL);
    }
    // A legacy service-role JWT signed with the project's key is one too.
    let service = s
        .sign_jwt(&json!({"role": "service_role", "iss": "supabase", "exp": s.now_secs() + 60}))
        .unwrap();
    let a = call(
        &s,
        As::KeyAndBearer(s.publishable_key(), &service),
        Method::GET,
        "/admin/users",
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    // A user token whose session is gone: GoTrue checks the session first.
    s.revoke_session(&user.session_id).unwrap();
    let a = call(
        &s,
        As::KeyAndBearer(s.secret_key(), &user.access_token),
        Method::GET,
        "/admin/users",
        None,
    )
    .await;
    assert_eq!(code(&a), (403, "session_not_found"));
}

#[tokio::test]
async fn create_user_with_gotrue_fields_and_errors() {
    let s = server().await;
    let a = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(json!({
            "email": "New@Example.com",
            "password": "secret-pw",
            "email_confirm": true,
            "user_metadata": {"name": "New"},
            "app_metadata": {"plan": "pro"},
            "role": "authenticated",
        })),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let u = &a.body;
    assert_eq!(u["email"], "new@example.com");
    assert_eq!(u["aud"], "authenticated");
    assert!(u["email_confirmed_at"].is_string());
    assert_eq!(
        u["user_metadata"],
        json!({"name": "New", "email_verified": true})
    );
    assert_eq!(
        u["app_metadata"],
        json!({"provider": "email", "providers": ["email"], "plan": "pro"})
    );
    // The password works at once (confirmed), and the token carries the metadata.
    let signed = sign_in(&s, "new@example.com", "secret-pw").await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    assert_eq!(signed.body["user"]["id"], u["id"]);

    // Duplicate email, either case.
    let a = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(json!({"email": "NEW@example.com"})),
    )
    .await;
    assert_eq!(code(&a), (422, "email_exists"));
    assert_eq!(
        a.body["message"],
        "A user with this email address has already been registered"
    );
}

#[tokio::test]
async fn create_user_options_and_refusals() {
    let s = server().await;
    // Unconfirmed by default; a phone user; a ban; a chosen id.
    let id = "5b1e4a0c-7c2e-4d0b-9c41-2f0e8d4f1a11";
    let a = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(
            json!({"id": id, "phone": "+1 555 0100", "phone_confirm": true, "ban_duration": "24h"}),
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], id);
    assert_eq!(a.body["phone"], "15550100");
    assert!(a.body["phone_confirmed_at"].is_string());
    assert!(a.body["banned_until"].is_string());
    assert_eq!(a.body["app_metadata"]["providers"], json!(["phone"]));
    let a = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(json!({"phone": "+15550100"})),
    )
    .await;
    assert_eq!(code(&a), (422, "phone_exists"));
    // Giving the phone user an email adds an email identity (and provider).
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{id}"),
        Some(json!({"email": "phone-user@example.com", "email_confirm": true})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let providers: Vec<&str> = a.body["identities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["provider"].as_str().unwrap())
        .collect();
    assert_eq!(providers, ["phone", "email"]);
    assert_eq!(
        a.body["identities"][1]["identity_data"]["email_verified"],
        true
    );
    assert_eq!(
        a.body["app_metadata"]["providers"],
        json!(["phone", "email"])
    );

    let plain = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(json!({"email": "plain@example.com", "password": "pw123456"})),
    )
    .await;
    assert!(plain.body.get("email_confirmed_at").is_none());
    assert_eq!(
        code(&sign_in(&s, "plain@example.com", "pw123456").await),
        (400, "email_not_confirmed")
    );

    for (body, message) in [
        (
            json!({}),
            "Cannot create a user without either an email or phone",
        ),
        (
            json!({"email": "not-an-email"}),
            "Unable to validate email address: invalid format",
        ),
        (
            json!({"phone": "call me"}),
            "Invalid phone number format (E.164 required)",
        ),
        (
            json!({"email": "b@example.com", "id": "nope"}),
            "ID must conform to the uuid v4 format",
        ),
        (
            json!({"email": "b@example.com", "id": "00000000-0000-0000-0000-000000000000"}),
            "ID cannot be a nil uuid",
        ),
        (
            json!({"email": "b@example.com", "ban_duration": "1d"}),
            "invalid format for ban duration: time: unknown unit \"d\" in duration \"1d\"",
        ),
        (
            json!({"email": "b@example.com", "password": "x", "password_hash": "$2a$10$x"}),
            "Only a password or a password hash should be provided",
        ),
    ] {
        let a = admin(&s, Method::POST, "/admin/users", Some(body.clone())).await;
        assert_eq!(code(&a), (400, "validation_failed"), "{body}");
        assert_eq!(a.body["message"], message, "{body}");
    }
    let a = admin(&s, Method::POST, "/admin/users", Some(json!({"email": 5}))).await;
    assert_eq!(code(&a), (400, "bad_json"));
    assert_eq!(s.count(Endpoint::AdminUserCreate), 11);
}

#[tokio::test]
async fn list_users_pages_with_gotrue_headers() {
    let s = server().await;
    for i in 1..=4 {
        s.advance(std::time::Duration::from_secs(1));
        let a = admin(
            &s,
            Method::POST,
            "/admin/users",
            Some(json!({"email": format!("u{i}@example.com")})),
        )
        .await;
        assert_eq!(a.status, 200);
    }
    // Five users, newest first; two a page.
    let a = admin(&s, Method::GET, "/admin/users?page=1&per_page=2", None).await;
    assert_eq!(a.status, 200);
    let emails = |a: &Answer| -> Vec<String> {
        a.body["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(emails(&a), ["u4@example.com", "u3@example.com"]);
    assert_eq!(a.body["aud"], "authenticated");
    assert_eq!(a.headers["x-total-count"], "5");
    assert_eq!(
        a.headers["link"],
        "</admin/users?page=2&per_page=2>; rel=\"next\", </admin/users?page=3&per_page=2>; rel=\"last\""
    );
    let a = admin(&s, Method::GET, "/admin/users?per_page=2&page=3", None).await;
    assert_eq!(emails(&a), [EMAIL]);
    assert_eq!(
        a.headers["link"],
        "</admin/users?page=3&per_page=2>; rel=\"last\""
    );
    // What auth-js sends without options: empty values, GoTrue's 50 a page.
    let a = admin(&s, Method::GET, "/admin/users?page=&per_page=", None).await;
    assert_eq!(emails(&a).len(), 5);
    assert_eq!(
        a.headers["link"],
        "</admin/users?page=1&per_page=>; rel=\"last\""
    );
    // Past the end: no users, same total.
    let a = admin(&s, Method::GET, "/admin/users?page=9&per_page=2", None).await;
    assert_eq!(emails(&a).len(), 0);
    assert_eq!(a.headers["x-total-count"], "5");
    // The filter matches emails.
    let a = admin(&s, Method::GET, "/admin/users?filter=u2", None).await;
    assert_eq!(emails(&a), ["u2@example.com"]);
    assert_eq!(a.headers["x-total-count"], "1");
    assert_eq!(
        a.headers["link"],
        "</admin/users?filter=u2&page=1>; rel=\"last\""
    );
    // Nothing found: zero pages, as the Go server counts them (auth-js reads lastPage 0).
    let a = admin(&s, Method::GET, "/admin/users?filter=zzz", None).await;
    assert_eq!(emails(&a).len(), 0);
    assert_eq!(a.headers["x-total-count"], "0");
    assert_eq!(
        a.headers["link"],
        "</admin/users?filter=zzz&page=0>; rel=\"last\""
    );
    let a = admin(&s, Method::GET, "/admin/users?page=x", None).await;
    assert_eq!(code(&a), (400, "validation_failed"));
    assert_eq!(s.count(Endpoint::AdminUsersList), 7);
}

#[tokio::test]
async fn get_and_update_a_user() {
    let s = server().await;
    let uid = s.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
    let a = admin(&s, Method::GET, &format!("/admin/users/{uid}"), None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body["id"], uid);

    let a = admin(&s, Method::GET, "/admin/users/not-a-uuid", None).await;
    assert_eq!(code(&a), (404, "validation_failed"));
    assert_eq!(a.body["message"], "user_id must be an UUID");
    let missing = "5b1e4a0c-7c2e-4d0b-9c41-2f0e8d4f1a11";
    for method in [Method::GET, Method::PUT, Method::DELETE] {
        let a = admin(
            &s,
            method.clone(),
            &format!("/admin/users/{missing}"),
            Some(json!({})),
        )
        .await;
        assert_eq!(code(&a), (404, "user_not_found"), "{method}");
        assert_eq!(a.body["message"], "User not found");
    }

    let session = s.mint_session(EMAIL, 3600).unwrap();
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{uid}"),
        Some(json!({
            "email": "Changed@Example.com",
            "password": "new-password",
            "user_metadata": {"name": "Changed", "email_verified": null},
            "app_metadata": {"role_in_app": "admin"},
            "role": "editor",
        })),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["email"], "changed@example.com");
    assert_eq!(a.body["role"], "editor");
    assert_eq!(a.body["user_metadata"], json!({"name": "Changed"}));
    assert_eq!(a.body["app_metadata"]["role_in_app"], "admin");
    assert_eq!(a.body["app_metadata"]["provider"], "email");
    // The email identity follows the new address.
    let identities = a.body["identities"].as_array().unwrap();
    assert_eq!(identities.len(), 1);
    assert_eq!(identities[0]["provider"], "email");
    assert_eq!(
        identities[0]["identity_data"]["email"],
        "changed@example.com"
    );
    assert_eq!(
        code(&sign_in(&s, "changed@example.com", PASSWORD).await),
        (400, "invalid_credentials")
    );
    let signed = sign_in(&s, "changed@example.com", "new-password").await;
    assert_eq!(signed.status, 200);
    // Existing sessions are left alone by an admin update.
    assert!(s.sessions(&uid).contains(&session.session_id));
}

#[tokio::test]
async fn update_bans_confirms_and_refuses() {
    let s = server().await;
    let uid = s.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
    // Ban, then lift it. Tokens issued before the ban stop working with it.
    let before = s.mint_session(EMAIL, 3600).unwrap();
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{uid}"),
        Some(json!({"ban_duration": "1h"})),
    )
    .await;
    assert!(a.body["banned_until"].is_string());
    assert_eq!(
        code(&sign_in(&s, EMAIL, PASSWORD).await),
        (400, "user_banned")
    );
    let user = call(
        &s,
        As::KeyAndBearer(s.publishable_key(), &before.access_token),
        Method::GET,
        "/user",
        None,
    )
    .await;
    assert_eq!(code(&user), (403, "user_banned"));
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{uid}"),
        Some(json!({"ban_duration": "none"})),
    )
    .await;
    assert!(a.body.get("banned_until").is_none());
    assert_eq!(sign_in(&s, EMAIL, PASSWORD).await.status, 200);

    // Confirming, weak passwords, duplicates.
    let other = admin(
        &s,
        Method::POST,
        "/admin/users",
        Some(json!({"email": "other@example.com"})),
    )
    .await;
    let other_id = other.body["id"].as_str().unwrap();
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{other_id}"),
        Some(json!({"email_confirm": true})),
    )
    .await;
    assert!(a.body["email_confirmed_at"].is_string());
    assert_eq!(a.body["user_metadata"]["email_verified"], true);
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{other_id}"),
        Some(json!({"password": "x"})),
    )
    .await;
    assert_eq!(code(&a), (422, "weak_password"));
    let a = admin(
        &s,
        Method::PUT,
        &format!("/admin/users/{other_id}"),
        Some(json!({"email": EMAIL})),
    )
    .await;
    assert_eq!(code(&a), (422, "email_exists"));
}

#[tokio::test]
async fn delete_hard_and_soft() {
    let s = server().await;
    let uid = s.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
    let session = s.mint_session(EMAIL, 3600).unwrap();
    s.add_verified_totp_factor(EMAIL).unwrap();

    let a = admin(
        &s,
        Method::DELETE,
        &format!("/admin/users/{uid}"),
        Some(json!({"should_soft_delete": true})),
    )
    .await;
    assert_eq!((a.status, &a.body), (200, &json!({})));
    let a = admin(&s, Method::GET, &format!("/admin/users/{uid}"), None).await;
    assert_eq!(a.status, 200, "a soft-deleted user is still there");
    assert!(a.body["deleted_at"].is_string());
    assert_ne!(a.body["email"], EMAIL);
    assert_eq!(a.body["email"].as_str().unwrap().len(), 43);
    assert_eq!(a.body["user_metadata"], json!({}));
    assert!(a.body.get("factors").is_none());
    assert!(s.sessions(&uid).is_empty());
    // Its session is gone and its email is free again.
    let refresh = call(
        &s,
        As::Publishable,
        Method::POST,
        "/token?grant_type=refresh_token",
        Some(json!({"refresh_token": session.refresh_token})),
    )
    .await;
    assert_eq!(refresh.status, 400);
    assert_eq!(
        code(&sign_in(&s, EMAIL, PASSWORD).await),
        (400, "invalid_credentials")
    );
    // A second soft delete changes nothing.
    let again = admin(
        &s,
        Method::DELETE,
        &format!("/admin/users/{uid}"),
        Some(json!({"should_soft_delete": true})),
    )
    .await;
    assert_eq!(again.status, 200);

    // Hard delete (auth-js sends its default `false` in the body; no body means the same).
    let a = admin(
        &s,
        Method::DELETE,
        &format!("/admin/users/{uid}"),
        Some(json!({"should_soft_delete": false})),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = admin(&s, Method::GET, &format!("/admin/users/{uid}"), None).await;
    assert_eq!(code(&a), (404, "user_not_found"));
    assert!(s.user(&uid).is_none());
}

/// The user record a session's access token speaks for, and its `aal` claim.
fn aal_of(token: &str) -> String {
    use base64::Engine as _;
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["aal"].as_str().unwrap().to_owned()
}

/// Follows an email link (`GET /verify?…`) and answers the redirect's `Location`.
async fn follow(link: &str) -> String {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(link)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "{link}");
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn admin_factors_list_and_delete() {
    let s = server().await;
    let uid = s.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
    let a = admin(
        &s,
        Method::GET,
        &format!("/admin/users/{uid}/factors"),
        None,
    )
    .await;
    assert_eq!((a.status, &a.body), (200, &json!([])));
    let (factor_id, _) = s.add_verified_totp_factor(EMAIL).unwrap();
    let session = s.mint_aal2_session(EMAIL, 3600).unwrap();
    assert_eq!(aal_of(&session.access_token), "aal2");

    let a = admin(
        &s,
        Method::GET,
        &format!("/admin/users/{uid}/factors"),
        None,
    )
    .await;
    assert_eq!(a.status, 200);
    let factors = a.body.as_array().unwrap();
    assert_eq!(factors.len(), 1);
    assert_eq!(factors[0]["id"], factor_id);
    assert_eq!(factors[0]["factor_type"], "totp");
    assert_eq!(factors[0]["status"], "verified");

    for (path, expected) in [
        (
            format!("/admin/users/{uid}/factors/nope"),
            (404, "validation_failed"),
        ),
        (
            format!("/admin/users/{uid}/factors/5b1e4a0c-7c2e-4d0b-9c41-2f0e8d4f1a11"),
            (404, "mfa_factor_not_found"),
        ),
    ] {
        let a = admin(&s, Method::DELETE, &path, None).await;
        assert_eq!(code(&a), expected, "{path}");
    }
    // No aal2 needed: the service role deletes a verified factor, answering the factor.
    let a = admin(
        &s,
        Method::DELETE,
        &format!("/admin/users/{uid}/factors/{factor_id}"),
        None,
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["id"], factor_id);
    assert_eq!(a.body["factor_type"], "totp");
    let a = admin(
        &s,
        Method::GET,
        &format!("/admin/users/{uid}/factors"),
        None,
    )
    .await;
    assert_eq!(a.body, json!([]));
    // The session that reached aal2 with it is back at aal1.
    let refreshed = call(
        &s,
        As::Publishable,
        Method::POST,
        "/token?grant_type=refresh_token",
        Some(json!({"refresh_token": session.refresh_token})),
    )
    .await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_eq!(
        aal_of(refreshed.body["access_token"].as_str().unwrap()),
        "aal1"
    );
    assert_eq!(s.count(Endpoint::AdminFactorsList), 3);
    assert_eq!(s.count(Endpoint::AdminFactorDelete), 3);
}

#[tokio::test]
async fn admin_sign_out_with_the_secret_key_and_a_user_token() {
    let s = server().await;
    let first = s.mint_session(EMAIL, 3600).unwrap();
    let second = s.mint_session(EMAIL, 3600).unwrap();
    let third = s.mint_session(EMAIL, 3600).unwrap();
    let logout = |scope: &'static str, token: String| {
        let s = &s;
        async move {
            call(
                s,
                As::KeyAndBearer(s.secret_key(), &token),
                Method::POST,
                &format!("/logout?scope={scope}"),
                None,
            )
            .await
        }
    };
    // `others` keeps the token's own session.
    let a = logout("others", third.access_token.clone()).await;
    assert_eq!(a.status, 204);
    assert_eq!(s.sessions(EMAIL), std::slice::from_ref(&third.session_id));
    let a = logout("local", third.access_token.clone()).await;
    assert_eq!(a.status, 204);
    assert!(s.sessions(EMAIL).is_empty());
    // A token whose session is gone is refused as on the user's own sign-out.
    let a = logout("global", first.access_token.clone()).await;
    assert_eq!(code(&a), (403, "session_not_found"));
    let again = s.mint_session(EMAIL, 3600).unwrap();
    let a = logout("global", again.access_token.clone()).await;
    assert_eq!(a.status, 204);
    assert!(s.sessions(EMAIL).is_empty());
    let last = s.mint_session(EMAIL, 3600).unwrap();
    let a = logout("everywhere", last.access_token.clone()).await;
    assert_eq!(code(&a), (400, "validation_failed"));
    assert_eq!(s.sessions(EMAIL), [last.session_id]);
    // `second` went with `others` above.
    let a = logout("local", second.access_token.clone()).await;
    assert_eq!(code(&a), (403, "session_not_found"));
}

#[tokio::test]
async fn invite_sends_a_working_invitation() {
    let s = server().await;
    let a = call(
        &s,
        As::Secret,
        Method::POST,
        "/invite?redirect_to=http%3A%2F%2Fapp.test%2Fwelcome",
        Some(json!({"email": "Invited@Example.com", "data": {"team": "blue"}})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["email"], "invited@example.com");
    assert!(a.body["invited_at"].is_string());
    assert!(a.body["confirmation_sent_at"].is_string());
    assert!(a.body.get("email_confirmed_at").is_none());
    assert_eq!(a.body["user_metadata"]["team"], "blue");
    let mail = s.last_message_to("invited@example.com").unwrap();
    assert_eq!(mail.kind, "invite");
    assert!(
        mail.link
            .contains("&type=invite&redirect_to=http%3A%2F%2Fapp.test%2Fwelcome"),
        "{}",
        mail.link
    );
    // Inviting again before acceptance sends a new invitation.
    let again = admin(
        &s,
        Method::POST,
        "/invite",
        Some(json!({"email": "invited@example.com"})),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["id"], a.body["id"]);
    let mail = s.last_message_to("invited@example.com").unwrap();
    let location = follow(&mail.link).await;
    assert!(
        location.starts_with("http://localhost:3000/#access_token="),
        "{location}"
    );
    assert!(location.ends_with("&type=invite"), "{location}");
    let user = s.user("invited@example.com").unwrap();
    assert!(user["email_confirmed_at"].is_string());
    // Accepted: a third invitation is refused.
    let a = admin(
        &s,
        Method::POST,
        "/invite",
        Some(json!({"email": "invited@example.com"})),
    )
    .await;
    assert_eq!(code(&a), (422, "email_exists"));
    let a = admin(&s, Method::POST, "/invite", Some(json!({"email": "nope"}))).await;
    assert_eq!(code(&a), (400, "validation_failed"));
    assert_eq!(s.count(Endpoint::Invite), 4);
}

/// `POST /admin/generate_link` with `body`; the answer's body.
async fn generate(s: &LocalAuth, body: Value) -> Answer {
    admin(s, Method::POST, "/admin/generate_link", Some(body)).await
}

/// POST /verify with `body`: the status and the session's user email.
async fn verify(s: &LocalAuth, body: Value) -> (u16, Value) {
    let a = call(s, As::Publishable, Method::POST, "/verify", Some(body)).await;
    (a.status, a.body["user"]["email"].clone())
}

#[tokio::test]
async fn generate_link_answers_gotrue_properties_and_sends_nothing() {
    let s = server().await;
    let a = generate(&s, json!({"type": "signup", "email": "new@example.com", "password": "password123", "data": {"plan": "free"}})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let keys: Vec<&String> = a.body.as_object().unwrap().keys().collect();
    assert_eq!(
        &keys[keys.len() - 5..],
        [
            "action_link",
            "email_otp",
            "hashed_token",
            "verification_type",
            "redirect_to"
        ]
    );
    assert_eq!(a.body["email"], "new@example.com");
    assert_eq!(a.body["user_metadata"]["plan"], "free");
    assert_eq!(a.body["verification_type"], "signup");
    assert_eq!(a.body["redirect_to"], "http://localhost:3000");
    let otp = a.body["email_otp"].as_str().unwrap();
    assert_eq!(otp.len(), 6);
    let hash = a.body["hashed_token"].as_str().unwrap();
    assert_eq!(
        a.body["action_link"],
        format!(
            "{}/verify?token={hash}&type=signup&redirect_to=http%3A%2F%2Flocalhost%3A3000",
            s.auth_url()
        )
    );
    assert!(s.outbox().is_empty(), "generate_link sends nothing");
    // The link confirms and signs in; the user's password works afterwards.
    let location = follow(a.body["action_link"].as_str().unwrap()).await;
    assert!(
        location.starts_with("http://localhost:3000/#access_token="),
        "{location}"
    );
    assert_eq!(
        sign_in(&s, "new@example.com", "password123").await.status,
        200
    );
    let again = generate(
        &s,
        json!({"type": "signup", "email": "new@example.com", "password": "password123"}),
    )
    .await;
    assert_eq!(code(&again), (422, "email_exists"));

    // redirect_to from the query (what auth-js sends) or the body.
    let a = admin(
        &s,
        Method::POST,
        "/admin/generate_link?redirect_to=http%3A%2F%2Fapp.test%2Fcb",
        Some(json!({"type": "magiclink", "email": EMAIL})),
    )
    .await;
    assert_eq!(a.body["redirect_to"], "http://app.test/cb");
    assert!(
        a.body["action_link"]
            .as_str()
            .unwrap()
            .ends_with("&type=magiclink&redirect_to=http%3A%2F%2Fapp.test%2Fcb")
    );
    let a = generate(
        &s,
        json!({"type": "magiclink", "email": EMAIL, "redirect_to": "http://body.test/"}),
    )
    .await;
    assert_eq!(a.body["redirect_to"], "http://body.test/");

    for (body, expected, message) in [
        (
            json!({"type": "signup", "email": "pw@example.com"}),
            (400, "validation_failed"),
            "Signup requires a valid password",
        ),
        (
            json!({"type": "recovery", "email": "ghost@example.com"}),
            (404, "user_not_found"),
            "User with this email not found",
        ),
        (
            json!({"type": "email_change_new", "email": "ghost@example.com", "new_email": "x@example.com"}),
            (404, "user_not_found"),
            "User with this email not found",
        ),
        (
            json!({"type": "bogus", "email": EMAIL}),
            (400, "validation_failed"),
            "Invalid email action link type requested: bogus",
        ),
        (
            json!({"type": "magiclink", "email": "nope"}),
            (400, "validation_failed"),
            "Unable to validate email address: invalid format",
        ),
        (
            json!({"type": "email_change_new", "email": EMAIL, "new_email": "new@example.com"}),
            (422, "email_exists"),
            "A user with this email address has already been registered",
        ),
    ] {
        let a = generate(&s, body.clone()).await;
        assert_eq!(code(&a), expected, "{body}");
        assert_eq!(a.body["message"], message, "{body}");
    }
}

#[tokio::test]
async fn every_generated_link_and_code_verifies() {
    let s = server().await;
    // magiclink: the code with the email.
    let a = generate(&s, json!({"type": "magiclink", "email": EMAIL})).await;
    assert_eq!(a.body["verification_type"], "magiclink");
    assert!(a.body["recovery_sent_at"].is_string());
    let otp = a.body["email_otp"].as_str().unwrap();
    assert_eq!(
        verify(
            &s,
            json!({"type": "magiclink", "email": EMAIL, "token": otp})
        )
        .await,
        (200, json!(EMAIL))
    );

    // magiclink for a new address is a sign-up.
    let a = generate(
        &s,
        json!({"type": "magiclink", "email": "fresh@example.com"}),
    )
    .await;
    assert_eq!(a.body["verification_type"], "signup");
    assert!(a.body.get("email_confirmed_at").is_none());
    let hash = a.body["hashed_token"].as_str().unwrap();
    assert_eq!(
        verify(&s, json!({"type": "signup", "token_hash": hash})).await,
        (200, json!("fresh@example.com"))
    );
    assert!(s.user("fresh@example.com").unwrap()["email_confirmed_at"].is_string());

    // recovery: the token hash.
    let a = generate(&s, json!({"type": "recovery", "email": EMAIL})).await;
    assert_eq!(a.body["verification_type"], "recovery");
    let hash = a.body["hashed_token"].as_str().unwrap();
    assert_eq!(
        verify(&s, json!({"type": "recovery", "token_hash": hash})).await,
        (200, json!(EMAIL))
    );

    // invite: the link.
    let a = generate(
        &s,
        json!({"type": "invite", "email": "guest@example.com", "data": {"team": "red"}}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.body["invited_at"].is_string());
    assert_eq!(a.body["user_metadata"]["team"], "red");
    let location = follow(a.body["action_link"].as_str().unwrap()).await;
    assert!(location.ends_with("&type=invite"), "{location}");
    let a = generate(&s, json!({"type": "invite", "email": "guest@example.com"})).await;
    assert_eq!(code(&a), (422, "email_exists"));

    // email_change_current: the code sent to the current address completes the change.
    let a = generate(
        &s,
        json!({"type": "email_change_current", "email": EMAIL, "new_email": "moved@example.com"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.body["new_email"], "moved@example.com");
    assert!(
        a.body["action_link"]
            .as_str()
            .unwrap()
            .contains("&type=email_change&")
    );
    let otp = a.body["email_otp"].as_str().unwrap();
    assert_eq!(
        verify(
            &s,
            json!({"type": "email_change", "email": EMAIL, "token": otp})
        )
        .await,
        (200, json!("moved@example.com"))
    );

    // email_change_new: the link carries the new address's hash; the answer's hashed_token is
    // the request email's, as the Go server computes it.
    let a = generate(&s, json!({"type": "email_change_new", "email": "moved@example.com", "new_email": "final@example.com"})).await;
    assert_eq!(a.body["verification_type"], "email_change_new");
    let link = a.body["action_link"].as_str().unwrap();
    let hash = a.body["hashed_token"].as_str().unwrap();
    assert!(!link.contains(hash), "{link}");
    let location = follow(link).await;
    assert!(location.contains("#access_token="), "{location}");
    assert!(s.user("final@example.com").is_some());
    assert_eq!(s.count(Endpoint::GenerateLink), 7);
    assert!(s.outbox().is_empty());
}
