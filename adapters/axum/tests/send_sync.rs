//! Compile-time checks that the public handles, extractors and middleware of this adapter are
//! `Send + Sync` where multi-threaded servers need them, and that its rejection is a
//! `std::error::Error + Send + Sync` (so `?` into `Box<dyn Error + Send + Sync>` works).
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use std::future::Future;

use axum::extract::FromRequestParts;
use axum::http::Request;
use supabase_ssr_axum::{
    AuthRejection, Authenticated, Client, MaybeAuthenticated, Supabase, SupabaseLayer,
};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}
/// Takes the future and drops it unpolled: only its type is checked.
fn send_future<F: Future + Send>(_future: F) {}

#[test]
fn extractors_and_the_rejection_are_send_and_sync() {
    shared::<Client>();
    shared::<Authenticated>();
    shared::<MaybeAuthenticated>();
    shared::<AuthRejection>();
    shared::<SupabaseLayer>();
    shared::<Supabase>();
    error::<AuthRejection>();
}

#[test]
fn the_extractors_futures_are_send() {
    let (mut parts, ()) = Request::new(()).into_parts();
    send_future(Client::from_request_parts(&mut parts, &()));
    send_future(Authenticated::from_request_parts(&mut parts, &()));
    send_future(MaybeAuthenticated::from_request_parts(&mut parts, &()));
    send_future(<Authenticated as axum::extract::OptionalFromRequestParts<
        (),
    >>::from_request_parts(&mut parts, &()));
}
