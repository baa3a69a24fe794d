//! The MFA flows against the in-process local Auth server, as every example serves them:
//! enrollment and its first code, the challenge (wrong code, right code, `next` payloads), the
//! security page and unenrolling, the JSON routes, and the QR code's `<img src>`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use supabase_ssr_testing::totp_code;

use super::pages::{self, EnrollPage};
use super::qr_image_src;
use crate::config::DEMO_PASSWORD;
use crate::tests::{Browser, body, credentials, header, location, page, payloads, site};
use crate::{FactorForm, MfaCodeForm, MfaQuery, Reply, Site, routes};

/// The text of `attribute="…"` after `marker` in `html` (maud escapes `&` as `&amp;`).
fn attribute_after(html: &str, marker: &str, attribute: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in {html}"));
    let rest = &html[start..];
    let at = rest.find(&format!("{attribute}=\"")).unwrap() + attribute.len() + 2;
    let end = rest[at..].find('"').unwrap();
    rest[at..at + end].replace("&amp;", "&")
}

fn secret_in(html: &str) -> String {
    let start = html.find(r#"id="secret">"#).expect("no #secret") + r#"id="secret">"#.len();
    let end = html[start..].find('<').unwrap();
    html[start..start + end].to_owned()
}

fn json(reply: Reply, status: u16, what: &str) -> serde_json::Value {
    serde_json::from_str(&body(reply, status, "application/json", what)).unwrap()
}

fn code_form(factor_id: &str, code: &str, next: Option<&str>) -> MfaCodeForm {
    MfaCodeForm {
        factor_id: factor_id.into(),
        code: code.into(),
        next: next.map(str::to_owned),
    }
}

async fn signed_in(site: &Site) -> Browser {
    let mut browser = Browser::default();
    let client = browser.client(site);
    let reply = site.login(&client, &credentials(DEMO_PASSWORD, "/")).await;
    location(reply, "POST /login");
    browser.keep(&client);
    browser
}

async fn aal(site: &Site, browser: &Browser) -> String {
    let claims = browser
        .client(site)
        .optional_claims()
        .await
        .expect("signed in");
    claims.aal().unwrap_or_default().to_owned()
}

/// Enrolls a TOTP factor through `GET /mfa` and `POST /mfa`: its id and secret.
async fn enroll(site: &Site, browser: &mut Browser) -> (String, String) {
    let client = browser.client(site);
    let html = page(site.mfa_page(&client).await, 200, "GET /mfa");
    browser.keep(&client);
    let factor_id = attribute_after(&html, r#"name="factor_id""#, "value");
    let secret = secret_in(&html);
    let client = browser.client(site);
    let form = code_form(&factor_id, &totp_code(&secret), None);
    let to = location(site.mfa_verify(&client, &form).await, "POST /mfa");
    assert_eq!(to, routes::SECURITY);
    browser.keep(&client);
    (factor_id, secret)
}

#[tokio::test]
async fn the_demo_user_enrolls_and_is_aal2() {
    let site = site().await;
    let mut browser = signed_in(&site).await;
    assert_eq!(aal(&site, &browser).await, "aal1");

    let client = browser.client(&site);
    let reply = site.mfa_page(&client).await;
    let cache = header(&reply, "Cache-Control");
    assert_eq!(
        cache.as_deref(),
        Some("no-store"),
        "GET /mfa shows a secret"
    );
    let html = page(reply, 200, "GET /mfa");
    let src = attribute_after(&html, r#"id="qr""#, "src");
    assert!(src.starts_with("data:image/svg+xml"), "{src}");
    let uri = attribute_after(&html, r#"id="otpauth""#, "href");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");

    let (factor_id, _) = enroll(&site, &mut browser).await;
    assert_eq!(aal(&site, &browser).await, "aal2");
    let client = browser.client(&site);
    let claims = client.optional_claims().await.unwrap();
    let html = page(site.security(&client, &claims).await, 200, "security");
    assert!(html.contains(&format!(
        r#"data-factor-id="{factor_id}" data-status="verified""#
    )));
    assert!(html.contains("aal2"), "{html}");
}

#[tokio::test]
async fn a_wrong_first_code_shows_a_new_factor_and_the_error() {
    let site = site().await;
    let browser = signed_in(&site).await;
    let client = browser.client(&site);
    let html = page(site.mfa_page(&client).await, 200, "GET /mfa");
    let first = attribute_after(&html, r#"name="factor_id""#, "value");
    let form = code_form(&first, "000000", None);
    let html = page(site.mfa_verify(&client, &form).await, 400, "wrong code");
    assert!(html.contains(r#"id="error""#));
    let second = attribute_after(&html, r#"name="factor_id""#, "value");
    assert_ne!(first, second);
    // The abandoned factor was removed: only the new one is left, unverified.
    let user = client.auth().get_user().await.unwrap();
    let ids: Vec<String> = user.factors().iter().map(|f| f.id.clone()).collect();
    assert_eq!(ids, [second]);
}

#[tokio::test]
async fn the_challenge_steps_a_new_session_up_and_refuses_a_wrong_code() {
    let site = site().await;
    let mut enrolled = signed_in(&site).await;
    let (factor_id, secret) = enroll(&site, &mut enrolled).await;

    let browser = signed_in(&site).await;
    assert_eq!(aal(&site, &browser).await, "aal1");
    let client = browser.client(&site);
    let query = MfaQuery::default();
    let html = page(
        site.mfa_challenge_page(&client, &query).await,
        200,
        "GET /mfa/challenge",
    );
    assert_eq!(
        attribute_after(&html, r#"name="factor_id""#, "value"),
        factor_id
    );

    let wrong = code_form(&factor_id, "000000", None);
    let html = page(site.mfa_challenge(&client, &wrong).await, 400, "wrong code");
    assert!(html.contains(r#"id="error""#), "{html}");
    assert!(html.contains(r#"id="mfa-challenge-form""#));

    let right = code_form(&factor_id, &totp_code(&secret), Some("/private?tab=1"));
    let to = location(site.mfa_challenge(&client, &right).await, "right code");
    assert_eq!(to, "/private?tab=1");
    let mut browser = browser;
    browser.keep(&client);
    assert_eq!(aal(&site, &browser).await, "aal2");

    // At aal2 the challenge page sends the user straight on.
    let client = browser.client(&site);
    let again = site.mfa_challenge_page(&client, &query).await;
    assert_eq!(
        location(again, "GET /mfa/challenge at aal2"),
        routes::SECURITY
    );
}

#[tokio::test]
async fn the_challenge_carries_only_a_checked_next() {
    let site = site().await;
    let mut enrolled = signed_in(&site).await;
    let (factor_id, _) = enroll(&site, &mut enrolled).await;
    let browser = signed_in(&site).await;
    let client = browser.client(&site);
    for case in payloads() {
        let what = format!("/mfa/challenge next={:?}", case.next);
        let expected = case.location(routes::SECURITY);
        let query = MfaQuery {
            next: Some(case.next.clone()),
        };
        let html = page(site.mfa_challenge_page(&client, &query).await, 200, &what);
        let next = attribute_after(&html, r#"name="next""#, "value");
        assert_eq!(next, expected, "{what}");
        let wrong = code_form(&factor_id, "000000", Some(&case.next));
        let html = page(site.mfa_challenge(&client, &wrong).await, 400, &what);
        let next = attribute_after(&html, r#"name="next""#, "value");
        assert_eq!(next, expected, "{what}, wrong code");
    }
}

#[tokio::test]
async fn unenrolling_the_factor_drops_the_session_to_aal1() {
    let site = site().await;
    let mut browser = signed_in(&site).await;
    let (factor_id, _) = enroll(&site, &mut browser).await;
    let client = browser.client(&site);
    let claims = client.optional_claims().await.unwrap();
    let form = FactorForm {
        factor_id: factor_id.clone(),
    };
    let to = location(site.mfa_unenroll(&client, &claims, &form).await, "unenroll");
    assert_eq!(to, routes::SECURITY);
    browser.keep(&client);
    assert_eq!(aal(&site, &browser).await, "aal1");
    let client = browser.client(&site);
    let claims = client.optional_claims().await.unwrap();
    let html = page(site.security(&client, &claims).await, 200, "security");
    assert!(html.contains(r#"id="no-factors""#), "{html}");

    // Unenrolling it again: the page with the Auth server's error.
    let html = page(
        site.mfa_unenroll(&client, &claims, &form).await,
        400,
        "again",
    );
    assert!(html.contains(r#"id="error""#), "{html}");
}

#[tokio::test]
async fn visitors_sign_in_first_and_api_calls_get_401() {
    let site = site().await;
    let client = Browser::default().client(&site);
    assert_eq!(
        location(site.mfa_page(&client).await, "GET /mfa"),
        "/login?next=%2Fmfa"
    );
    let challenge = site.mfa_challenge_page(&client, &MfaQuery::default()).await;
    assert_eq!(
        location(challenge, "GET /mfa/challenge"),
        "/login?next=%2Fmfa%2Fchallenge%3Fnext%3D%252Fprivate%252Fsecurity"
    );
    json(site.api_mfa_enroll(&client).await, 401, "enroll");
    let body = br#"{"factor_id":"x","code":"123456"}"#;
    json(site.api_mfa_verify(&client, body).await, 401, "verify");
}

#[tokio::test]
async fn a_user_without_a_factor_is_sent_to_enroll() {
    let site = site().await;
    let browser = signed_in(&site).await;
    let client = browser.client(&site);
    let reply = site.mfa_challenge_page(&client, &MfaQuery::default()).await;
    assert_eq!(location(reply, "GET /mfa/challenge"), routes::MFA);
}

#[tokio::test]
async fn the_json_routes_enroll_and_verify() {
    let site = site().await;
    let mut browser = signed_in(&site).await;
    let client = browser.client(&site);
    let reply = site.api_mfa_enroll(&client).await;
    let cache = header(&reply, "Cache-Control");
    assert_eq!(
        cache.as_deref(),
        Some("no-store"),
        "the enrollment holds a secret"
    );
    let enrolled = json(reply, 200, "enroll");
    let factor_id = enrolled["factor_id"].as_str().unwrap().to_owned();
    let secret = enrolled["secret"].as_str().unwrap().to_owned();
    assert!(
        enrolled["uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert_eq!(enrolled.as_object().unwrap().len(), 3, "{enrolled}");

    let bad = json(site.api_mfa_verify(&client, b"{").await, 400, "bad json");
    assert_eq!(bad, serde_json::json!({ "error": "bad_json" }));
    let wrong = serde_json::json!({ "factor_id": factor_id, "code": "000000" }).to_string();
    let wrong = json(
        site.api_mfa_verify(&client, wrong.as_bytes()).await,
        400,
        "wrong code",
    );
    assert_eq!(
        wrong,
        serde_json::json!({ "error": "mfa_verification_failed" })
    );
    assert!(client.response_cookies().set_cookies().is_empty());

    let right = serde_json::json!({ "factor_id": factor_id, "code": totp_code(&secret) });
    let reply = site
        .api_mfa_verify(&client, right.to_string().as_bytes())
        .await;
    assert_eq!(
        json(reply, 200, "right code"),
        serde_json::json!({ "aal": "aal2" })
    );
    assert!(!client.response_cookies().set_cookies().is_empty());
    browser.keep(&client);
    assert_eq!(aal(&site, &browser).await, "aal2");
    let claims = browser.client(&site).optional_claims().await.unwrap();
    let aal2 = json(site.api_aal2(&claims), 200, "aal2");
    assert_eq!(aal2["aal"], "aal2");
    assert_eq!(aal2["sub"], claims.user_id());
}

#[test]
fn the_qr_code_becomes_an_image_src_without_quotes_or_fragments() {
    let svg = r##"<svg xmlns="http://www.w3.org/2000/svg"><rect fill="#000"/></svg>"##;
    let safe = |src: &str| {
        src.starts_with("data:image/svg+xml") && !src.contains(['"', '<', '>', '#', '\'', ' '])
    };
    for sent in [
        format!("data:image/svg+xml;utf-8,{svg}"),
        format!("DATA:image/SVG+xml;charset=utf-8,{svg}"),
        svg.to_owned(),
        "data:image/svg+xml,%3Csvg%3E%3C%2Fsvg%3E".to_owned(),
    ] {
        let src = qr_image_src(&sent).unwrap_or_else(|| panic!("refused {sent}"));
        assert!(safe(&src), "{sent} -> {src}");
    }
    let base64 = "data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=";
    assert_eq!(qr_image_src(base64).as_deref(), Some(base64));
    for refused in [
        "javascript:alert(1)",
        "data:text/html,<svg onload=alert(1)>",
        "data:image/svg+xml;base64,PHN2Zz4\"onerror=\"x",
        "data:image/png;base64,AAAA",
        "data:image/svg+xml;utf-8,not an image",
        "https://evil.example/qr.svg",
        "",
    ] {
        assert_eq!(qr_image_src(refused), None, "{refused}");
    }
}

#[test]
fn the_enroll_page_escapes_what_the_server_sent() {
    let html = pages::enroll(&EnrollPage {
        factor_id: "\"><script>1</script>",
        qr_src: None,
        secret: "<b>secret</b>",
        uri: "javascript:alert(1)\"",
        error: Some("<i>error</i>"),
    });
    assert!(!html.contains("<script>1"));
    assert!(!html.contains("<b>secret"));
    assert!(!html.contains("<i>error"));
    assert!(!html.contains("alert(1)\""));
    assert!(!html.contains(r#"id="qr""#), "an image without a safe src");
}

#[tokio::test]
async fn an_aal1_user_with_a_factor_steps_up_before_enrolling_another() {
    let site = site().await;
    let mut enrolled = signed_in(&site).await;
    enroll(&site, &mut enrolled).await;

    // At aal2, a second factor can be enrolled.
    let client = enrolled.client(&site);
    page(site.mfa_page(&client).await, 200, "GET /mfa at aal2");

    // At aal1 the Auth server refuses (insufficient_aal): the challenge first, then back.
    let browser = signed_in(&site).await;
    let client = browser.client(&site);
    let to = location(site.mfa_page(&client).await, "GET /mfa at aal1");
    assert_eq!(to, "/mfa/challenge?next=%2Fmfa");
}

#[tokio::test]
async fn each_factor_gets_a_name_of_its_own() {
    let site = site().await;
    let mut browser = signed_in(&site).await;
    enroll(&site, &mut browser).await;
    enroll(&site, &mut browser).await;
    let client = browser.client(&site);
    let claims = client.optional_claims().await.unwrap();
    let html = page(site.security(&client, &claims).await, 200, "security");
    assert!(
        html.contains("Authenticator app 1 (totp, verified)"),
        "{html}"
    );
    assert!(
        html.contains("Authenticator app 2 (totp, verified)"),
        "{html}"
    );

    // Through the JSON route too, after an unfinished enrollment.
    let reply = site.api_mfa_enroll(&client).await;
    json(reply, 200, "enroll, unfinished");
    let enrolled = json(site.api_mfa_enroll(&client).await, 200, "enroll");
    let user = client.auth().get_user().await.unwrap();
    let unverified: Vec<_> = user
        .factors()
        .into_iter()
        .filter(|f| !f.is_verified())
        .collect();
    assert_eq!(
        unverified.len(),
        1,
        "the unfinished enrollment was replaced"
    );
    assert_eq!(unverified[0].id, enrolled["factor_id"].as_str().unwrap());
    assert_eq!(
        unverified[0].friendly_name.as_deref(),
        Some("Authenticator app 3")
    );
}
