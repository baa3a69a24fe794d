//! Arbitrary bytes as an access token: the verifier (structure, header, claims, HS256
//! signature, JWKS lookup) must never panic.
//!
//! The verifier is crate-private; this drives it through the hidden test-only
//! `auth::__private::VerifierHarness`. Its JWKS URL is unroutable (`127.0.0.1:9`, connection
//! refused), so an asymmetric token with a `kid` fails fast at the key lookup; everything
//! before that (size limit, segment split, base64url, header and payload JSON, `alg`, `exp`,
//! `nbf`, `iss`, `aud`) runs for real. HS256 tokens are checked against a configured secret,
//! so the signature path and the claims cache run too.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use supabase_ssr_core::auth::__private::{Verified, VerifierHarness, VerifierSettings};

const AUTH_URL: &str = "http://127.0.0.1:9/auth/v1";
pub const ISSUER: &str = "https://abcdefghijklmnop.supabase.co/auth/v1";
/// A fixed "now" (2023-11-14T22:13:20Z) so seeds with a later `exp` stay valid forever.
const NOW_MS: u64 = 1_700_000_000_000;

struct Harness {
    runtime: tokio::runtime::Runtime,
    with_secret: VerifierHarness,
    without_secret: VerifierHarness,
}

static HARNESS: LazyLock<Harness> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let settings = |secret: Option<&str>| {
        let mut s = VerifierSettings::new(ISSUER);
        s.hs256_secret = secret.map(str::to_owned);
        s.clock = Arc::new(|| NOW_MS);
        s.claims_cache_capacity = 8; // small, so eviction runs too
        s.leeway = Duration::from_secs(5);
        s
    };
    // reqwest's client must be built inside the runtime context.
    let _guard = runtime.enter();
    let secret = "fuzz-secret-of-at-least-32-bytes-long";
    let with_secret = VerifierHarness::new(AUTH_URL, "k", settings(Some(secret)))
        .expect("auth url");
    let without_secret = VerifierHarness::new(AUTH_URL, "k", settings(None)).expect("auth url");
    drop(_guard);
    Harness {
        runtime,
        with_secret,
        without_secret,
    }
});

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    let h = &*HARNESS;
    for verifier in [&h.with_secret, &h.without_secret] {
        let first = h.runtime.block_on(verifier.verify(&token));
        // Second call: a verified token now comes from the claims cache, and must agree.
        let second = h.runtime.block_on(verifier.verify(&token));
        match (&first, &second) {
            (Ok(Verified::Claims(a)), Ok(Verified::Claims(b))) => {
                assert_eq!(format!("{a:?}"), format!("{b:?}"), "cache hit differs");
            }
            (Ok(Verified::Claims(_)), other) => panic!("verified once, then {other:?}"),
            _ => {}
        }
        let _ = verifier.claims_confirmed_by_server(&token);
    }
});
