#![doc = include_str!("../README.md")]
// docs.rs (`--cfg docsrs`): each feature-gated item shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "bench")]
pub mod bench;
#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod dev;
pub mod jar;
pub mod node;
pub mod redirect_payloads;
pub mod server;
#[cfg(feature = "conformance")]
pub mod trace;

pub use server::{
    Endpoint, Fault, FaultKind, IssuedSession, KeyAlgorithm, LocalAuth, LocalAuthError,
    LocalAuthOptions, OAUTH_CONSENT_PATH, OutboxMessage, SeedUser, Settings, TEST_OIDC_CLIENT_ID,
    TestIdToken, totp_code, totp_code_at,
};
