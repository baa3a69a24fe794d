#![allow(clippy::unwrap_used, clippy::expect_used)]
//! HTTPS and token verification whatever TLS features the crate is built with.
//!
//! `rustls` puts jsonwebtoken on aws-lc-rs and `native-tls` on its pure-Rust backend. With both
//! (`--all-features`, or two crates of one application choosing differently) jsonwebtoken
//! cannot pick and panics at the first verification unless the core installs a backend when
//! the handle is built; and reqwest then speaks TLS through native-tls (OpenSSL). The default
//! test run covers `rustls` alone; `.ci/alone.sh` runs this file with both features on
//! (`cargo test -p supabase-ssr-core --features native-tls --test tls_features`).

use supabase_ssr_core::Supabase;
use supabase_ssr_core::auth::PasswordCredentials;
use supabase_ssr_testing::SeedUser;
use supabase_ssr_testing::server::{DEFAULT_JWT_SECRET, KeyAlgorithm, LocalAuth, LocalAuthOptions};

const EMAIL: &str = "tls-features@example.com";
const PASSWORD: &str = "password123";

/// Signs in over HTTPS (the server's private CA trusted through `root_certificates_pem`) and
/// verifies the new session's token locally.
async fn sign_in_and_verify(algorithm: KeyAlgorithm) {
    let auth = LocalAuth::start(
        LocalAuthOptions::default()
            .tls(true)
            .jwt_algorithm(algorithm)
            .user(SeedUser::new(EMAIL, PASSWORD)),
    )
    .await
    .unwrap();
    assert!(auth.url().starts_with("https://"));
    let ca = auth.ca_certificate_pem().expect("a CA over TLS");
    let mut builder =
        Supabase::builder(auth.url(), auth.publishable_key()).root_certificates_pem(ca);
    if algorithm == KeyAlgorithm::Hs256 {
        // Verified locally with the secret (HMAC through jsonwebtoken), not by `GET /user`.
        builder = builder.jwt_secret(DEFAULT_JWT_SECRET);
    }
    let supabase = builder.build().unwrap();
    let client = supabase.client([]);
    client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(EMAIL, PASSWORD))
        .await
        .unwrap();
    let claims = client.auth().get_claims().await.unwrap().expect("claims");
    assert_eq!(claims.email(), Some(EMAIL), "{algorithm:?}");
    assert_eq!(
        auth.count(supabase_ssr_testing::Endpoint::UserGet),
        0,
        "{algorithm:?} must verify locally"
    );
}

#[tokio::test]
async fn es256_tokens_verify() {
    sign_in_and_verify(KeyAlgorithm::Es256).await;
}

#[tokio::test]
async fn rs256_tokens_verify() {
    sign_in_and_verify(KeyAlgorithm::Rs256).await;
}

#[tokio::test]
async fn hs256_tokens_verify_with_the_secret() {
    sign_in_and_verify(KeyAlgorithm::Hs256).await;
}
