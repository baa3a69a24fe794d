#![doc = include_str!("../README.md")]
// docs.rs (`--cfg docsrs`): each feature-gated item shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod extract;
mod middleware;

pub use extract::{Aal2, AuthRejection, Authenticated, Client, MaybeAuthenticated, StrictAal2};
pub use middleware::{SupabaseMiddleware, SupabaseService};
pub use supabase_ssr_core as core;
// The types most handlers name, at the root so `use supabase_ssr_<framework>::Claims` works.
pub use supabase_ssr_core::auth::{AuthError, Claims, PasswordCredentials, SignOutScope};
pub use supabase_ssr_core::{Supabase, SupabaseAdmin, SupabaseClient, User};

// Its module docs come along, with the `dev` feature badge on docs.rs.
#[cfg(feature = "dev")]
#[doc(inline)]
pub use supabase_ssr_testing::dev;
