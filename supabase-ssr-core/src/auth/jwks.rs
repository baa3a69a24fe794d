//! The project's JSON Web Key Set: fetched from `GET <auth>/.well-known/jwks.json`, parsed once
//! per fetch into ready verification keys, and shared by every request of the process.
//!
//! Rules (spec §15 step 5, pain-points §9 J1–J3):
//!
//! - **TTL** 10 minutes by default, like auth-js. A fetch is **single-flight**: however many
//!   requests find the cache cold or stale at once, one HTTP request is made.
//! - **Stale-while-error**: when a refetch fails (5xx, timeout, non-JSON, no usable key), the
//!   cached keys stay in use, and the next attempt waits for the unknown-kid interval. Only when
//!   no key was ever fetched is the error returned (it is transient).
//! - While stale, requests whose key is cached do not wait for the refetch that one of them
//!   makes: they verify with the cached key.
//! - **Unknown `kid`**: at most one refetch per interval (30 s by default); after that the kid
//!   is unknown and the token is rejected.
//!
//! **Deviation from auth-js**, which refetches the JWKS on *every* unknown `kid` and then falls
//! back to `GET /user`: that turns a flood of tokens with forged `kid`s into a flood of JWKS and
//! `/user` requests. Here a forged-kid flood costs at most one JWKS fetch per interval and no
//! `/user` call. The price: a key published *after* such a refetch is accepted only after the
//! interval (Supabase already recommends waiting 20 minutes before signing with a new standby
//! key, because the JWKS is cached at the edge for 10).
//!
//! Supported keys: ES256 (EC P-256), RS256 (RSA) and `EdDSA` (OKP Ed25519). The algorithm comes
//! from the key (`alg` if present, else `kty`/`crv`) and pins what a token may claim; symmetric
//! (`oct`) keys are never taken from a JWKS.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use reqwest::Method;
use serde_json::Value;

use super::error::AuthError;
use super::http::{AuthHttp, AuthRequest};
use super::verify::Clock;

/// Path of the JWKS under the Auth URL.
const JWKS_PATH: &str = ".well-known/jwks.json";

/// After a failed fetch with nothing cached, callers get the same error for this long instead
/// of each making a request to a server that is down.
const COLD_RETRY_MS: u64 = 1_000;

/// A key ready to verify signatures, with the one algorithm it may be used with.
#[derive(Debug)]
pub(crate) struct VerifyingKey {
    pub(crate) key: DecodingKey,
    pub(crate) algorithm: Algorithm,
}

/// One successful fetch, parsed.
#[derive(Default)]
pub(crate) struct KeySet {
    keys: HashMap<String, Arc<VerifyingKey>>,
    /// Clock time of the start of the fetch that produced this set; `None` before the first.
    fetched_at_ms: Option<u64>,
}

impl KeySet {
    pub(crate) fn get(&self, kid: &str) -> Option<&Arc<VerifyingKey>> {
        self.keys.get(kid)
    }

    pub(crate) fn contains(&self, kid: &str) -> bool {
        self.keys.contains_key(kid)
    }
}

/// What the single-flight section remembers between fetches.
#[derive(Default)]
struct FetchState {
    /// Error of the last attempt if it failed, with when it ended.
    last_failure: Option<(u64, AuthError)>,
}

/// Why a caller wants a fetch; decides whether the rate limits let it happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Nothing was ever fetched.
    Cold,
    /// The TTL has passed.
    Stale,
    /// The set is fresh but lacks the token's `kid`.
    UnknownKid,
}

/// The process-wide JWKS cache of one project.
pub(crate) struct JwksCache {
    http: AuthHttp,
    clock: Clock,
    ttl_ms: u64,
    unknown_kid_interval_ms: u64,
    /// The current set; read on every verification, replaced after a successful fetch. A std
    /// lock: held only to clone the `Arc`, never across an `.await`.
    current: RwLock<Arc<KeySet>>,
    /// Serializes fetches (single-flight). Held across the HTTP request, hence tokio's.
    fetch: tokio::sync::Mutex<FetchState>,
    /// Incremented by every fetch attempt; a waiter that sees it move knows someone fetched
    /// while it queued and uses that outcome instead of fetching again.
    attempts: AtomicU64,
    /// Clock time before which no unknown `kid` may trigger a fetch (checked without locking,
    /// so a forged-kid flood never queues on the fetch lock).
    unknown_kid_blocked_until_ms: AtomicU64,
}

impl JwksCache {
    pub(crate) fn new(
        http: AuthHttp,
        clock: Clock,
        ttl: Duration,
        unknown_kid_interval: Duration,
    ) -> Self {
        Self {
            http,
            clock,
            ttl_ms: millis(ttl),
            unknown_kid_interval_ms: millis(unknown_kid_interval),
            current: RwLock::new(Arc::new(KeySet::default())),
            fetch: tokio::sync::Mutex::new(FetchState::default()),
            attempts: AtomicU64::new(0),
            unknown_kid_blocked_until_ms: AtomicU64::new(0),
        }
    }

    /// The current key set, without fetching.
    pub(crate) fn snapshot(&self) -> Arc<KeySet> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Fetches the JWKS now unless it is fresh (start-up warm-up).
    pub(crate) async fn prefetch(&self) -> Result<(), AuthError> {
        let seen = self.attempts.load(Ordering::Acquire);
        let set = self.snapshot();
        if self.is_fresh(&set, (self.clock)()) {
            return Ok(());
        }
        let need = if set.fetched_at_ms.is_some() {
            Need::Stale
        } else {
            Need::Cold
        };
        let guard = self.fetch.lock().await;
        self.fetch_locked(guard, need, seen).await.map(drop)
    }

    /// The key for `kid`, fetching the JWKS when the rules above allow it. `Ok(None)`: no such
    /// key (the token must be rejected).
    pub(crate) async fn key(&self, kid: &str) -> Result<Option<Arc<VerifyingKey>>, AuthError> {
        let now = (self.clock)();
        // Read the attempt counter before the set: a fetch publishes its set before counting
        // itself, so a waiter never mistakes an old set for the outcome of a newer attempt.
        let seen = self.attempts.load(Ordering::Acquire);
        let set = self.snapshot();
        let fresh = self.is_fresh(&set, now);
        if let Some(key) = set.get(kid) {
            if fresh {
                return Ok(Some(key.clone()));
            }
            // Stale: one caller refetches; the others keep verifying with the cached key.
            let Ok(guard) = self.fetch.try_lock() else {
                return Ok(Some(key.clone()));
            };
            return match self.fetch_locked(guard, Need::Stale, seen).await {
                Ok(set) => Ok(set.get(kid).cloned()),
                // Unreachable with a cached set (stale-while-error), kept for safety.
                Err(_) => Ok(Some(key.clone())),
            };
        }
        let need = match set.fetched_at_ms {
            None => Need::Cold,
            Some(_) if !fresh => Need::Stale,
            Some(_) => {
                if now < self.unknown_kid_blocked_until_ms.load(Ordering::Acquire) {
                    return Ok(None);
                }
                Need::UnknownKid
            }
        };
        let guard = self.fetch.lock().await;
        let set = self.fetch_locked(guard, need, seen).await?;
        Ok(set.get(kid).cloned())
    }

    fn is_fresh(&self, set: &KeySet, now: u64) -> bool {
        // A clock that went backwards makes the set stale rather than fresh for longer.
        set.fetched_at_ms
            .is_some_and(|at| now >= at && now - at < self.ttl_ms)
    }

    /// Under the fetch lock: fetches unless someone else did while we queued or a rate limit
    /// says no, and returns the set to use.
    async fn fetch_locked(
        &self,
        mut state: tokio::sync::MutexGuard<'_, FetchState>,
        need: Need,
        seen_attempts: u64,
    ) -> Result<Arc<KeySet>, AuthError> {
        let now = (self.clock)();
        let current = self.snapshot();
        let has_keys = current.fetched_at_ms.is_some();
        let recent_failure = state
            .last_failure
            .as_ref()
            .map(|(at, error)| (now.saturating_sub(*at), error));
        let someone_fetched = self.attempts.load(Ordering::Acquire) != seen_attempts;
        let skip = someone_fetched
            || match need {
                Need::Cold => {
                    self.is_fresh(&current, now)
                        || recent_failure.is_some_and(|(age, _)| age < COLD_RETRY_MS)
                }
                Need::Stale => {
                    self.is_fresh(&current, now)
                        || recent_failure.is_some_and(|(age, _)| age < self.unknown_kid_interval_ms)
                }
                Need::UnknownKid => now < self.unknown_kid_blocked_until_ms.load(Ordering::Acquire),
            };
        if skip {
            return match (has_keys, recent_failure) {
                (false, Some((_, error))) => Err(error.clone()),
                _ => Ok(current),
            };
        }
        if need == Need::UnknownKid {
            self.unknown_kid_blocked_until_ms.store(
                now.saturating_add(self.unknown_kid_interval_ms),
                Ordering::Release,
            );
        }
        let outcome = self.fetch_once(now).await;
        // Publish the outcome first, then count the attempt (see `key`).
        let result = match outcome {
            Ok(set) => {
                state.last_failure = None;
                let set = Arc::new(set);
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = set.clone();
                Ok(set)
            }
            Err(error) => {
                tracing::warn!(
                    error = %error,
                    cached_keys = current.keys.len(),
                    "JWKS fetch failed; verifying with the cached keys, if any"
                );
                state.last_failure = Some(((self.clock)(), error.clone()));
                if has_keys { Ok(current) } else { Err(error) }
            }
        };
        self.attempts.fetch_add(1, Ordering::AcqRel);
        result
    }

    async fn fetch_once(&self, started_at_ms: u64) -> Result<KeySet, AuthError> {
        let body = self
            .http
            .send(AuthRequest::new(Method::GET, JWKS_PATH))
            .await?;
        let keys = parse_jwks(&body.to_value())?;
        tracing::debug!(keys = keys.len(), "JWKS fetched");
        Ok(KeySet {
            keys,
            fetched_at_ms: Some(started_at_ms),
        })
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// Parses a JWKS document into verification keys by `kid`. Keys that are malformed,
/// unsupported, not for signatures or without a `kid` are skipped. A document without a `keys`
/// array, or with no usable key, is an error: auth-js leaves its cache untouched in that case
/// too, and a proxy answering `{}` must not wipe good keys.
pub(crate) fn parse_jwks(body: &Value) -> Result<HashMap<String, Arc<VerifyingKey>>, AuthError> {
    let Some(entries) = body.get("keys").and_then(Value::as_array) else {
        return Err(AuthError::InvalidResponse(
            "the JWKS has no `keys` array".into(),
        ));
    };
    let mut keys = HashMap::with_capacity(entries.len());
    for entry in entries {
        match parse_jwk(entry) {
            Ok((kid, key)) => {
                keys.insert(kid, Arc::new(key));
            }
            Err(reason) => tracing::debug!(reason, "JWKS key skipped"),
        }
    }
    if keys.is_empty() {
        return Err(AuthError::InvalidResponse(
            "the JWKS lists no usable signing key".into(),
        ));
    }
    Ok(keys)
}

fn parse_jwk(entry: &Value) -> Result<(String, VerifyingKey), &'static str> {
    let jwk: Jwk = serde_json::from_value(entry.clone()).map_err(|_| "not a JWK")?;
    let kid = jwk.common.key_id.clone().ok_or("no kid")?;
    if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return Err("use is not sig");
    }
    if jwk.common.key_operations.as_ref().is_some_and(|ops| {
        !ops.iter()
            .any(|op| matches!(op, jsonwebtoken::jwk::KeyOperations::Verify))
    }) {
        return Err("key_ops lacks verify");
    }
    let from_type = match &jwk.algorithm {
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => {
            Algorithm::ES256
        }
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
            Algorithm::EdDSA
        }
        _ => return Err("unsupported key type or curve"),
    };
    let algorithm = match jwk.common.key_algorithm {
        None => from_type,
        Some(KeyAlgorithm::ES256) if from_type == Algorithm::ES256 => Algorithm::ES256,
        Some(KeyAlgorithm::RS256) if from_type == Algorithm::RS256 => Algorithm::RS256,
        Some(KeyAlgorithm::EdDSA) if from_type == Algorithm::EdDSA => Algorithm::EdDSA,
        Some(_) => return Err("alg unsupported or not matching the key type"),
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| "invalid key material")?;
    Ok((kid, VerifyingKey { key, algorithm }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use serde_json::json;

    const VECTORS: &str = include_str!("../../tests/vectors/ssr-vectors.json");

    fn vector_keys() -> (Value, Value) {
        // serde_json refuses the lone surrogate escapes of other sections.
        let text = VECTORS
            .replace("\\ud800", "\\ufffd")
            .replace("\\udc00", "\\ufffd");
        let v: Value = serde_json::from_str(&text).unwrap();
        (
            v["keys"]["es256_public_jwk"].clone(),
            v["keys"]["rs256_public_jwk"].clone(),
        )
    }

    fn ed25519_jwk(kid: &str) -> Value {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        json!({"kty": "OKP", "crv": "Ed25519", "kid": kid,
               "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref())})
    }

    #[test]
    fn es256_rs256_and_eddsa_keys_are_parsed_with_their_algorithm() {
        let (es, rs) = vector_keys();
        let keys = parse_jwks(&json!({"keys": [es, rs, ed25519_jwk("ed")]})).unwrap();
        assert_eq!(keys.len(), 3);
        let alg = |kid: &str| keys[kid].algorithm;
        assert_eq!(
            alg("3b4a6d2c-0000-4000-8000-00000000e256"),
            Algorithm::ES256
        );
        assert_eq!(
            alg("3b4a6d2c-0000-4000-8000-00000000a256"),
            Algorithm::RS256
        );
        assert_eq!(alg("ed"), Algorithm::EdDSA);
    }

    #[test]
    fn the_algorithm_is_inferred_from_kty_and_crv_without_alg() {
        let (mut es, mut rs) = vector_keys();
        es.as_object_mut().unwrap().remove("alg");
        rs.as_object_mut().unwrap().remove("alg");
        let keys = parse_jwks(&json!({"keys": [es, rs]})).unwrap();
        assert_eq!(
            keys["3b4a6d2c-0000-4000-8000-00000000e256"].algorithm,
            Algorithm::ES256
        );
        assert_eq!(
            keys["3b4a6d2c-0000-4000-8000-00000000a256"].algorithm,
            Algorithm::RS256
        );
    }

    #[test]
    fn unsupported_mismatched_and_symmetric_keys_are_skipped() {
        let (es, rs) = vector_keys();
        let mut es_as_rs = es.clone();
        es_as_rs["alg"] = json!("RS256");
        es_as_rs["kid"] = json!("lies");
        let mut encryption = rs.clone();
        encryption["use"] = json!("enc");
        encryption["kid"] = json!("enc");
        let mut no_kid = es.clone();
        no_kid.as_object_mut().unwrap().remove("kid");
        let mut sign_only = es.clone();
        sign_only["key_ops"] = json!(["sign"]);
        sign_only["kid"] = json!("sign-only");
        let p384 = json!({"kty": "EC", "crv": "P-384", "kid": "p384", "alg": "ES384",
            "x": "AAAA", "y": "AAAA"});
        let oct = json!({"kty": "oct", "kid": "hmac", "alg": "HS256", "k": "c2VjcmV0"});
        let garbage = json!("not an object");
        let keys = parse_jwks(&json!({"keys": [
            es, es_as_rs, encryption, no_kid, sign_only, p384, oct, garbage
        ]}))
        .unwrap();
        assert_eq!(
            keys.keys().collect::<Vec<_>>(),
            ["3b4a6d2c-0000-4000-8000-00000000e256"]
        );
    }

    #[test]
    fn a_document_without_usable_keys_is_an_error() {
        for body in [
            json!({}),
            json!({"keys": []}),
            json!({"keys": "x"}),
            json!(null),
            json!({"keys": [{"kty": "oct", "kid": "a", "k": "c2VjcmV0"}]}),
        ] {
            let err = parse_jwks(&body).unwrap_err();
            assert!(err.is_transient(), "{body}: {err}");
        }
    }
}
