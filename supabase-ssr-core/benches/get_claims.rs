//! Per-request cost of the Auth client, through the public API:
//! - `get_claims` on a valid ES256 session from a `Cookie` header, cold (signature verified:
//!   verified-claims cache off) and warm (cache on), next to a bare ES256 verification of the
//!   same token with a pre-parsed key, measured in the same run; warm again with 1,000 other
//!   sessions and 1,000 other users signed out through the handle (the signed-out check's
//!   lookups on every request);
//! - a refresh storm: 64 concurrent requests carrying the same expired session;
//! - the step-up rule (`require_aal2`) next to `require_claims` on the same warm client: an
//!   `aal2` session, and an `aal1` session of a user with a verified factor under
//!   `Aal2Policy::NextLevel` (one `GET /user` to the local server) and `Strict` (no call).
//!
//! Run with `cargo bench -p supabase-ssr-core --bench get_claims`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::proxy::Aal2Policy;
use supabase_ssr_core::{Session, Supabase};
use supabase_ssr_testing::{Endpoint, LocalAuth, LocalAuthOptions, SeedUser};

const EMAIL: &str = "bench@example.com";
const MFA_EMAIL: &str = "bench-mfa@example.com";

fn cookie_header(supabase: &Supabase, session: &Session) -> String {
    let mut state = CookieState::new(Arc::new(supabase.config().clone()), []);
    state.set_session(session);
    let pairs: Vec<String> = state
        .response_cookies()
        .set_cookies()
        .iter()
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect();
    format!("theme=dark; {}", pairs.join("; "))
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let auth = rt
        .block_on(LocalAuth::start(
            LocalAuthOptions::default()
                .user(SeedUser::new(EMAIL, "password123"))
                .user(SeedUser::new(MFA_EMAIL, "password123")),
        ))
        .unwrap();
    let issued = auth.mint_session(EMAIL, 3600).unwrap();
    let build = |capacity: usize| {
        let supabase = Supabase::builder(auth.url(), auth.publishable_key())
            .verified_claims_cache(capacity)
            .build()
            .unwrap();
        rt.block_on(supabase.prefetch_jwks()).unwrap();
        supabase
    };
    let cold = build(0);
    let warm = build(10_000);
    let header = cookie_header(&warm, &Session::from_value(issued.body.clone()).unwrap());

    let jwk: Jwk = serde_json::from_value(auth.jwks()["keys"][0].clone()).unwrap();
    let key = DecodingKey::from_jwk(&jwk).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["authenticated"]);
    validation.set_issuer(&[auth.auth_url()]);

    let mut group = c.benchmark_group("get_claims");
    group.bench_function("bare ES256 verification (baseline)", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<Map<String, Value>>(
                black_box(&issued.access_token),
                &key,
                &validation,
            )
            .unwrap()
        });
    });
    for (label, supabase) in [
        ("cold (signature checked)", &cold),
        ("warm (claims cache)", &warm),
    ] {
        group.bench_function(label, |b| {
            b.to_async(&rt).iter(|| async {
                let client = supabase.client([black_box(header.as_str())]);
                client.auth().get_claims().await.unwrap().unwrap()
            });
        });
    }
    let signed_out = build(10_000);
    sign_out_others(&signed_out);
    group.bench_function("warm, 2,000 others signed out", |b| {
        b.to_async(&rt).iter(|| async {
            let client = signed_out.client([black_box(header.as_str())]);
            client.auth().get_claims().await.unwrap().unwrap()
        });
    });
    group.finish();

    // 64 concurrent requests with one expired session: time for all of them, and /token calls.
    let supabase = build(10_000);
    let mut group = c.benchmark_group("refresh storm");
    group.sample_size(10);
    group.bench_function("64 concurrent requests, one expired session", |b| {
        b.iter_custom(|iterations| {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                let expired = auth.mint_session(EMAIL, -10).unwrap();
                let header = cookie_header(&supabase, &Session::from_value(expired.body).unwrap());
                let before = auth.count(Endpoint::TokenRefresh);
                let started = Instant::now();
                rt.block_on(async {
                    let tasks: Vec<_> = (0..64)
                        .map(|_| {
                            let supabase = supabase.clone();
                            let header = header.clone();
                            tokio::spawn(async move {
                                let client = supabase.client([header.as_str()]);
                                client.auth().get_claims().await.unwrap().unwrap();
                            })
                        })
                        .collect();
                    for task in tasks {
                        task.await.unwrap();
                    }
                });
                total += started.elapsed();
                assert_eq!(
                    auth.count(Endpoint::TokenRefresh) - before,
                    1,
                    "one /token call"
                );
            }
            total
        });
    });
    group.finish();

    step_up(c, &rt, &auth, &build(10_000));
}

/// Records 1,000 sessions and 1,000 users signed out in `supabase`, none of them the bench's.
fn sign_out_others(supabase: &Supabase) {
    for n in 0..1_000 {
        for scope in ["local", "global"] {
            let sign_out = serde_json::json!({
                "user_id": format!("user-{n}"), "session_id": format!("session-{n}"),
                "scope": scope, "at": 0, "session_until": u64::MAX / 2, "user_until": u64::MAX / 2,
            });
            let sign_out = serde_json::from_value(sign_out).unwrap();
            supabase.signed_out_sessions().record(&sign_out);
        }
    }
}

/// `require_aal2` against `require_claims`, all on warm verified claims.
fn step_up(c: &mut Criterion, rt: &tokio::runtime::Runtime, auth: &LocalAuth, supabase: &Supabase) {
    auth.add_verified_totp_factor(MFA_EMAIL).unwrap();
    let session = |issued: supabase_ssr_testing::IssuedSession| {
        cookie_header(supabase, &Session::from_value(issued.body).unwrap())
    };
    let aal2 = session(auth.mint_aal2_session(MFA_EMAIL, 3600).unwrap());
    let aal1 = session(auth.mint_session(MFA_EMAIL, 3600).unwrap());
    let accept = Some("application/json");
    let mut group = c.benchmark_group("step-up");
    group.bench_function("require_claims, aal2 session (baseline)", |b| {
        b.to_async(rt).iter(|| async {
            let client = supabase.client([black_box(aal2.as_str())]);
            client.require_claims(accept).await.unwrap()
        });
    });
    group.bench_function("require_aal2 NextLevel, aal2 session", |b| {
        b.to_async(rt).iter(|| async {
            let client = supabase.client([black_box(aal2.as_str())]);
            client
                .require_aal2(accept, Aal2Policy::NextLevel)
                .await
                .unwrap()
        });
    });
    group.bench_function("require_aal2 Strict, aal1 session (refused)", |b| {
        b.to_async(rt).iter(|| async {
            let client = supabase.client([black_box(aal1.as_str())]);
            client
                .require_aal2(accept, Aal2Policy::Strict)
                .await
                .unwrap_err()
        });
    });
    group.bench_function(
        "require_aal2 NextLevel, aal1 session (GET /user, refused)",
        |b| {
            b.to_async(rt).iter(|| async {
                let client = supabase.client([black_box(aal1.as_str())]);
                client
                    .require_aal2(accept, Aal2Policy::NextLevel)
                    .await
                    .unwrap_err()
            });
        },
    );
    group.finish();
}

criterion_group!(auth_benches, benches);
criterion_main!(auth_benches);
