//! The Go server's OAuth 2.1 server side over real HTTP (`internal/api/oauthserver`): who may
//! manage clients, the registration rules, `/oauth/authorize`'s JSON errors and its errors sent
//! back to the app, the consent endpoints' refusals, the token endpoint's OAuth errors (wrong
//! secret, reused code, wrong verifier, public clients), and grant revocation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::Method;
use serde_json::{Value, json};
use supabase_ssr_testing::server::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "user@example.com";
const OTHER: &str = "other@example.com";
const PASSWORD: &str = "password123";
const CALLBACK: &str = "http://localhost:9999/callback";
const VERIFIER: &str = "plain-verifier-plain-verifier-plain-verifier-0123";

async fn server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default()
            .user(SeedUser::new(EMAIL, PASSWORD))
            .user(SeedUser::new(OTHER, PASSWORD)),
    )
    .await
    .unwrap()
}

struct Answer {
    status: u16,
    location: Option<String>,
    body: Value,
}

/// A call with `apikey: key` and, when given, a bearer token and a JSON body.
async fn call(
    s: &LocalAuth,
    method: Method,
    path: &str,
    key: &str,
    bearer: Option<&str>,
    body: Option<Value>,
) -> Answer {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut req = http
        .request(method, format!("{}{path}", s.auth_url()))
        .header("apikey", key);
    if let Some(token) = bearer {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    };
    Answer {
        status,
        location,
        body,
    }
}

async fn admin(s: &LocalAuth, method: Method, path: &str, body: Option<Value>) -> Answer {
    call(s, method, path, s.secret_key(), None, body).await
}

async fn register(s: &LocalAuth, extra: Value) -> Value {
    let mut body = json!({ "client_name": "App", "redirect_uris": [CALLBACK] });
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    let answer = admin(s, Method::POST, "/admin/oauth/clients", Some(body)).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    answer.body
}

fn param(url: &str, key: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// `GET /oauth/authorize` with these parameters (a PKCE `plain` challenge unless overridden).
async fn authorize(s: &LocalAuth, params: &[(&str, &str)]) -> Answer {
    let mut all: Vec<(&str, &str)> = vec![
        ("code_challenge", VERIFIER),
        ("code_challenge_method", "plain"),
        ("state", "st"),
    ];
    all.retain(|(k, _)| !params.iter().any(|(p, _)| p == k));
    all.extend_from_slice(params);
    let url =
        url::Url::parse_with_params(&format!("{}/oauth/authorize", s.auth_url()), all).unwrap();
    let path = format!("/oauth/authorize?{}", url.query().unwrap());
    call(s, Method::GET, &path, s.publishable_key(), None, None).await
}

/// A pending authorization of `client_id`, bound to `token`'s user; its id and the details'
/// answer (`{redirect_url}` when an earlier consent covers it).
async fn bound_with_details(s: &LocalAuth, client_id: &str, token: &str) -> (String, Value) {
    let started = authorize(
        s,
        &[
            ("client_id", client_id),
            ("redirect_uri", CALLBACK),
            ("scope", "email"),
        ],
    )
    .await;
    assert_eq!(started.status, 302);
    let id = param(&started.location.unwrap(), "authorization_id").unwrap();
    let details = call(
        s,
        Method::GET,
        &format!("/oauth/authorizations/{id}"),
        s.publishable_key(),
        Some(token),
        None,
    )
    .await;
    assert_eq!(details.status, 200, "{}", details.body);
    (id, details.body)
}

/// A pending authorization of `client_id`, bound to `token`'s user; its id.
async fn bound(s: &LocalAuth, client_id: &str, token: &str) -> String {
    let (id, details) = bound_with_details(s, client_id, token).await;
    assert_eq!(details["authorization_id"], id.as_str());
    id
}

/// A code for `client_id` from `token`'s user: approved on the consent page, or at once when
/// an earlier consent covers the scopes (the Go server's auto-approval).
async fn code_for(s: &LocalAuth, client_id: &str, token: &str) -> String {
    let (id, details) = bound_with_details(s, client_id, token).await;
    match details["redirect_url"].as_str() {
        Some(url) => param(url, "code").unwrap(),
        None => approve(s, &id, token).await,
    }
}

/// Approves `id` as `token`'s user; the code.
async fn approve(s: &LocalAuth, id: &str, token: &str) -> String {
    let answer = call(
        s,
        Method::POST,
        &format!("/oauth/authorizations/{id}/consent"),
        s.publishable_key(),
        Some(token),
        Some(json!({ "action": "approve" })),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    param(answer.body["redirect_url"].as_str().unwrap(), "code").unwrap()
}

/// `POST /oauth/token` (form-encoded) with these fields, and HTTP Basic when given.
async fn token(s: &LocalAuth, basic: Option<(&str, &str)>, form: &[(&str, &str)]) -> Answer {
    let mut req = reqwest::Client::new()
        .post(format!("{}/oauth/token", s.auth_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(form)
                .finish(),
        );
    if let Some((id, secret)) = basic {
        req = req.basic_auth(id, Some(secret));
    }
    let res = req.send().await.unwrap();
    Answer {
        status: res.status().as_u16(),
        location: None,
        body: res.json().await.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_service_role_manages_clients() {
    let s = server().await;
    let user = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let refused = call(
        &s,
        Method::GET,
        "/admin/oauth/clients",
        s.publishable_key(),
        None,
        None,
    )
    .await;
    assert_eq!(
        (refused.status, &refused.body["error_code"]),
        (403, &json!("not_admin"))
    );
    let as_user = call(
        &s,
        Method::POST,
        "/admin/oauth/clients",
        s.publishable_key(),
        Some(&user),
        Some(json!({ "redirect_uris": [CALLBACK] })),
    )
    .await;
    assert_eq!(as_user.status, 403);

    // No clients: the Go server's `omitempty` leaves the list out.
    let empty = admin(&s, Method::GET, "/admin/oauth/clients", None).await;
    assert_eq!((empty.status, &empty.body), (200, &json!({})));
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_follows_the_go_servers_rules() {
    let s = server().await;
    let missing = admin(&s, Method::POST, "/admin/oauth/clients", Some(json!({}))).await;
    assert_eq!(
        (missing.status, &missing.body["error_code"]),
        (400, &json!("validation_failed"))
    );
    for uri in [
        "http://app.example.com/cb",
        "https://app.example.com/cb#x",
        "not a url",
    ] {
        let bad = admin(
            &s,
            Method::POST,
            "/admin/oauth/clients",
            Some(json!({ "redirect_uris": [uri] })),
        )
        .await;
        assert_eq!(
            bad.body["error_code"], "validation_failed",
            "{uri}: {}",
            bad.body
        );
    }
    let grants = admin(
        &s,
        Method::POST,
        "/admin/oauth/clients",
        Some(json!({ "redirect_uris": [CALLBACK], "grant_types": ["password"] })),
    )
    .await;
    assert_eq!(grants.body["error_code"], "validation_failed");

    let client = register(&s, json!({})).await;
    assert_eq!(client["client_type"], "confidential");
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(
        client["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(client["response_types"], json!(["code"]));
    assert!(client["client_secret"].is_string());
    let public = register(&s, json!({ "client_type": "public" })).await;
    assert_eq!(public["token_endpoint_auth_method"], "none");
    assert!(public.get("client_secret").is_none());

    let id = client["client_id"].as_str().unwrap();
    let read = admin(&s, Method::GET, &format!("/admin/oauth/clients/{id}"), None).await;
    assert!(read.body.get("client_secret").is_none(), "{}", read.body);
    let not_uuid = admin(&s, Method::GET, "/admin/oauth/clients/nope", None).await;
    assert_eq!(
        (not_uuid.status, &not_uuid.body["error_code"]),
        (400, &json!("validation_failed"))
    );
    let deleted = admin(
        &s,
        Method::DELETE,
        &format!("/admin/oauth/clients/{id}"),
        None,
    )
    .await;
    assert_eq!((deleted.status, deleted.body), (204, Value::Null));
    let gone = admin(&s, Method::GET, &format!("/admin/oauth/clients/{id}"), None).await;
    assert_eq!(
        (gone.status, &gone.body["error_code"]),
        (404, &json!("oauth_client_not_found"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn authorize_answers_json_until_the_redirect_uri_is_trusted_then_redirects_errors() {
    let s = server().await;
    let client = register(&s, json!({})).await;
    let id = client["client_id"].as_str().unwrap();

    let no_client = authorize(&s, &[("redirect_uri", CALLBACK)]).await;
    assert_eq!(
        (no_client.status, &no_client.body["error_code"]),
        (400, &json!("validation_failed"))
    );
    let unknown = authorize(
        &s,
        &[
            ("client_id", "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f"),
            ("redirect_uri", CALLBACK),
        ],
    )
    .await;
    assert_eq!(unknown.body["error_code"], "oauth_client_not_found");
    let elsewhere = authorize(
        &s,
        &[
            ("client_id", id),
            ("redirect_uri", "http://localhost:9999/other"),
        ],
    )
    .await;
    assert_eq!(
        (elsewhere.status, &elsewhere.body["error_code"]),
        (400, &json!("validation_failed"))
    );

    for (params, description) in [
        (vec![("code_challenge", "")], "PKCE"),
        (vec![("scope", "admin")], "unsupported scope"),
        (vec![("response_type", "token")], "response_type"),
        (vec![("code_challenge", "short")], "43 and 128"),
    ] {
        let mut all = vec![("client_id", id), ("redirect_uri", CALLBACK)];
        all.extend(params);
        let back = authorize(&s, &all).await;
        assert_eq!(back.status, 302, "{description}");
        let location = back.location.unwrap();
        assert!(location.starts_with(CALLBACK), "{location}");
        assert_eq!(
            param(&location, "error").as_deref(),
            Some("invalid_request")
        );
        assert!(
            param(&location, "error_description")
                .unwrap()
                .contains(description),
            "{location}"
        );
        assert_eq!(param(&location, "state").as_deref(), Some("st"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn consent_is_the_bound_users_alone() {
    let s = server().await;
    let client = register(&s, json!({})).await;
    let id = client["client_id"].as_str().unwrap();
    let user = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let other = s.mint_session(OTHER, 3600).unwrap().access_token;
    let authorization = bound(&s, id, &user).await;
    let path = format!("/oauth/authorizations/{authorization}");

    let anonymous = call(&s, Method::GET, &path, s.publishable_key(), None, None).await;
    assert_eq!(
        (anonymous.status, &anonymous.body["error_code"]),
        (401, &json!("no_authorization"))
    );
    let stolen = call(
        &s,
        Method::GET,
        &path,
        s.publishable_key(),
        Some(&other),
        None,
    )
    .await;
    assert_eq!(
        (stolen.status, &stolen.body["error_code"]),
        (404, &json!("oauth_authorization_not_found"))
    );
    let consent = format!("{path}/consent");
    let stolen = call(
        &s,
        Method::POST,
        &consent,
        s.publishable_key(),
        Some(&other),
        Some(json!({ "action": "approve" })),
    )
    .await;
    assert_eq!(stolen.body["error_code"], "oauth_authorization_not_found");
    let bad_action = call(
        &s,
        Method::POST,
        &consent,
        s.publishable_key(),
        Some(&user),
        Some(json!({ "action": "maybe" })),
    )
    .await;
    assert_eq!(
        (bad_action.status, &bad_action.body["error_code"]),
        (400, &json!("validation_failed"))
    );
    let unknown = call(
        &s,
        Method::GET,
        "/oauth/authorizations/nosuch",
        s.publishable_key(),
        Some(&user),
        None,
    )
    .await;
    assert_eq!(unknown.body["error_code"], "oauth_authorization_not_found");
}

fn grant(code: &str) -> [(&str, &str); 3] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("code_verifier", VERIFIER),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_endpoint_checks_the_client_the_code_and_the_verifier() {
    let s = server().await;
    let client = register(&s, json!({})).await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    let user = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let code = approve(&s, &bound(&s, id, &user).await, &user).await;
    // Client authentication fails before the grant is looked at (`invalid_credentials`).
    let wrong_secret = token(&s, Some((id, "nope")), &grant(&code)).await;
    assert_eq!(
        (wrong_secret.status, &wrong_secret.body["error_code"]),
        (400, &json!("invalid_credentials")),
        "{}",
        wrong_secret.body
    );
    // It registered for client_secret_basic: the secret in the body is the wrong method.
    let mut posted = grant(&code).to_vec();
    posted.extend([("client_id", id), ("client_secret", secret)]);
    let wrong_method = token(&s, None, &posted).await;
    assert_eq!(wrong_method.body["error_code"], "invalid_credentials");
    let anonymous = token(&s, None, &grant(&code)).await;
    assert_eq!(
        (anonymous.status, &anonymous.body["error"]),
        (400, &json!("invalid_client"))
    );
    let tokens = token(&s, Some((id, secret)), &grant(&code)).await;
    assert_eq!(tokens.status, 200, "{}", tokens.body);
    let keys: Vec<&str> = tokens
        .body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["access_token", "token_type", "expires_in", "refresh_token"]
    );
    let reused = token(&s, Some((id, secret)), &grant(&code)).await;
    assert_eq!(
        (reused.status, &reused.body["error"]),
        (400, &json!("invalid_grant"))
    );

    let code = code_for(&s, id, &user).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        (
            "code_verifier",
            "another-verifier-another-verifier-another-verifier",
        ),
    ];
    let wrong_verifier = token(&s, Some((id, secret)), &form).await;
    assert_eq!(wrong_verifier.body["error"], "invalid_grant");

    // A public client authenticates with its id alone.
    let public = register(&s, json!({ "token_endpoint_auth_method": "none" })).await;
    let public_id = public["client_id"].as_str().unwrap();
    let code = approve(&s, &bound(&s, public_id, &user).await, &user).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", VERIFIER),
        ("client_id", public_id),
    ];
    let public_tokens = token(&s, None, &form).await;
    assert_eq!(public_tokens.status, 200, "{}", public_tokens.body);
}

/// The app's tokens for `token`'s user through `client` (a confidential client uses Basic).
async fn app_tokens(s: &LocalAuth, client: &Value, token_of_user: &str) -> Answer {
    let id = client["client_id"].as_str().unwrap();
    let code = code_for(s, id, token_of_user).await;
    let answer = if let Some(secret) = client["client_secret"].as_str() {
        token(s, Some((id, secret)), &grant(&code)).await
    } else {
        let mut form = grant(&code).to_vec();
        form.push(("client_id", id));
        token(s, None, &form).await
    };
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer
}

#[tokio::test(flavor = "multi_thread")]
async fn the_apps_sessions_refresh_only_at_oauth_token_as_the_app() {
    let s = server().await;
    let client = register(&s, json!({})).await;
    let public = register(&s, json!({ "token_endpoint_auth_method": "none" })).await;
    let (id, secret) = (
        client["client_id"].as_str().unwrap(),
        client["client_secret"].as_str().unwrap(),
    );
    let user = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let tokens = app_tokens(&s, &client, &user).await;
    let public_tokens = app_tokens(&s, &public, &user).await;

    // The refresh_token grant rotates a refresh token of the client's own sessions only.
    let refresh = tokens.body["refresh_token"].as_str().unwrap();
    let refresh_form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let refreshed = token(&s, Some((id, secret)), &refresh_form).await;
    assert_eq!(refreshed.status, 200, "{}", refreshed.body);
    assert_ne!(
        refreshed.body["refresh_token"],
        tokens.body["refresh_token"]
    );
    assert!(refreshed.body.get("user").is_none());
    let public_refresh = public_tokens.body["refresh_token"].as_str().unwrap();
    let foreign = [
        ("grant_type", "refresh_token"),
        ("refresh_token", public_refresh),
    ];
    let foreign = token(&s, Some((id, secret)), &foreign).await;
    assert_eq!(foreign.body["error"], "invalid_client", "{}", foreign.body);
    let own = s.mint_session(EMAIL, 3600).unwrap().refresh_token;
    let own = [
        ("grant_type", "refresh_token"),
        ("refresh_token", own.as_str()),
    ];
    let not_oauth = token(&s, Some((id, secret)), &own).await;
    assert_eq!(
        not_oauth.body["error"], "invalid_client",
        "{}",
        not_oauth.body
    );
    // The app's session refreshes only at /oauth/token, as the app.
    let plain = reqwest::Client::new()
        .post(format!("{}/token?grant_type=refresh_token", s.auth_url()))
        .header("apikey", s.publishable_key())
        .json(&json!({ "refresh_token": refreshed.body["refresh_token"] }))
        .send()
        .await
        .unwrap();
    let plain: Value = plain.json().await.unwrap();
    assert_eq!(plain["error"], "invalid_client", "{plain}");

    // The app's access tokens name the client and the granted scope.
    let access = refreshed.body["access_token"].as_str().unwrap();
    let payload = access.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["client_id"], id);
    assert_eq!(claims["scope"], "email");
    assert_eq!(
        claims["amr"][0]["method"],
        "oauth_provider/authorization_code"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn grants_are_listed_and_revoked_by_client_id() {
    let s = server().await;
    let client = register(&s, json!({ "client_uri": "https://app.example.com" })).await;
    let id = client["client_id"].as_str().unwrap();
    let user = s.mint_session(EMAIL, 3600).unwrap().access_token;
    approve(&s, &bound(&s, id, &user).await, &user).await;
    let key = s.publishable_key();

    let grants = call(
        &s,
        Method::GET,
        "/user/oauth/grants",
        key,
        Some(&user),
        None,
    )
    .await;
    assert_eq!(grants.body.as_array().unwrap().len(), 1, "{}", grants.body);
    assert_eq!(grants.body[0]["client"]["id"], id);
    assert_eq!(grants.body[0]["client"]["uri"], "https://app.example.com");
    assert_eq!(grants.body[0]["scopes"], json!(["email"]));

    let missing = call(
        &s,
        Method::DELETE,
        "/user/oauth/grants",
        key,
        Some(&user),
        None,
    )
    .await;
    assert_eq!(
        (missing.status, &missing.body["error_code"]),
        (400, &json!("validation_failed"))
    );
    let path = format!("/user/oauth/grants?client_id={id}");
    let revoked = call(&s, Method::DELETE, &path, key, Some(&user), None).await;
    assert_eq!(revoked.status, 204);
    let again = call(&s, Method::DELETE, &path, key, Some(&user), None).await;
    assert_eq!(
        (again.status, &again.body["error_code"]),
        (404, &json!("oauth_consent_not_found"))
    );
    let none = call(
        &s,
        Method::GET,
        "/user/oauth/grants",
        key,
        Some(&user),
        None,
    )
    .await;
    assert_eq!(none.body, json!([]));

    // Counted like every Auth endpoint; the consent page's calls need the apikey (the app's
    // authorize and token requests do not).
    let counters = s.counters();
    assert_eq!(counters.get(Endpoint::OAuthGrantsList), 2, "{counters:?}");
    assert_eq!(counters.get(Endpoint::OAuthGrantRevoke), 3, "{counters:?}");
    assert_eq!(counters.get(Endpoint::OAuthAuthorize), 1, "{counters:?}");
    assert_eq!(counters.get(Endpoint::OAuthConsent), 1, "{counters:?}");
    assert_eq!(
        counters.get(Endpoint::AdminOAuthClientCreate),
        1,
        "{counters:?}"
    );
    let keyless = reqwest::Client::new()
        .get(format!("{}/user/oauth/grants", s.auth_url()))
        .bearer_auth(&user)
        .send()
        .await
        .unwrap();
    assert_eq!(keyless.status(), 401);
}
