//! The Go server's admin passkey and custom provider endpoints over real HTTP
//! (`/admin/users/{id}/passkeys`, `/admin/custom-providers`): shapes, codes, statuses, who may
//! call them, and signing in through an enabled custom provider.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Method;
use serde_json::{Value, json};
use supabase_ssr_testing::server::{LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "user@example.com";
const OTHER: &str = "other@example.com";
const PASSWORD: &str = "password123";

async fn server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default()
            .user(SeedUser::new(EMAIL, PASSWORD))
            .user(SeedUser::new(OTHER, PASSWORD)),
    )
    .await
    .unwrap()
}

/// `(status, JSON body or Null)` of a call with `apikey: key`.
async fn call(
    s: &LocalAuth,
    key: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", s.auth_url()))
        .header("apikey", key)
        .header("X-Supabase-Api-Version", "2024-01-01");
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn admin(s: &LocalAuth, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    call(s, s.secret_key(), method, path, body).await
}

fn code(answer: &(u16, Value)) -> (u16, &str) {
    (answer.0, answer.1["code"].as_str().unwrap_or_default())
}

fn user_id(s: &LocalAuth, email: &str) -> String {
    s.user(email).unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn passkeys_are_listed_and_deleted_per_user() {
    let s = server().await;
    let user = user_id(&s, EMAIL);
    let other = user_id(&s, OTHER);
    let path = format!("/admin/users/{user}/passkeys");

    let empty = admin(&s, Method::GET, &path, None).await;
    assert_eq!(empty, (200, json!([])));

    let first = s.add_passkey(EMAIL).unwrap();
    let second = s.add_passkey(&user).unwrap();
    let theirs = s.add_passkey(OTHER).unwrap();
    let (status, list) = admin(&s, Method::GET, &path, None).await;
    assert_eq!(status, 200);
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], first.as_str());
    assert_eq!(items[0]["friendly_name"], "Passkey 1");
    assert!(items[0]["created_at"].as_str().unwrap().ends_with('Z'));
    assert!(items[0].get("last_used_at").is_none(), "never used");
    assert_eq!(items[1]["id"], second.as_str());

    // Only the service role.
    let refused = call(&s, s.publishable_key(), Method::GET, &path, None).await;
    assert_eq!(code(&refused), (403, "not_admin"));
    let refused = call(
        &s,
        s.publishable_key(),
        Method::DELETE,
        &format!("{path}/{first}"),
        None,
    )
    .await;
    assert_eq!(code(&refused), (403, "not_admin"));

    // Another user's passkey is not found under this user.
    let cross = admin(&s, Method::DELETE, &format!("{path}/{theirs}"), None).await;
    assert_eq!(code(&cross), (404, "validation_failed"));
    assert_eq!(cross.1["message"], "Passkey not found");
    let bad = admin(&s, Method::DELETE, &format!("{path}/not-a-uuid"), None).await;
    assert_eq!(code(&bad), (404, "validation_failed"));

    let deleted = admin(&s, Method::DELETE, &format!("{path}/{first}"), None).await;
    assert_eq!(deleted, (204, Value::Null));
    let again = admin(&s, Method::DELETE, &format!("{path}/{first}"), None).await;
    assert_eq!(code(&again), (404, "validation_failed"));
    let (_, left) = admin(&s, Method::GET, &path, None).await;
    assert_eq!(left.as_array().unwrap().len(), 1);
    let (_, theirs_left) = admin(
        &s,
        Method::GET,
        &format!("/admin/users/{other}/passkeys"),
        None,
    )
    .await;
    assert_eq!(theirs_left[0]["id"], theirs.as_str());

    // The user is checked first, as the Go server's loadUser does.
    let unknown = admin(
        &s,
        Method::GET,
        "/admin/users/3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f/passkeys",
        None,
    )
    .await;
    assert_eq!(code(&unknown), (404, "user_not_found"));
    let malformed = admin(&s, Method::GET, "/admin/users/nope/passkeys", None).await;
    assert_eq!(code(&malformed), (404, "validation_failed"));
}

fn acme() -> Value {
    json!({
        "provider_type": "oauth2",
        "identifier": "custom:acme",
        "name": "Acme",
        "client_id": "acme-client",
        "client_secret": "acme-secret",
        "scopes": ["email"],
        "authorization_url": "https://acme.example/authorize",
        "token_url": "https://acme.example/token",
        "userinfo_url": "https://acme.example/userinfo",
    })
}

#[tokio::test]
async fn custom_providers_crud_with_gotrue_shapes() {
    let s = server().await;
    let base = "/admin/custom-providers";
    assert_eq!(
        admin(&s, Method::GET, base, None).await,
        (200, json!({"providers": []}))
    );

    let (status, created) = admin(&s, Method::POST, base, Some(acme())).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["identifier"], "custom:acme");
    assert_eq!(created["provider_type"], "oauth2");
    assert_eq!(created["pkce_enabled"], true);
    assert_eq!(created["enabled"], true);
    assert!(created.get("client_secret").is_none(), "never shown");
    assert!(uuid::Uuid::parse_str(created["id"].as_str().unwrap()).is_ok());
    assert_eq!(
        s.custom_provider_secret("custom:acme").as_deref(),
        Some("acme-secret")
    );

    let (status, oidc) = admin(
        &s,
        Method::POST,
        base,
        Some(json!({
            "provider_type": "oidc", "identifier": "custom:corp", "name": "Corp",
            "client_id": "c", "client_secret": "s", "issuer": "https://id.corp.example",
        })),
    )
    .await;
    assert_eq!(status, 201, "{oidc}");
    assert_eq!(oidc["scopes"], json!(["openid"]));
    assert_eq!(
        oidc["discovery_document"]["issuer"],
        "https://id.corp.example"
    );

    let duplicate = admin(&s, Method::POST, base, Some(acme())).await;
    assert_eq!(code(&duplicate), (400, "conflict"));
    let mut local = acme();
    local["identifier"] = json!("custom:local");
    local["token_url"] = json!("https://localhost/token");
    assert_eq!(
        code(&admin(&s, Method::POST, base, Some(local)).await),
        (400, "validation_failed")
    );
    let unresolvable = json!({
        "provider_type": "oidc", "identifier": "custom:gone", "name": "Gone",
        "client_id": "c", "client_secret": "s", "issuer": "https://id.gone.invalid",
    });
    assert_eq!(
        code(&admin(&s, Method::POST, base, Some(unresolvable)).await),
        (400, "validation_failed")
    );

    let (_, all) = admin(&s, Method::GET, base, None).await;
    assert_eq!(all["providers"].as_array().unwrap().len(), 2);
    let (_, only_oidc) = admin(&s, Method::GET, &format!("{base}?type=oidc"), None).await;
    assert_eq!(only_oidc["providers"][0]["identifier"], "custom:corp");
    let bad_type = admin(&s, Method::GET, &format!("{base}?type=saml"), None).await;
    assert_eq!(code(&bad_type), (400, "validation_failed"));

    let (status, got) = admin(&s, Method::GET, &format!("{base}/custom:acme"), None).await;
    assert_eq!((status, &got), (200, &created));
    let (status, updated) = admin(
        &s,
        Method::PUT,
        &format!("{base}/custom:acme"),
        Some(json!({"name": "Acme Inc", "client_secret": "rotated"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(updated["name"], "Acme Inc");
    assert_eq!(updated["client_id"], "acme-client");
    assert_eq!(
        s.custom_provider_secret("custom:acme").as_deref(),
        Some("rotated")
    );
    let unprefixed = admin(&s, Method::GET, &format!("{base}/acme"), None).await;
    assert_eq!(code(&unprefixed), (400, "validation_failed"));

    let refused = call(&s, s.publishable_key(), Method::GET, base, None).await;
    assert_eq!(code(&refused), (403, "not_admin"));

    let deleted = admin(&s, Method::DELETE, &format!("{base}/custom:acme"), None).await;
    assert_eq!(deleted, (204, Value::Null));
    let gone = admin(&s, Method::GET, &format!("{base}/custom:acme"), None).await;
    assert_eq!(code(&gone), (404, "custom_provider_not_found"));
    let gone = admin(&s, Method::DELETE, &format!("{base}/custom:acme"), None).await;
    assert_eq!(code(&gone), (404, "custom_provider_not_found"));
}

/// `GET /authorize?provider=custom:…` status and `Location`, without following it.
async fn authorize(s: &LocalAuth, provider: &str) -> (u16, String, Value) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let url = reqwest::Url::parse_with_params(
        &format!("{}/authorize", s.auth_url()),
        [
            ("provider", provider),
            ("redirect_to", "http://app.example/auth/callback"),
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "s256"),
        ],
    )
    .unwrap();
    let r = client
        .get(url)
        .header("apikey", s.publishable_key())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = r.json().await.unwrap_or(Value::Null);
    (status, location, body)
}

#[tokio::test]
async fn users_sign_in_only_through_enabled_custom_providers() {
    let s = server().await;
    let (status, _, body) = authorize(&s, "custom:acme").await;
    assert_eq!(
        (status, body["error_code"].as_str()),
        (400, Some("validation_failed"))
    );
    assert_eq!(
        body["msg"],
        "Unsupported provider: custom provider custom:acme not found"
    );

    let base = "/admin/custom-providers";
    let mut disabled = acme();
    disabled["enabled"] = json!(false);
    assert_eq!(admin(&s, Method::POST, base, Some(disabled)).await.0, 201);
    let (status, _, body) = authorize(&s, "custom:acme").await;
    assert_eq!(status, 400);
    assert_eq!(
        body["msg"],
        "Unsupported provider: custom provider custom:acme is disabled"
    );

    let enable = Some(json!({"enabled": true}));
    assert_eq!(
        admin(&s, Method::PUT, &format!("{base}/custom:acme"), enable)
            .await
            .0,
        200
    );
    let (status, location, _) = authorize(&s, "custom:acme").await;
    assert_eq!(status, 302);
    assert!(
        location.starts_with("http://app.example/auth/callback?code="),
        "{location}"
    );
}
