#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Access-token verification (`get_claims`) against the local Auth server
//! (`supabase-ssr-testing`): real ES256/RS256 tokens, key rotation, JWKS faults, forged and
//! hostile tokens, HS256 projects, the verified-claims cache, and the recorded `get_claims`
//! vectors of auth-js.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use supabase_ssr_core::ConfigError;
use supabase_ssr_core::auth::__private::{Verified, VerifierHarness, VerifierSettings};
use supabase_ssr_core::auth::{AuthError, Claims, Verification};
use supabase_ssr_testing::server::{
    Endpoint, Fault, KeyAlgorithm, LocalAuth, LocalAuthOptions, SeedUser,
};

const EMAIL: &str = "claims@example.com";
const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

fn wall_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A local Auth server and a verifier for it whose clock a test can move forward.
struct Env {
    auth: LocalAuth,
    verifier: Arc<VerifierHarness>,
    offset_ms: Arc<AtomicU64>,
}

impl Env {
    async fn start(options: LocalAuthOptions, tweak: impl FnOnce(&mut VerifierSettings)) -> Self {
        let auth = LocalAuth::start(options.user(SeedUser::new(EMAIL, "password123")))
            .await
            .unwrap();
        let offset_ms = Arc::new(AtomicU64::new(0));
        let mut settings = VerifierSettings::new(auth.auth_url());
        let offset = offset_ms.clone();
        settings.clock = Arc::new(move || wall_ms() + offset.load(Ordering::SeqCst));
        tweak(&mut settings);
        let verifier = VerifierHarness::new(&auth.auth_url(), auth.publishable_key(), settings)
            .map(Arc::new)
            .unwrap();
        Self {
            auth,
            verifier,
            offset_ms,
        }
    }

    async fn es256() -> Self {
        Self::start(LocalAuthOptions::default(), |_| {}).await
    }

    /// Moves the verifier's clock (not the server's).
    fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(u64::try_from(by.as_millis()).unwrap(), Ordering::SeqCst);
    }

    fn token(&self) -> String {
        self.auth.mint_session(EMAIL, 3600).unwrap().access_token
    }

    fn jwks_fetches(&self) -> u64 {
        self.auth.count(Endpoint::Jwks)
    }

    /// Claims like the server's, for forging with `sign_jwt*`.
    fn claims(&self) -> Value {
        payload_of(&self.token())
    }

    async fn verify(&self, token: &str) -> Result<Verified, AuthError> {
        self.verifier.verify(token).await
    }

    async fn claims_of(&self, token: &str) -> Claims {
        match self.verify(token).await.unwrap() {
            Verified::Claims(claims) => claims,
            Verified::NeedsServerCheck => panic!("needs a server check"),
        }
    }

    async fn rejection(&self, token: &str) -> String {
        match self.verify(token).await {
            Err(AuthError::InvalidJwt(reason)) => reason,
            other => panic!("expected InvalidJwt, got {other:?}"),
        }
    }
}

fn payload_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

fn header_of(token: &str) -> Value {
    let header = token.split('.').next().unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

// ---- valid tokens ----

/// A token signed with the project's key but naming no user (a service-role-like token) never
/// becomes `Claims`: `Claims::user_id` would have nothing to answer.
#[tokio::test]
async fn a_signed_token_without_a_user_id_is_refused() {
    let env = Env::es256().await;
    for sub in [None, Some(json!("")), Some(json!(7))] {
        let mut claims = env.claims();
        match sub {
            Some(sub) => claims["sub"] = sub,
            None => drop(claims.as_object_mut().unwrap().remove("sub")),
        }
        let token = env.auth.sign_jwt(&claims).unwrap();
        // Twice: a refused token is not cached as verified either.
        for _ in 0..2 {
            assert_eq!(env.rejection(&token).await, "missing sub claim");
        }
    }
}

#[tokio::test]
async fn an_es256_token_minted_by_the_server_verifies() {
    let env = Env::es256().await;
    let session = env.auth.mint_session(EMAIL, 3600).unwrap();
    let claims = env.claims_of(&session.access_token).await;
    assert_eq!(claims.sub(), Some(session.user_id.as_str()));
    assert_eq!(claims.user_id(), session.user_id);
    assert_eq!(claims.email(), Some(EMAIL));
    assert_eq!(claims.role(), Some("authenticated"));
    assert_eq!(claims.aal(), Some("aal1"));
    assert_eq!(claims.session_id(), Some(session.session_id.as_str()));
    assert!(!claims.is_anonymous());
    assert_eq!(
        claims.expires_at(),
        u64::try_from(session.expires_at).unwrap()
    );
    assert_eq!(claims.issuer(), env.auth.auth_url());
    assert_eq!(claims.audience(), ["authenticated"]);
    assert_eq!(
        claims.key_id(),
        Some(env.auth.signing_kid().unwrap().as_str())
    );
    assert_eq!(claims.verified_by(), Verification::Signature);
    assert_eq!(header_of(&session.access_token)["alg"], "ES256");
    // The claims serialize back to exactly the token's payload, in order.
    assert_eq!(
        serde_json::to_string(&claims).unwrap(),
        serde_json::to_string(&payload_of(&session.access_token)).unwrap()
    );
    assert_eq!(env.jwks_fetches(), 1);
    assert_eq!(env.auth.count(Endpoint::UserGet), 0);
}

#[tokio::test]
async fn an_rs256_token_verifies_after_rotation() {
    let env = Env::es256().await;
    env.verifier.prefetch_jwks().await.unwrap();
    let kid = env.auth.rotate_key(KeyAlgorithm::Rs256).unwrap();
    let token = env.token();
    assert_eq!(header_of(&token)["alg"], "RS256");
    let claims = env.claims_of(&token).await;
    assert_eq!(claims.key_id(), Some(kid.as_str()));
    // The unknown kid cost exactly one refetch.
    assert_eq!(env.jwks_fetches(), 2);
}

/// The local server signs ES256/RS256/HS256 only: an `EdDSA` key and token are made here and the
/// JWKS is served through a `respond` fault, next to the server's own keys.
#[tokio::test]
async fn an_eddsa_token_verifies_with_an_okp_key() {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    let env = Env::es256().await;
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).unwrap();
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
    let mut jwks = env.auth.jwks();
    jwks["keys"].as_array_mut().unwrap().push(json!({
        "kty": "OKP", "crv": "Ed25519", "kid": "ed-1", "alg": "EdDSA", "use": "sig",
        "x": URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
    }));
    env.auth.set_fault(
        Endpoint::Jwks,
        Fault::respond(
            200,
            &[("content-type", "application/json")],
            jwks.to_string(),
        ),
    );
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
    header.kid = Some("ed-1".into());
    let key = jsonwebtoken::EncodingKey::from_ed_der(pkcs8.as_ref());
    let token = jsonwebtoken::encode(&header, &env.claims(), &key).unwrap();
    let claims = env.claims_of(&token).await;
    assert_eq!(claims.key_id(), Some("ed-1"));
    // The same key cannot vouch for an ES256 claim.
    let mut lying = header_of(&token);
    lying["alg"] = json!("ES256");
    let (_, rest) = token.split_once('.').unwrap();
    assert_eq!(
        env.rejection(&format!("{}.{rest}", b64(&lying))).await,
        "alg does not match the key's algorithm"
    );
}

// ---- the JWKS cache ----

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_cold_verifications_make_one_fetch() {
    let env = Env::es256().await;
    // Distinct tokens, so the claims cache cannot help.
    let tokens: Vec<String> = (0..32).map(|_| env.token()).collect();
    let mut tasks = tokio::task::JoinSet::new();
    for token in tokens {
        let verifier = env.verifier.clone();
        tasks.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(matches!(result.unwrap().unwrap(), Verified::Claims(_)));
    }
    assert_eq!(env.jwks_fetches(), 1);
    assert_eq!(env.verifier.signature_checks(), 32);
}

#[tokio::test]
async fn the_jwks_is_refetched_after_its_ttl() {
    let env = Env::es256().await;
    env.claims_of(&env.token()).await;
    env.advance(Duration::from_secs(9 * 60));
    env.claims_of(&env.token()).await;
    assert_eq!(env.jwks_fetches(), 1);
    env.advance(Duration::from_secs(61));
    env.claims_of(&env.token()).await;
    assert_eq!(env.jwks_fetches(), 2);
}

#[tokio::test]
async fn cached_keys_keep_verifying_while_the_jwks_is_down() {
    let env = Env::es256().await;
    env.verifier.prefetch_jwks().await.unwrap();
    for fault in [
        Fault::status(500),
        Fault::not_json(502),
        Fault::respond(200, &[], r#"{"keys":[]}"#),
    ] {
        env.auth.set_fault(Endpoint::Jwks, fault);
        let before = env.jwks_fetches();
        env.advance(Duration::from_secs(11 * 60));
        env.claims_of(&env.token()).await;
        assert_eq!(env.jwks_fetches(), before + 1, "one failed refetch");
        // The failure is remembered: no retry storm while it lasts.
        env.claims_of(&env.token()).await;
        env.claims_of(&env.token()).await;
        assert_eq!(env.jwks_fetches(), before + 1);
    }
    // Back up: the next stale lookup after the retry interval refetches and succeeds.
    env.auth.clear_fault(Endpoint::Jwks);
    env.advance(Duration::from_secs(31));
    let before = env.jwks_fetches();
    env.claims_of(&env.token()).await;
    env.advance(Duration::from_secs(60));
    env.claims_of(&env.token()).await;
    assert_eq!(env.jwks_fetches(), before + 1);
}

#[tokio::test]
async fn without_any_cached_key_a_jwks_failure_is_a_transient_error() {
    let env = Env::es256().await;
    env.auth.set_fault(Endpoint::Jwks, Fault::status(500));
    let token = env.token();
    let err = env.verify(&token).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(err.status(), Some(500));
    // Within a second the same error is returned without asking again.
    assert!(env.verify(&token).await.unwrap_err().is_transient());
    assert_eq!(env.jwks_fetches(), 1);
    assert!(env.verifier.prefetch_jwks().await.is_err());
    env.auth.clear_fault(Endpoint::Jwks);
    env.advance(Duration::from_secs(2));
    env.claims_of(&token).await;
    assert_eq!(env.jwks_fetches(), 2);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_with_one_refetch_and_a_retired_one_is_dropped() {
    let env = Env::es256().await;
    let old_kid = env.auth.signing_kid().unwrap();
    let old_token = env.token();
    env.claims_of(&old_token).await;
    let new_kid = env.auth.rotate_key(KeyAlgorithm::Es256).unwrap();
    let new_token = env.token();
    assert_eq!(header_of(&new_token)["kid"], new_kid);
    assert_eq!(
        env.claims_of(&new_token).await.key_id(),
        Some(new_kid.as_str())
    );
    assert_eq!(env.jwks_fetches(), 2);
    // The old key is still published: old tokens keep verifying (from the claims cache).
    env.claims_of(&old_token).await;
    // Once retired and the JWKS refetched (TTL), the cached old token is no longer served.
    env.auth.retire_key(&old_kid).unwrap();
    env.advance(Duration::from_secs(11 * 60));
    env.claims_of(&env.token()).await;
    assert_eq!(env.jwks_fetches(), 3);
    assert_eq!(
        env.rejection(&old_token).await,
        "no key of the project's JWKS has this kid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_forged_kids_make_at_most_one_fetch_and_are_all_rejected() {
    let env = Env::es256().await;
    env.verifier.prefetch_jwks().await.unwrap();
    let before = env.jwks_fetches();
    let claims = env.claims();
    let tokens: Vec<String> = (0..1000)
        .map(|i| {
            let header = json!({"alg": "ES256", "typ": "JWT", "kid": format!("forged-{i}")});
            env.auth.sign_jwt_with_header(&header, &claims).unwrap()
        })
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for token in tokens {
        let verifier = env.verifier.clone();
        tasks.spawn(async move { verifier.verify(&token).await });
    }
    while let Some(result) = tasks.join_next().await {
        assert!(matches!(result.unwrap(), Err(AuthError::InvalidJwt(_))));
    }
    assert_eq!(
        env.jwks_fetches() - before,
        1,
        "one refetch for the whole flood"
    );
    assert_eq!(env.auth.count(Endpoint::UserGet), 0);
    assert_eq!(env.verifier.signature_checks(), 0);
    // After the interval, one more refetch is allowed.
    env.advance(Duration::from_secs(31));
    let header = json!({"alg": "ES256", "kid": "forged-again"});
    let token = env.auth.sign_jwt_with_header(&header, &claims).unwrap();
    env.rejection(&token).await;
    env.rejection(&token).await;
    assert_eq!(env.jwks_fetches() - before, 2);
}

#[tokio::test]
async fn prefetch_warms_the_cache() {
    let env = Env::es256().await;
    env.verifier.prefetch_jwks().await.unwrap();
    env.verifier.prefetch_jwks().await.unwrap();
    assert_eq!(env.jwks_fetches(), 1);
    env.claims_of(&env.token()).await;
    assert_eq!(env.jwks_fetches(), 1);
}

// ---- hostile tokens ----

/// The SPKI PEM of a P-256 JWK: what an attacker would try as an HMAC secret.
fn ec_pem(jwk: &Value) -> String {
    let coordinate = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().unwrap()).unwrap();
    let mut der =
        hex_bytes("3059301306072a8648ce3d020106082a8648ce3d030107034200").collect::<Vec<u8>>();
    der.push(4);
    der.extend(coordinate("x"));
    der.extend(coordinate("y"));
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(der)
    )
}

fn hex_bytes(hex: &str) -> impl Iterator<Item = u8> + '_ {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
}

fn hs256(header: &Value, claims: &Value, secret: &[u8]) -> String {
    let input = format!("{}.{}", b64(header), b64(claims));
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret),
        input.as_bytes(),
    );
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

// One table of cases; splitting it would only scatter them.
#[allow(clippy::too_many_lines)]
#[tokio::test]
async fn hostile_tokens_are_rejected_without_panicking() {
    let env = Env::es256().await;
    let kid = env.auth.signing_kid().unwrap();
    let good = env.token();
    let claims = env.claims();
    let header = json!({"alg": "ES256", "typ": "JWT", "kid": kid});
    let signed = |patch: Value| {
        let mut c = claims.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        env.auth.sign_jwt_with_header(&header, &c).unwrap()
    };
    let now = env.auth.now_secs();
    let (good_header, good_rest) = good.split_once('.').unwrap();
    let mut altered = claims.clone();
    altered["role"] = json!("service_role");
    let tampered = format!(
        "{good_header}.{}.{}",
        b64(&altered),
        good.rsplit_once('.').unwrap().1
    );
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "kid": kid})),
                b64(&claims)
            ),
            "unsupported alg",
        ),
        (
            "alg none, upper case",
            format!("{}.{}.", b64(&json!({"alg": "NONE"})), b64(&claims)),
            "unsupported alg",
        ),
        (
            "wrong iss",
            signed(json!({"iss": "https://evil.example/auth/v1"})),
            "unexpected issuer (iss)",
        ),
        (
            "wrong aud",
            signed(json!({"aud": "anon"})),
            "unexpected audience (aud)",
        ),
        (
            "expired",
            signed(json!({"exp": now - 1})),
            "JWT has expired",
        ),
        ("exp now", signed(json!({"exp": now})), "JWT has expired"),
        (
            "exp missing",
            signed(json!({"exp": null})),
            "Missing exp claim",
        ),
        (
            "exp as a string",
            signed(json!({"exp": (now + 3600).to_string()})),
            "exp claim is not a number",
        ),
        (
            "nbf in the future",
            signed(json!({"nbf": now + 600})),
            "JWT is not valid yet (nbf)",
        ),
        ("altered claims", tampered, "Invalid JWT signature"),
        (
            "truncated signature",
            good[..good.len() - 6].to_owned(),
            "Invalid JWT signature",
        ),
        (
            "truncated to two parts",
            good.rsplit_once('.').unwrap().0.to_owned(),
            "Invalid JWT structure",
        ),
        (
            "truncated header",
            good_rest.to_owned(),
            "Invalid JWT structure",
        ),
        (
            "1 MB",
            format!("{}.{}.{}", "e".repeat(1 << 20), "e", "e"),
            "JWT is too long",
        ),
        ("1 MB of dots", ".".repeat(1 << 20), "JWT is too long"),
        (
            "kid with path characters",
            env.auth
                .sign_jwt_with_header(&json!({"alg": "ES256", "kid": "../../x"}), &claims)
                .unwrap(),
            "no key of the project's JWKS has this kid",
        ),
        (
            "RS256 claimed for an ES256 key",
            env.auth
                .sign_jwt_with_header(&json!({"alg": "RS256", "kid": kid}), &claims)
                .unwrap(),
            "alg does not match the key's algorithm",
        ),
        (
            "binary",
            String::from_utf8_lossy(&[0, 159, 146, 150, b'.', 1, b'.', 255]).into_owned(),
            "JWT not in base64url format",
        ),
        ("empty", String::new(), "Invalid JWT structure"),
    ];
    for (label, token, expected) in cases {
        let started = Instant::now();
        assert_eq!(env.rejection(&token).await, expected, "{label}");
        assert!(
            started.elapsed() < Duration::from_millis(250),
            "{label} was slow"
        );
    }
    assert_eq!(
        env.verifier.signature_checks(),
        2,
        "only the tampered and truncated got that far"
    );
    // The first fetch, plus one for the first unknown kid (`../../x`): no fetch per token.
    assert_eq!(env.jwks_fetches(), 2);
}

/// HS256 forged with the public key as the secret, `kid` pointing at it: with an HS256 secret
/// configured the signature fails; without one only the server could accept it, and it does not.
#[tokio::test]
async fn hs256_forged_with_the_public_key_is_never_accepted() {
    let env = Env::es256().await;
    let kid = env.auth.signing_kid().unwrap();
    let claims = env.claims();
    let jwk = env.auth.jwks()["keys"][0].clone();
    let hs_header = json!({"alg": "HS256", "typ": "JWT", "kid": kid});
    let as_jwk_text = hs256(&hs_header, &claims, jwk.to_string().as_bytes());
    let as_pem = hs256(&hs_header, &claims, ec_pem(&jwk).as_bytes());
    for forged in [&as_jwk_text, &as_pem] {
        assert!(matches!(
            env.verify(forged).await.unwrap(),
            Verified::NeedsServerCheck
        ));
        let status = reqwest::Client::new()
            .get(format!("{}/user", env.auth.auth_url()))
            .header("apikey", env.auth.publishable_key())
            .bearer_auth(forged)
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_client_error(), "{status}");
    }
    let with_secret = Env::start(LocalAuthOptions::default(), |s| {
        s.hs256_secret = Some(SECRET.into());
    })
    .await;
    for forged in [&as_jwk_text, &as_pem] {
        // Issued for the other server: fix the issuer so only the signature is wrong.
        let mut c = payload_of(forged);
        c["iss"] = json!(with_secret.auth.auth_url());
        let forged = hs256(&hs_header, &c, ec_pem(&jwk).as_bytes());
        assert_eq!(
            with_secret.rejection(&forged).await,
            "Invalid JWT signature"
        );
    }
}

// ---- HS256 projects ----

fn hs256_options() -> LocalAuthOptions {
    LocalAuthOptions {
        jwt_algorithm: KeyAlgorithm::Hs256,
        jwt_secret: SECRET.into(),
        ..LocalAuthOptions::default()
    }
}

/// An empty secret would verify tokens signed with the empty key: anyone could sign in as
/// anyone. Secrets under 32 bytes are refused when the handle is built, and the error never
/// shows the secret.
#[test]
fn short_jwt_secrets_are_refused_at_build() {
    let build = |secret: &str| {
        supabase_ssr_core::Supabase::builder("http://127.0.0.1:54321", "sb_publishable_x")
            .jwt_secret(secret)
            .build()
    };
    let short = "thirty-one-bytes-of-jwt-secret!";
    assert_eq!(short.len(), 31);
    for (secret, len) in [("", 0), (short, 31)] {
        let error = build(secret).unwrap_err();
        assert_eq!(error, ConfigError::JwtSecretTooShort { len });
        assert!(error.to_string().contains("at least 32"), "{error}");
        if !secret.is_empty() {
            assert!(!error.to_string().contains(secret));
            assert!(!format!("{error:?}").contains(secret));
        }
    }
    assert!(build(&"s".repeat(32)).is_ok());
    assert!(build(SECRET).is_ok());
}

#[tokio::test]
async fn hs256_tokens_verify_locally_with_the_secret() {
    let env = Env::start(hs256_options(), |s| s.hs256_secret = Some(SECRET.into())).await;
    let token = env.token();
    assert_eq!(header_of(&token)["alg"], "HS256");
    let claims = env.claims_of(&token).await;
    assert_eq!(claims.verified_by(), Verification::Signature);
    assert_eq!(claims.email(), Some(EMAIL));
    assert_eq!(env.auth.count(Endpoint::UserGet), 0);
    assert_eq!(env.jwks_fetches(), 0);
}

#[tokio::test]
async fn hs256_tokens_need_the_server_without_the_secret() {
    let env = Env::start(hs256_options(), |_| {}).await;
    let token = env.token();
    assert!(matches!(
        env.verify(&token).await.unwrap(),
        Verified::NeedsServerCheck
    ));
    let claims = env.verifier.claims_confirmed_by_server(&token).unwrap();
    assert_eq!(claims.verified_by(), Verification::AuthServer);
    assert_eq!(claims.email(), Some(EMAIL));
    assert_eq!(claims.key_id(), None);
    assert_eq!(env.jwks_fetches(), 0);
    // Still never trusted blindly: expiry, issuer and audience hold.
    env.advance(Duration::from_secs(3601));
    assert!(matches!(
        env.verifier.claims_confirmed_by_server(&token),
        Err(AuthError::InvalidJwt(_))
    ));
}

// ---- the verified-claims cache ----

#[tokio::test]
async fn a_verified_token_is_served_from_the_cache_until_it_expires() {
    let env = Env::es256().await;
    let token = env.auth.mint_session(EMAIL, 120).unwrap().access_token;
    let first = env.claims_of(&token).await;
    assert_eq!(env.verifier.signature_checks(), 1);
    let second = env.claims_of(&token).await;
    assert_eq!(env.verifier.signature_checks(), 1, "served from the cache");
    assert_eq!(first.fields(), second.fields());
    env.advance(Duration::from_secs(121));
    assert_eq!(env.rejection(&token).await, "JWT has expired");
    env.verifier.clear_claims_cache();
    assert_eq!(env.verifier.signature_checks(), 1);
}

#[tokio::test]
async fn a_disabled_cache_checks_every_time() {
    let env = Env::start(LocalAuthOptions::default(), |s| s.claims_cache_capacity = 0).await;
    let token = env.token();
    env.claims_of(&token).await;
    env.claims_of(&token).await;
    assert_eq!(env.verifier.signature_checks(), 2);
}

// ---- the recorded auth-js vectors (`get_claims`, 27 cases) ----
//
// Each case runs against a fresh verifier per project (a project = one JWKS cache), at the
// case's virtual instant, with the JWKS the recording served (`jwks_public_keys`) answered by
// the local server. Checked, and how:
//  0 ES256 hit: verifies, same claims, 1 JWKS fetch.
//  1 five minutes later: served from the JWKS cache (still 1 fetch).
//  2 TTL + 1 ms: refetch (2 fetches).
//  3 unknown kid while fresh: refetch (3 fetches, as JS) then REJECTED. Deviation: JS falls
//    back to GET /user; we reject (a forged-kid flood must not become a /user flood).
//  5 RS256 hit: verifies, 1 fetch.
//  6 HS256: NeedsServerCheck with no JWKS fetch (JS calls /user); with the vectors' secret it
//    verifies locally; `claims_confirmed_by_server` returns the recorded claims.
//  7, 8 HS256 where /user answers 403: the verifier's part is NeedsServerCheck, no fetch (the
//    /user answer is the caller's business).
//  9 ES256 without kid: NeedsServerCheck, no JWKS fetch (as JS).
// 10 JWKS {keys:[]}: a transient error. Deviation: JS falls back to /user; an empty JWKS is
//    treated as a failed fetch (cache untouched, as in JS), and with no key cached that is an
//    error.
// 11 JWKS 500: transient error with status 500, no fallback (as JS).
// 12 expired: "JWT has expired", no network (as JS).
// 14 exp == now: expired (as JS).
// 15 missing exp: "Missing exp claim" (as JS).
// 16 tampered payload: "Invalid JWT signature" (as JS).
// 17 two parts: "Invalid JWT structure"; 18, 19 "JWT not in base64url format" (as JS).
// 20 header not JSON: JS throws a SyntaxError; we return InvalidJwt.
// 21 EdDSA claimed for an ES256 key: JS throws "Invalid alg claim"; we return InvalidJwt.
// 22 header without alg: JS falls back to /user; we reject (GoTrue always writes alg).
// Not followed:
//  4 caller-supplied `jwks` option: no such option here (prefetch_jwks warms the cache instead).
// 13 `allowExpired`: no such option; the token is checked to be rejected as expired instead.
// 23–26 getClaims() without a jwt reads the session from cookies and may refresh it: that is
//    the Auth client's session loading, not local verification.

fn vectors() -> Value {
    let text = include_str!("vectors/ssr-vectors.json")
        .replace("\\ud800", "\\ufffd")
        .replace("\\udc00", "\\ufffd");
    let all: Value = serde_json::from_str(&text).unwrap();
    all["get_claims"].clone()
}

/// A verifier for one recorded project, its JWKS served by a local server.
struct VectorProject {
    auth: LocalAuth,
    verifier: VerifierHarness,
    now_ms: Arc<AtomicU64>,
}

impl VectorProject {
    async fn start(project_url: &str, jwks: Option<Fault>, secret: Option<&str>) -> Self {
        let auth = LocalAuth::start(LocalAuthOptions::default()).await.unwrap();
        if let Some(fault) = jwks {
            auth.set_fault(Endpoint::Jwks, fault);
        }
        let now_ms = Arc::new(AtomicU64::new(0));
        let mut settings = VerifierSettings::new(format!("{project_url}/auth/v1"));
        let now = now_ms.clone();
        settings.clock = Arc::new(move || now.load(Ordering::SeqCst));
        settings.hs256_secret = secret.map(str::to_owned);
        let verifier =
            VerifierHarness::new(&auth.auth_url(), auth.publishable_key(), settings).unwrap();
        Self {
            auth,
            verifier,
            now_ms,
        }
    }

    async fn run(&self, case: &Value) -> Result<Verified, AuthError> {
        self.now_ms
            .store(case["now_ms"].as_u64().unwrap(), Ordering::SeqCst);
        self.verifier.verify(&vector_jwt(case)).await
    }

    fn fetches(&self) -> u64 {
        self.auth.count(Endpoint::Jwks)
    }
}

/// The case's token: `jwt`, or the literal in `getClaims('…')`.
fn vector_jwt(case: &Value) -> String {
    if let Some(jwt) = case["jwt"].as_str() {
        return jwt.to_owned();
    }
    let call = case["call"].as_str().unwrap();
    call.split('\'').nth(1).unwrap().to_owned()
}

fn recorded_claims(case: &Value) -> &Value {
    &case["result"]["data"]["claims"]
}

fn reason_of(result: Result<Verified, AuthError>) -> String {
    match result {
        Err(AuthError::InvalidJwt(reason)) => reason,
        other => panic!("expected InvalidJwt, got {other:?}"),
    }
}

fn verified(result: Result<Verified, AuthError>) -> Claims {
    match result {
        Ok(Verified::Claims(claims)) => claims,
        other => panic!("expected claims, got {other:?}"),
    }
}

fn jwks_fault(keys: &Value) -> Fault {
    Fault::respond(
        200,
        &[("content-type", "application/json")],
        json!({ "keys": keys }).to_string(),
    )
}

#[tokio::test]
async fn get_claims_vectors_jwks_hits_and_cache() {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 27);
    let keys = &v["jwks_public_keys"];
    let both = json!([keys["es256"], keys["rs256"]]);
    let url = |i: usize| cases[i]["project_url"].as_str().unwrap();

    // Project 1: hit, JWKS cache reuse, TTL, unknown kid.
    let p1 = VectorProject::start(url(0), Some(jwks_fault(&both)), None).await;
    let claims = verified(p1.run(&cases[0]).await);
    assert_eq!(
        &serde_json::to_value(&claims).unwrap(),
        recorded_claims(&cases[0])
    );
    assert_eq!(p1.fetches(), 1);
    p1.verifier.clear_claims_cache();
    verified(p1.run(&cases[1]).await);
    assert_eq!(p1.fetches(), cases[1]["counters"]["jwks"].as_u64().unwrap());
    p1.verifier.clear_claims_cache();
    verified(p1.run(&cases[2]).await);
    assert_eq!(p1.fetches(), cases[2]["counters"]["jwks"].as_u64().unwrap());
    assert_eq!(
        reason_of(p1.run(&cases[3]).await),
        "no key of the project's JWKS has this kid"
    );
    assert_eq!(p1.fetches(), cases[3]["counters"]["jwks"].as_u64().unwrap());

    // Project 2: RS256.
    let p2 = VectorProject::start(url(5), Some(jwks_fault(&both)), None).await;
    let claims = verified(p2.run(&cases[5]).await);
    assert_eq!(
        &serde_json::to_value(&claims).unwrap(),
        recorded_claims(&cases[5])
    );
    assert_eq!(claims.key_id(), keys["rs256"]["kid"].as_str());
    assert_eq!(p2.fetches(), 1);
}

#[tokio::test]
async fn get_claims_vectors_fallbacks_and_errors() {
    let v = vectors();
    let cases = v["cases"].as_array().unwrap();
    let keys = &v["jwks_public_keys"];
    let both = json!([keys["es256"], keys["rs256"]]);
    let url = |i: usize| cases[i]["project_url"].as_str().unwrap();

    // Project 3: HS256, without then with the secret.
    let p3 = VectorProject::start(url(6), Some(jwks_fault(&both)), None).await;
    for i in [6, 7, 8] {
        assert!(
            matches!(p3.run(&cases[i]).await, Ok(Verified::NeedsServerCheck)),
            "{i}"
        );
    }
    let confirmed = p3
        .verifier
        .claims_confirmed_by_server(&vector_jwt(&cases[6]))
        .unwrap();
    assert_eq!(
        &serde_json::to_value(&confirmed).unwrap(),
        recorded_claims(&cases[6])
    );
    assert_eq!(p3.fetches(), 0);
    let secret = v["hs256_secret"].as_str().unwrap();
    let p3s = VectorProject::start(url(6), None, Some(secret)).await;
    let claims = verified(p3s.run(&cases[6]).await);
    assert_eq!(claims.verified_by(), Verification::Signature);
    assert_eq!(p3s.fetches(), 0);

    // Project 4: no kid.
    let p4 = VectorProject::start(url(9), Some(jwks_fault(&both)), None).await;
    assert!(matches!(
        p4.run(&cases[9]).await,
        Ok(Verified::NeedsServerCheck)
    ));
    assert_eq!(p4.fetches(), 0);

    // Project 5: empty JWKS.
    let p5 = VectorProject::start(url(10), Some(jwks_fault(&json!([]))), None).await;
    let err = p5.run(&cases[10]).await.unwrap_err();
    assert!(err.is_transient(), "{err:?}");
    assert_eq!(p5.fetches(), 1);

    // Project 6: JWKS 500.
    let boom = Fault::respond(
        500,
        &[("content-type", "application/json")],
        r#"{"message":"boom"}"#,
    );
    let p6 = VectorProject::start(url(11), Some(boom), None).await;
    let err = p6.run(&cases[11]).await.unwrap_err();
    assert!(err.is_transient());
    assert_eq!(err.status(), Some(500));
    assert!(err.to_string().contains("boom"), "{err}");
    assert_eq!(p6.fetches(), 1);

    // Project 7: expiry and malformed tokens.
    let p7 = VectorProject::start(url(12), Some(jwks_fault(&both)), None).await;
    let expected = [
        (12, "JWT has expired"),
        (13, "JWT has expired"),
        (14, "JWT has expired"),
        (15, "Missing exp claim"),
        (16, "Invalid JWT signature"),
        (17, "Invalid JWT structure"),
        (18, "JWT not in base64url format"),
        (19, "JWT not in base64url format"),
        (20, "JWT header is not a JSON object"),
        (21, "alg does not match the key's algorithm"),
        (22, "Missing alg in the JWT header"),
    ];
    for (i, reason) in expected {
        assert_eq!(reason_of(p7.run(&cases[i]).await), reason, "case {i}");
        if let Some(message) = cases[i]["result"]["error"]["message"].as_str() {
            // Where JS returns an error for the same case, the reasons read the same.
            if i != 13 {
                assert_eq!(message, reason, "case {i}");
            }
        }
    }
    assert_eq!(
        p7.fetches(),
        1,
        "only the tampered and EdDSA cases need keys"
    );
}
