//! The server over real HTTP: fault injection, key rotation, error shapes, counters, links.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use supabase_ssr_testing::server::{
    Endpoint, Fault, KeyAlgorithm, LocalAuth, LocalAuthOptions, SeedUser,
};

const EMAIL: &str = "user@example.com";
const PASSWORD: &str = "password123";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
}

async fn sign_in(s: &LocalAuth, versioned: bool) -> Result<reqwest::Response, reqwest::Error> {
    let mut req = client()
        .post(format!("{}/token?grant_type=password", s.auth_url()))
        .header("apikey", s.publishable_key())
        .body(json!({"email": EMAIL, "password": PASSWORD}).to_string());
    if versioned {
        req = req.header("X-Supabase-Api-Version", "2024-01-01");
    }
    req.send().await
}

async fn json_of(r: reqwest::Response) -> Value {
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    let h = token.split('.').next().unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(h)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn token_response_has_the_go_key_order() {
    let s = server().await;
    let body = sign_in(&s, true).await.unwrap().text().await.unwrap();
    let v: Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "token_type",
            "expires_in",
            "expires_at",
            "refresh_token",
            "user"
        ]
    );
    assert_eq!(
        header_of(v["access_token"].as_str().unwrap())["kid"],
        s.signing_kid().unwrap()
    );
}

#[tokio::test]
async fn errors_come_in_the_shape_the_request_asked_for() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::status(429));
    let r = sign_in(&s, true).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["x-sb-error-code"], "over_request_rate_limit");
    assert_eq!(r.headers()["x-supabase-api-version"], "2024-01-01");
    assert_eq!(
        json_of(r).await,
        json!({"code": "over_request_rate_limit", "message": "Request rate limit reached"})
    );
    let legacy = json_of(sign_in(&s, false).await.unwrap()).await;
    assert_eq!(legacy["code"], 429);
    assert_eq!(legacy["error_code"], "over_request_rate_limit");
}

#[tokio::test]
async fn a_rate_limit_fault_says_when_to_retry_in_both_shapes() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::rate_limited("7"));
    for versioned in [true, false] {
        let r = sign_in(&s, versioned).await.unwrap();
        assert_eq!(r.status(), 429);
        assert_eq!(r.headers()["retry-after"], "7", "versioned: {versioned}");
        assert!(
            json_of(r)
                .await
                .to_string()
                .contains("over_request_rate_limit")
        );
    }
}

#[tokio::test]
async fn a_counted_fault_applies_to_the_next_n_calls_only() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::status(503).times(2));
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 503);
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 503);
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 200);
    assert_eq!(s.count(Endpoint::TokenPassword), 3);
    assert_eq!(s.count(Endpoint::TokenRefresh), 0);
}

#[tokio::test]
async fn latency_delays_then_answers() {
    let s = server().await;
    s.set_fault(
        Endpoint::TokenPassword,
        Fault::latency(Duration::from_millis(80)).times(1),
    );
    let started = Instant::now();
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(80));
}

#[tokio::test]
async fn not_json_body_is_html() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::not_json(502));
    let r = sign_in(&s, true).await.unwrap();
    assert_eq!(r.status(), 502);
    assert!(
        r.headers().get("x-supabase-api-version").is_none(),
        "raw, as from a proxy"
    );
    assert!(serde_json::from_str::<Value>(&r.text().await.unwrap()).is_err());
}

#[tokio::test]
async fn drop_closes_the_connection_without_an_answer() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::drop_connection().times(1));
    let started = Instant::now();
    let e = sign_in(&s, true).await.unwrap_err();
    assert!(!e.is_timeout(), "dropped, not timed out: {e:?}");
    assert!(started.elapsed() < Duration::from_millis(400));
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 200);
}

#[tokio::test]
async fn hang_never_answers_until_cleared() {
    let s = server().await;
    s.set_fault(Endpoint::TokenPassword, Fault::hang());
    let e = sign_in(&s, true).await.unwrap_err();
    assert!(e.is_timeout(), "{e:?}");
    s.clear_fault(Endpoint::TokenPassword);
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 200);
    s.set_fault(Endpoint::TokenPassword, Fault::hang());
    let pending = tokio::spawn({
        let url = format!("{}/token?grant_type=password", s.auth_url());
        let key = s.publishable_key().to_owned();
        async move {
            reqwest::Client::new()
                .post(url)
                .header("apikey", key)
                .body("{}")
                .send()
                .await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    s.stop().await;
    assert!(
        pending.await.unwrap().is_err(),
        "stop ends hanging requests"
    );
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let s = server().await;
    let r = client()
        .post(format!("{}/__faults", s.url()))
        .body(r#"{"endpoint":"token_password","fault":{"kind":"respond","status":400,"body":"{\"foo\":\"bar\"}","times":1}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = sign_in(&s, true).await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(r.text().await.unwrap(), r#"{"foo":"bar"}"#);
    assert_eq!(sign_in(&s, true).await.unwrap().status(), 200);
}

#[tokio::test]
async fn key_rotation_changes_jwks_and_the_signing_kid() {
    let s = server().await;
    let jwks = |s: &LocalAuth| {
        let url = format!("{}/.well-known/jwks.json", s.auth_url());
        async move { json_of(client().get(url).send().await.unwrap()).await }
    };
    let old = s.signing_kid().unwrap();
    assert_eq!(jwks(&s).await["keys"].as_array().unwrap().len(), 1);
    let new = s.rotate_key(KeyAlgorithm::Rs256).unwrap();
    let keys = jwks(&s).await;
    let kids: Vec<&str> = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [old.as_str(), new.as_str()]);
    let token = json_of(sign_in(&s, true).await.unwrap()).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        header_of(&token),
        json!({"alg": "RS256", "kid": new, "typ": "JWT"})
    );
    s.retire_key(&old).unwrap();
    assert_eq!(jwks(&s).await["keys"].as_array().unwrap().len(), 1);
    assert_eq!(s.count(Endpoint::Jwks), 3);
}

#[tokio::test]
async fn hs256_mode_publishes_no_key_and_still_authenticates() {
    let s = LocalAuth::start(
        LocalAuthOptions::default()
            .jwt_algorithm(KeyAlgorithm::Hs256)
            .user(SeedUser::new(EMAIL, PASSWORD)),
    )
    .await
    .unwrap();
    assert_eq!(s.jwks(), json!({"keys": []}));
    let minted = s.mint_session(EMAIL, 60).unwrap();
    assert_eq!(
        header_of(&minted.access_token),
        json!({"alg": "HS256", "typ": "JWT"})
    );
    let r = client()
        .get(format!("{}/user", s.auth_url()))
        .header("apikey", s.publishable_key())
        .bearer_auth(&minted.access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn expired_minted_token_is_rejected_and_clock_advance_expires_tokens() {
    let s = server().await;
    let get_user = |token: String| {
        let url = format!("{}/user", s.auth_url());
        let key = s.publishable_key().to_owned();
        async move {
            client()
                .get(url)
                .header("apikey", key)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
        }
    };
    let expired = s.mint_session(EMAIL, -10).unwrap();
    assert!(expired.expires_at < s.now_secs());
    let r = get_user(expired.access_token).await;
    assert_eq!(r.status(), 403);
    assert_eq!(r.headers()["x-sb-error-code"], "bad_jwt");
    let fresh = s.mint_session(EMAIL, 30).unwrap();
    assert_eq!(get_user(fresh.access_token.clone()).await.status(), 200);
    s.advance(Duration::from_secs(31));
    assert_eq!(get_user(fresh.access_token).await.status(), 403);
}

#[tokio::test]
async fn missing_api_key_is_rejected_by_the_gateway() {
    let s = server().await;
    let r = client()
        .post(format!("{}/token?grant_type=password", s.auth_url()))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn email_link_with_pkce_redirects_with_a_code() {
    let s = server().await;
    let challenge = "x".repeat(43);
    let r = client()
        .post(format!(
            "{}/otp?redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcallback",
            s.auth_url()
        ))
        .header("apikey", s.publishable_key())
        .body(
            json!({"email": EMAIL, "code_challenge": challenge, "code_challenge_method": "plain"})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(r).await, json!({}));
    let outbox = json_of(
        client()
            .get(format!("{}/__outbox?to={EMAIL}", s.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let link = outbox["messages"][0]["link"].as_str().unwrap().to_owned();
    let r = client().get(link).send().await.unwrap();
    assert_eq!(r.status(), 303);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let r = client()
        .post(format!("{}/token?grant_type=pkce", s.auth_url()))
        .header("apikey", s.publishable_key())
        .body(json!({"auth_code": code, "code_verifier": challenge}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn browsers_may_call_the_auth_api_cross_origin() {
    let s = server().await;
    let origin = "http://127.0.0.1:4321";
    // The preflight of a browser's sign-in: 204 with the allowed methods and headers; it is
    // neither counted nor checked for an API key.
    let preflight = client()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/token?grant_type=password", s.auth_url()),
        )
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "apikey,authorization,content-type,x-client-info,x-supabase-api-version",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], origin);
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    for m in ["GET", "POST", "PUT", "DELETE", "OPTIONS"] {
        assert!(methods.contains(m), "{m} missing from {methods}");
    }
    let allowed = h["access-control-allow-headers"].to_str().unwrap();
    for name in [
        "apikey",
        "authorization",
        "content-type",
        "x-client-info",
        "x-supabase-api-version",
    ] {
        assert!(allowed.contains(name), "{name} missing from {allowed}");
    }
    assert_eq!(s.counters().get(Endpoint::TokenPassword), 0);

    // The request itself: the origin is echoed and the error code header is readable.
    let ok = client()
        .post(format!("{}/token?grant_type=password", s.auth_url()))
        .header("Origin", origin)
        .header("apikey", s.publishable_key())
        .body(json!({"email": EMAIL, "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.headers()["access-control-allow-origin"], origin);
    let exposed = ok.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("x-sb-error-code"), "{exposed}");
    let wrong = client()
        .post(format!("{}/token?grant_type=password", s.auth_url()))
        .header("Origin", origin)
        .header("apikey", s.publishable_key())
        .body(json!({"email": EMAIL, "password": "wrong"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    assert_eq!(wrong.headers()["access-control-allow-origin"], origin);

    // Without an Origin (servers, curl): no CORS headers.
    let plain = sign_in(&s, true).await.unwrap();
    assert!(!plain.headers().contains_key("access-control-allow-origin"));
}
