//! `dev::start`: the local Auth server for development starts from every kind of `main` (a
//! plain one, inside a multi-thread or a current-thread tokio runtime), the demo user signs in
//! through a `Supabase` built from `DevAuth::builder`, and dropping the handle closes the port.
//! (The actix-web `System` caller is tested in adapters/actix-web/tests/dev_server.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;

use supabase_ssr_core::auth::PasswordCredentials;
use supabase_ssr_testing::dev::{self, DEMO_EMAIL, DEMO_PASSWORD, DevAuth};

/// Signs the demo user in through the handle's builder, on whatever runtime runs it.
async fn demo_signs_in(local: &DevAuth) {
    let supabase = local.builder().build().unwrap();
    let client = supabase.client([]);
    let response = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email(DEMO_EMAIL, DEMO_PASSWORD))
        .await
        .unwrap();
    assert!(response.session.is_some());
    assert_eq!(response.user.unwrap().email(), Some(DEMO_EMAIL));
}

/// Drops the handle and checks the port then refuses connections.
fn stops_on_drop(local: DevAuth) {
    let addr = local.server().addr();
    assert!(TcpStream::connect(addr).is_ok(), "the server listens");
    drop(local);
    assert!(
        TcpStream::connect(addr).is_err(),
        "the port still accepts connections after the handle was dropped"
    );
}

#[test]
fn starts_from_a_plain_main() {
    let local = dev::start().unwrap();
    assert!(
        local.url().starts_with("http://127.0.0.1:"),
        "{}",
        local.url()
    );
    assert_eq!(local.url(), local.server().url());
    assert_eq!(
        local.publishable_key(),
        supabase_ssr_testing::server::DEFAULT_PUBLISHABLE_KEY
    );
    assert_eq!(
        local.secret_key(),
        supabase_ssr_testing::server::DEFAULT_SECRET_KEY
    );
    // The caller's own runtime, made after the server started, is independent of it.
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(demo_signs_in(&local));
    stops_on_drop(local);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_inside_a_multi_thread_runtime() {
    let local = dev::start().unwrap();
    demo_signs_in(&local).await;
    stops_on_drop(local);
}

#[tokio::test(flavor = "current_thread")]
async fn starts_inside_a_current_thread_runtime() {
    // The server has its own runtime: this one's single thread waits for the sign-in only.
    let local = dev::start().unwrap();
    demo_signs_in(&local).await;
    stops_on_drop(local);
}

#[test]
fn two_servers_get_two_ports() {
    let first = dev::start().unwrap();
    let second = dev::start().unwrap();
    assert_ne!(first.url(), second.url());
}
