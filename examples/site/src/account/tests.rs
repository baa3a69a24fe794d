//! The sign-up's resend and the account page against the in-process local Auth server, as
//! every example serves them: resending the confirmation email, listing, linking (through the
//! test OAuth provider and the callback) and unlinking identities, the last one refused in
//! words, and changing the password with the reauthentication code from the outbox.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use crate::tests::{Browser, header, location, page, site};
use crate::{
    CallbackQuery, ConfirmQuery, Credentials, IdentityForm, LinkForm, PasswordForm, Reply,
    ResendForm, Site, routes,
};

const PASSWORD: &str = "account-pass-123";

fn credentials(email: &str, password: &str) -> Credentials {
    Credentials {
        email: email.into(),
        password: password.into(),
        next: None,
    }
}

/// A browser signed in as a new user (the local server confirms sign-ups at once by default).
async fn new_user(site: &Site, email: &str) -> Browser {
    let mut browser = Browser::default();
    let client = browser.client(site);
    let reply = site.signup(&client, &credentials(email, PASSWORD)).await;
    assert_eq!(location(reply, "POST /signup"), routes::PRIVATE);
    browser.keep(&client);
    browser
}

/// `GET /private/account` of `browser`: its HTML (200).
async fn account(site: &Site, browser: &Browser) -> String {
    page(
        site.account(&browser.client(site)).await,
        200,
        "GET /private/account",
    )
}

/// The `data-identity-id` of the listed identity of `provider`, if listed.
fn identity_id(html: &str, provider: &str) -> Option<String> {
    let marker = format!(r#"data-provider="{provider}" data-identity-id=""#);
    let start = html.find(&marker)? + marker.len();
    Some(html[start..start + html[start..].find('"')?].to_owned())
}

/// The text of the element with `id`.
fn text_of(html: &str, id: &str) -> String {
    let marker = format!(r#"id="{id}">"#);
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in {html}"))
        + marker.len();
    html[start..start + html[start..].find('<').unwrap()].to_owned()
}

#[tokio::test]
async fn a_sign_up_waiting_for_its_confirmation_can_resend_the_email() {
    let site = site().await;
    let local = site.local().unwrap();
    local.update_settings(|settings| settings.autoconfirm = false);
    let email = "resend@example.com";
    let client = Browser::default().client(&site);
    let html = page(
        site.signup(&client, &credentials(email, PASSWORD)).await,
        200,
        "POST /signup",
    );
    assert!(html.contains(r#"id="resend-form""#), "{html}");
    assert!(html.contains(&format!(r#"name="email" value="{email}""#)));
    let first = local
        .last_message_to(email)
        .expect("the confirmation email");

    let form = ResendForm {
        email: email.into(),
        next: Some("//evil.example".into()),
    };
    let reply = site.resend_signup(&client, &form).await;
    assert_eq!(
        header(&reply, "Cache-Control").as_deref(),
        Some("no-store"),
        "the page holds a sign-in link"
    );
    let html = page(reply, 200, "resend");
    let again = local.last_message_to(email).expect("the email again");
    assert_ne!(again.id, first.id, "no new email in the outbox");
    assert_eq!(again.kind, "signup");
    assert!(text_of(&html, "notice").contains("again"), "{html}");
    assert!(
        html.contains(&again.token_hash),
        "the page shows the new link"
    );
    assert!(
        html.contains(r#"id="resend-form""#),
        "the form stays: {html}"
    );
    assert!(
        html.contains(r#"name="next" value="/private""#),
        "next unchecked"
    );

    // The new link confirms the account.
    let confirm = ConfirmQuery {
        token_hash: Some(again.token_hash),
        otp_type: Some("signup".into()),
        next: None,
    };
    let reply = site.confirm(&client, &confirm).await;
    assert_eq!(location(reply, "/auth/confirm"), routes::PRIVATE);
}

#[tokio::test]
async fn the_account_page_sends_visitors_to_sign_in_and_back() {
    let site = site().await;
    let client = Browser::default().client(&site);
    for reply in [
        site.account(&client).await,
        site.account_reauthenticate(&client).await,
        site.account_link(
            &client,
            &LinkForm {
                provider: "github".into(),
            },
        )
        .await,
    ] {
        assert_eq!(
            location(reply, "account without a session"),
            "/login?next=%2Fprivate%2Faccount"
        );
    }
}

/// Posts the link form and follows the test provider back: the callback query.
async fn link(site: &Site, browser: &mut Browser, provider: &str) -> CallbackQuery {
    let client = browser.client(site);
    let form = LinkForm {
        provider: provider.into(),
    };
    let mut to = location(site.account_link(&client, &form).await, "link");
    browser.keep(&client);
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // Through the Auth server and its test provider, back to this site.
    for _ in 0..5 {
        let url = url::Url::parse(&to).unwrap();
        if url.path() == routes::CALLBACK {
            return serde_urlencoded::from_str(url.query().unwrap_or_default()).unwrap();
        }
        let response = http.get(url).send().await.unwrap();
        to = response.headers()["location"].to_str().unwrap().to_owned();
    }
    panic!(
        "the link flow never came back to {}: {to}",
        routes::CALLBACK
    )
}

#[tokio::test]
async fn only_the_offered_providers_can_be_linked() {
    let site = site().await;
    let browser = new_user(&site, "picky@example.com").await;
    let client = browser.client(&site);
    let form = LinkForm {
        provider: "evil".into(),
    };
    let html = page(site.account_link(&client, &form).await, 400, "link evil");
    assert!(
        text_of(&html, "error").contains("cannot be linked"),
        "{html}"
    );
    assert!(
        !client
            .response_cookies()
            .set_cookies()
            .iter()
            .any(|c| c.contains("code-verifier")),
        "no flow started"
    );
}

#[tokio::test]
async fn identities_are_listed_linked_and_unlinked_but_not_the_last() {
    let site = site().await;
    let mut browser = new_user(&site, "linker@example.com").await;
    let html = account(&site, &browser).await;
    assert!(identity_id(&html, "email").is_some(), "{html}");
    assert!(html.contains(r#"id="link-google""#), "{html}");

    // Link: the provider, the callback (the same code exchange as a sign-in), the page.
    let query = link(&site, &mut browser, "google").await;
    assert!(query.flow_id.is_some(), "no flow id on the callback");
    assert_eq!(query.next.as_deref(), Some(routes::ACCOUNT));
    let client = browser.client(&site);
    let reply = site.callback(&client, &query).await;
    assert_eq!(location(reply, "callback"), routes::ACCOUNT);
    browser.keep(&client);
    let html = account(&site, &browser).await;
    let google = identity_id(&html, "google").expect("google listed after linking");
    assert!(!html.contains(r#"id="link-google""#), "{html}");

    // Unlink it: back to the page, gone.
    let client = browser.client(&site);
    let form = IdentityForm {
        identity_id: google,
    };
    let reply = site.account_unlink(&client, &form).await;
    assert_eq!(location(reply, "unlink google"), routes::ACCOUNT);
    browser.keep(&client);
    let html = account(&site, &browser).await;
    assert_eq!(identity_id(&html, "google"), None, "{html}");

    // The last one: refused, in words.
    let client = browser.client(&site);
    let form = IdentityForm {
        identity_id: identity_id(&html, "email").unwrap(),
    };
    let html = page(
        site.account_unlink(&client, &form).await,
        400,
        "unlink last",
    );
    assert!(
        text_of(&html, "error").contains("only way to sign in"),
        "{html}"
    );
    assert!(identity_id(&html, "email").is_some(), "{html}");

    // Another user's identity, or none: not touched.
    let form = IdentityForm {
        identity_id: "00000000-0000-0000-0000-000000000000".into(),
    };
    let html = page(
        site.account_unlink(&client, &form).await,
        400,
        "unlink unknown",
    );
    assert!(
        text_of(&html, "error").contains("not one of your"),
        "{html}"
    );
}

#[tokio::test]
async fn the_password_changes_with_the_reauthentication_code() {
    // Offline "secure password change" is on: as GoTrue, the Auth server wants the code from a
    // session signed in more than 24 h ago. Tokens living 30 h keep this one valid meanwhile.
    let site = Site::offline(0, Duration::from_secs(30 * 3600))
        .await
        .unwrap();
    let local = site.local().unwrap();
    let email = "rekey@example.com";
    let mut browser = new_user(&site, email).await;
    local.advance(Duration::from_secs(25 * 3600));
    let client = browser.client(&site);
    let new_password = "new-password-456";
    let without = PasswordForm {
        nonce: String::new(),
        password: new_password.into(),
    };
    let html = page(
        site.account_password(&client, &without).await,
        400,
        "no code",
    );
    assert!(text_of(&html, "error").contains("needs the code"), "{html}");

    let reply = site.account_reauthenticate(&client).await;
    // Offline the page shows the code: no cache may keep it.
    assert_eq!(header(&reply, "Cache-Control").as_deref(), Some("no-store"));
    let html = page(reply, 200, "reauthenticate");
    let sent = local
        .last_message_to(email)
        .expect("the reauthentication email");
    assert_eq!(sent.kind, "reauthentication");
    assert_eq!(text_of(&html, "outbox-code"), sent.otp);

    let wrong = if sent.otp == "000000" {
        "111111"
    } else {
        "000000"
    };
    let wrong = PasswordForm {
        nonce: wrong.into(),
        password: new_password.into(),
    };
    let html = page(
        site.account_password(&client, &wrong).await,
        400,
        "wrong code",
    );
    assert!(text_of(&html, "error").contains("not valid"), "{html}");

    let right = PasswordForm {
        nonce: format!(" {} ", sent.otp),
        password: new_password.into(),
    };
    let html = page(
        site.account_password(&client, &right).await,
        200,
        "right code",
    );
    assert!(text_of(&html, "notice").contains("changed"), "{html}");
    browser.keep(&client);

    let fresh = Browser::default().client(&site);
    let old = site.login(&fresh, &credentials(email, PASSWORD)).await;
    assert!(matches!(old, Reply::Page { status: 400, .. }), "{old:?}");
    let new = site.login(&fresh, &credentials(email, new_password)).await;
    assert_eq!(
        location(new, "sign in with the new password"),
        routes::PRIVATE
    );
}

#[test]
fn the_password_form_debug_hides_the_code_and_the_password() {
    let form = PasswordForm {
        nonce: "123456".into(),
        password: "hunter2".into(),
    };
    let debug = format!("{form:?}");
    assert!(
        !debug.contains("123456") && !debug.contains("hunter2"),
        "{debug}"
    );
}
