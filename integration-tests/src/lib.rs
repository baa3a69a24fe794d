#![doc = include_str!("../README.md")]

pub mod cli;
pub mod node;
pub mod server;

pub use server::{
    Endpoint, Fault, FaultKind, IssuedSession, KeyAlgorithm, LocalAuth, LocalAuthError,
    LocalAuthOptions, OutboxMessage, SeedUser, Settings,
};

// A dev-dependency of the tests in `tests/`; named here so the lib-test target does not warn.
#[cfg(test)]
use reqwest as _;
