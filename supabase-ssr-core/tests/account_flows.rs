//! The account calls of a signed-in user against the local Auth server: reauthentication and
//! the password change it guards, the current-password rule, identities (list, link through the
//! test OAuth provider or an ID token, unlink), signing in with an ID token, and the
//! `weak_password` flag of a sign-in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod browser;

use std::time::Duration;

use browser::{Browser, CALLBACK, query_value, redirect_of};
use supabase_ssr_core::auth::{
    AuthError, FLOW_ID_PARAM, IdTokenCredentials, Identity, OAuthSignIn, PasswordCredentials,
    SignUp, UserAttributes,
};
use supabase_ssr_testing::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser, TestIdToken};

const EMAIL: &str = "demo@example.com";
const PASSWORD: &str = "password123";

async fn server(options: LocalAuthOptions) -> LocalAuth {
    LocalAuth::start(options.user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

/// A browser signed in with the password.
async fn signed_in(auth: &LocalAuth) -> Browser {
    let mut browser = Browser::new(auth, true);
    let client = browser.request();
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    browser.keep(&client);
    browser
}

async fn change_password(browser: &mut Browser, changes: UserAttributes) -> Result<(), AuthError> {
    let client = browser.request();
    let result = client.auth().update_user(&changes, None).await.map(drop);
    browser.keep(&client);
    result
}

#[tokio::test]
async fn reauthenticate_sends_the_nonce_an_old_session_needs_to_change_its_password() {
    let auth = server(LocalAuthOptions::default().secure_password_change(true)).await;
    let mut browser = signed_in(&auth).await;
    // A day later (the server waives the nonce for sessions under 24 hours), kept alive by a
    // refresh on the server's clock.
    auth.advance(Duration::from_secs(25 * 3600));
    let client = browser.request();
    client.auth().refresh_session().await.unwrap();
    browser.keep(&client);

    let new_password = || UserAttributes::default().with_password("a new passphrase");
    let refused = change_password(&mut browser, new_password()).await;
    assert_eq!(refused.unwrap_err().code(), Some("reauthentication_needed"));

    let client = browser.request();
    client.auth().reauthenticate().await.unwrap();
    browser.keep(&client);
    let message = auth.last_message_to(EMAIL).unwrap();
    let wrong = if message.otp == "000000" {
        "111111"
    } else {
        "000000"
    };
    let refused = change_password(&mut browser, new_password().with_nonce(wrong)).await;
    assert_eq!(
        refused.unwrap_err().code(),
        Some("reauthentication_not_valid")
    );
    change_password(&mut browser, new_password().with_nonce(&message.otp))
        .await
        .unwrap();

    let client = Browser::new(&auth, false).request();
    let credentials = PasswordCredentials::email(EMAIL, "a new passphrase");
    client
        .auth()
        .sign_in_with_password(&credentials)
        .await
        .unwrap();
}

#[tokio::test]
async fn reauthenticate_needs_a_session_and_makes_no_call_without_one() {
    let auth = server(LocalAuthOptions::default()).await;
    let client = Browser::new(&auth, false).request();
    let missing = client.auth().reauthenticate().await.unwrap_err();
    assert_eq!(missing, AuthError::SessionMissing);
    assert_eq!(auth.outbox().len(), 0);
}

#[tokio::test]
async fn the_current_password_goes_beside_the_new_one() {
    let auth = server(LocalAuthOptions::default().require_current_password(true)).await;
    let mut browser = signed_in(&auth).await;
    let new_password = || UserAttributes::default().with_password("a new passphrase");
    let refused = change_password(&mut browser, new_password()).await;
    assert_eq!(
        refused.unwrap_err().code(),
        Some("current_password_required")
    );
    let wrong = new_password().with_current_password("not-the-password");
    let refused = change_password(&mut browser, wrong).await;
    assert_eq!(
        refused.unwrap_err().code(),
        Some("current_password_invalid")
    );
    let right = new_password().with_current_password(PASSWORD);
    change_password(&mut browser, right).await.unwrap();
}

fn providers(identities: &[Identity]) -> Vec<&str> {
    identities.iter().map(Identity::provider).collect()
}

/// The identities of the user stored in the browser's session cookie.
async fn stored_identities(browser: &Browser) -> Vec<Identity> {
    let session = browser.request().auth().get_session().await.unwrap();
    session.unwrap().user().unwrap().identities()
}

#[tokio::test]
async fn identities_are_listed_linked_and_unlinked() {
    let auth = server(LocalAuthOptions::default()).await;
    let mut browser = signed_in(&auth).await;
    let client = browser.request();
    let identities = client.auth().user_identities().await.unwrap();
    assert_eq!(providers(&identities), ["email"]);
    assert_eq!(identities[0].email(), Some(EMAIL));
    let user_id = auth.user(EMAIL).unwrap()["id"].as_str().unwrap().to_owned();
    assert_eq!(identities[0].user_id(), user_id);

    // Link GitHub: the provider sends the user back with a code for this flow.
    let mut oauth = OAuthSignIn::new("github");
    oauth.redirect_to = Some(CALLBACK.into());
    oauth.query_params = vec![("login_hint".into(), "octocat@example.com".into())];
    let redirect = client.auth().link_identity(&oauth).await.unwrap();
    browser.keep(&client);
    assert_eq!(
        browser.pending_flows(),
        std::slice::from_ref(&redirect.flow_id)
    );
    let back = redirect_of(&redirect.url).await;
    let code = query_value(&back, "code").unwrap();
    let flow_id = query_value(&back, FLOW_ID_PARAM).unwrap();
    let client = browser.request();
    let linked = client
        .auth()
        .exchange_code_for_session(&code, Some(&flow_id))
        .await
        .unwrap();
    browser.keep(&client);
    let user = linked.user.unwrap();
    assert_eq!(user.email(), Some(EMAIL), "still the same user");
    assert_eq!(providers(&user.identities()), ["email", "github"]);
    assert_eq!(
        providers(&stored_identities(&browser).await),
        ["email", "github"]
    );

    // Unlink it: the call refreshes the session, so the cookie's user drops it at once.
    let client = browser.request();
    let identities = client.auth().user_identities().await.unwrap();
    let github = identities
        .iter()
        .find(|i| i.provider() == "github")
        .unwrap();
    assert_eq!(github.email(), Some("octocat@example.com"));
    auth.reset_counters();
    client.auth().unlink_identity(github).await.unwrap();
    browser.keep(&client);
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    assert_eq!(providers(&stored_identities(&browser).await), ["email"]);
    let client = browser.request();
    let claims = client.auth().get_claims().await.unwrap().unwrap();
    let providers_claim = &claims.app_metadata().unwrap()["providers"];
    assert_eq!(providers_claim, &serde_json::json!(["email"]));

    // The last identity stays.
    let identities = client.auth().user_identities().await.unwrap();
    let last = client.auth().unlink_identity(&identities[0]).await;
    assert_eq!(
        last.unwrap_err().code(),
        Some("single_identity_not_deletable")
    );
}

#[tokio::test]
async fn linking_needs_a_session_and_leaves_no_verifier_when_refused() {
    let auth = server(LocalAuthOptions::default()).await;
    let mut oauth = OAuthSignIn::new("github");
    oauth.redirect_to = Some(CALLBACK.into());

    let mut anonymous = Browser::new(&auth, true);
    let client = anonymous.request();
    let missing = client.auth().link_identity(&oauth).await.unwrap_err();
    assert_eq!(missing, AuthError::SessionMissing);
    anonymous.keep(&client);
    assert_eq!(anonymous.verifier_cookies(), Vec::<String>::new());

    auth.update_settings(|settings| settings.manual_linking = false);
    let mut browser = signed_in(&auth).await;
    let client = browser.request();
    let refused = client.auth().link_identity(&oauth).await.unwrap_err();
    assert_eq!(refused.code(), Some("manual_linking_disabled"));
    browser.keep(&client);
    assert_eq!(browser.verifier_cookies(), Vec::<String>::new());
}

const RAW_NONCE: &str = "a raw nonce the page gave the provider hashed";

#[tokio::test]
async fn an_id_token_signs_in_and_writes_the_session_cookie() {
    let auth = server(LocalAuthOptions::default()).await;
    let token =
        auth.mint_id_token(&TestIdToken::new("google", "oidc@example.com").nonce(RAW_NONCE));
    let mut browser = Browser::new(&auth, false);
    let client = browser.request();
    let credentials = IdTokenCredentials::new("google", token).nonce(RAW_NONCE);
    let signed_in = client
        .auth()
        .sign_in_with_id_token(&credentials)
        .await
        .unwrap();
    let user = signed_in.user.unwrap();
    assert_eq!(user.email(), Some("oidc@example.com"));
    assert_eq!(providers(&user.identities()), ["google"]);
    let cookies = client.response_cookies();
    assert!(
        cookies
            .cache_headers()
            .iter()
            .any(|(name, value)| *name == "Cache-Control" && value.contains("no-store")),
        "{:?}",
        cookies.cache_headers()
    );
    browser.keep(&client);
    let claims = browser
        .request()
        .auth()
        .get_claims()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claims.email(), Some("oidc@example.com"));
}

#[tokio::test]
async fn a_refused_id_token_writes_no_cookie() {
    let auth = server(LocalAuthOptions::default()).await;
    let token =
        auth.mint_id_token(&TestIdToken::new("google", "oidc@example.com").nonce(RAW_NONCE));
    let client = Browser::new(&auth, false).request();
    for credentials in [
        IdTokenCredentials::new("google", token.clone()).nonce("another nonce"),
        IdTokenCredentials::new("google", token.clone()),
        IdTokenCredentials::new("google", "not a token"),
    ] {
        let refused = client.auth().sign_in_with_id_token(&credentials).await;
        assert!(
            matches!(refused, Err(AuthError::Api { .. })),
            "{credentials:?}: {refused:?}"
        );
    }
    assert!(client.response_cookies().set_cookies().is_empty());
}

#[tokio::test]
async fn an_id_token_links_its_identity_to_the_signed_in_user() {
    let auth = server(LocalAuthOptions::default()).await;
    let token = auth.mint_id_token(&TestIdToken::new("apple", "hidden@privaterelay.example"));
    let credentials = IdTokenCredentials::new("apple", token);

    let client = Browser::new(&auth, false).request();
    let missing = client
        .auth()
        .link_identity_with_id_token(&credentials)
        .await;
    assert_eq!(missing.unwrap_err(), AuthError::SessionMissing);

    let mut browser = signed_in(&auth).await;
    let before = browser
        .request()
        .auth()
        .get_session()
        .await
        .unwrap()
        .unwrap();
    let client = browser.request();
    let linked = client
        .auth()
        .link_identity_with_id_token(&credentials)
        .await
        .unwrap();
    browser.keep(&client);
    let user = linked.user.unwrap();
    assert_eq!(user.email(), Some(EMAIL), "still the signed-in user");
    assert_eq!(providers(&user.identities()), ["email", "apple"]);
    let after = browser
        .request()
        .auth()
        .get_session()
        .await
        .unwrap()
        .unwrap();
    assert_ne!(
        after.access_token(),
        before.access_token(),
        "the new session is stored"
    );
    assert_eq!(
        providers(&stored_identities(&browser).await),
        ["email", "apple"]
    );
}

#[tokio::test]
async fn a_password_that_breaks_the_current_rules_signs_in_flagged() {
    let rules = LocalAuthOptions::default()
        .password_rules(12, &["0123456789", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"]);
    let auth = server(rules).await;
    let client = Browser::new(&auth, false).request();
    // The seeded password predates the rules.
    let signed_in = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    assert!(signed_in.session.is_some());
    let weak = signed_in.weak_password.unwrap();
    assert_eq!(weak.reasons, ["length", "characters"]);
    assert!(
        weak.message
            .unwrap()
            .starts_with("Password should be at least 12 characters.")
    );

    let strong = SignUp::email("new@example.com", "LongEnough123");
    let signed_up = client.auth().sign_up(&strong).await.unwrap();
    assert!(signed_up.session.is_some());
    assert_eq!(signed_up.weak_password, None);
    let weak = SignUp::email("other@example.com", "short");
    match client.auth().sign_up(&weak).await {
        Err(AuthError::WeakPassword { reasons, .. }) => {
            assert_eq!(reasons, ["length", "characters"]);
        }
        other => panic!("{other:?}"),
    }
}
