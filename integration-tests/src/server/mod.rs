//! An in-process, GoTrue-compatible Supabase Auth server for tests (see the crate docs).

mod admin_links;
mod admin_users;
mod auth;
mod clock;
mod cors;
mod custom_providers;
mod endpoint;
mod errors;
mod factors;
mod faults;
mod gate;
mod handle;
mod http;
mod identities;
mod jwt;
mod keys;
mod mfa;
mod oauth_server;
mod oidc;
mod options;
mod otp;
mod outbox;
mod passkeys;
mod pkce;
mod random;
mod refresh;
mod routes;
mod service_role;
mod sessions;
mod sso;
mod state;
mod tls;
mod tokens;
mod totp;
mod users;

pub use endpoint::{Endpoint, UnknownEndpoint};
pub use errors::{API_VERSION_2024_01_01, ApiError};
pub use faults::{Fault, FaultKind};
pub use handle::{Counters, IssuedSession, LocalAuth, LocalAuthError};
pub use keys::{KeyAlgorithm, KeyError};
pub use oauth_server::OAUTH_CONSENT_PATH;
pub use oidc::{TEST_OIDC_CLIENT_ID, TestIdToken};
pub use options::{
    DEFAULT_JWT_SECRET, DEFAULT_PUBLISHABLE_KEY, DEFAULT_SECRET_KEY, LocalAuthOptions, SeedUser,
    Settings,
};
pub use outbox::OutboxMessage;
pub use tls::TlsSetupError;
pub use totp::{totp_code, totp_code_at};
