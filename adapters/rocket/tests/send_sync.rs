//! Compile-time checks that the public handles, extractors and middleware of this adapter are
//! `Send + Sync` where multi-threaded servers need them, and that its rejection is a
//! `std::error::Error + Send + Sync` (so `?` into `Box<dyn Error + Send + Sync>` works).
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

use supabase_ssr_rocket::{
    AuthRejection, Authenticated, Client, MaybeAuthenticated, Supabase, SupabaseFairing,
};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn sendable<T: Send + Sync + 'static>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn guards_the_fairing_and_the_rejection_are_send_and_sync() {
    shared::<Client>();
    shared::<Authenticated>();
    shared::<MaybeAuthenticated>();
    shared::<AuthRejection>();
    shared::<Supabase>();
    sendable::<SupabaseFairing>();
    error::<AuthRejection>();
}
