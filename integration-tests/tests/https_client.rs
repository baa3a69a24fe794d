//! A `Supabase` handle against the local Auth server over HTTPS, trusting the server's private
//! CA through `SupabaseBuilder::root_certificates_pem`: sign-in, verified claims, refresh; and
//! the same server refused by a handle that does not trust the CA.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use supabase_ssr_core::Supabase;
use supabase_ssr_core::auth::{AuthError, PasswordCredentials};
use supabase_ssr_testing::server::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "https@example.com";
const PASSWORD: &str = "password123";

async fn https_server() -> LocalAuth {
    LocalAuth::start(
        LocalAuthOptions::default()
            .tls(true)
            .user(SeedUser::new(EMAIL, PASSWORD)),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn sign_in_claims_and_refresh_over_https_with_a_private_ca() {
    let auth = https_server().await;
    let url = auth.url();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let ca = auth.ca_certificate_pem().unwrap();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");

    let supabase = Supabase::builder(&url, auth.publishable_key())
        .root_certificates_pem(ca)
        .build()
        .unwrap();
    let client = supabase.client([]);
    let signed_in = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap()
        .session
        .unwrap();

    // Verified locally against the JWKS fetched over HTTPS; the issuer is the https:// URL.
    let claims = client.auth().get_claims().await.unwrap().unwrap();
    assert_eq!(claims.email(), Some(EMAIL));
    assert_eq!(
        claims.get("iss").and_then(|v| v.as_str()),
        Some(auth.auth_url().as_str())
    );
    assert_eq!(auth.count(Endpoint::Jwks), 1);

    let refreshed = client.auth().refresh_session().await.unwrap();
    assert_eq!(auth.count(Endpoint::TokenRefresh), 1);
    assert_ne!(refreshed.refresh_token(), signed_in.refresh_token());
    assert_ne!(refreshed.access_token(), signed_in.access_token());
    // The refreshed session went into the request's cookies, and its token verifies too.
    let claims = client.auth().get_claims().await.unwrap().unwrap();
    assert_eq!(claims.email(), Some(EMAIL));
    let set_cookies = client.response_cookies();
    assert!(!set_cookies.set_cookies().is_empty());
}

#[tokio::test]
async fn a_handle_that_does_not_trust_the_ca_is_refused_by_tls() {
    let auth = https_server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let client = supabase.client([]);
    let error = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap_err();
    // Nothing reached the server: the handshake failed on the unknown issuer, and the error
    // says so (rustls: "invalid peer certificate: UnknownIssuer").
    assert!(
        matches!(error, AuthError::Transient { status: None, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("certificate"), "{error}");
    assert_eq!(auth.count(Endpoint::TokenPassword), 0);
}

#[tokio::test]
async fn another_servers_ca_does_not_open_this_one() {
    let auth = https_server().await;
    let other = https_server().await;
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .root_certificates_pem(other.ca_certificate_pem().unwrap())
        .build()
        .unwrap();
    let error = supabase
        .client([])
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::Transient { status: None, .. }),
        "{error:?}"
    );
    assert_eq!(auth.count(Endpoint::TokenPassword), 0);
}

#[tokio::test]
async fn plain_http_servers_have_no_ca() {
    let auth = LocalAuth::start(LocalAuthOptions::default()).await.unwrap();
    assert!(auth.url().starts_with("http://"));
    assert!(auth.ca_certificate_pem().is_none());
}

/// `SupabaseAdmin` uses the core's HTTP stack: the same private CA is trusted the same way, and
/// an admin handle that does not trust it gets a transient error, not an answer.
#[tokio::test]
async fn the_admin_handle_trusts_a_private_ca_the_same_way() {
    use supabase_ssr_core::SupabaseAdmin;
    use supabase_ssr_core::admin::ListUsers;
    let auth = https_server().await;
    let admin = SupabaseAdmin::builder(auth.url(), auth.secret_key())
        .root_certificates_pem(auth.ca_certificate_pem().unwrap())
        .build()
        .unwrap();
    let page = admin
        .auth()
        .list_users(&ListUsers::default())
        .await
        .unwrap();
    assert_eq!(page.users[0].email(), Some(EMAIL));

    let untrusting = SupabaseAdmin::new(&auth.url(), auth.secret_key()).unwrap();
    let error = untrusting
        .auth()
        .list_users(&ListUsers::default())
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
}
