//! Compile-time checks that what users hold across `.await`s, share between threads or return
//! from handlers is `Send` (and `Sync` where it is shared): a regression here breaks every
//! multi-threaded runtime (axum, Poem, Rocket, tokio::spawn) at the user's call site.
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use std::future::Future;

use supabase_ssr_core::auth::{PasswordCredentials, SignOutScope};
use supabase_ssr_core::functions::FunctionBody;
use supabase_ssr_core::{Config, Session, Supabase, SupabaseBuilder, SupabaseClient, User};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn sendable<T: Send + 'static>() {}
fn send_future<F: Future + Send>(future: F) -> F {
    future
}

#[test]
fn handles_are_send_and_sync() {
    shared::<Supabase>();
    shared::<SupabaseClient>();
    shared::<Config>();
    shared::<Session>();
    shared::<User>();
    shared::<supabase_ssr_core::auth::Claims>();
    shared::<supabase_ssr_core::proxy::PathFilter>();
    shared::<supabase_ssr_core::proxy::Rejection>();
    sendable::<SupabaseBuilder>();
    sendable::<supabase_ssr_core::auth::AuthError>();
    sendable::<supabase_ssr_core::ConfigError>();
    sendable::<supabase_ssr_core::rest::RestError>();
    sendable::<supabase_ssr_core::storage::StorageError>();
    sendable::<supabase_ssr_core::functions::FunctionsError>();
}

#[tokio::test]
async fn the_futures_of_the_client_are_send() {
    let supabase = Supabase::builder("http://127.0.0.1:9", "sb_publishable_x")
        .build()
        .unwrap();
    let client = supabase.client(std::iter::empty());
    // Built, not awaited: only their types matter (nothing listens on port 9).
    let credentials = PasswordCredentials::email("a@example.com", "pw");
    let _ = send_future(client.proxy());
    let _ = send_future(client.require_claims(None));
    let _ = send_future(client.optional_claims());
    let _ = send_future(client.auth().get_claims());
    let _ = send_future(client.auth().get_session());
    let _ = send_future(client.auth().get_user());
    let _ = send_future(client.auth().sign_in_with_password(&credentials));
    let _ = send_future(client.auth().sign_out(SignOutScope::Local));
    let _ = send_future(client.auth().exchange_code_for_session("code", None));
    let _ = send_future(client.rest_headers());
    let _ = send_future(
        client
            .from("todos")
            .select("*")
            .execute::<serde_json::Value>(),
    );
    let _ = send_future(client.functions().invoke("hello", FunctionBody::Empty));
    let _ = send_future(supabase.prefetch_jwks());
}
