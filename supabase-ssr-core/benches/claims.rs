#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]
//! Cost of verifying one valid ES256 access token:
//! (a) bare `jsonwebtoken::decode` with a pre-parsed key (the baseline),
//! (b) `Verifier::verify` cold: keys fetched, claims cache disabled, every check done,
//! (c) `Verifier::verify` warm: a claims-cache hit,
//! (d) `Verifier::verify` refusing a forged token whose payload holds 2,000 claims (as many as
//!     fit the 32 KiB token limit): what a hostile cookie costs (the payload is parsed before
//!     the signature is checked).

use std::fmt::Write as _;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use supabase_ssr_core::auth::__private::{Verified, VerifierHarness, VerifierSettings};
use supabase_ssr_testing::server::{LocalAuth, LocalAuthOptions, SeedUser};

/// Runs a future that is expected to finish on its first poll (no I/O once keys are cached),
/// falling back to the runtime if it does not: keeps executor overhead out of the numbers.
fn run_now<F: Future>(rt: &tokio::runtime::Runtime, future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => rt.block_on(future),
    }
}

fn claims(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let auth = rt
        .block_on(LocalAuth::start(
            LocalAuthOptions::default().user(SeedUser::new("bench@example.com", "password123")),
        ))
        .unwrap();
    let token = auth
        .mint_session("bench@example.com", 3600)
        .unwrap()
        .access_token;

    let jwk: Jwk = serde_json::from_value(auth.jwks()["keys"][0].clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.leeway = 0;
    validation.set_audience(&["authenticated"]);
    validation.set_issuer(&[auth.auth_url()]);

    let harness = |capacity: usize| {
        let mut settings = VerifierSettings::new(auth.auth_url());
        settings.claims_cache_capacity = capacity;
        let verifier =
            VerifierHarness::new(&auth.auth_url(), auth.publishable_key(), settings).unwrap();
        rt.block_on(verifier.prefetch_jwks()).unwrap();
        verifier
    };
    let cold = harness(0);
    let warm = harness(10_000);
    assert!(matches!(
        run_now(&rt, warm.verify(&token)).unwrap(),
        Verified::Claims(_)
    ));

    // The real token's header and signature around a payload of many claims.
    let mut payload = String::from("{");
    for i in 0..2_000 {
        write!(payload, r#""c{i}":0,"#).unwrap();
    }
    payload.push_str(r#""sub":"x"}"#);
    let parts: Vec<&str> = token.split('.').collect();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, payload),
        parts[2]
    );
    assert!(run_now(&rt, cold.verify(&forged)).is_err());

    let mut group = c.benchmark_group("verify_es256");
    group.bench_function("a_bare_jsonwebtoken_decode", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Map<String, Value>>(black_box(&token), &key, &validation)
                .unwrap()
        });
    });
    group.bench_function("b_verifier_cold", |b| {
        b.iter(|| run_now(&rt, cold.verify(black_box(&token))).unwrap());
    });
    group.bench_function("c_verifier_warm", |b| {
        b.iter(|| run_now(&rt, warm.verify(black_box(&token))).unwrap());
    });
    group.bench_function("d_verifier_forged_2000_claims", |b| {
        b.iter(|| run_now(&rt, cold.verify(black_box(&forged))).unwrap_err());
    });
    group.finish();
    rt.block_on(auth.stop());
}

criterion_group!(benches, claims);
criterion_main!(benches);
