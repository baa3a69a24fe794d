//! MFA over real HTTP: `/factors` enroll, challenge, verify and unenroll with the Go server's
//! shapes and error codes, aal2 sessions and their refresh, the clock, and the test helpers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use serde_json::{Value, json};
use supabase_ssr_testing::server::{
    Endpoint, LocalAuth, LocalAuthError, LocalAuthOptions, SeedUser,
};
use supabase_ssr_testing::{totp_code, totp_code_at};

const EMAIL: &str = "user@example.com";
const PASSWORD: &str = "password123";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

/// An Auth API call with the 2024-01-01 error shape: `(status, body)`.
async fn call(
    s: &LocalAuth,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new()
        .request(method, format!("{}{path}", s.auth_url()))
        .header("apikey", s.publishable_key())
        .header("X-Supabase-Api-Version", "2024-01-01")
        .bearer_auth(token);
    if let Some(body) = body {
        req = req.body(body.to_string());
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn post(s: &LocalAuth, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(s, Method::POST, path, token, Some(body)).await
}

fn claims(token: &str) -> Value {
    let p = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(p)
            .unwrap(),
    )
    .unwrap()
}

fn amr_methods(token: &str) -> Vec<String> {
    claims(token)["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["method"].as_str().unwrap().to_owned())
        .collect()
}

fn token_of(body: &Value) -> String {
    body["access_token"].as_str().unwrap().to_owned()
}

async fn enroll_totp(s: &LocalAuth, token: &str, name: &str) -> (String, String) {
    let (status, body) = post(
        s,
        "/factors",
        token,
        json!({"factor_type": "totp", "friendly_name": name, "issuer": "Example"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["totp"]["secret"].as_str().unwrap().to_owned(),
    )
}

async fn challenge(s: &LocalAuth, token: &str, factor: &str) -> String {
    let (status, body) = post(s, &format!("/factors/{factor}/challenge"), token, json!({})).await;
    assert_eq!(status, 200, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn verify(
    s: &LocalAuth,
    token: &str,
    factor: &str,
    challenge: &str,
    code: &str,
) -> (u16, Value) {
    post(
        s,
        &format!("/factors/{factor}/verify"),
        token,
        json!({"challenge_id": challenge, "code": code}),
    )
    .await
}

async fn refresh(s: &LocalAuth, refresh_token: &str) -> Value {
    let (status, body) = post(
        s,
        "/token?grant_type=refresh_token",
        "",
        json!({ "refresh_token": refresh_token }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn totp_enroll_challenge_verify_gives_an_aal2_session_that_refreshes_as_aal2() {
    let s = server().await;
    let aal1 = s.mint_session(EMAIL, 3600).unwrap();
    assert_eq!(claims(&aal1.access_token)["aal"], "aal1");

    let (status, body) = post(
        &s,
        "/factors",
        &aal1.access_token,
        json!({"factor_type": "totp", "friendly_name": "phone app", "issuer": "Example App"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "type", "friendly_name", "totp"]);
    assert_eq!(body["type"], "totp");
    assert_eq!(body["friendly_name"], "phone app");
    let secret = body["totp"]["secret"].as_str().unwrap().to_owned();
    let uri = body["totp"]["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/Example%20App:user%40example.com?"),
        "{uri}"
    );
    assert!(uri.contains(&format!("secret={secret}")));
    assert!(body["totp"]["qr_code"].as_str().unwrap().contains("<svg"));
    let factor = body["id"].as_str().unwrap().to_owned();

    // Listed on the user, unverified, secret not shown.
    let (_, user) = call(&s, Method::GET, "/user", &aal1.access_token, None).await;
    let listed = &user["factors"][0];
    assert_eq!(listed["id"], factor.as_str());
    assert_eq!(listed["status"], "unverified");
    assert_eq!(listed["factor_type"], "totp");
    assert_eq!(listed["friendly_name"], "phone app");
    assert!(!user.to_string().contains(&secret));

    let (status, ch) = post(
        &s,
        &format!("/factors/{factor}/challenge"),
        &aal1.access_token,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(ch["type"], "totp");
    let expires_at = ch["expires_at"].as_i64().unwrap();
    assert!((s.now_secs() + 299..=s.now_secs() + 300).contains(&expires_at));
    let ch = ch["id"].as_str().unwrap();

    let (status, err) = verify(&s, &aal1.access_token, &factor, ch, "000000x").await;
    assert_eq!(
        (status, &err["code"]),
        (422, &json!("mfa_verification_failed"))
    );

    let (status, session) =
        verify(&s, &aal1.access_token, &factor, ch, &s.totp_code(&secret)).await;
    assert_eq!(status, 200, "{session}");
    let token = token_of(&session);
    let c = claims(&token);
    assert_eq!(c["aal"], "aal2");
    assert_eq!(
        c["session_id"],
        aal1.session_id.as_str(),
        "the same session"
    );
    assert_eq!(amr_methods(&token), ["totp", "password"]);
    assert_eq!(session["user"]["factors"][0]["status"], "verified");
    assert_ne!(session["refresh_token"], aal1.refresh_token.as_str());

    // The refresh keeps aal2 and the amr.
    let refreshed = refresh(&s, session["refresh_token"].as_str().unwrap()).await;
    let token = token_of(&refreshed);
    assert_eq!(claims(&token)["aal"], "aal2");
    assert_eq!(amr_methods(&token), ["totp", "password"]);
}

#[tokio::test]
async fn factor_and_challenge_errors_carry_the_go_server_codes() {
    let s = server().await;
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let unknown = "00000000-0000-4000-8000-000000000000";

    let (status, e) = post(&s, &format!("/factors/{unknown}/challenge"), &t, json!({})).await;
    assert_eq!((status, &e["code"]), (404, &json!("mfa_factor_not_found")));
    let (status, e) = verify(&s, &t, unknown, unknown, "123456").await;
    assert_eq!((status, &e["code"]), (404, &json!("mfa_factor_not_found")));
    let (status, e) = call(&s, Method::DELETE, &format!("/factors/{unknown}"), &t, None).await;
    assert_eq!((status, &e["code"]), (404, &json!("mfa_factor_not_found")));

    let (status, e) = post(&s, "/factors", &t, json!({"factor_type": "sms"})).await;
    assert_eq!((status, &e["code"]), (400, &json!("validation_failed")));

    let (factor, secret) = enroll_totp(&s, &t, "one").await;
    let (status, e) = post(
        &s,
        "/factors",
        &t,
        json!({"factor_type": "totp", "friendly_name": "one"}),
    )
    .await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("mfa_factor_name_conflict"))
    );

    // A challenge id that is not one of this factor's.
    let (status, e) = verify(&s, &t, &factor, unknown, "123456").await;
    assert_eq!((status, &e["code"]), (422, &json!("mfa_factor_not_found")));
    let ch = challenge(&s, &t, &factor).await;
    let (status, e) = verify(&s, &t, &factor, &ch, "").await;
    assert_eq!((status, &e["code"]), (400, &json!("validation_failed")));

    // Expired by the server clock.
    s.advance(Duration::from_secs(301));
    let (status, e) = verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("mfa_challenge_expired")),
        "{e}"
    );
    // …and gone.
    let (status, e) = verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!((status, &e["code"]), (422, &json!("mfa_factor_not_found")));

    // The token expired with the clock too: a new session.
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let ch = challenge(&s, &t, &factor).await;
    let (status, body) = verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!(status, 200, "{body}");
    // A verified challenge is not accepted twice.
    let t2 = token_of(&body);
    let (status, e) = verify(&s, &t2, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("mfa_ip_address_mismatch"))
    );
}

#[tokio::test]
async fn totp_codes_follow_the_server_clock_with_one_step_of_skew() {
    let s = server().await;
    let (factor, secret) = s.add_verified_totp_factor(EMAIL).unwrap();
    s.advance(Duration::from_secs(7 * 24 * 3600));
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let now = u64::try_from(s.now_secs()).unwrap();

    // A wall-clock code is a week stale on this server.
    let ch = challenge(&s, &t, &factor).await;
    let (status, _) = verify(&s, &t, &factor, &ch, &totp_code(&secret)).await;
    assert_eq!(status, 422);
    // Two steps back: refused; one step back: accepted.
    let (status, _) = verify(&s, &t, &factor, &ch, &totp_code_at(&secret, now - 60)).await;
    assert_eq!(status, 422);
    let (status, body) = verify(&s, &t, &factor, &ch, &totp_code_at(&secret, now - 30)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(s.totp_code(&secret), totp_code_at(&secret, now));
}

#[tokio::test]
async fn a_verified_factor_needs_aal2_to_unenroll_or_to_enroll_another() {
    let s = server().await;
    let (factor, secret) = s.add_verified_totp_factor(EMAIL).unwrap();
    let aal1 = s.mint_session(EMAIL, 3600).unwrap();

    let (status, e) = call(
        &s,
        Method::DELETE,
        &format!("/factors/{factor}"),
        &aal1.access_token,
        None,
    )
    .await;
    assert_eq!((status, &e["code"]), (422, &json!("insufficient_aal")));
    let (status, e) = post(
        &s,
        "/factors",
        &aal1.access_token,
        json!({"factor_type": "totp", "friendly_name": "second"}),
    )
    .await;
    assert_eq!((status, &e["code"]), (403, &json!("insufficient_aal")));

    let ch = challenge(&s, &aal1.access_token, &factor).await;
    let (_, aal2) = verify(&s, &aal1.access_token, &factor, &ch, &s.totp_code(&secret)).await;
    let t = token_of(&aal2);
    let (second, _) = enroll_totp(&s, &t, "second").await;

    // An unverified factor goes at aal1 or aal2 alike.
    let (status, body) = call(&s, Method::DELETE, &format!("/factors/{second}"), &t, None).await;
    assert_eq!((status, body), (200, json!({ "id": second })));
    let (status, body) = call(&s, Method::DELETE, &format!("/factors/{factor}"), &t, None).await;
    assert_eq!((status, body), (200, json!({ "id": factor })));

    // The session is back at aal1 (the claim lost with the next token) and the user has none.
    let refreshed = refresh(&s, aal2["refresh_token"].as_str().unwrap()).await;
    let token = token_of(&refreshed);
    assert_eq!(claims(&token)["aal"], "aal1");
    assert_eq!(amr_methods(&token), ["password"]);
    assert!(
        refreshed["user"].get("factors").is_none(),
        "omitted when empty"
    );
}

#[tokio::test]
async fn verifying_ends_the_users_other_aal1_sessions_and_unverified_factors() {
    let s = server().await;
    let other = s.mint_session(EMAIL, 3600).unwrap();
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let (factor, secret) = enroll_totp(&s, &t, "kept").await;
    let (spare, _) = enroll_totp(&s, &t, "spare").await;
    let ch = challenge(&s, &t, &factor).await;
    let (status, body) = verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = body["user"]["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [factor.as_str()], "the unverified {spare} is gone");
    assert_eq!(s.sessions(EMAIL).len(), 1);
    assert!(!s.sessions(EMAIL).contains(&other.session_id));
}

#[tokio::test]
async fn factor_limits_and_expiry_of_unverified_factors() {
    let s = server().await;
    s.update_settings(|st| st.mfa_max_enrolled_factors = 2);
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    enroll_totp(&s, &t, "a").await;
    enroll_totp(&s, &t, "b").await;
    let body = json!({"factor_type": "totp", "friendly_name": "c"});
    let (status, e) = post(&s, "/factors", &t, body.clone()).await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("too_many_enrolled_mfa_factors"))
    );

    // Unverified factors never challenged expire after 300 s (server clock).
    s.advance(Duration::from_secs(301));
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let (status, _) = post(&s, "/factors", &t, body).await;
    assert_eq!(status, 200);
    assert_eq!(
        s.user(EMAIL).unwrap()["factors"].as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn phone_factor_codes_go_through_the_outbox() {
    let s = server().await;
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let (status, body) = post(
        &s,
        "/factors",
        &t,
        json!({"factor_type": "phone", "friendly_name": "mobile", "phone": "+1 555 010 0000"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "type", "friendly_name", "phone"]);
    assert_eq!(body["type"], "phone");
    assert_eq!(body["phone"], "+1 555 010 0000");
    let factor = body["id"].as_str().unwrap().to_owned();
    let (_, user) = call(&s, Method::GET, "/user", &t, None).await;
    assert_eq!(user["factors"][0]["phone"], "15550100000");

    let (status, e) = post(
        &s,
        &format!("/factors/{factor}/challenge"),
        &t,
        json!({"channel": "pigeon"}),
    )
    .await;
    assert_eq!((status, &e["code"]), (400, &json!("validation_failed")));
    let (status, ch) = post(
        &s,
        &format!("/factors/{factor}/challenge"),
        &t,
        json!({"channel": "whatsapp"}),
    )
    .await;
    assert_eq!(status, 200, "{ch}");
    assert_eq!(ch["type"], "phone");
    let message = s.last_message_to("+15550100000").unwrap();
    assert_eq!(message.kind, "mfa_whatsapp");
    assert_eq!(message.to, "15550100000");

    // One challenge a minute per phone factor (server clock).
    let (status, e) = post(&s, &format!("/factors/{factor}/challenge"), &t, json!({})).await;
    assert_eq!(
        (status, &e["code"]),
        (429, &json!("over_sms_send_rate_limit"))
    );

    let ch = ch["id"].as_str().unwrap();
    let wrong = if message.otp == "000000" {
        "111111"
    } else {
        "000000"
    };
    let (status, e) = verify(&s, &t, &factor, ch, wrong).await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("mfa_verification_failed"))
    );
    let (status, body) = verify(&s, &t, &factor, ch, &message.otp).await;
    assert_eq!(status, 200, "{body}");
    let token = token_of(&body);
    assert_eq!(claims(&token)["aal"], "aal2");
    assert_eq!(amr_methods(&token), ["mfa/phone", "password"]);

    s.advance(Duration::from_secs(60));
    let (status, _) = post(
        &s,
        &format!("/factors/{factor}/challenge"),
        &token,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(s.last_message_to("15550100000").unwrap().kind, "mfa_sms");

    let (status, e) = post(
        &s,
        "/factors",
        &token,
        json!({"factor_type": "phone", "friendly_name": "again", "phone": "+15550100000"}),
    )
    .await;
    assert_eq!(
        (status, &e["code"]),
        (422, &json!("mfa_verified_factor_exists"))
    );
    let (status, e) = post(
        &s,
        "/factors",
        &token,
        json!({"factor_type": "phone", "phone": "12ab"}),
    )
    .await;
    assert_eq!((status, &e["code"]), (400, &json!("validation_failed")));
}

#[tokio::test]
async fn helpers_give_verified_factors_and_aal2_sessions() {
    let s = server().await;
    assert!(matches!(
        s.mint_aal2_session(EMAIL, 3600),
        Err(LocalAuthError::NoVerifiedFactor(_))
    ));
    let (factor, secret) = s.add_verified_totp_factor(EMAIL).unwrap();
    let user = s.user(EMAIL).unwrap();
    assert_eq!(user["factors"][0]["id"], factor.as_str());
    assert_eq!(user["factors"][0]["status"], "verified");
    assert_eq!(s.totp_code(&secret).len(), 6);

    let aal1 = s.mint_session(EMAIL, 3600).unwrap();
    let aal2 = s.mint_aal2_session(EMAIL, 3600).unwrap();
    assert_eq!(claims(&aal2.access_token)["aal"], "aal2");
    assert_eq!(amr_methods(&aal2.access_token), ["totp", "password"]);
    assert_eq!(aal2.body["user"]["factors"][0]["id"], factor.as_str());
    assert!(s.sessions(EMAIL).contains(&aal1.session_id), "left alone");

    // Already expired, then refreshed: still aal2.
    let stale = s.mint_aal2_session(EMAIL, -10).unwrap();
    let refreshed = refresh(&s, &stale.refresh_token).await;
    assert_eq!(claims(&token_of(&refreshed))["aal"], "aal2");

    // A second helper factor gets its own friendly name.
    let (second, _) = s.add_verified_totp_factor(EMAIL).unwrap();
    assert_ne!(second, factor);
    let names: Vec<Value> = s.user(EMAIL).unwrap()["factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["friendly_name"].clone())
        .collect();
    assert_ne!(names[0], names[1]);
}

#[tokio::test]
async fn factor_endpoints_are_counted_and_need_a_session() {
    let s = server().await;
    let (status, e) = post(&s, "/factors", "", json!({"factor_type": "totp"})).await;
    assert_eq!((status, &e["code"]), (401, &json!("no_authorization")));
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let (factor, secret) = enroll_totp(&s, &t, "x").await;
    let ch = challenge(&s, &t, &factor).await;
    verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    for e in [
        Endpoint::FactorsEnroll,
        Endpoint::FactorsChallenge,
        Endpoint::FactorsVerify,
    ] {
        assert_eq!(
            s.count(e),
            if e == Endpoint::FactorsEnroll { 2 } else { 1 },
            "{e}"
        );
    }
}

#[tokio::test]
async fn unenrolling_the_factor_a_session_last_verified_with_stores_it_back_at_aal1() {
    // The Go server keeps the session's level in a column: unenrolling the factor it last
    // verified with sets it to aal1 (so a verified factor then needs a new verification to go),
    // while the token's level is still computed from the amr entries left.
    let s = server().await;
    let (totp_id, secret) = s.add_verified_totp_factor(EMAIL).unwrap();
    let t = s.mint_aal2_session(EMAIL, 3600).unwrap().access_token;
    let (status, body) = post(
        &s,
        "/factors",
        &t,
        json!({"factor_type": "phone", "friendly_name": "mobile", "phone": "+15550100000"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let phone_id = body["id"].as_str().unwrap().to_owned();
    let ch = challenge(&s, &t, &phone_id).await;
    let otp = s.last_message_to("15550100000").unwrap().otp;
    let (_, session) = verify(&s, &t, &phone_id, &ch, &otp).await;
    let t = token_of(&session);
    assert_eq!(amr_methods(&t), ["mfa/phone", "totp", "password"]);

    let (status, _) = call(
        &s,
        Method::DELETE,
        &format!("/factors/{phone_id}"),
        &t,
        None,
    )
    .await;
    assert_eq!(status, 200);
    let (status, e) = call(&s, Method::DELETE, &format!("/factors/{totp_id}"), &t, None).await;
    assert_eq!((status, &e["code"]), (422, &json!("insufficient_aal")));
    let refreshed = refresh(&s, session["refresh_token"].as_str().unwrap()).await;
    assert_eq!(
        claims(&token_of(&refreshed))["aal"],
        "aal2",
        "totp is still in amr"
    );

    // Verifying again restores it.
    let ch = challenge(&s, &t, &totp_id).await;
    let (status, _) = verify(&s, &t, &totp_id, &ch, &s.totp_code(&secret)).await;
    assert_eq!(status, 200);
    let (status, _) = call(&s, Method::DELETE, &format!("/factors/{totp_id}"), &t, None).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn anonymous_users_cannot_use_factors() {
    let s = server().await;
    let (status, session) = post(&s, "/signup", "", json!({ "data": {} })).await;
    assert_eq!(status, 200, "{session}");
    let t = token_of(&session);
    assert_eq!(claims(&t)["is_anonymous"], true);
    let (status, e) = post(&s, "/factors", &t, json!({"factor_type": "totp"})).await;
    assert_eq!((status, &e["code"]), (403, &json!("no_authorization")));
}

#[tokio::test]
async fn mfa_settings_change_over_http() {
    let s = server().await;
    let r = reqwest::Client::new()
        .post(format!("{}/__settings", s.url()))
        .body(
            json!({"mfa_challenge_expiry_secs": 30, "mfa_phone_max_frequency_secs": 0}).to_string(),
        )
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let st = s.settings();
    assert_eq!(st.mfa_challenge_expiry, Duration::from_secs(30));
    assert_eq!(st.mfa_phone_max_frequency, Duration::ZERO);

    let (factor, secret) = s.add_verified_totp_factor(EMAIL).unwrap();
    let t = s.mint_session(EMAIL, 3600).unwrap().access_token;
    let ch = challenge(&s, &t, &factor).await;
    s.advance(Duration::from_secs(31));
    let (status, e) = verify(&s, &t, &factor, &ch, &s.totp_code(&secret)).await;
    assert_eq!((status, &e["code"]), (422, &json!("mfa_challenge_expired")));
}
