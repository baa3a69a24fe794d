//! The site's flows against the in-process local Auth server, as every example serves them:
//! each payload of the open-redirect table through `/login`, `/auth/confirm` and
//! `/auth/callback` (success and failure paths), the OAuth round trip's cookies, and the
//! headers every reply carries.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::{FLOW_ID_PARAM, OtpSignIn};
use supabase_ssr_core::proxy::Rejection;
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::redirect_payloads::{RedirectPayload, redirect_payloads};

use crate::config::{DEMO_EMAIL, DEMO_PASSWORD};
use crate::{
    CallbackQuery, ConfirmQuery, Credentials, FRAME_HEADERS, LoginQuery, MagicLinkForm, OAuthQuery,
    Reply, Site, routes,
};

pub(crate) async fn site() -> Site {
    Site::offline(0, Duration::from_secs(3600)).await.unwrap()
}

pub(crate) fn payloads() -> Vec<RedirectPayload> {
    redirect_payloads().unwrap_or_else(|e| panic!("redirect-payloads.json: {e}"))
}

/// One browser: its cookies go into each request's client and come back from its response.
#[derive(Default)]
pub(crate) struct Browser {
    pub(crate) jar: BrowserJar,
}

impl Browser {
    pub(crate) fn client(&self, site: &Site) -> SupabaseClient {
        site.supabase.client([self.jar.header().as_str()])
    }

    pub(crate) fn keep(&mut self, client: &SupabaseClient) {
        self.jar.apply(client.response_cookies().set_cookies());
    }

    fn verifier_cookies(&self) -> Vec<&str> {
        let names = self.jar.names().into_iter();
        names.filter(|n| n.ends_with("-code-verifier")).collect()
    }
}

/// The reply's `Location`, after checking that every header is one a framework sends as is
/// (an invalid value is a 500 in every framework).
pub(crate) fn location(reply: Reply, what: &str) -> String {
    let parts = reply.into_parts();
    for (name, value) in &parts.headers {
        assert!(
            http::HeaderValue::from_str(value).is_ok(),
            "{what}: invalid {name}: {value:?}"
        );
    }
    assert_eq!(parts.status, 303, "{what}: {parts:?}");
    let header = parts.headers.iter().find(|(name, _)| *name == "Location");
    header.expect("a redirect has a Location").1.clone()
}

/// The value of the reply's header `name`, if any.
pub(crate) fn header(reply: &Reply, name: &str) -> Option<String> {
    let parts = reply.clone().into_parts();
    let found = parts
        .headers
        .into_iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name));
    found.map(|(_, value)| value)
}

/// The body of a reply with `status` and a content type containing `kind`.
pub(crate) fn body(reply: Reply, status: u16, kind: &str, what: &str) -> String {
    let content_type = header(&reply, "Content-Type").unwrap_or_default();
    let parts = reply.into_parts();
    assert_eq!(parts.status, status, "{what}: {parts:?}");
    assert!(content_type.contains(kind), "{what}: {parts:?}");
    parts.body
}

/// The HTML of a page reply with `status`.
pub(crate) fn page(reply: Reply, status: u16, what: &str) -> String {
    body(reply, status, "text/html", what)
}

/// What a browser would follow `location` to: it must be this site.
fn assert_on_site(location: &str, what: &str) {
    let site = url::Url::parse("http://127.0.0.1:3000/auth/confirm").unwrap();
    let followed = site.join(location).unwrap();
    assert_eq!(followed.origin(), site.origin(), "{what}: {location:?}");
}

pub(crate) fn credentials(password: &str, next: &str) -> Credentials {
    Credentials {
        email: DEMO_EMAIL.into(),
        password: password.into(),
        next: Some(next.into()),
    }
}

#[tokio::test]
async fn login_redirects_every_payload_to_this_site_only() {
    let site = site().await;
    for case in payloads() {
        let what = format!("POST /login next={:?}", case.next);
        let client = Browser::default().client(&site);
        let reply = site
            .login(&client, &credentials(DEMO_PASSWORD, &case.next))
            .await;
        assert_eq!(
            location(reply, &what),
            case.location(routes::PRIVATE),
            "{what}"
        );

        // A failed sign-in shows the form again, carrying the checked target.
        let failed = site.login(&client, &credentials("wrong", &case.next)).await;
        let Reply::Page { status: 400, html } = failed else {
            panic!("{what} with a wrong password: {failed:?}")
        };
        let hidden = format!(
            r#"name="next" value="{}""#,
            case.location(routes::PRIVATE).replace('&', "&amp;")
        );
        assert!(html.contains(&hidden), "{what}: no {hidden} in the form");
    }
}

#[tokio::test]
async fn the_login_page_carries_only_a_checked_next() {
    let site = site().await;
    for case in payloads() {
        let query = LoginQuery {
            next: Some(case.next.clone()),
            ..LoginQuery::default()
        };
        let Reply::Page { status: 200, html } = site.login_page(&query) else {
            panic!("GET /login next={:?}", case.next)
        };
        let next = case.location(routes::PRIVATE);
        let hidden = format!(r#"name="next" value="{}""#, next.replace('&', "&amp;"));
        assert!(html.contains(&hidden), "{:?}: no {hidden}", case.next);
    }
}

/// A fresh magic link's token hash for the demo user.
async fn fresh_token_hash(site: &Site) -> String {
    let client = site.supabase.client([]);
    let otp = OtpSignIn::email(DEMO_EMAIL);
    client.auth().sign_in_with_otp(&otp).await.unwrap();
    let local = site.local().unwrap();
    local.last_message_to(DEMO_EMAIL).unwrap().token_hash
}

#[tokio::test]
async fn confirm_redirects_every_payload_to_this_site_only() {
    let site = site().await;
    for case in payloads() {
        let what = format!("/auth/confirm next={:?}", case.next);
        let query = ConfirmQuery {
            token_hash: Some(fresh_token_hash(&site).await),
            otp_type: Some("email".into()),
            next: Some(case.next.clone()),
        };
        let client = Browser::default().client(&site);
        let reply = site.confirm(&client, &query).await;
        assert_eq!(
            location(reply, &what),
            case.location(routes::PRIVATE),
            "{what}"
        );

        // The token is spent: the error path must not trip over the payload either.
        let again = location(site.confirm(&client, &query).await, &what);
        assert!(again.starts_with("/login?error="), "{what}, spent: {again}");
        assert_on_site(&again, &what);
        let incomplete = ConfirmQuery {
            token_hash: None,
            ..query
        };
        let incomplete = location(site.confirm(&client, &incomplete).await, &what);
        assert!(
            incomplete.starts_with("/login?error="),
            "{what}: {incomplete}"
        );
    }
}

/// Starts the OAuth flow in `browser` and follows the local test provider back: the callback
/// query the browser arrives with.
async fn oauth_round_trip(site: &Site, browser: &mut Browser, next: Option<&str>) -> CallbackQuery {
    let client = browser.client(site);
    let query = OAuthQuery {
        provider: Some("github".into()),
        next: next.map(str::to_owned),
    };
    let authorize = location(site.oauth(&client, &query), "GET /auth/oauth");
    browser.keep(&client);
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&authorize)
        .send()
        .await
        .unwrap();
    let back = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(back.path(), routes::CALLBACK);
    // Parsed as every example parses it.
    serde_urlencoded::from_str(back.query().unwrap_or_default()).unwrap()
}

#[tokio::test]
async fn the_oauth_callback_leaves_no_verifier_cookie() {
    let site = site().await;
    let mut browser = Browser::default();
    let query = oauth_round_trip(&site, &mut browser, None).await;
    assert_eq!(
        browser.verifier_cookies().len(),
        3,
        "{:?}",
        browser.jar.names()
    );
    assert!(
        query.flow_id.is_some(),
        "no {FLOW_ID_PARAM} on the callback"
    );
    assert_eq!(query.next.as_deref(), Some(routes::PRIVATE));

    let client = browser.client(&site);
    let reply = site.callback(&client, &query).await;
    assert_eq!(location(reply, "callback"), routes::PRIVATE);
    browser.keep(&client);
    // The session cookie, whole or in chunks (`.0`, `.1`: the user object holds identities).
    let names = browser.jar.names();
    let session = |n: &&str| *n == "sb-127-auth-token" || n.starts_with("sb-127-auth-token.");
    assert!(names.iter().any(session), "no session cookie: {names:?}");
    assert_eq!(browser.verifier_cookies(), Vec::<&str>::new());
}

#[tokio::test]
async fn oauth_and_callback_redirect_every_payload_to_this_site_only() {
    let site = site().await;
    for case in payloads() {
        let what = format!("OAuth next={:?}", case.next);
        let mut browser = Browser::default();
        // `next` given to the sign-in link comes back on the callback URL, checked.
        let mut query = oauth_round_trip(&site, &mut browser, Some(&case.next)).await;
        assert_eq!(query.next, Some(case.location(routes::PRIVATE)), "{what}");

        // A callback URL forged with the payload in `next`.
        query.next = Some(case.next.clone());
        let client = browser.client(&site);
        let reply = site.callback(&client, &query).await;
        assert_eq!(
            location(reply, &what),
            case.location(routes::PRIVATE),
            "{what}"
        );

        // Failures: the code is spent, the provider refused, the flow id is forged.
        let spent = location(site.callback(&client, &query).await, &what);
        assert!(spent.starts_with("/login?error="), "{what}, spent: {spent}");
        let refused = CallbackQuery {
            code: None,
            error_description: Some("access_denied\r\n".into()),
            ..query.clone()
        };
        assert_on_site(
            &location(site.callback(&client, &refused).await, &what),
            &what,
        );
        let forged = CallbackQuery {
            flow_id: Some("../\r\n".into()),
            ..query
        };
        assert_on_site(
            &location(site.callback(&client, &forged).await, &what),
            &what,
        );
    }
}

#[tokio::test]
async fn the_private_page_sends_visitors_to_sign_in_and_back() {
    let site = site().await;
    let client = Browser::default().client(&site);
    let to = location(site.private(&client).await, "GET /private");
    assert_eq!(to, "/login?next=%2Fprivate");
}

/// The `Location` of a protected page refused to a browser whose request line named `target`.
async fn refused_navigation(site: &Site, target: &str) -> String {
    let client = Browser::default().client(site).with_request_target(target);
    let rejection = client.require_claims(Some("text/html")).await.unwrap_err();
    location(Reply::from(rejection), target)
}

#[tokio::test]
async fn a_refused_page_leads_to_sign_in_and_back_there() {
    let site = site().await;
    let wanted = "/private/security?tab=2";
    let to = refused_navigation(&site, wanted).await;
    assert_eq!(to, "/login?next=%2Fprivate%2Fsecurity%3Ftab%3D2");

    // The login page keeps it in the password and the magic-link forms.
    let (_, query) = to.split_once('?').unwrap();
    let query: LoginQuery = serde_urlencoded::from_str(query).unwrap();
    let html = page(site.login_page(&query), 200, "GET /login");
    let hidden = format!(r#"name="next" value="{wanted}""#);
    assert_eq!(html.matches(&hidden).count(), 2, "{html}");

    // The password sign-in goes back there.
    let next = query.next.as_deref().unwrap();
    let client = Browser::default().client(&site);
    let reply = site.login(&client, &credentials(DEMO_PASSWORD, next)).await;
    assert_eq!(location(reply, "POST /login"), wanted);

    // So does the magic link: its confirmation URL carries `next`.
    let form = MagicLinkForm {
        email: DEMO_EMAIL.into(),
        next: Some(next.into()),
    };
    let html = page(
        site.magic_link(&client, &form).await,
        200,
        "POST /magic-link",
    );
    let link = site.outbox_link(DEMO_EMAIL).unwrap();
    assert!(html.contains(&link.replace('&', "&amp;")), "{html}");
    let (_, query) = link.split_once('?').unwrap();
    let confirm: ConfirmQuery = serde_urlencoded::from_str(query).unwrap();
    assert_eq!(confirm.next.as_deref(), Some(wanted));
    let mut browser = Browser::default();
    let client = browser.client(&site);
    let reply = site.confirm(&client, &confirm).await;
    browser.keep(&client);
    assert_eq!(location(reply, "GET /auth/confirm"), wanted);
}

#[tokio::test]
async fn a_hostile_request_target_is_not_carried_to_the_login_page() {
    let site = site().await;
    for target in [
        "//evil.example/private",
        "/\\evil.example",
        "/%2F/evil.example",
        "http://evil.example/private",
        "/private\r\nLocation: https://evil.example",
    ] {
        assert_eq!(
            refused_navigation(&site, target).await,
            routes::LOGIN,
            "{target:?}"
        );
    }
}

#[test]
fn the_callback_reads_the_flow_id_parameter_of_the_core() {
    let query: CallbackQuery =
        serde_urlencoded::from_str(&format!("code=c&{FLOW_ID_PARAM}=abcdefgh")).unwrap();
    assert_eq!(query.flow_id.as_deref(), Some("abcdefgh"));
}

#[test]
fn every_reply_forbids_framing() {
    let replies = [
        Reply::Page {
            status: 200,
            html: String::new(),
        },
        Reply::Redirect("/".into()),
        Reply::Json {
            status: 401,
            body: "{}".into(),
        },
        Reply::from(Rejection::missing_middleware()),
    ];
    for reply in replies {
        let parts = reply.clone().into_parts();
        for (name, value) in FRAME_HEADERS {
            let found = parts.headers.iter().filter(|(n, _)| *n == name);
            assert_eq!(
                found.map(|(_, v)| v.as_str()).collect::<Vec<_>>(),
                [value],
                "{reply:?}"
            );
        }
    }
    // A rejection keeps its own headers, the frame headers added once.
    let rejected = Reply::from(Rejection::missing_middleware()).into_parts();
    assert_eq!(rejected.status, 500);
    assert_eq!(rejected.headers[0].0, "Content-Type");
    assert_eq!(FRAME_HEADERS[0], ("X-Frame-Options", "DENY"));
    assert_eq!(
        FRAME_HEADERS[1],
        ("Content-Security-Policy", "frame-ancestors 'none'")
    );
}
