//! The project as an OAuth 2.1 server, against the local Auth server: `SupabaseAdmin`'s client
//! registry (`admin.auth().oauth()`), and the whole loop of a third-party app — its authorize
//! request, the consent page's calls as the signed-in user (`client.auth().oauth()`), the code
//! exchanged at `/oauth/token`, the grant listed and revoked (which ends the app's session).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use supabase_ssr_core::admin::{
    CreateOAuthClient, ListOAuthClients, OAuthClient, UpdateOAuthClient,
};
use supabase_ssr_core::auth::{AuthError, AuthorizationDetails, PasswordCredentials};
use supabase_ssr_core::{Supabase, SupabaseAdmin, SupabaseClient};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, OAUTH_CONSENT_PATH, SeedUser};

const EMAIL: &str = "seeded@example.com";
const PASSWORD: &str = "password123";
const APP_CALLBACK: &str = "http://localhost:9999/callback";
const VERIFIER: &str = "a-third-party-apps-verifier-0123456789-abcdefghijklmnop";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

fn admin(auth: &LocalAuth) -> SupabaseAdmin {
    SupabaseAdmin::new(&auth.url(), auth.secret_key()).unwrap()
}

async fn signed_in(auth: &LocalAuth) -> SupabaseClient {
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let client = supabase.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    client
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn query_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

fn param(url: &str, key: &str) -> Option<String> {
    query_of(url)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// The third-party app sends the browser to `/oauth/authorize`; the authorization id of the
/// consent page the server redirects to.
async fn authorize(auth: &LocalAuth, client_id: &str, scope: &str) -> String {
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, VERIFIER.as_bytes()));
    let url = url::Url::parse_with_params(
        &format!("{}/auth/v1/oauth/authorize", auth.url()),
        [
            ("client_id", client_id),
            ("redirect_uri", APP_CALLBACK),
            ("response_type", "code"),
            ("scope", scope),
            ("state", "app-state"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ],
    )
    .unwrap();
    let response = no_redirects().get(url).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("http://localhost:3000{OAUTH_CONSENT_PATH}?")),
        "{location}"
    );
    param(&location, "authorization_id").unwrap()
}

/// The app exchanges its code (client authenticated with HTTP Basic).
async fn exchange(auth: &LocalAuth, client_id: &str, secret: &str, code: &str) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/auth/v1/oauth/token", auth.url()))
        .basic_auth(client_id, Some(secret))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(
            url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", APP_CALLBACK),
                    ("code_verifier", VERIFIER),
                ])
                .finish(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

async fn user_status(auth: &LocalAuth, access_token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}/auth/v1/user", auth.url()))
        .header("apikey", auth.publishable_key())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread")]
async fn clients_are_registered_read_updated_rotated_and_deleted() {
    let auth = server().await;
    let admin = admin(&auth);
    let oauth = admin.auth().oauth();
    assert!(
        oauth
            .list_clients(&ListOAuthClients::default())
            .await
            .unwrap()
            .clients
            .is_empty()
    );

    let confidential = oauth
        .create_client(
            &CreateOAuthClient::new("Acme Notes", [APP_CALLBACK])
                .with_client_uri("https://notes.example.com"),
        )
        .await
        .unwrap();
    let secret = confidential.client_secret().unwrap().to_owned();
    assert_eq!(confidential.client_type(), "confidential");
    assert_eq!(confidential.registration_type(), "manual");
    assert_eq!(confidential.redirect_uris(), [APP_CALLBACK]);
    assert!(!format!("{confidential:?}").contains(&secret));
    assert!(confidential.fields().contains_key("created_at"));

    let public = oauth
        .create_client(
            &CreateOAuthClient::new("CLI", ["http://localhost:8080/cb"])
                .with_token_endpoint_auth_method("none"),
        )
        .await
        .unwrap();
    assert_eq!(public.client_type(), "public");
    assert_eq!(public.client_secret(), None);

    let page = oauth
        .list_clients(&ListOAuthClients::default().with_per_page(10))
        .await
        .unwrap();
    let ids: Vec<&str> = page.clients.iter().map(OAuthClient::client_id).collect();
    assert_eq!(ids, [public.client_id(), confidential.client_id()]);
    // Only the registration's answer carries the secret.
    let read = oauth.get_client(confidential.client_id()).await.unwrap();
    assert_eq!(read.client_name(), "Acme Notes");
    assert_eq!(read.client_secret(), None);

    let renamed = oauth
        .update_client(
            confidential.client_id(),
            &UpdateOAuthClient::default().with_client_name("Acme Notes 2"),
        )
        .await
        .unwrap();
    assert_eq!(renamed.client_name(), "Acme Notes 2");
    assert_eq!(renamed.redirect_uris(), [APP_CALLBACK]);
    let empty = oauth
        .update_client(confidential.client_id(), &UpdateOAuthClient::default())
        .await
        .unwrap_err();
    assert_eq!(empty.code(), Some("validation_failed"), "{empty:?}");

    let rotated = oauth
        .regenerate_client_secret(confidential.client_id())
        .await
        .unwrap();
    assert_ne!(rotated.client_secret().unwrap(), secret);
    let refused = oauth
        .regenerate_client_secret(public.client_id())
        .await
        .unwrap_err();
    assert_eq!(refused.code(), Some("validation_failed"), "{refused:?}");

    oauth.delete_client(public.client_id()).await.unwrap();
    let gone = oauth.get_client(public.client_id()).await.unwrap_err();
    assert_eq!(gone.code(), Some("oauth_client_not_found"), "{gone:?}");
    assert_eq!(gone.status(), Some(404));

    // An id that could leave its path segment is refused before any call.
    let bad = oauth.get_client("../../users").await.unwrap_err();
    assert!(matches!(bad, AuthError::InvalidArgument(_)), "{bad:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_third_party_app_gets_a_code_through_the_consent_page_and_loses_it_on_revoke() {
    let auth = server().await;
    let registered = admin(&auth)
        .auth()
        .oauth()
        .create_client(&CreateOAuthClient::new("Acme Notes", [APP_CALLBACK]))
        .await
        .unwrap();
    let (client_id, secret) = (
        registered.client_id().to_owned(),
        registered.client_secret().unwrap().to_owned(),
    );
    let user = signed_in(&auth).await;
    let oauth = user.auth().oauth();

    let authorization_id = authorize(&auth, &client_id, "openid email").await;
    let AuthorizationDetails::Consent(details) = oauth
        .authorization_details(&authorization_id)
        .await
        .unwrap()
    else {
        panic!("a first authorization needs consent");
    };
    assert_eq!(details.authorization_id, authorization_id);
    assert_eq!(details.client.id, client_id);
    assert_eq!(details.client.name, "Acme Notes");
    assert_eq!(details.redirect_uri, APP_CALLBACK);
    assert_eq!(details.user["email"], EMAIL);
    assert_eq!(details.scopes().collect::<Vec<_>>(), ["openid", "email"]);

    let back = oauth
        .approve_authorization(&authorization_id)
        .await
        .unwrap();
    assert!(back.starts_with(APP_CALLBACK), "{back}");
    assert_eq!(param(&back, "state").as_deref(), Some("app-state"));
    let code = param(&back, "code").unwrap();
    // Consent is given once.
    let again = oauth
        .approve_authorization(&authorization_id)
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some("validation_failed"), "{again:?}");

    let tokens = exchange(&auth, &client_id, &secret, &code).await;
    assert_eq!(tokens["token_type"], "bearer");
    assert!(tokens.get("user").is_none(), "{tokens}");
    let app_token = tokens["access_token"].as_str().unwrap().to_owned();
    assert_eq!(user_status(&auth, &app_token).await, 200);

    let grants = oauth.list_grants().await.unwrap();
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0].client.id, client_id);
    assert_eq!(grants[0].scopes, ["openid", "email"]);

    // A later authorization within the granted scopes is approved at once.
    let second = authorize(&auth, &client_id, "email").await;
    let AuthorizationDetails::AlreadyApproved { redirect_url } =
        oauth.authorization_details(&second).await.unwrap()
    else {
        panic!("the consent covers the scopes");
    };
    assert!(param(&redirect_url, "code").is_some(), "{redirect_url}");

    oauth.revoke_grant(&client_id).await.unwrap();
    assert!(oauth.list_grants().await.unwrap().is_empty());
    // The app's session ended with the grant; the user's own did not.
    assert_eq!(user_status(&auth, &app_token).await, 403);
    assert!(user.auth().get_user().await.is_ok());
    let twice = oauth.revoke_grant(&client_id).await.unwrap_err();
    assert_eq!(twice.code(), Some("oauth_consent_not_found"), "{twice:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_denied_authorization_sends_the_app_access_denied() {
    let auth = server().await;
    let registered = admin(&auth)
        .auth()
        .oauth()
        .create_client(&CreateOAuthClient::new("Acme Notes", [APP_CALLBACK]))
        .await
        .unwrap();
    let user = signed_in(&auth).await;
    let oauth = user.auth().oauth();
    let authorization_id = authorize(&auth, registered.client_id(), "email").await;
    oauth
        .authorization_details(&authorization_id)
        .await
        .unwrap();
    let back = oauth.deny_authorization(&authorization_id).await.unwrap();
    assert!(back.starts_with(APP_CALLBACK), "{back}");
    assert_eq!(param(&back, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&back, "state").as_deref(), Some("app-state"));
    assert_eq!(param(&back, "code"), None);
    assert!(oauth.list_grants().await.unwrap().is_empty());

    let unknown = oauth
        .authorization_details("nosuchauthorization")
        .await
        .unwrap_err();
    assert_eq!(
        unknown.code(),
        Some("oauth_authorization_not_found"),
        "{unknown:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_session_nothing_is_sent() {
    let auth = server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let client = supabase.client([]);
    let oauth = client.auth().oauth();
    assert!(matches!(
        oauth.list_grants().await,
        Err(AuthError::SessionMissing)
    ));
    assert!(matches!(
        oauth.approve_authorization("abc").await,
        Err(AuthError::SessionMissing)
    ));
}
