//! `SupabaseAdmin`'s passkey and custom provider calls against the local Auth server: what they
//! change, seen through the server and the per-request client (a user signs in through a custom
//! provider once it is enabled), the typed refusals, and ids refused before any request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use supabase_ssr_core::admin::{
    CreateCustomProvider, CustomProviderType, OAuth2Endpoints, UpdateCustomProvider,
};
use supabase_ssr_core::auth::{AuthError, OAuthSignIn};
use supabase_ssr_core::{Supabase, SupabaseAdmin};
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "seeded@example.com";
const PASSWORD: &str = "password123";
const UNKNOWN_ID: &str = "5b0c2f1e-3d4a-4b6c-8e9f-0a1b2c3d4e5f";

async fn server() -> LocalAuth {
    LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD)))
        .await
        .unwrap()
}

fn admin(auth: &LocalAuth) -> SupabaseAdmin {
    SupabaseAdmin::new(&auth.url(), auth.secret_key()).unwrap()
}

fn user_id(auth: &LocalAuth, email: &str) -> String {
    auth.user(email).unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn passkeys_are_listed_and_deleted() {
    let auth = server().await;
    let admin = admin(&auth);
    let passkeys = admin.auth().passkeys();
    let user = user_id(&auth, EMAIL);
    assert!(passkeys.list(&user).await.unwrap().is_empty());

    let first = auth.add_passkey(EMAIL).unwrap();
    let second = auth.add_passkey(EMAIL).unwrap();
    let listed = passkeys.list(&user).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(ids, [first.as_str(), second.as_str()]);
    assert_eq!(listed[0].friendly_name.as_deref(), Some("Passkey 1"));
    assert!(!listed[0].created_at.is_empty());
    assert_eq!(listed[0].last_used_at, None);

    passkeys.delete(&user, &first).await.unwrap();
    let left = passkeys.list(&user).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].id, second);

    let again = passkeys.delete(&user, &first).await.unwrap_err();
    assert!(
        matches!(again, AuthError::Api { status: 404, .. }),
        "{again:?}"
    );
    assert_eq!(again.code(), Some("validation_failed"));
    let unknown = passkeys.list(UNKNOWN_ID).await.unwrap_err();
    assert_eq!(unknown.code(), Some("user_not_found"));

    // Ids that are not UUIDs never leave.
    auth.reset_counters();
    for (user_id, passkey_id) in [("../settings", second.as_str()), (user.as_str(), "x/../y")] {
        let refused = passkeys.delete(user_id, passkey_id).await.unwrap_err();
        assert!(
            matches!(refused, AuthError::InvalidArgument(_)),
            "{refused:?}"
        );
    }
    assert!(matches!(
        passkeys.list("nope").await,
        Err(AuthError::InvalidArgument(_))
    ));
    assert_eq!(auth.count(Endpoint::AdminPasskeyDelete), 0);
    assert_eq!(auth.count(Endpoint::AdminPasskeysList), 0);
}

fn acme() -> CreateCustomProvider {
    CreateCustomProvider::oauth2(
        "custom:acme",
        "Acme",
        "acme-client",
        "acme-secret",
        OAuth2Endpoints {
            authorization_url: "https://acme.example/authorize".into(),
            token_url: "https://acme.example/token".into(),
            userinfo_url: "https://acme.example/userinfo".into(),
        },
    )
    .with_scopes(["email", "profile"])
    .with_enabled(false)
}

/// Signs in through `provider` with PKCE, as a browser would: `Ok` once the code is exchanged.
async fn sign_in_through(auth: &LocalAuth, provider: &str) -> Result<(), String> {
    let supabase = Supabase::builder(auth.url(), auth.publishable_key())
        .build()
        .unwrap();
    let mut jar = BrowserJar::new();
    let client = supabase.client([jar.header().as_str()]);
    let mut oauth = OAuthSignIn::new(provider);
    oauth.redirect_to = Some("http://localhost:3000/auth/callback".into());
    let redirect = client.auth().sign_in_with_oauth(&oauth).unwrap();
    jar.apply(client.response_cookies().set_cookies());
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(&redirect.url)
        .send()
        .await
        .unwrap();
    let Some(location) = response.headers().get("location") else {
        return Err(response.text().await.unwrap());
    };
    let location = url::Url::parse(location.to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let client = supabase.client([jar.header().as_str()]);
    let exchanged = client
        .auth()
        .exchange_code_for_session(&code, None)
        .await
        .map_err(|e| e.to_string())?;
    assert!(exchanged.session.is_some());
    Ok(())
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_providers_are_managed_and_sign_users_in_once_enabled() {
    let auth = server().await;
    let admin = admin(&auth);
    let providers = admin.auth().custom_providers();
    assert!(providers.list_providers(None).await.unwrap().is_empty());

    let created = providers.create_provider(&acme()).await.unwrap();
    assert_eq!(created.identifier, "custom:acme");
    assert_eq!(created.provider_type, "oauth2");
    assert_eq!(created.client_id, "acme-client");
    assert!(created.pkce_enabled, "the server's default");
    assert!(!created.enabled);
    assert_eq!(
        created.scopes.as_deref(),
        Some(&["email".to_owned(), "profile".to_owned()][..])
    );
    assert_eq!(
        created.token_url.as_deref(),
        Some("https://acme.example/token")
    );
    assert_eq!(
        auth.custom_provider_secret("custom:acme").as_deref(),
        Some("acme-secret")
    );

    let oidc = providers
        .create_provider(&CreateCustomProvider::oidc(
            "custom:corp",
            "Corp",
            "corp-client",
            "corp-secret",
            "https://id.corp.example",
        ))
        .await
        .unwrap();
    assert_eq!(oidc.scopes.as_deref(), Some(&["openid".to_owned()][..]));
    assert!(oidc.extra.contains_key("discovery_document"));

    let all = providers.list_providers(None).await.unwrap();
    assert_eq!(all.len(), 2);
    let only_oauth2 = providers
        .list_providers(Some(CustomProviderType::OAuth2))
        .await
        .unwrap();
    assert_eq!(only_oauth2, std::slice::from_ref(&created));
    assert_eq!(
        providers.get_provider("custom:acme").await.unwrap(),
        created
    );

    let duplicate = providers.create_provider(&acme()).await.unwrap_err();
    assert_eq!(duplicate.code(), Some("conflict"));

    // Disabled: the Auth server refuses to start the sign-in.
    let refused = sign_in_through(&auth, "custom:acme").await.unwrap_err();
    assert!(refused.contains("is disabled"), "{refused}");

    let updated = providers
        .update_provider(
            "custom:acme",
            &UpdateCustomProvider::default()
                .with_enabled(true)
                .with_client_secret("rotated")
                .with_name("Acme Inc"),
        )
        .await
        .unwrap();
    assert!(updated.enabled);
    assert_eq!(updated.name, "Acme Inc");
    assert_eq!(updated.client_id, "acme-client", "unchanged");
    assert_eq!(
        auth.custom_provider_secret("custom:acme").as_deref(),
        Some("rotated")
    );
    sign_in_through(&auth, "custom:acme").await.unwrap();

    providers.delete_provider("custom:acme").await.unwrap();
    let gone = providers.get_provider("custom:acme").await.unwrap_err();
    assert!(
        matches!(gone, AuthError::Api { status: 404, .. }),
        "{gone:?}"
    );
    assert_eq!(gone.code(), Some("custom_provider_not_found"));
    let refused = sign_in_through(&auth, "custom:acme").await.unwrap_err();
    assert!(refused.contains("not found"), "{refused}");

    // An identifier that would change the path never leaves.
    auth.reset_counters();
    for bad in ["custom:../users", "acme", "custom:a?b"] {
        let error = providers.get_provider(bad).await.unwrap_err();
        assert!(
            matches!(error, AuthError::InvalidArgument(_)),
            "{bad}: {error:?}"
        );
    }
    assert_eq!(auth.count(Endpoint::AdminCustomProviderGet), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_server_refuses_unsafe_provider_settings() {
    let auth = server().await;
    let admin = admin(&auth);
    let providers = admin.auth().custom_providers();
    let loopback = acme().with_token_url("https://127.0.0.1/token");
    let error = providers.create_provider(&loopback).await.unwrap_err();
    assert_eq!(error.code(), Some("validation_failed"));
    let reserved = acme().with_authorization_param("redirect_uri", "https://evil.example");
    let error = providers.create_provider(&reserved).await.unwrap_err();
    assert_eq!(error.code(), Some("validation_failed"));
    assert!(error.to_string().contains("redirect_uri"), "{error}");
    assert!(providers.list_providers(None).await.unwrap().is_empty());
}
