#![doc = include_str!("../README.md")]

#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod conformance;
pub mod jar;
pub mod node;
pub mod redirect_payloads;
pub mod server;
pub mod trace;

pub use server::{
    Endpoint, Fault, FaultKind, IssuedSession, KeyAlgorithm, LocalAuth, LocalAuthError,
    LocalAuthOptions, OutboxMessage, SeedUser, Settings,
};
