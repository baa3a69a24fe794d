//! Local verification of access tokens: the heart of `get_claims` (spec §15).
//!
//! Every token is checked for structure (three base64url parts, a JSON header with `alg`, a
//! JSON object payload), expiry (`exp` present, numeric and in the future; `nbf` not in the
//! future), issuer (the project's Auth URL) and audience (`authenticated` by default), and its
//! signature with a key of the project's JWKS ([`super::jwks`]) whose algorithm pins the one the
//! token may claim. HS256 tokens are verified with the project's JWT secret when it is
//! configured; otherwise, like tokens without a `kid`, they need the Auth server to confirm them
//! (`GET /user`), as in auth-js.
//!
//! Deviations from auth-js, all stricter: `iss` and `aud` are checked; a header without `alg`,
//! an unknown `kid` and an empty JWKS reject the token instead of asking `GET /user` (see
//! [`super::jwks`] for why); malformed headers and unsupported algorithms are returned as
//! [`AuthError::InvalidJwt`] instead of thrown. `iat` is not checked, so a server clock ahead of
//! ours never rejects a fresh token.
//!
//! A verified token is remembered (by a keyed hash, never the token itself) until it expires or
//! its key leaves the JWKS, and so is the session cookie that carried it: the next request with
//! the same cookie costs a hash and a lookup, without decoding the cookie.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::claims::{Claims, Payload, Verification};
use super::error::AuthError;
use super::http::AuthHttp;
use super::jwks::JwksCache;
use super::keyed_hash::{HashKey, HashKeyMap, KeyedHasher};

/// Longer tokens are rejected before any parsing. Supabase access tokens are 1–2 KB; even
/// with large metadata a session cookie stays far below this.
const MAX_TOKEN_LEN: usize = 32 * 1024;

/// How often, at most, a full claims cache scans for expired entries before evicting the
/// oldest ones.
const PURGE_INTERVAL_MS: u64 = 1_000;

/// The current time in milliseconds since the Unix epoch. Injectable so tests (and the
/// recorded vectors) can verify at a chosen instant.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The wall clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    })
}

/// How tokens are verified. [`VerifierSettings::new`] gives the defaults for a project.
#[derive(Clone)]
pub struct VerifierSettings {
    /// The expected `iss`: the project's Auth URL, e.g. `https://<ref>.supabase.co/auth/v1`.
    pub issuer: String,
    /// The audience `aud` must contain; `authenticated` by default.
    pub audience: String,
    /// The project's legacy JWT secret, to verify HS256 tokens locally. Without it they need
    /// `GET /user`.
    pub hs256_secret: Option<String>,
    /// How long a fetched JWKS is fresh; 10 minutes by default, like auth-js.
    pub jwks_ttl: Duration,
    /// Minimum time between JWKS refetches caused by an unknown `kid`, and between retries
    /// after a failed refetch; 30 s by default.
    pub unknown_kid_refetch_interval: Duration,
    /// Verified tokens remembered; 10,000 by default, 0 disables the cache.
    pub claims_cache_capacity: usize,
    /// Tolerated clock skew on `exp` and `nbf`; 0 by default.
    pub leeway: Duration,
    /// The time source; the wall clock by default.
    pub clock: Clock,
}

impl VerifierSettings {
    /// The defaults for the project whose Auth URL (and so token issuer) is `issuer`.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: "authenticated".to_owned(),
            hs256_secret: None,
            jwks_ttl: Duration::from_secs(600),
            unknown_kid_refetch_interval: Duration::from_secs(30),
            claims_cache_capacity: 10_000,
            leeway: Duration::ZERO,
            clock: system_clock(),
        }
    }
}

impl std::fmt::Debug for VerifierSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifierSettings")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field(
                "hs256_secret",
                &self.hs256_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("jwks_ttl", &self.jwks_ttl)
            .field(
                "unknown_kid_refetch_interval",
                &self.unknown_kid_refetch_interval,
            )
            .field("claims_cache_capacity", &self.claims_cache_capacity)
            .field("leeway", &self.leeway)
            .finish_non_exhaustive()
    }
}

/// The outcome of a local verification.
#[derive(Debug, Clone)]
pub enum Verified {
    /// The token is valid.
    Claims(Claims),
    /// The token is HS256 without a configured secret, or has no `kid`: only the Auth server
    /// can tell. Call `GET /user` with it and, on success,
    /// `Verifier::claims_confirmed_by_server`. Structure, expiry, issuer and audience were
    /// already checked.
    NeedsServerCheck,
}

/// Verifies access tokens of one project; shared by every request (behind the `Supabase`
/// handle).
pub(crate) struct Verifier {
    jwks: JwksCache,
    cache: ClaimsCache,
    issuer: String,
    audience: String,
    hs256: Option<DecodingKey>,
    leeway_secs: u64,
    clock: Clock,
    /// Signature checks performed (a cache hit does none); for tests and metrics.
    signature_checks: AtomicU64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Keys and the HS256 secret stay out of logs.
        f.debug_struct("Verifier")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field("hs256", &self.hs256.is_some())
            .finish_non_exhaustive()
    }
}

fn invalid(reason: &str) -> AuthError {
    AuthError::InvalidJwt(reason.to_owned())
}

impl Verifier {
    pub(crate) fn new(http: AuthHttp, settings: VerifierSettings) -> Self {
        // Every signature check goes through here: pick jsonwebtoken's backend first.
        crate::crypto::install_jwt_provider();
        Self {
            jwks: JwksCache::new(
                http,
                settings.clock.clone(),
                settings.jwks_ttl,
                settings.unknown_kid_refetch_interval,
            ),
            cache: ClaimsCache::new(settings.claims_cache_capacity),
            issuer: settings.issuer,
            audience: settings.audience,
            hs256: settings
                .hs256_secret
                .map(|secret| DecodingKey::from_secret(secret.as_bytes())),
            leeway_secs: settings.leeway.as_secs(),
            clock: settings.clock,
            signature_checks: AtomicU64::new(0),
        }
    }

    /// Fetches the JWKS now (start-up warm-up, e.g. for serverless cold starts).
    pub(crate) async fn prefetch_jwks(&self) -> Result<(), AuthError> {
        self.jwks.prefetch().await
    }

    /// Verifies `token` locally; see the module docs for every check.
    pub(crate) async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(invalid("JWT is too long"));
        }
        let now_ms = (self.clock)();
        let hash = self.cache.key(KeyDomain::Token, token);
        if let Some(hash) = &hash
            && let Some((claims, _)) = self.cached(hash, now_ms)
        {
            return Ok(Verified::Claims(claims));
        }
        let parsed = Parsed::parse(token)?;
        let checked = self.check_claims(&parsed.payload.fields, now_ms / 1000)?;
        let (key, jwks_kid) = match parsed.algorithm {
            Algorithm::HS256 => match &self.hs256 {
                Some(secret) => (KeyRef::Borrowed(secret), None),
                None => return Ok(Verified::NeedsServerCheck),
            },
            algorithm => {
                let Some(kid) = parsed.kid.as_deref() else {
                    return Ok(Verified::NeedsServerCheck);
                };
                let key = self
                    .jwks
                    .key(kid)
                    .await?
                    .ok_or_else(|| invalid("no key of the project's JWKS has this kid"))?;
                // The key decides the algorithm, never the token (no RS/HS or ES/RS confusion).
                if key.algorithm != algorithm {
                    return Err(invalid("alg does not match the key's algorithm"));
                }
                (KeyRef::Owned(key), Some(kid.to_owned()))
            }
        };
        self.signature_checks.fetch_add(1, Ordering::Relaxed);
        let valid =
            jsonwebtoken::crypto::verify(parsed.signature, parsed.message, &key, parsed.algorithm)
                .unwrap_or(false);
        if !valid {
            return Err(invalid("Invalid JWT signature"));
        }
        let exp = checked.expires_at;
        let claims = Claims::new(
            parsed.payload,
            exp,
            checked.issuer,
            parsed.kid,
            Verification::Signature,
        )?;
        if let Some(hash) = hash {
            let entry = CacheEntry {
                claims: claims.clone(),
                expires_at: exp,
                jwks_kid,
                session_expires_at: None,
                seq: 0,
            };
            self.cache.insert(hash, entry, now_ms);
        }
        Ok(Verified::Claims(claims))
    }

    /// The claims of a token the Auth server accepted on `GET /user` (after
    /// [`Verified::NeedsServerCheck`]). The signature is the server's business; structure,
    /// expiry, issuer and audience are checked again here.
    pub(crate) fn claims_confirmed_by_server(&self, token: &str) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(invalid("JWT is too long"));
        }
        let parsed = Parsed::parse(token)?;
        let checked = self.check_claims(&parsed.payload.fields, (self.clock)() / 1000)?;
        Claims::new(
            parsed.payload,
            checked.expires_at,
            checked.issuer,
            parsed.kid,
            Verification::AuthServer,
        )
    }

    /// The cache key of a session cookie value exactly as the request carried it (`None` with
    /// the cache off).
    pub(crate) fn session_key(&self, raw_value: &str) -> Option<CacheKey> {
        self.cache.key(KeyDomain::SessionCookie, raw_value)
    }

    /// The claims of the session cookie `key` (still valid, its key still published) and the
    /// session's `expires_at`, if that cookie was seen with a verified token.
    pub(crate) fn remembered_session(&self, key: &CacheKey) -> Option<(Claims, Option<i64>)> {
        self.cached(key, (self.clock)())
    }

    /// Remembers that the session cookie `key` holds `token`, when the token is in the cache
    /// (verified by signature): the next request with this cookie skips decoding it.
    pub(crate) fn remember_session(
        &self,
        key: CacheKey,
        token: &str,
        session_expires_at: Option<i64>,
    ) {
        let now_ms = (self.clock)();
        let Some(token_key) = self.cache.key(KeyDomain::Token, token) else {
            return;
        };
        if let Some(entry) = self.cache.entry_for_session(&token_key, session_expires_at) {
            self.cache.insert(key, entry, now_ms);
        }
    }

    /// The tolerated clock skew, in seconds.
    pub(crate) fn leeway_secs(&self) -> u64 {
        self.leeway_secs
    }

    /// The verifier's clock, in seconds since the Unix epoch.
    pub(crate) fn now_secs(&self) -> u64 {
        (self.clock)() / 1000
    }

    /// Forgets the claims cached for a session cookie and for its token (a signed-out
    /// session's: they would only be refused from now on).
    pub(crate) fn forget_session(&self, cookie_key: Option<CacheKey>, token: &str) {
        let token_key = self.cache.key(KeyDomain::Token, token);
        for key in [cookie_key, token_key].into_iter().flatten() {
            self.cache.remove(&key);
        }
    }

    /// Whether claims verified earlier have not expired since (with the leeway).
    pub(crate) fn still_valid(&self, claims: &Claims) -> bool {
        claims.expires_at().saturating_add(self.leeway_secs) > (self.clock)() / 1000
    }

    fn cached(&self, key: &CacheKey, now_ms: u64) -> Option<(Claims, Option<i64>)> {
        self.cache.get(key, now_ms / 1000, self.leeway_secs, |kid| {
            self.jwks.snapshot().contains(kid)
        })
    }

    /// Signature checks performed so far (cache hits perform none).
    pub(crate) fn signature_checks(&self) -> u64 {
        self.signature_checks.load(Ordering::Relaxed)
    }

    /// Forgets every verified token.
    pub(crate) fn clear_claims_cache(&self) {
        self.cache.clear();
    }

    fn check_claims(&self, payload: &Map<String, Value>, now: u64) -> Result<Checked, AuthError> {
        let expires_at = match payload.get("exp") {
            None | Some(Value::Null) => return Err(invalid("Missing exp claim")),
            Some(Value::Number(exp)) => numeric_date(exp),
            Some(_) => return Err(invalid("exp claim is not a number")),
        };
        if expires_at.saturating_add(self.leeway_secs) <= now {
            return Err(invalid("JWT has expired"));
        }
        match payload.get("nbf") {
            Some(Value::Number(nbf))
                if numeric_date(nbf) > now.saturating_add(self.leeway_secs) =>
            {
                return Err(invalid("JWT is not valid yet (nbf)"));
            }
            None | Some(Value::Number(_)) => {}
            Some(_) => return Err(invalid("nbf claim is not a number")),
        }
        let issuer = match payload.get("iss") {
            Some(Value::String(iss)) if *iss == self.issuer => iss.clone(),
            Some(_) => return Err(invalid("unexpected issuer (iss)")),
            None => return Err(invalid("Missing iss claim")),
        };
        let audience_ok = match payload.get("aud") {
            Some(Value::String(aud)) => *aud == self.audience,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(&self.audience)),
            Some(_) => false,
            None => return Err(invalid("Missing aud claim")),
        };
        if !audience_ok {
            return Err(invalid("unexpected audience (aud)"));
        }
        Ok(Checked { expires_at, issuer })
    }
}

/// A `DecodingKey` either borrowed (the HS256 secret) or held through the JWKS `Arc`.
enum KeyRef<'a> {
    Borrowed(&'a DecodingKey),
    Owned(Arc<super::jwks::VerifyingKey>),
}

impl std::ops::Deref for KeyRef<'_> {
    type Target = DecodingKey;
    fn deref(&self) -> &DecodingKey {
        match self {
            KeyRef::Borrowed(key) => key,
            KeyRef::Owned(key) => &key.key,
        }
    }
}

/// A JSON number as whole seconds: fractions are dropped (`exp` may be fractional in JS),
/// negatives are 0 (long expired), huge values saturate.
fn numeric_date(n: &serde_json::Number) -> u64 {
    if let Some(secs) = n.as_u64() {
        return secs;
    }
    // `as` saturates and maps NaN to 0, which is what we want for a date.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let secs = n.as_f64().map_or(0, |f| f.max(0.0) as u64);
    secs
}

/// What `check_claims` read.
struct Checked {
    expires_at: u64,
    issuer: String,
}

/// The JOSE header fields we look at. Unknown members are ignored, except `crit`: a token that
/// requires an extension we do not implement must be rejected (RFC 7515 §4.1.11).
#[derive(Deserialize)]
struct Header {
    alg: Option<String>,
    kid: Option<String>,
    crit: Option<serde::de::IgnoredAny>,
}

/// A structurally valid token, not yet verified.
struct Parsed<'a> {
    /// `<header>.<payload>`, what the signature covers.
    message: &'a [u8],
    signature: &'a str,
    algorithm: Algorithm,
    kid: Option<String>,
    payload: Payload,
}

impl<'a> Parsed<'a> {
    fn parse(token: &'a str) -> Result<Self, AuthError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("Invalid JWT structure"));
        };
        if ![header, payload, signature].iter().all(|p| is_base64url(p)) {
            return Err(invalid("JWT not in base64url format"));
        }
        let decode = |part: &str| {
            URL_SAFE_NO_PAD
                .decode(part)
                .map_err(|_| invalid("JWT not in base64url format"))
        };
        let header: Header = serde_json::from_slice(&decode(header)?)
            .map_err(|_| invalid("JWT header is not a JSON object"))?;
        if header.crit.is_some() {
            return Err(invalid(
                "JWT header has unsupported critical extensions (crit)",
            ));
        }
        let algorithm = match header.alg.as_deref() {
            Some("ES256") => Algorithm::ES256,
            Some("RS256") => Algorithm::RS256,
            Some("EdDSA") => Algorithm::EdDSA,
            Some("HS256") => Algorithm::HS256,
            Some(_) => return Err(invalid("unsupported alg")),
            None => return Err(invalid("Missing alg in the JWT header")),
        };
        let payload = Payload::parse(decode(payload)?)
            .map_err(|_| invalid("JWT payload is not a JSON object"))?;
        let message_len = token.len() - signature.len() - 1;
        Ok(Self {
            message: &token.as_bytes()[..message_len],
            signature,
            algorithm,
            kid: header.kid,
            payload,
        })
    }
}

/// auth-js's check: `^([a-z0-9_-]{4})*($|[a-z0-9_-]{3}$|[a-z0-9_-]{2}$)$`, case-insensitive.
fn is_base64url(part: &str) -> bool {
    part.len() % 4 != 1
        && part
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A cache key: the keyed hash of a token or of a session cookie value (the cache never holds
/// a token).
pub(crate) type CacheKey = HashKey;

/// What a key was made from; hashed first, so a token and a cookie value never share a key.
#[derive(Clone, Copy)]
enum KeyDomain {
    Token = 1,
    SessionCookie = 2,
}

struct CacheEntry {
    claims: Claims,
    expires_at: u64,
    /// The JWKS key that verified it; the entry dies when that key leaves the JWKS.
    jwks_kid: Option<String>,
    /// For a session cookie: the session's `expires_at`, which decides when to refresh it.
    session_expires_at: Option<i64>,
    seq: u64,
}

#[derive(Default)]
struct CacheInner {
    entries: HashKeyMap<CacheEntry>,
    /// Insertion order, oldest first.
    order: BTreeMap<u64, CacheKey>,
    next_seq: u64,
    last_purge_ms: u64,
}

/// Verified tokens by hash, bounded: when full, expired entries go first, then the oldest.
struct ClaimsCache {
    capacity: usize,
    /// Makes [`CacheKey`]s; `None` turns the cache off.
    hasher: Option<KeyedHasher>,
    inner: RwLock<CacheInner>,
}

impl ClaimsCache {
    fn new(capacity: usize) -> Self {
        let hasher = KeyedHasher::random();
        if hasher.is_none() {
            tracing::warn!("no random key for the verified-claims cache; it is turned off");
        }
        Self {
            capacity: if hasher.is_some() { capacity } else { 0 },
            hasher,
            inner: RwLock::new(CacheInner::default()),
        }
    }

    /// The key of `value`, or `None` when the cache is off.
    fn key(&self, domain: KeyDomain, value: &str) -> Option<CacheKey> {
        if self.capacity == 0 {
            return None;
        }
        Some(self.hasher.as_ref()?.hash(domain as u8, value))
    }

    fn get(
        &self,
        key: &CacheKey,
        now: u64,
        leeway: u64,
        key_published: impl Fn(&str) -> bool,
    ) -> Option<(Claims, Option<i64>)> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let entry = inner.entries.get(key)?;
        if entry.expires_at.saturating_add(leeway) <= now {
            return None;
        }
        if let Some(kid) = &entry.jwks_kid
            && !key_published(kid)
        {
            return None;
        }
        Some((entry.claims.clone(), entry.session_expires_at))
    }

    /// A copy of the token entry `token_key`, for a session cookie expiring at `expires_at`.
    fn entry_for_session(
        &self,
        token_key: &CacheKey,
        session_expires_at: Option<i64>,
    ) -> Option<CacheEntry> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let entry = inner.entries.get(token_key)?;
        Some(CacheEntry {
            claims: entry.claims.clone(),
            expires_at: entry.expires_at,
            jwks_kid: entry.jwks_kid.clone(),
            session_expires_at,
            seq: 0,
        })
    }

    fn insert(&self, hash: CacheKey, mut entry: CacheEntry, now_ms: u64) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let inner = &mut *guard;
        if let Some(old) = inner.entries.remove(&hash) {
            inner.order.remove(&old.seq);
        }
        if inner.entries.len() >= self.capacity
            && now_ms.saturating_sub(inner.last_purge_ms) >= PURGE_INTERVAL_MS
        {
            inner.last_purge_ms = now_ms;
            let now = now_ms / 1000;
            let order = &mut inner.order;
            inner.entries.retain(|_, e| {
                let keep = e.expires_at > now;
                if !keep {
                    order.remove(&e.seq);
                }
                keep
            });
        }
        while inner.entries.len() >= self.capacity {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            inner.entries.remove(&oldest);
        }
        entry.seq = inner.next_seq;
        inner.next_seq += 1;
        inner.order.insert(entry.seq, hash);
        inner.entries.insert(hash, entry);
    }

    fn remove(&self, key: &CacheKey) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(old) = inner.entries.remove(key) {
            inner.order.remove(&old.seq);
        }
    }

    fn clear(&self) {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.entries.clear();
        inner.order.clear();
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len()
    }
}

/// **Not public API.** Lets this crate's integration tests and benchmarks drive the verifier,
/// which is otherwise internal. May change or disappear in any release.
#[doc(hidden)]
pub mod __private {
    use std::time::Duration;

    use super::{AuthHttp, Verifier};
    pub use super::{Clock, Verified, VerifierSettings, system_clock};
    use crate::auth::{AuthError, Claims};

    /// A `Verifier` over its own HTTP client (not public API).
    pub struct VerifierHarness(Verifier);

    impl VerifierHarness {
        /// A verifier fetching the JWKS from `auth_url` (`…/auth/v1`) with `publishable_key`.
        pub fn new(
            auth_url: &str,
            publishable_key: &str,
            settings: VerifierSettings,
        ) -> Result<Self, url::ParseError> {
            let http = AuthHttp::new(
                reqwest::Client::new(),
                url::Url::parse(auth_url)?,
                publishable_key.to_owned(),
                Duration::from_secs(10),
            );
            Ok(Self(Verifier::new(http, settings)))
        }

        /// `Verifier::verify`.
        pub async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
            self.0.verify(token).await
        }

        /// `Verifier::claims_confirmed_by_server`.
        pub fn claims_confirmed_by_server(&self, token: &str) -> Result<Claims, AuthError> {
            self.0.claims_confirmed_by_server(token)
        }

        /// `Verifier::prefetch_jwks`.
        pub async fn prefetch_jwks(&self) -> Result<(), AuthError> {
            self.0.prefetch_jwks().await
        }

        /// Signature checks performed so far.
        pub fn signature_checks(&self) -> u64 {
            self.0.signature_checks()
        }

        /// Forgets every verified token.
        pub fn clear_claims_cache(&self) {
            self.0.clear_claims_cache();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn claims(exp: u64) -> Claims {
        Claims::new(
            Payload::parse(br#"{"sub":"u"}"#.to_vec()).unwrap(),
            exp,
            "iss".into(),
            None,
            Verification::Signature,
        )
        .unwrap()
    }

    fn verifier(settings: VerifierSettings) -> Verifier {
        let http = AuthHttp::new(
            reqwest::Client::new(),
            url::Url::parse("http://127.0.0.1:9/auth/v1").unwrap(),
            "k".into(),
            Duration::from_secs(1),
        );
        Verifier::new(http, settings)
    }

    fn fixed_clock(ms: u64) -> Clock {
        Arc::new(move || ms)
    }

    fn b64(value: &Value) -> String {
        URL_SAFE_NO_PAD.encode(value.to_string())
    }

    fn token(header: &Value, payload: &Value) -> String {
        format!("{}.{}.c2ln", b64(header), b64(payload))
    }

    const NOW: u64 = 1_767_225_600;
    const ISS: &str = "https://p.supabase.co/auth/v1";

    fn settings() -> VerifierSettings {
        let mut s = VerifierSettings::new(ISS);
        s.clock = fixed_clock(NOW * 1000);
        s
    }

    fn good_payload() -> Value {
        json!({"iss": ISS, "aud": "authenticated", "exp": NOW + 60, "sub": "u"})
    }

    fn reason(err: AuthError) -> String {
        match err {
            AuthError::InvalidJwt(reason) => reason,
            other => panic!("not InvalidJwt: {other:?}"),
        }
    }

    #[test]
    fn structure_is_checked_like_auth_js() {
        for (token, expected) in [
            ("abc.def", "Invalid JWT structure"),
            ("a.b.c.d", "Invalid JWT structure"),
            ("", "Invalid JWT structure"),
            ("a+b.c.d", "JWT not in base64url format"),
            ("abcde.abcd.abcd", "JWT not in base64url format"),
            ("YWJj.YWJj.YWJj", "JWT header is not a JSON object"),
        ] {
            let err = Parsed::parse(token).err().unwrap();
            assert_eq!(reason(err), expected, "{token}");
        }
    }

    #[test]
    fn header_alg_is_required_and_restricted() {
        let p = good_payload();
        for (header, expected) in [
            (json!({"kid": "k"}), "Missing alg in the JWT header"),
            (json!({"alg": "none"}), "unsupported alg"),
            (json!({"alg": "HS512"}), "unsupported alg"),
            (json!({"alg": "ES384"}), "unsupported alg"),
            (json!({"alg": 5}), "JWT header is not a JSON object"),
            (json!([1]), "JWT header is not a JSON object"),
            (
                json!({"alg": "ES256", "crit": ["b64"]}),
                "JWT header has unsupported critical extensions (crit)",
            ),
        ] {
            let err = Parsed::parse(&token(&header, &p)).err().unwrap();
            assert_eq!(reason(err), expected, "{header}");
        }
        let err = Parsed::parse(&token(&json!({"alg": "ES256"}), &json!([1])))
            .err()
            .unwrap();
        assert_eq!(reason(err), "JWT payload is not a JSON object");
    }

    #[test]
    fn the_signed_message_is_header_dot_payload() {
        let t = token(&json!({"alg": "ES256", "kid": "k"}), &good_payload());
        let parsed = Parsed::parse(&t).unwrap();
        assert_eq!(parsed.message, t.rsplit_once('.').unwrap().0.as_bytes());
        assert_eq!(parsed.signature, "c2ln");
        assert_eq!(parsed.kid.as_deref(), Some("k"));
        assert_eq!(parsed.algorithm, Algorithm::ES256);
    }

    #[test]
    fn time_issuer_and_audience_rules() {
        let v = verifier(settings());
        let check = |patch: Value| {
            let mut payload = good_payload();
            for (k, val) in patch.as_object().unwrap() {
                if val.is_null() {
                    payload.as_object_mut().unwrap().remove(k);
                } else {
                    payload[k] = val.clone();
                }
            }
            v.check_claims(payload.as_object().unwrap(), NOW)
                .map(|c| c.expires_at)
        };
        assert_eq!(check(json!({})).unwrap(), NOW + 60);
        assert_eq!(check(json!({"exp": 1_767_225_601.5})).unwrap(), NOW + 1);
        assert_eq!(
            check(json!({"aud": ["x", "authenticated"]})).unwrap(),
            NOW + 60
        );
        assert_eq!(check(json!({"nbf": NOW})).unwrap(), NOW + 60);
        for (patch, expected) in [
            (json!({"exp": null}), "Missing exp claim"),
            (json!({"exp": "9999999999"}), "exp claim is not a number"),
            (json!({"exp": NOW}), "JWT has expired"),
            (json!({"exp": NOW - 1}), "JWT has expired"),
            (json!({"exp": -5}), "JWT has expired"),
            (json!({"exp": 0}), "JWT has expired"),
            (json!({"nbf": NOW + 1}), "JWT is not valid yet (nbf)"),
            (json!({"nbf": "0"}), "nbf claim is not a number"),
            (
                json!({"iss": "https://evil.example/auth/v1"}),
                "unexpected issuer (iss)",
            ),
            (json!({"iss": 1}), "unexpected issuer (iss)"),
            (json!({"iss": null}), "Missing iss claim"),
            (json!({"aud": "anon"}), "unexpected audience (aud)"),
            (json!({"aud": ["anon"]}), "unexpected audience (aud)"),
            (json!({"aud": null}), "Missing aud claim"),
        ] {
            assert_eq!(
                reason(check(patch.clone()).err().unwrap()),
                expected,
                "{patch}"
            );
        }
    }

    #[test]
    fn leeway_extends_exp_and_nbf() {
        let mut s = settings();
        s.leeway = Duration::from_secs(30);
        let v = verifier(s);
        let mut payload = good_payload();
        payload["exp"] = json!(NOW - 10);
        payload["nbf"] = json!(NOW + 10);
        assert!(v.check_claims(payload.as_object().unwrap(), NOW).is_ok());
        payload["exp"] = json!(NOW - 30);
        assert!(v.check_claims(payload.as_object().unwrap(), NOW).is_err());
    }

    #[tokio::test]
    async fn hs256_without_a_secret_and_tokens_without_kid_need_the_server() {
        let v = verifier(settings());
        for header in [json!({"alg": "HS256"}), json!({"alg": "ES256"})] {
            let t = token(&header, &good_payload());
            assert!(matches!(
                v.verify(&t).await.unwrap(),
                Verified::NeedsServerCheck
            ));
            let claims = v.claims_confirmed_by_server(&t).unwrap();
            assert_eq!(claims.verified_by(), Verification::AuthServer);
            assert_eq!(claims.sub(), Some("u"));
        }
        // Expired tokens are rejected before any server call.
        let mut expired = good_payload();
        expired["exp"] = json!(NOW);
        let t = token(&json!({"alg": "HS256"}), &expired);
        assert_eq!(reason(v.verify(&t).await.unwrap_err()), "JWT has expired");
        assert!(v.claims_confirmed_by_server(&t).is_err());
    }

    /// A verifier with an HS256 secret, and a good token signed with it. The verifier comes
    /// first: building it picks jsonwebtoken's backend, which signing needs too when both TLS
    /// features are on.
    fn hs256_verifier_and_token() -> (Verifier, String) {
        let mut s = settings();
        s.hs256_secret = Some(HS256_SECRET.into());
        let verifier = verifier(s);
        let header = jsonwebtoken::Header::new(Algorithm::HS256);
        let key = jsonwebtoken::EncodingKey::from_secret(HS256_SECRET.as_bytes());
        let token = jsonwebtoken::encode(&header, &good_payload(), &key).unwrap();
        (verifier, token)
    }

    const HS256_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

    #[tokio::test]
    async fn hs256_with_a_secret_verifies_locally() {
        let (v, t) = hs256_verifier_and_token();
        let header = jsonwebtoken::Header::new(Algorithm::HS256);
        let Verified::Claims(claims) = v.verify(&t).await.unwrap() else {
            panic!("not verified")
        };
        assert_eq!(claims.verified_by(), Verification::Signature);
        assert_eq!(v.signature_checks(), 1);
        // Cached (kid-less entries only expire).
        assert!(matches!(v.verify(&t).await.unwrap(), Verified::Claims(_)));
        assert_eq!(v.signature_checks(), 1);
        let wrong =
            jsonwebtoken::EncodingKey::from_secret(b"another-secret-of-at-least-32-characters!!");
        let forged = jsonwebtoken::encode(&header, &good_payload(), &wrong).unwrap();
        assert_eq!(
            reason(v.verify(&forged).await.unwrap_err()),
            "Invalid JWT signature"
        );
    }

    #[tokio::test]
    async fn huge_and_binary_tokens_are_rejected_cheaply() {
        let v = verifier(settings());
        let huge = format!("{}.{}.{}", "a".repeat(1 << 19), "b".repeat(1 << 19), "c");
        assert_eq!(
            reason(v.verify(&huge).await.unwrap_err()),
            "JWT is too long"
        );
        let binary = String::from_utf8_lossy(&[0xff, 0x00, b'.', 0x80, b'.', 0x01]).into_owned();
        assert!(matches!(
            v.verify(&binary).await,
            Err(AuthError::InvalidJwt(_))
        ));
    }

    fn entry(expires_at: u64, jwks_kid: Option<&str>) -> CacheEntry {
        CacheEntry {
            claims: claims(expires_at),
            expires_at,
            jwks_kid: jwks_kid.map(str::to_owned),
            session_expires_at: None,
            seq: 0,
        }
    }

    #[test]
    fn the_cache_evicts_expired_entries_then_the_oldest() {
        let cache = ClaimsCache::new(3);
        let h = |n: u8| cache.key(KeyDomain::Token, &n.to_string()).unwrap();
        let all = |_: &str| true;
        cache.insert(h(1), entry(100, None), 0);
        cache.insert(h(2), entry(5, None), 0);
        cache.insert(h(3), entry(100, None), 0);
        // Full at t=10 s: the expired entry (2) goes, the others stay.
        cache.insert(h(4), entry(100, None), 10_000);
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&h(1), 10, 0, all).is_some());
        assert!(cache.get(&h(2), 0, 0, all).is_none());
        // Full again with nothing expired: the oldest (1) goes.
        cache.insert(h(5), entry(100, None), 20_000);
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&h(1), 10, 0, all).is_none());
        for n in [3, 4, 5] {
            assert!(cache.get(&h(n), 10, 0, all).is_some(), "{n}");
        }
    }

    #[test]
    fn a_cache_entry_dies_with_its_expiry_or_its_key() {
        let cache = ClaimsCache::new(10);
        let h = cache.key(KeyDomain::Token, "t").unwrap();
        cache.insert(h, entry(100, Some("kid-1")), 0);
        assert!(cache.get(&h, 99, 0, |kid| kid == "kid-1").is_some());
        assert!(cache.get(&h, 100, 0, |_| true).is_none());
        assert!(cache.get(&h, 100, 1, |_| true).is_some());
        assert!(cache.get(&h, 50, 0, |kid| kid == "kid-2").is_none());
    }

    #[test]
    fn a_disabled_cache_stores_nothing() {
        let cache = ClaimsCache::new(0);
        assert!(cache.key(KeyDomain::Token, "t").is_none());
        let h = ClaimsCache::new(1).key(KeyDomain::Token, "t").unwrap();
        cache.insert(h, entry(100, None), 0);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn keys_depend_on_the_process_secret_and_on_what_was_hashed() {
        let cache = ClaimsCache::new(1);
        let token = cache.key(KeyDomain::Token, "value").unwrap();
        assert!(token == cache.key(KeyDomain::Token, "value").unwrap());
        assert!(token != cache.key(KeyDomain::SessionCookie, "value").unwrap());
        assert!(token != cache.key(KeyDomain::Token, "valuf").unwrap());
        // Another process (another secret) cannot predict this one's keys.
        assert!(token != ClaimsCache::new(1).key(KeyDomain::Token, "value").unwrap());
    }

    #[tokio::test]
    async fn a_session_cookie_is_remembered_only_for_a_cached_token() {
        let (v, token) = hs256_verifier_and_token();
        let cookie_key = v.session_key("base64-cookie-value").unwrap();
        v.remember_session(cookie_key, &token, Some(1));
        assert!(
            v.remembered_session(&cookie_key).is_none(),
            "the token was never verified"
        );
        let Verified::Claims(claims) = v.verify(&token).await.unwrap() else {
            panic!("not verified")
        };
        v.remember_session(cookie_key, &token, Some(42));
        let (remembered, session_expires_at) = v.remembered_session(&cookie_key).unwrap();
        assert_eq!(remembered.sub(), claims.sub());
        assert_eq!(session_expires_at, Some(42));
        assert!(
            v.remembered_session(&v.session_key("another value").unwrap())
                .is_none()
        );
    }

    #[test]
    fn settings_debug_hides_the_secret() {
        let mut s = settings();
        s.hs256_secret = Some("topsecret".into());
        assert!(!format!("{s:?}").contains("topsecret"));
    }
}
