//! Compile-time checks that the public handles, extractors and middleware of this adapter are
//! `Send + Sync` where multi-threaded servers need them, and that its rejection is a
//! `std::error::Error + Send + Sync` (so `?` into `Box<dyn Error + Send + Sync>` works).
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use std::convert::Infallible;
use std::future::Future;

use http::{Request, Response};
use supabase_ssr_tower::{AuthRejection, Supabase, SupabaseLayer};
use tower::{Layer, Service};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}
fn cloneable<T: Send + Sync + Clone>(_: &T) {}
/// Takes the future and drops it unpolled: only its type is checked.
fn send_future<F: Future + Send + 'static>(_future: F) {}

#[test]
fn the_layer_and_the_rejection_are_send_and_sync() {
    shared::<SupabaseLayer>();
    shared::<AuthRejection>();
    error::<AuthRejection>();
}

#[test]
fn the_services_future_is_send() {
    let supabase = Supabase::builder("http://127.0.0.1:9", "sb_publishable_x")
        .build()
        .unwrap();
    let inner = tower::service_fn(|_: Request<String>| async {
        Ok::<_, Infallible>(Response::new(String::new()))
    });
    let mut service = SupabaseLayer::new(supabase).layer(inner);
    cloneable(&service);
    send_future(service.call(Request::new(String::new())));
}
