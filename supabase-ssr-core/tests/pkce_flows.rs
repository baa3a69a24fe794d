//! PKCE flows end to end against the local Auth server: every flow that stores a verifier puts
//! its own flow id on its redirect (with `append_flow_id_to_redirects`), so flows started in one
//! browser finish in any order; `resend` starts such a flow and forgets it when refused; SSO
//! signs in through the test identity provider and the code exchange.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;

use browser::{Browser, CALLBACK, query_value, redirect_of};
use supabase_ssr_core::auth::{
    AuthError, FLOW_ID_PARAM, OAuthSignIn, OtpSignIn, PasswordCredentials, Resend, SignUp,
    SsoSignIn, UserAttributes,
};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "demo@example.com";
const PASSWORD: &str = "password123";

/// The domain of the server's test SAML identity provider.
const SSO_DOMAIN: &str = "acme.test";

async fn server(autoconfirm: bool) -> LocalAuth {
    let options = LocalAuthOptions::default()
        .autoconfirm(autoconfirm)
        .sso_domain(SSO_DOMAIN)
        .user(SeedUser::new(EMAIL, PASSWORD));
    LocalAuth::start(options).await.unwrap()
}

/// Goes through the test identity provider's page of an SSO `url` (its form posted as the
/// Continue button does); returns where the Auth server then sends the browser.
async fn through_identity_provider(auth: &LocalAuth, url: &str) -> url::Url {
    let page = reqwest::get(url).await.unwrap();
    assert_eq!(page.status().as_u16(), 200, "{url}");
    let relay_state = url.split("RelayState=").nth(1).unwrap();
    let answer = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/sso/saml/acs", auth.auth_url()))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "RelayState={relay_state}&email=sso-user%40acme.test"
        ))
        .send()
        .await
        .unwrap();
    let location = answer.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap()
}

/// The `redirect_to` of the last message sent to `address`.
fn emailed_redirect(auth: &LocalAuth, address: &str) -> url::Url {
    let message = auth.last_message_to(address).unwrap();
    url::Url::parse(&message.redirect_to.unwrap()).unwrap()
}

fn oauth(provider: &str) -> OAuthSignIn {
    let mut oauth = OAuthSignIn::new(provider);
    oauth.redirect_to = Some(CALLBACK.into());
    oauth
}

#[tokio::test]
async fn every_pkce_flow_puts_its_own_flow_id_on_its_redirect() {
    let auth = server(false).await;
    let mut browser = Browser::new(&auth, true);
    let client = browser.request();
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    browser.keep(&client);

    let mut flows = Vec::new();
    // Each email flow: its redirect in the outbox carries the id of the slot it created.
    let emailed: [(&str, &str); 5] = [
        ("sign_up", "new@example.com"),
        ("resend", "new@example.com"),
        ("sign_in_with_otp", EMAIL),
        ("reset_password_for_email", EMAIL),
        ("update_user", "changed@example.com"),
    ];
    for (flow, address) in emailed {
        let before = browser.pending_flows();
        let client = browser.request();
        let auth_api = client.auth();
        match flow {
            "sign_up" => {
                let mut sign_up = SignUp::email(address, "a long passphrase");
                sign_up.email_redirect_to = Some(CALLBACK.into());
                auth_api.sign_up(&sign_up).await.map(drop)
            }
            "resend" => {
                let resend = Resend::signup(address).email_redirect_to(CALLBACK);
                auth_api.resend(&resend).await.map(drop)
            }
            "sign_in_with_otp" => {
                let mut otp = OtpSignIn::email(address);
                otp.email_redirect_to = Some(CALLBACK.into());
                auth_api.sign_in_with_otp(&otp).await.map(drop)
            }
            "reset_password_for_email" => auth_api
                .reset_password_for_email(address, Some(CALLBACK), None)
                .await
                .map(drop),
            _ => auth_api
                .update_user(
                    &UserAttributes::default().with_email(address),
                    Some(CALLBACK),
                )
                .await
                .map(drop),
        }
        .unwrap_or_else(|e| panic!("{flow}: {e}"));
        browser.keep(&client);
        let flow_id = browser.new_flow(&before);
        let redirect = emailed_redirect(&auth, address);
        assert_eq!(
            query_value(&redirect, FLOW_ID_PARAM).as_deref(),
            Some(flow_id.as_str()),
            "{flow}: {redirect}"
        );
        flows.push(flow_id);
    }

    // OAuth sign-in and identity linking: on the redirect the provider sends the user back to.
    let client = browser.request();
    let signed_in = client.auth().sign_in_with_oauth(&oauth("github")).unwrap();
    let linking = client.auth().link_identity(&oauth("google")).await.unwrap();
    browser.keep(&client);
    for redirect in [signed_in, linking] {
        let back = redirect_of(&redirect.url).await;
        assert!(back.as_str().starts_with(CALLBACK), "{back}");
        assert_eq!(
            query_value(&back, FLOW_ID_PARAM).as_deref(),
            Some(redirect.flow_id.as_str()),
            "{}",
            redirect.provider
        );
        flows.push(redirect.flow_id);
    }
    // SSO: on the redirect after the identity provider.
    let client = browser.request();
    let sso = SsoSignIn::domain(SSO_DOMAIN).redirect_to(CALLBACK);
    let sso = client.auth().sign_in_with_sso(&sso).await.unwrap();
    browser.keep(&client);
    let back = through_identity_provider(&auth, &sso.url).await;
    assert!(back.as_str().starts_with(CALLBACK), "{back}");
    assert_eq!(
        query_value(&back, FLOW_ID_PARAM).as_deref(),
        Some(sso.flow_id.as_str())
    );
    flows.push(sso.flow_id);

    flows.sort();
    flows.dedup();
    assert_eq!(flows.len(), 8, "every flow has its own id");
}

#[tokio::test]
async fn two_flows_of_one_browser_finish_in_any_order_with_their_flow_ids() {
    let auth = server(true).await;
    let mut browser = Browser::new(&auth, true);
    // Tab 1 asks for a magic link, tab 2 starts an OAuth sign-in.
    let client = browser.request();
    let mut otp = OtpSignIn::email(EMAIL);
    otp.email_redirect_to = Some(CALLBACK.into());
    client.auth().sign_in_with_otp(&otp).await.unwrap();
    let oauth = client.auth().sign_in_with_oauth(&oauth("github")).unwrap();
    browser.keep(&client);
    assert_eq!(browser.pending_flows().len(), 2);

    // The later flow finishes first: it removes its own verifier and only that.
    let back = redirect_of(&oauth.url).await;
    let code = query_value(&back, "code").unwrap();
    let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
    let client = browser.request();
    client
        .auth()
        .exchange_code_for_session(&code, Some(&flow_id))
        .await
        .unwrap();
    browser.keep(&client);
    let link_flow = browser.pending_flows();
    assert_eq!(link_flow.len(), 1);
    assert_ne!(link_flow[0], oauth.flow_id);

    // The magic link still finds its verifier.
    let link = auth.last_message_to(EMAIL).unwrap().link;
    let back = redirect_of(&link).await;
    let code = query_value(&back, "code").unwrap();
    let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
    assert_eq!(flow_id, link_flow[0]);
    let client = browser.request();
    let signed_in = client
        .auth()
        .exchange_code_for_session(&code, Some(&flow_id))
        .await
        .unwrap();
    browser.keep(&client);
    assert_eq!(signed_in.user.unwrap().email(), Some(EMAIL));
    assert_eq!(browser.verifier_cookies(), Vec::<String>::new());
}

#[tokio::test]
async fn without_flow_ids_the_earlier_flow_loses_its_verifier() {
    // Why the flow ids matter: the fixed slot holds the last flow's verifier only.
    let auth = server(true).await;
    let mut browser = Browser::new(&auth, false);
    let client = browser.request();
    let mut otp = OtpSignIn::email(EMAIL);
    otp.email_redirect_to = Some(CALLBACK.into());
    client.auth().sign_in_with_otp(&otp).await.unwrap();
    let oauth = client.auth().sign_in_with_oauth(&oauth("github")).unwrap();
    browser.keep(&client);

    let back = redirect_of(&oauth.url).await;
    assert_eq!(query_value(&back, FLOW_ID_PARAM), None);
    let client = browser.request();
    let code = query_value(&back, "code").unwrap();
    client
        .auth()
        .exchange_code_for_session(&code, None)
        .await
        .unwrap();
    browser.keep(&client);

    let back = redirect_of(&auth.last_message_to(EMAIL).unwrap().link).await;
    let code = query_value(&back, "code").unwrap();
    let client = browser.request();
    let lost = client.auth().exchange_code_for_session(&code, None).await;
    assert_eq!(lost.unwrap_err(), AuthError::PkceVerifierMissing);
}

#[tokio::test]
async fn a_resent_confirmation_link_signs_the_user_in_through_the_code_exchange() {
    let auth = server(false).await;
    let mut browser = Browser::new(&auth, true);
    let client = browser.request();
    let signed_up = client
        .auth()
        .sign_up(&SignUp::email("new@example.com", "a long passphrase"))
        .await
        .unwrap();
    assert!(signed_up.session.is_none(), "awaits confirmation");
    browser.keep(&client);
    auth.clear_outbox();

    let client = browser.request();
    let resend = Resend::signup("new@example.com").email_redirect_to(CALLBACK);
    let answer = client.auth().resend(&resend).await.unwrap();
    assert_eq!(answer.message_id, None, "no SMS id for an email");
    browser.keep(&client);
    let message = auth.last_message_to("new@example.com").unwrap();
    assert_eq!(message.kind, "signup");

    let back = redirect_of(&message.link).await;
    let code = query_value(&back, "code").unwrap();
    let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
    let client = browser.request();
    let confirmed = client
        .auth()
        .exchange_code_for_session(&code, Some(&flow_id))
        .await
        .unwrap();
    browser.keep(&client);
    assert_eq!(
        confirmed.session.unwrap().user().unwrap().email(),
        Some("new@example.com")
    );
    // The sign-up's own flow (its link was never used) keeps its verifier.
    assert_eq!(browser.pending_flows().len(), 1);
}

#[tokio::test]
async fn a_refused_resend_forgets_its_verifier() {
    let auth = server(false).await;
    let mut browser = Browser::new(&auth, true);
    let client = browser.request();
    let refused = client.auth().resend(&Resend::signup("")).await.unwrap_err();
    assert_eq!(refused.code(), Some("validation_failed"));
    browser.keep(&client);
    assert_eq!(browser.verifier_cookies(), Vec::<String>::new());
}

#[tokio::test]
async fn sms_codes_answer_with_the_message_id() {
    let auth = server(true).await;
    let browser = Browser::new(&auth, true);
    let client = browser.request();
    let sent = client
        .auth()
        .sign_in_with_otp(&OtpSignIn::phone("+15550001"))
        .await
        .unwrap();
    let outbox = auth.outbox();
    assert_eq!(sent.message_id.as_deref(), Some(outbox[0].id.as_str()));
    let again = client
        .auth()
        .resend(&Resend::sms("+15550001"))
        .await
        .unwrap();
    let outbox = auth.outbox();
    assert_eq!(again.message_id.as_deref(), Some(outbox[1].id.as_str()));
    assert_ne!(again.message_id, sent.message_id);
    // No PKCE for SMS: nothing to store.
    let cookies = client.response_cookies();
    assert!(cookies.set_cookies().is_empty());
}

#[tokio::test]
async fn sso_signs_in_through_the_identity_provider_and_the_code_exchange() {
    let auth = server(true).await;
    let provider_id = auth.sso_provider_id(SSO_DOMAIN).unwrap();
    for sso in [
        SsoSignIn::domain(SSO_DOMAIN).redirect_to(CALLBACK),
        SsoSignIn::provider_id(&provider_id).redirect_to(CALLBACK),
    ] {
        let mut browser = Browser::new(&auth, true);
        let client = browser.request();
        let redirect = client.auth().sign_in_with_sso(&sso).await.unwrap();
        browser.keep(&client);
        assert_eq!(
            browser.pending_flows(),
            std::slice::from_ref(&redirect.flow_id)
        );

        let back = through_identity_provider(&auth, &redirect.url).await;
        let code = query_value(&back, "code").unwrap();
        let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
        let client = browser.request();
        let signed_in = client
            .auth()
            .exchange_code_for_session(&code, Some(&flow_id))
            .await
            .unwrap();
        browser.keep(&client);
        let user = signed_in.session.unwrap().user().unwrap();
        assert_eq!(user.email(), Some("sso-user@acme.test"));
        let identities = user.identities();
        assert_eq!(identities[0].provider(), format!("sso:{provider_id}"));
        assert_eq!(browser.verifier_cookies(), Vec::<String>::new());
    }
}

#[tokio::test]
async fn an_unknown_sso_domain_is_refused_and_forgets_its_verifier() {
    let auth = server(true).await;
    let mut browser = Browser::new(&auth, true);
    let client = browser.request();
    let sso = SsoSignIn::domain("unknown.test").redirect_to(CALLBACK);
    let refused = client.auth().sign_in_with_sso(&sso).await.unwrap_err();
    assert_eq!(refused.code(), Some("sso_provider_not_found"));
    browser.keep(&client);
    assert_eq!(browser.verifier_cookies(), Vec::<String>::new());
}
