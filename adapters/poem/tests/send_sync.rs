//! Compile-time checks that the public handles, extractors and middleware of this adapter are
//! `Send + Sync` where multi-threaded servers need them, and that its rejection is a
//! `std::error::Error + Send + Sync` (so `?` into `Box<dyn Error + Send + Sync>` works).
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use std::future::Future;

use poem::{Endpoint, EndpointExt, Request, handler};
use supabase_ssr_poem::{
    AuthRejection, Authenticated, Client, MaybeAuthenticated, Supabase, SupabaseEndpoint,
    SupabaseMiddleware,
};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn endpoint<T: Endpoint + Send + Sync + 'static>(_: &T) {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}
/// Takes the future and drops it unpolled: only its type is checked.
fn send_future<F: Future + Send>(_future: F) {}

#[handler]
fn hello() -> &'static str {
    "hello"
}

#[test]
fn extractors_middleware_and_the_rejection_are_send_and_sync() {
    shared::<Client>();
    shared::<Authenticated>();
    shared::<MaybeAuthenticated>();
    shared::<AuthRejection>();
    shared::<SupabaseMiddleware>();
    shared::<Supabase>();
    error::<AuthRejection>();
}

#[test]
fn the_middlewares_endpoint_and_its_future_are_send() {
    let supabase = Supabase::builder("http://127.0.0.1:9", "sb_publishable_x")
        .build()
        .unwrap();
    let app: SupabaseEndpoint<_> = hello.with(SupabaseMiddleware::new(supabase));
    endpoint(&app);
    send_future(app.call(Request::default()));
}
