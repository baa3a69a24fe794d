//! Compile-time checks that what users hold across `.await`s, share between threads or return
//! from handlers is `Send` (and `Sync` where it is shared): a regression here breaks every
//! multi-threaded runtime (axum, Poem, Rocket, `tokio::spawn`) at the user's call site.
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use std::future::Future;

use supabase_ssr_core::auth::{
    IdTokenCredentials, Identity, OAuthSignIn, PasswordCredentials, Resend, SignOutScope, SsoSignIn,
};
use supabase_ssr_core::{Config, Session, Supabase, SupabaseBuilder, SupabaseClient, User};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn sendable<T: Send + 'static>() {}
/// Errors users box as `Box<dyn Error + Send + Sync>` (anyhow, `?` in handlers).
fn error<T: std::error::Error + Send + Sync + 'static>() {}
/// Takes the future and drops it unpolled: only its type is checked.
fn send_future<F: Future + Send>(_future: F) {}

#[test]
fn handles_are_send_and_sync() {
    shared::<Supabase>();
    shared::<SupabaseClient>();
    shared::<Config>();
    shared::<Session>();
    shared::<User>();
    shared::<supabase_ssr_core::auth::Claims>();
    shared::<supabase_ssr_core::auth::Identity>();
    shared::<supabase_ssr_core::auth::AuthResponse>();
    shared::<supabase_ssr_core::auth::SsoRedirect>();
    shared::<supabase_ssr_core::proxy::PathFilter>();
    shared::<supabase_ssr_core::proxy::Rejection>();
    sendable::<SupabaseBuilder>();
    sendable::<supabase_ssr_core::auth::AuthError>();
    sendable::<supabase_ssr_core::ConfigError>();
    #[cfg(feature = "rest")]
    sendable::<supabase_ssr_core::rest::RestError>();
    #[cfg(feature = "storage")]
    sendable::<supabase_ssr_core::storage::StorageError>();
    #[cfg(feature = "functions")]
    sendable::<supabase_ssr_core::functions::FunctionsError>();
    #[cfg(feature = "functions")]
    sendable::<supabase_ssr_core::functions::Invoke>();
    #[cfg(feature = "functions")]
    sendable::<supabase_ssr_core::functions::FunctionResponse>();
    error::<supabase_ssr_core::auth::AuthError>();
    error::<supabase_ssr_core::ConfigError>();
    #[cfg(feature = "rest")]
    error::<supabase_ssr_core::rest::RestError>();
    #[cfg(feature = "storage")]
    error::<supabase_ssr_core::storage::StorageError>();
    #[cfg(feature = "functions")]
    error::<supabase_ssr_core::functions::FunctionsError>();
    error::<supabase_ssr_core::ErrorSource>();
    error::<supabase_ssr_core::proxy::Rejection>();
    shared::<supabase_ssr_core::ErrorSource>();
    shared::<supabase_ssr_core::SupabaseAdmin>();
    sendable::<supabase_ssr_core::admin::SupabaseAdminBuilder>();
}

#[tokio::test]
async fn the_futures_of_the_client_are_send() {
    let supabase = Supabase::builder("http://127.0.0.1:9", "sb_publishable_x")
        .build()
        .unwrap();
    let client = supabase.client(std::iter::empty());
    // Built, not awaited: only their types matter (nothing listens on port 9).
    let credentials = PasswordCredentials::email("a@example.com", "pw");
    send_future(client.proxy());
    send_future(client.require_claims(None));
    send_future(client.optional_claims());
    send_future(client.auth().get_claims());
    send_future(client.auth().get_session());
    send_future(client.auth().get_user());
    send_future(client.auth().sign_in_with_password(&credentials));
    send_future(client.auth().sign_out());
    send_future(client.auth().sign_out_with_scope(SignOutScope::Global));
    send_future(client.auth().exchange_code_for_session("code", None));
    let resend = Resend::signup("a@example.com");
    send_future(client.auth().resend(&resend));
    send_future(client.auth().reauthenticate());
    let id_token = IdTokenCredentials::new("google", "t");
    send_future(client.auth().sign_in_with_id_token(&id_token));
    send_future(client.auth().link_identity_with_id_token(&id_token));
    let sso = SsoSignIn::domain("a.example");
    send_future(client.auth().sign_in_with_sso(&sso));
    send_future(client.auth().user_identities());
    let oauth = OAuthSignIn::new("github");
    send_future(client.auth().link_identity(&oauth));
    let identity = Identity::from(serde_json::Map::new());
    send_future(client.auth().unlink_identity(&identity));
    let consent = client.auth().oauth();
    send_future(consent.authorization_details("a1"));
    send_future(consent.approve_authorization("a1"));
    send_future(consent.deny_authorization("a1"));
    send_future(consent.list_grants());
    send_future(consent.revoke_grant("c1"));
    send_future(client.rest_headers());
    #[cfg(feature = "rest")]
    send_future(
        client
            .from("todos")
            .select("*")
            .execute::<serde_json::Value>(),
    );
    #[cfg(feature = "functions")]
    send_future(client.functions().invoke("hello").send());
    #[cfg(feature = "storage")]
    {
        use supabase_ssr_core::storage::{DownloadOptions, UploadOptions};
        fn send_stream<S: futures_util::Stream + Send + Unpin + 'static>() {}
        let avatars = client.storage().from("avatars");
        let options = DownloadOptions::default();
        send_future(avatars.download("a.png", &options));
        send_future(avatars.upload("a.png", b"a", UploadOptions::default()));
        send_future(avatars.exists("a.png"));
        send_future(avatars.download_stream("a.png", &options));
        send_stream::<supabase_ssr_core::storage::DownloadStream>();
    }
    send_future(supabase.prefetch_jwks());
}

#[tokio::test]
async fn the_futures_of_the_admin_handle_are_send() {
    use supabase_ssr_core::admin::{AdminUserAttributes, GenerateLink, InviteOptions, ListUsers};
    let admin = supabase_ssr_core::SupabaseAdmin::new("http://127.0.0.1:9", "sb_secret_x").unwrap();
    let auth = admin.auth();
    let id = "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f";
    let attributes = AdminUserAttributes::default();
    let (invite, link) = (
        InviteOptions::default(),
        GenerateLink::magiclink("a@example.com"),
    );
    send_future(auth.create_user(&attributes));
    send_future(auth.list_users(&ListUsers::default()));
    send_future(auth.get_user_by_id(id));
    send_future(auth.update_user_by_id(id, &attributes));
    send_future(auth.delete_user(id, false));
    send_future(auth.invite_user_by_email("a@example.com", &invite));
    send_future(auth.generate_link(&link));
    send_future(auth.sign_out("jwt", SignOutScope::Global));
    send_future(auth.mfa().list_factors(id));
    send_future(auth.mfa().delete_factor(id, id));
}

#[tokio::test]
async fn the_futures_of_the_oauth_client_registry_are_send() {
    use supabase_ssr_core::admin::{CreateOAuthClient, ListOAuthClients, UpdateOAuthClient};
    let admin = supabase_ssr_core::SupabaseAdmin::new("http://127.0.0.1:9", "sb_secret_x").unwrap();
    let oauth = admin.auth().oauth();
    let id = "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f";
    let (create, update) = (
        CreateOAuthClient::new("App", ["https://app.example/cb"]),
        UpdateOAuthClient::default(),
    );
    send_future(oauth.list_clients(&ListOAuthClients::default()));
    send_future(oauth.create_client(&create));
    send_future(oauth.get_client(id));
    send_future(oauth.update_client(id, &update));
    send_future(oauth.delete_client(id));
    send_future(oauth.regenerate_client_secret(id));
    shared::<supabase_ssr_core::admin::OAuthClient>();
    shared::<supabase_ssr_core::admin::OAuthClientPage>();
    shared::<supabase_ssr_core::auth::AuthorizationDetails>();
    shared::<supabase_ssr_core::auth::OAuthGrant>();
}

#[tokio::test]
async fn the_futures_of_admin_passkeys_and_custom_providers_are_send() {
    use supabase_ssr_core::admin::{CreateCustomProvider, UpdateCustomProvider};
    let admin = supabase_ssr_core::SupabaseAdmin::new("http://127.0.0.1:9", "sb_secret_x").unwrap();
    let auth = admin.auth();
    let id = "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f";
    send_future(auth.passkeys().list(id));
    send_future(auth.passkeys().delete(id, id));
    let providers = auth.custom_providers();
    let create = CreateCustomProvider::oidc("custom:a", "A", "c", "s", "https://a.example");
    let update = UpdateCustomProvider::default();
    send_future(providers.list_providers(None));
    send_future(providers.create_provider(&create));
    send_future(providers.get_provider("custom:a"));
    send_future(providers.update_provider("custom:a", &update));
    send_future(providers.delete_provider("custom:a"));
}
