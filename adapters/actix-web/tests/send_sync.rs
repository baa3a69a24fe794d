//! Compile-time checks that the public handles, extractors and middleware of this adapter are
//! `Send + Sync` where multi-threaded servers need them, and that its rejection is a
//! `std::error::Error + Send + Sync` (so `?` into `Box<dyn Error + Send + Sync>` works).
//!
//! The checks are the functions' bounds; the test bodies only instantiate them.
#![allow(clippy::unwrap_used)]

//!
//! actix-web runs each worker on its own thread, so its extractor and middleware futures need
//! not be `Send`; what the application builds once and hands to every worker must be.

use supabase_ssr_actix_web::{
    AuthRejection, Authenticated, Client, MaybeAuthenticated, Supabase, SupabaseMiddleware,
};

fn shared<T: Send + Sync + Clone + 'static>() {}
fn error<T: std::error::Error + Send + Sync + 'static>() {}

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
