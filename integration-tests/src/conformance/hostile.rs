//! The hostile input catalogue: forged tokens, broken cookies and absurd headers, each a named
//! case of [`cases`], run by the
//! [`hostile_input_catalogue`](super::scenarios::hostile_input_catalogue) scenario against every
//! adapter.
//!
//! Every case must leave the app answering (each request bounded by [`REQUEST_BOUND`]), never
//! with 500. A [`Expect::Rejected`] case answers 401 on [`routes::CLAIMS`] and `anonymous` on
//! [`routes::OPTIONAL`]; an [`Expect::ValidSurvives`] case (a bad cookie next to a valid
//! session) still serves the session and deletes none of its cookies; an [`Expect::Outage`]
//! case may answer 503 instead of 401.
//!
//! Huge headers ([`Case::huge`]: the 200 KB `Cookie` header, the 1 MB token, 10,000 chunks,
//! the 100,000-deep JSON) may be refused by the framework itself before the app sees them; any
//! 4xx is accepted then. Of the adapters' test apps, only the tower/hyper one goes over a real
//! socket: hyper's HTTP/1 server refuses a request head above its buffer limit (~400 KB) with
//! 431, which it does to the 1 MB token (the 200 KB header, 10,000 chunks and deep JSON pass).
//! The axum, actix-web, Rocket and Poem test apps dispatch in-process and see every header; a
//! real server in front of them applies its own head-size limits — also fine. Refusals are
//! printed (`--nocapture`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde_json::{Value, json};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Session, Supabase};

use super::harness::{App, BIG_EMAIL, EMAIL, Harness, TestRequest, TestResponse, jar_holding};
use super::routes;
use crate::jar::BrowserJar;
use crate::server::{Endpoint, Fault, KeyAlgorithm};

/// The storage key of the local Auth server's project (`127.0.0.1`).
pub const KEY: &str = "sb-127-auth-token";
/// How long any one request may take.
pub const REQUEST_BOUND: Duration = Duration::from_secs(2);

/// What a case must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// No session: 401 on the protected route, `anonymous` on the open one.
    Rejected,
    /// As [`Expect::Rejected`], but the case is an Auth outage: 503 is fine too.
    Outage,
    /// A bad cookie next to a valid session of `EMAIL`: the session is served and none of its
    /// cookies is deleted.
    ValidSurvives,
}

/// One hostile input.
#[derive(Debug, Clone)]
pub struct Case {
    /// What it is.
    pub name: String,
    /// The `Cookie` header lines sent.
    pub cookie_headers: Vec<String>,
    /// The expectation.
    pub expect: Expect,
    /// Whether the framework may refuse the request itself (any 4xx accepted).
    pub huge: bool,
}

fn case(name: impl Into<String>, cookie: impl Into<String>, expect: Expect) -> Case {
    Case {
        name: name.into(),
        cookie_headers: vec![cookie.into()],
        expect,
        huge: false,
    }
}

fn rejected(name: impl Into<String>, cookie: impl Into<String>) -> Case {
    case(name, cookie, Expect::Rejected)
}

fn huge(name: impl Into<String>, cookie: impl Into<String>) -> Case {
    Case {
        huge: true,
        ..rejected(name, cookie)
    }
}

fn b64(bytes: impl AsRef<[u8]>) -> String {
    B64.encode(bytes)
}

/// A JWT from raw header and claims with the given signature segment.
fn raw_jwt(header: &Value, claims: &Value, signature: &str) -> String {
    format!(
        "{}.{}.{signature}",
        b64(header.to_string()),
        b64(claims.to_string())
    )
}

/// The payload of a JWT.
fn payload(token: &str) -> Value {
    let segment = token.split('.').nth(1).unwrap_or_default();
    let bytes = B64.decode(segment).unwrap_or_default();
    serde_json::from_slice(&bytes).unwrap_or_default()
}

/// A browser jar holding a raw item value under [`KEY`], encoded and chunked as the library
/// writes it (`base64-` + base64url, chunks `.0`, `.1`, … when long).
fn jar_of_raw(supabase: &Supabase, raw: &str) -> BrowserJar {
    let client = supabase.client([]);
    let mut state = CookieState::new(Arc::new(client.config().clone()), []);
    state.set_item(KEY, raw);
    let mut jar = BrowserJar::new();
    jar.apply(state.response_cookies().set_cookies());
    jar
}

/// The context cases are built from: a template session of `EMAIL` and its claims.
struct Forge<'a> {
    harness: &'a Harness,
    supabase: &'a Supabase,
    session_body: Value,
    claims: Value,
    kid: String,
}

impl<'a> Forge<'a> {
    /// Forges from a fresh session of `EMAIL`, signing with the key `kid` names.
    fn new(harness: &'a Harness, supabase: &'a Supabase, kid: String) -> Self {
        let issued = harness
            .auth
            .mint_session(EMAIL, 3600)
            .unwrap_or_else(|e| panic!("{e}"));
        Self {
            harness,
            supabase,
            claims: payload(&issued.access_token),
            session_body: issued.body,
            kid,
        }
    }

    /// A `Cookie` header carrying a session of `EMAIL` whose access token is `token` and whose
    /// refresh token is worthless (so no refresh can rescue it).
    fn session_with_token(&self, token: &str) -> String {
        let mut body = self.session_body.clone();
        body["access_token"] = token.into();
        body["refresh_token"] = "forged-refresh-token".into();
        let session = Session::from_value(body).unwrap_or_else(|e| panic!("{e}"));
        jar_holding(self.supabase, &session).header()
    }

    fn claims_with(&self, change: impl FnOnce(&mut serde_json::Map<String, Value>)) -> Value {
        let mut claims = self.claims.clone();
        if let Some(map) = claims.as_object_mut() {
            change(map);
        }
        claims
    }

    fn signed(&self, claims: &Value) -> String {
        self.harness
            .auth
            .sign_jwt(claims)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn signed_with_header(&self, header: &Value, claims: &Value) -> String {
        self.harness
            .auth
            .sign_jwt_with_header(header, claims)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    fn token_case(&self, name: &str, token: &str) -> Case {
        rejected(name, self.session_with_token(token))
    }

    fn claims_case(
        &self,
        name: &str,
        change: impl FnOnce(&mut serde_json::Map<String, Value>),
    ) -> Case {
        let claims = self.claims_with(change);
        self.token_case(name, &self.signed(&claims))
    }

    fn kid_case(&self, name: &str, kid: &Value) -> Case {
        let header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
        self.token_case(name, &self.signed_with_header(&header, &self.claims))
    }

    fn raw_case(&self, name: &str, raw: &str) -> Case {
        rejected(name, jar_of_raw(self.supabase, raw).header())
    }
}

fn hs256(secret: &[u8], header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let key = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, secret);
    let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", b64(tag.as_ref()))
}

/// A token signed by a key that was published, then retired (before the app ever fetched the
/// JWKS): its `kid` is unknown.
fn retired_key_token(harness: &Harness, claims: &Value) -> String {
    let auth = &harness.auth;
    let old = auth.signing_kid().unwrap_or_else(|e| panic!("{e}"));
    let new = auth
        .rotate_key(KeyAlgorithm::Es256)
        .unwrap_or_else(|e| panic!("{e}"));
    let token = auth.sign_jwt(claims).unwrap_or_else(|e| panic!("{e}"));
    auth.set_signing_key(&old).unwrap_or_else(|e| panic!("{e}"));
    auth.retire_key(&new).unwrap_or_else(|e| panic!("{e}"));
    token
}

/// The catalogue. `valid` is the `Cookie` header of a valid session of `EMAIL`.
#[allow(clippy::too_many_lines, reason = "a table")]
pub fn cases(harness: &Harness, supabase: &Supabase, valid: &str) -> Vec<Case> {
    let forge = Forge::new(
        harness,
        supabase,
        harness.auth.signing_kid().unwrap_or_else(|e| panic!("{e}")),
    );
    let now = harness.auth.now_secs();
    let kid = forge.kid.clone();
    let good_header = json!({ "alg": "ES256", "typ": "JWT", "kid": kid });
    let jwk = harness.auth.jwks()["keys"]
        .as_array()
        .and_then(|keys| keys.iter().find(|k| k["kid"] == kid.as_str()).cloned())
        .unwrap_or_default();
    let mut cases = vec![
        // ---- algorithm confusion ----
        forge.token_case(
            "alg none, empty signature",
            &raw_jwt(&json!({ "alg": "none", "typ": "JWT" }), &forge.claims, ""),
        ),
        forge.token_case(
            "alg none with the real kid, real signature kept",
            &forge.signed_with_header(&json!({ "alg": "none", "kid": kid }), &forge.claims),
        ),
        forge.token_case(
            "alg NONE (upper case)",
            &raw_jwt(&json!({ "alg": "NONE", "kid": kid }), &forge.claims, ""),
        ),
        forge.token_case(
            "HS256 signed with the public JWK as secret",
            &hs256(
                jwk.to_string().as_bytes(),
                &json!({ "alg": "HS256", "typ": "JWT", "kid": kid }),
                &forge.claims,
            ),
        ),
        forge.token_case(
            "HS256 signed with the public key's x coordinate as secret",
            &hs256(
                jwk["x"].as_str().unwrap_or_default().as_bytes(),
                &json!({ "alg": "HS256", "typ": "JWT", "kid": kid }),
                &forge.claims,
            ),
        ),
        forge.token_case(
            "HS256 signed with the publishable key as secret",
            &hs256(
                harness.auth.publishable_key().as_bytes(),
                &json!({ "alg": "HS256", "typ": "JWT" }),
                &forge.claims,
            ),
        ),
        forge.token_case(
            "header claims RS256 over the EC key",
            &forge.signed_with_header(&json!({ "alg": "RS256", "kid": kid }), &forge.claims),
        ),
        forge.token_case(
            "header without alg",
            &forge.signed_with_header(&json!({ "kid": kid }), &forge.claims),
        ),
        // ---- kid ----
        forge.kid_case("kid not in the JWKS", &json!("forged-kid")),
        forge.kid_case("kid with path characters", &json!("../../../etc/passwd")),
        forge.kid_case("kid with URL characters", &json!("x?y=1#/../.well-known/jwks.json")),
        forge.kid_case("kid empty", &json!("")),
        forge.kid_case("kid a number", &json!(42)),
        forge.kid_case("kid an object", &json!({ "kid": kid })),
        forge.kid_case("kid of 64 KB", &json!("k".repeat(64 * 1024))),
        forge.token_case(
            "kid of a retired key",
            &retired_key_token(harness, &forge.claims),
        ),
        // ---- claims ----
        forge.claims_case("wrong iss", |c| {
            c.insert("iss".into(), json!("https://evil.example.com/auth/v1"));
        }),
        forge.claims_case("iss missing", |c| {
            c.remove("iss");
        }),
        forge.claims_case("wrong aud", |c| {
            c.insert("aud".into(), json!("service_role"));
        }),
        forge.claims_case("aud missing", |c| {
            c.remove("aud");
        }),
        forge.claims_case("expired", |c| {
            c.insert("exp".into(), json!(now - 60));
        }),
        forge.claims_case("exp missing", |c| {
            c.remove("exp");
        }),
        forge.claims_case("exp a string", |c| {
            c.insert("exp".into(), json!((now + 3600).to_string()));
        }),
        forge.claims_case("exp null", |c| {
            c.insert("exp".into(), Value::Null);
        }),
        forge.claims_case("exp negative", |c| {
            c.insert("exp".into(), json!(-1));
        }),
        forge.claims_case("nbf in the future", |c| {
            c.insert("nbf".into(), json!(now + 3600));
        }),
        forge.claims_case("nbf a string", |c| {
            c.insert("nbf".into(), json!("0"));
        }),
        forge.token_case("valid signature over altered claims", &{
            let token = forge.signed(&forge.claims);
            let altered = forge.claims_with(|c| {
                c.insert("email".into(), json!("attacker@example.com"));
                c.insert("role".into(), json!("service_role"));
            });
            let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
            parts[1] = b64(altered.to_string());
            parts.join(".")
        }),
        forge.token_case("payload not an object", &forge.signed(&json!([1, 2, 3]))),
        // ---- malformed tokens ----
        forge.token_case("truncated token (half)", &{
            let token = forge.signed(&forge.claims);
            token[..token.len() / 2].to_owned()
        }),
        forge.token_case("truncated token (signature cut)", &{
            let token = forge.signed(&forge.claims);
            token[..token.len() - 5].to_owned()
        }),
        forge.token_case("two segments", &{
            let token = forge.signed(&forge.claims);
            token.rsplit_once('.').map(|(a, _)| a.to_owned()).unwrap_or_default()
        }),
        forge.token_case("four segments", &format!("{}.x", forge.signed(&forge.claims))),
        forge.token_case("empty token", ""),
        forge.token_case("dots only", ".."),
        forge.token_case("header not base64", &format!("!!!.{}", b64("{}"))),
        forge.token_case("header base64 of non-JSON", &raw_jwt(&json!("x"), &forge.claims, "AAAA")),
        Case {
            huge: true,
            ..forge.token_case("token of 1 MB", &{
                let claims = forge.claims_with(|c| {
                    c.insert("pad".into(), json!("p".repeat(1 << 20)));
                });
                raw_jwt(&good_header, &claims, "AAAA")
            })
        },
        // ---- broken cookies ----
        huge("10,000 chunks", {
            (0..10_000)
                .map(|i| format!("{KEY}.{i}=base64-{}", b64(format!("chunk{i}"))))
                .collect::<Vec<_>>()
                .join("; ")
        }),
        rejected("a chunk gap", {
            let mut jar = harness.jar_with_session(supabase, BIG_EMAIL, 3600);
            let one = format!("{KEY}.1");
            let kept: Vec<(String, String)> = jar
                .names()
                .into_iter()
                .filter(|n| *n != one)
                .map(|n| (n.to_owned(), jar.get(n).unwrap_or_default().to_owned()))
                .collect();
            jar = BrowserJar::new();
            for (name, value) in kept {
                jar.insert(name, value);
            }
            jar.header()
        }),
        rejected("chunks from two sessions mixed", {
            let a = harness.jar_with_session(supabase, BIG_EMAIL, 3600);
            // Another expiry: the tokens differ from their first chunk on (same-second
            // sessions of one user share every chunk but the last).
            let b = harness.jar_with_session(supabase, BIG_EMAIL, 3000);
            let mut jar = BrowserJar::new();
            for name in a.names() {
                let from = if name.ends_with(".0") { &a } else { &b };
                jar.insert(name, from.get(name).unwrap_or_default());
            }
            jar.header()
        }),
        rejected("invalid base64", format!("{KEY}=base64-!!!***not~base64")),
        rejected("invalid base64 (bad length)", format!("{KEY}=base64-A")),
        rejected("invalid UTF-8 percent-encoded", format!("{KEY}=%FF%FE%FD")),
        rejected(
            "invalid UTF-8 inside base64",
            format!("{KEY}=base64-{}", b64([0xff, 0xfe, 0xfd, 0x80])),
        ),
        rejected("invalid percent-encoding", format!("{KEY}=%ZZ%4%")),
        rejected("NUL bytes percent-encoded", format!("{KEY}=%00%00%7B%00")),
        rejected("NUL bytes inside base64", format!("{KEY}=base64-{}", b64([0u8; 64]))),
        Case {
            huge: true,
            ..forge.raw_case("JSON nested 100,000 deep", &"[".repeat(100_000))
        },
        forge.raw_case("JSON objects nested 10,000 deep", &"{\"a\":".repeat(10_000)),
        forge.raw_case(
            "session JSON with wrong field types",
            &json!({ "access_token": 1, "refresh_token": [], "expires_at": "soon",
                     "user": "me", "token_type": false })
            .to_string(),
        ),
        forge.raw_case(
            "session JSON with huge expires_at",
            &format!(
                r#"{{"access_token":"x.y.z","refresh_token":"r","expires_at":1e400,"expires_in":3600,"token_type":"bearer","user":{}}}"#,
                forge.session_body["user"]
            ),
        ),
        forge.raw_case("JSON null", "null"),
        forge.raw_case("JSON string", "\"session\""),
        forge.raw_case("JSON array", "[]"),
        forge.raw_case("not JSON", "this is not json"),
        rejected("empty refresh token, expired session", {
            let expired = harness
                .auth
                .mint_session(EMAIL, -60)
                .unwrap_or_else(|e| panic!("{e}"));
            let mut body = expired.body;
            body["refresh_token"] = "".into();
            let session = Session::from_value(body).unwrap_or_else(|e| panic!("{e}"));
            jar_holding(supabase, &session).header()
        }),
        rejected(
            "duplicate cookie names",
            format!("{KEY}=base64-e30; {KEY}=garbage; {KEY}.0=x; {KEY}.0=y"),
        ),
        huge("a 200 KB Cookie header", {
            (0..200)
                .map(|i| format!("filler{i}={}", "f".repeat(1000)))
                .collect::<Vec<_>>()
                .join("; ")
        }),
        rejected("empty Cookie header", ""),
        rejected("`=` only", "="),
        rejected("`;` only", ";"),
        rejected("unicode names", "ñandú=1; 🍪=2; sb-😀-auth-token=3"),
        rejected("4 KB of `;`", ";".repeat(4096)),
        rejected(
            "many tiny cookies",
            (0..5000).map(|i| format!("a{i}=b")).collect::<Vec<_>>().join("; "),
        ),
        rejected("`base64-` alone", format!("{KEY}=base64-")),
        rejected("a chunk `.01`", format!("{KEY}.01=base64-e30")),
        rejected("a chunk `.00` and `.1`", format!("{KEY}.00=base64-e30; {KEY}.1=x")),
        rejected("a negative chunk index", format!("{KEY}.-1=base64-e30")),
        rejected(
            "huge chunk indexes",
            format!("{KEY}.0=base64-e30; {KEY}.18446744073709551616=x; {KEY}.4294967295=y"),
        ),
        rejected("a chunk `.0` alone", format!("{KEY}.0=base64-e30")),
        rejected("name without value", KEY.to_owned()),
        rejected("quoted value", format!("{KEY}=\"base64-e30\"")),
        rejected(
            // (Other control characters cannot appear in a header value at all.)
            "tab and spaces in value",
            format!("{KEY}=base64-\tx y\t"),
        ),
        // ---- next to a valid session ----
        case(
            "an unrelated garbage cookie next to a valid session",
            format!("{valid}; junk=%ZZ%FF; other=base64-!!!"),
            Expect::ValidSurvives,
        ),
        case(
            "a forged session for a different project ref next to a valid session",
            format!(
                "{valid}; sb-otherref-auth-token=base64-{}",
                b64(json!({ "access_token": "a.b.c", "refresh_token": "r" }).to_string())
            ),
            Expect::ValidSurvives,
        ),
        case(
            "a garbage code verifier next to a valid session",
            format!("{valid}; {KEY}-code-verifier=%ZZ"),
            Expect::ValidSurvives,
        ),
        case(
            "unicode cookie names next to a valid session",
            format!("ñandú=1; {valid}; 🍪=2"),
            Expect::ValidSurvives,
        ),
        case(
            "1,000 tiny cookies next to a valid session",
            format!(
                "{}; {valid}",
                (0..1000).map(|i| format!("t{i}=v")).collect::<Vec<_>>().join("; ")
            ),
            Expect::ValidSurvives,
        ),
        case(
            "`=` and `;` entries next to a valid session",
            format!(";;=; {valid};=;"),
            Expect::ValidSurvives,
        ),
        case(
            "a chunk-like cookie of a longer name next to a valid session",
            format!("{valid}; {KEY}x.0=base64-!!; {KEY}-user.0=%FF"),
            Expect::ValidSurvives,
        ),
    ];
    cases.push(Case {
        name: "a valid session on one line, garbage on a second line".to_owned(),
        cookie_headers: vec![valid.to_owned(), "junk=%ZZ; =; 🍪=x".to_owned()],
        expect: Expect::ValidSurvives,
        huge: false,
    });
    cases
}

/// Sends `request`, failing the case if it takes longer than [`REQUEST_BOUND`].
async fn send_bounded<A: App>(app: &A, name: &str, request: TestRequest) -> TestResponse {
    let started = Instant::now();
    let response = tokio::time::timeout(REQUEST_BOUND, app.send(request))
        .await
        .unwrap_or_else(|_| panic!("{name}: no answer within {REQUEST_BOUND:?}"));
    assert!(
        started.elapsed() < REQUEST_BOUND,
        "{name}: took {:?}",
        started.elapsed()
    );
    response
}

fn request(path: &str, case: &Case) -> TestRequest {
    case.cookie_headers
        .iter()
        .fold(TestRequest::get(path), |r, h| r.header("Cookie", h.clone()))
}

fn short(response: &TestResponse) -> String {
    let body: String = response.body.chars().take(200).collect();
    format!(
        "status {} body {body:?} set-cookie {:?}",
        response.status,
        response.set_cookies()
    )
}

/// Runs one case against `app`.
pub async fn run_case<A: App>(app: &A, case: &Case) {
    let name = case.name.as_str();
    let claims = send_bounded(app, name, request(routes::CLAIMS, case)).await;
    let optional = send_bounded(app, name, request(routes::OPTIONAL, case)).await;
    for response in [&claims, &optional] {
        assert!(
            response.status < 500 || response.status == 503,
            "{name}: {}",
            short(response)
        );
    }
    let refused = |r: &TestResponse| case.huge && (400..500).contains(&r.status) && r.status != 401;
    for response in [&claims, &optional] {
        if refused(response) {
            eprintln!("{name}: refused by the framework with {}", response.status);
        }
    }
    match case.expect {
        Expect::Rejected | Expect::Outage => {
            let outage = case.expect == Expect::Outage && claims.status == 503;
            assert!(
                claims.status == 401 || outage || refused(&claims),
                "{name}: protected route: {}",
                short(&claims)
            );
            let outage = case.expect == Expect::Outage && optional.status == 503;
            assert!(
                (optional.status, optional.body.as_str()) == (200, "anonymous")
                    || outage
                    || refused(&optional),
                "{name}: open route: {}",
                short(&optional)
            );
        }
        Expect::ValidSurvives => {
            assert_eq!(claims.status, 200, "{name}: {}", short(&claims));
            let body: Value = serde_json::from_str(&claims.body).unwrap_or_default();
            assert_eq!(body["email"], EMAIL, "{name}: {}", short(&claims));
            assert_eq!(
                (optional.status, optional.body.as_str()),
                (200, EMAIL),
                "{name}"
            );
            for response in [&claims, &optional] {
                let deleted: Vec<&str> = response
                    .deletions()
                    .into_iter()
                    .filter(|d| {
                        d.starts_with(&format!("{KEY}=")) || d.starts_with(&format!("{KEY}."))
                    })
                    .collect();
                assert!(deleted.is_empty(), "{name}: deleted {deleted:?}");
            }
        }
    }
}

/// 1,000 tokens with distinct forged `kid`s, sent through the app 50 at a time: all 401, and at
/// most one JWKS fetch (one per unknown-kid interval, 30 s, far longer than the flood).
pub async fn forged_kid_flood<A: App>(harness: &Harness, supabase: &Supabase, app: &A) {
    let forge = Forge::new(harness, supabase, String::new());
    let headers: Vec<String> = (0..1000)
        .map(|i| {
            let header = json!({ "alg": "ES256", "typ": "JWT", "kid": format!("forged-{i}") });
            forge.session_with_token(&forge.signed_with_header(&header, &forge.claims))
        })
        .collect();
    let before = harness.auth.count(Endpoint::Jwks);
    let started = Instant::now();
    for chunk in headers.chunks(50) {
        let requests = chunk.iter().map(|h| {
            send_bounded(
                app,
                "forged-kid flood",
                TestRequest::get(routes::CLAIMS).header("Cookie", h.clone()),
            )
        });
        for response in futures_util::future::join_all(requests).await {
            assert_eq!(
                response.status,
                401,
                "forged-kid flood: {}",
                short(&response)
            );
        }
    }
    let fetches = harness.auth.count(Endpoint::Jwks) - before;
    assert!(
        fetches <= 1 + u64::from(started.elapsed() > Duration::from_secs(30)),
        "forged-kid flood made {fetches} JWKS fetches in {:?}",
        started.elapsed()
    );
}

/// An Auth outage: the JWKS endpoint answers 503 to an app that never fetched it, and the
/// session's refresh fails the same way.
pub async fn outage_case<A: App>(harness: &Harness, make: fn(Supabase) -> A) {
    let supabase = harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(500))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let cookie = harness.jar_with_session(&supabase, EMAIL, 3600).header();
    let app = make(supabase);
    harness.auth.set_fault(Endpoint::Jwks, Fault::status(503));
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let case = Case {
        name: "JWKS and refresh answer 503 (outage)".to_owned(),
        cookie_headers: vec![cookie],
        expect: Expect::Outage,
        huge: false,
    };
    run_case(&app, &case).await;
    harness.auth.clear_faults();
}
