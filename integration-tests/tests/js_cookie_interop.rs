//! Live cookie interop with the official `@supabase/ssr` 0.12.7 (run by Node from
//! `integration-tests/js/`): sessions written by this crate are read by
//! `createServerClient(...).auth.getSession()`, sessions written by the JS library through
//! `setAll` are read by this crate, and both write the same cookies for the same session — also
//! with `cookies.encode = "tokens-only"` and with `Partitioned`/`Priority` cookie options;
//! `Set-Cookie` rendering is compared with `cookie.serialize`, and `clear_auth_cookies` with
//! `clearAuthCookiesAtScopes`.
//!
//! Needs Node.js 20+ and npm; without them the test fails and says how to install them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::{Value, json};
use supabase_ssr_core::cookies::{
    CookieContents, CookieEncoding, CookieOptions, CookieState, Priority, SameSite, StoredSession,
    clear_auth_cookies, parse_cookie_header, serialize_set_cookie,
};
use supabase_ssr_core::{Config, Session};
use supabase_ssr_testing::node::NodeScripts;

const URL: &str = "https://abcdefghijklmnop.supabase.co";
const KEY: &str = "sb_publishable_interop";

/// A token response in the Go server's key order, with `note` repeated into the user metadata
/// until the JSON is about `size` bytes.
fn token_response(size: usize, note: &str) -> Value {
    let note: String = note
        .chars()
        .cycle()
        .take(size.saturating_sub(900))
        .collect();
    json!({
        "access_token": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSJ9.c2ln",
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": 4_102_444_800_u64,
        "refresh_token": "v1-refresh-token",
        "user": {
            "id": "8f0e5c7e-4a3b-4c7d-9e2f-1a2b3c4d5e6f",
            "aud": "authenticated",
            "role": "authenticated",
            "email": "user@example.com",
            "phone": "",
            "app_metadata": { "provider": "email", "providers": ["email"] },
            "user_metadata": { "note": note, "email_verified": true },
            "identities": [],
            "created_at": "2025-12-01T00:00:00.000000Z",
            "is_anonymous": false
        },
        "weak_password": null
    })
}

struct Case {
    label: &'static str,
    encoding: CookieEncoding,
    response: Value,
    /// Expected number of session cookies (base64url only; raw sizes depend on escaping).
    cookies: Option<usize>,
}

fn cases() -> Vec<Case> {
    let unicode = "Łódź 東京 🤙🏾 \"quoted\" ; % = \\ + , {}[] ";
    let mut cases = Vec::new();
    for encoding in [CookieEncoding::Base64Url, CookieEncoding::Raw] {
        let base64 = encoding == CookieEncoding::Base64Url;
        for (label, size, cookies) in [
            ("one cookie", 1500, 1),
            ("two chunks", 3500, 2),
            ("five chunks", 11_000, 5),
        ] {
            cases.push(Case {
                label,
                encoding,
                response: token_response(size, "abcdefghij"),
                cookies: base64.then_some(cookies),
            });
        }
        cases.push(Case {
            label: "non-ASCII user metadata",
            encoding,
            response: token_response(6000, unicode),
            cookies: None,
        });
    }
    cases
}

fn encoding_name(encoding: CookieEncoding) -> &'static str {
    match encoding {
        CookieEncoding::Base64Url => "base64url",
        CookieEncoding::Raw => "raw",
    }
}

fn config(encoding: CookieEncoding) -> Arc<Config> {
    Arc::new(Config::new(URL, KEY).unwrap().with_encoding(encoding))
}

/// `name=value` of each cookie set (not deleted), as a browser would store and send them.
fn cookie_pairs(set_cookies: &[String]) -> Vec<String> {
    set_cookies
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect()
}

fn node() -> NodeScripts {
    NodeScripts::for_test()
}

#[test]
fn javascript_reads_sessions_written_by_rust() {
    let cases = cases();
    let mut written = Vec::new();
    let mut requests = Vec::new();
    for case in &cases {
        let session = Session::from_value(case.response.clone()).unwrap();
        let mut state = CookieState::new(config(case.encoding), []);
        state.set_session(&session);
        let pairs = cookie_pairs(state.response_cookies().set_cookies());
        if let Some(expected) = case.cookies {
            assert_eq!(pairs.len(), expected, "{}", case.label);
        }
        requests.push(json!({
            "encoding": encoding_name(case.encoding),
            "cookie_header": pairs.join("; "),
        }));
        written.push(session.to_json());
    }
    let stdin = json!({ "url": URL, "key": KEY, "cases": requests }).to_string();
    let output = node().run("cookie-interop.mjs", &["read"], &stdin).unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), cases.len());
    for ((case, ours), theirs) in cases.iter().zip(&written).zip(&results) {
        assert_eq!(
            theirs["session_json"].as_str(),
            Some(ours.as_str()),
            "{} ({:?}): @supabase/ssr read a different session",
            case.label,
            case.encoding
        );
    }
}

#[test]
fn rust_reads_sessions_written_by_javascript_and_writes_the_same_cookies() {
    let cases = cases();
    let requests: Vec<Value> = cases
        .iter()
        .map(|case| {
            json!({ "encoding": encoding_name(case.encoding), "token_response": case.response })
        })
        .collect();
    let stdin = json!({ "url": URL, "key": KEY, "cases": requests }).to_string();
    let output = node()
        .run("cookie-interop.mjs", &["write"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), cases.len());
    for (case, theirs) in cases.iter().zip(&results) {
        let js_set_cookies: Vec<String> =
            serde_json::from_value(theirs["set_cookies"].clone()).unwrap();
        let js_pairs = cookie_pairs(&js_set_cookies);
        let state = CookieState::new(config(case.encoding), [js_pairs.join("; ").as_str()]);
        let StoredSession::Present(session) = state.stored_session() else {
            panic!("{}: no session read from {js_pairs:?}", case.label);
        };
        assert_eq!(
            Some(session.to_json().as_str()),
            theirs["session_json"].as_str(),
            "{} ({:?})",
            case.label,
            case.encoding
        );

        // Writing the same session gives byte-identical cookie names and values.
        let mut ours = CookieState::new(config(case.encoding), []);
        ours.set_session(&session);
        assert_eq!(
            cookie_pairs(ours.response_cookies().set_cookies()),
            js_pairs,
            "{} ({:?})",
            case.label,
            case.encoding
        );
    }
}

fn tokens_only(encoding: CookieEncoding) -> Arc<Config> {
    Arc::new(
        Config::new(URL, KEY)
            .unwrap()
            .with_encoding(encoding)
            .with_cookie_contents(CookieContents::TokensOnly),
    )
}

fn strings(value: &Value) -> Vec<String> {
    serde_json::from_value(value.clone()).unwrap()
}

/// `cookies: { encode: "tokens-only" }`: for the same sign-in, `@supabase/ssr` and
/// `CookieContents::TokensOnly` send the very same `Set-Cookie` values (a session without its
/// user fits one cookie, however large the user); each library reads the other's cookie, with
/// the same tokens and no user.
#[test]
fn tokens_only_cookies_are_the_same_in_both_libraries() {
    let cases = cases();
    let requests: Vec<Value> = cases
        .iter()
        .map(|case| {
            json!({
                "encoding": encoding_name(case.encoding),
                "token_response": case.response,
                "contents": "tokens-only",
            })
        })
        .collect();
    let stdin = json!({ "url": URL, "key": KEY, "cases": requests }).to_string();
    let output = node()
        .run("cookie-interop.mjs", &["write"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), cases.len());
    let mut reads = Vec::new();
    let mut expected_tokens = Vec::new();
    for (case, theirs) in cases.iter().zip(&results) {
        let label = format!("{} ({:?})", case.label, case.encoding);
        let js_set_cookies = strings(&theirs["set_cookies"]);
        let session = Session::from_value(case.response.clone()).unwrap();
        let tokens = session.without_user();
        assert!(!tokens.as_json().contains("\"user\""), "{label}");

        // Byte for byte, attributes included.
        let mut ours = CookieState::new(tokens_only(case.encoding), []);
        ours.set_session(&session);
        assert_eq!(
            ours.response_cookies().set_cookies(),
            js_set_cookies,
            "{label}"
        );
        assert_eq!(
            js_set_cookies.len(),
            1,
            "{label}: one cookie, whatever the user"
        );

        // Rust reads the JS cookie in both modes: the tokens, no user.
        let header = cookie_pairs(&js_set_cookies).join("; ");
        for config in [tokens_only(case.encoding), self::config(case.encoding)] {
            let StoredSession::Present(read) =
                CookieState::new(config, [header.as_str()]).stored_session()
            else {
                panic!("{label}: no session read");
            };
            assert_eq!(read.as_json(), tokens.as_json(), "{label}");
            assert!(read.user().is_none(), "{label}");
        }
        // …and the JS library reads ours, in both modes.
        let header = cookie_pairs(ours.response_cookies().set_cookies()).join("; ");
        for contents in [json!("tokens-only"), Value::Null] {
            reads.push(json!({
                "encoding": encoding_name(case.encoding),
                "cookie_header": header,
                "contents": contents,
            }));
            expected_tokens.push((label.clone(), tokens.to_json()));
        }
    }
    let stdin = json!({ "url": URL, "key": KEY, "cases": reads }).to_string();
    let output = node()
        .run("cookie-interop.mjs", &["get-session"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), expected_tokens.len());
    for ((label, tokens), theirs) in expected_tokens.iter().zip(&results) {
        assert_eq!(
            theirs["tokens_json"].as_str(),
            Some(tokens.as_str()),
            "{label}"
        );
        assert_eq!(theirs["user_available"], false, "{label}");
        assert_eq!(
            theirs["set_cookies"],
            json!([]),
            "{label}: nothing rewritten"
        );
    }
}

/// A full cookie read with `tokens-only` set: both libraries read the tokens; the JS library
/// hides the user the cookie holds (its user storage is empty), this crate shows it.
#[test]
fn full_cookies_are_read_in_tokens_only_mode() {
    let response = token_response(1500, "abcdefghij");
    let session = Session::from_value(response).unwrap();
    let mut state = CookieState::new(config(CookieEncoding::Base64Url), []);
    state.set_session(&session);
    let header = cookie_pairs(state.response_cookies().set_cookies()).join("; ");
    let StoredSession::Present(read) =
        CookieState::new(tokens_only(CookieEncoding::Base64Url), [header.as_str()])
            .stored_session()
    else {
        panic!("no session read");
    };
    assert_eq!(read.as_json(), session.as_json());
    assert_eq!(
        read.user().unwrap().email(),
        session.user().unwrap().email()
    );
    let stdin = json!({ "url": URL, "key": KEY, "cases": [{
        "encoding": "base64url", "cookie_header": header, "contents": "tokens-only",
    }]})
    .to_string();
    let output = node()
        .run("cookie-interop.mjs", &["get-session"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(
        results[0]["tokens_json"].as_str(),
        Some(session.without_user().as_json())
    );
    assert_eq!(results[0]["user_available"], false);
}

/// `Partitioned` and `Priority` (and every other attribute) render as `cookie.serialize`
/// renders them, one attribute at a time and all together, and a server configured with them
/// writes the cookies `@supabase/ssr` writes with the same `cookieOptions`.
#[test]
fn cookie_attributes_render_like_cookie_serialize() {
    let all = CookieOptions::default()
        .with_domain(".example.com")
        .with_path(Some("/app".into()))
        .with_same_site(Some(SameSite::None))
        .with_http_only(true)
        .with_secure(true)
        .with_partitioned(true)
        .with_priority(Some(Priority::High));
    let all_js = json!({
        "domain": ".example.com", "path": "/app", "sameSite": "none", "httpOnly": true,
        "secure": true, "partitioned": true, "priority": "high",
    });
    let mut cases: Vec<(CookieOptions, Option<i64>, Value)> = vec![
        (all.clone(), Some(34_560_000), {
            let mut o = all_js.clone();
            o["maxAge"] = json!(34_560_000);
            o
        }),
        (all.clone(), Some(0), {
            let mut o = all_js.clone();
            o["maxAge"] = json!(0);
            o
        }),
        (
            CookieOptions::default().with_partitioned(true),
            None,
            json!({ "path": "/", "sameSite": "lax", "partitioned": true }),
        ),
    ];
    for (priority, name) in [
        (Priority::Low, "low"),
        (Priority::Medium, "medium"),
        (Priority::High, "high"),
    ] {
        cases.push((
            CookieOptions::default().with_priority(Some(priority)),
            Some(1),
            json!({ "path": "/", "sameSite": "lax", "priority": name, "maxAge": 1 }),
        ));
    }
    for (same_site, name) in [(SameSite::Strict, "strict"), (SameSite::Lax, "lax")] {
        cases.push((
            CookieOptions::default()
                .with_same_site(Some(same_site))
                .with_secure(true)
                .with_partitioned(true),
            None,
            json!({ "path": "/", "sameSite": name, "secure": true, "partitioned": true }),
        ));
    }
    let value = "base64-eyJ9 {\"a\":\"é;\"}";
    let requests: Vec<Value> = cases
        .iter()
        .map(|(_, _, js)| json!({ "name": "sb-x-auth-token.0", "value": value, "options": js }))
        .collect();
    let stdin = json!({ "cases": requests }).to_string();
    let output = node()
        .run("cookie-interop.mjs", &["serialize"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), cases.len());
    for ((options, max_age, js), theirs) in cases.iter().zip(&results) {
        let ours = serialize_set_cookie("sb-x-auth-token.0", value, options, *max_age).unwrap();
        assert_eq!(Some(ours.as_str()), theirs["set_cookie"].as_str(), "{js}");
    }

    // A whole sign-in with those cookieOptions: the same Set-Cookie values.
    let response = token_response(3500, "abcdefghij");
    let stdin = json!({ "url": URL, "key": KEY, "cases": [{
        "encoding": "base64url", "token_response": response, "cookie_options": all_js,
    }]})
    .to_string();
    let output = node()
        .run("cookie-interop.mjs", &["write"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    let config = Arc::new(
        Config::new(URL, KEY)
            .unwrap()
            .with_cookie_options(all)
            .unwrap(),
    );
    let mut ours = CookieState::new(config, []);
    ours.set_session(&Session::from_value(response).unwrap());
    let js = strings(&results[0]["set_cookies"]);
    assert_eq!(js.len(), 2, "two chunks");
    assert_eq!(ours.response_cookies().set_cookies(), js);
}

/// `clear_auth_cookies` deletes what `clearAuthCookiesAtScopes` deletes, in the same order and
/// byte for byte, for the same request cookies and scopes.
#[test]
fn clear_auth_cookies_matches_clear_auth_cookies_at_scopes() {
    let key = "sb-abcdefghijklmnop-auth-token";
    let headers = [
        format!("{key}.1=b; theme=dark; {key}.0=base64-a; {key}-code-verifier=v; {key}.01=x"),
        format!("{key}=base64-e30; other={key}"),
        "theme=dark".to_owned(),
        format!("{key}.0=a; {key}.1=b; {key}.2=c; {key}-user=u"),
    ];
    let scope_sets: Vec<(Vec<CookieOptions>, Value)> = vec![
        (
            vec![CookieOptions::default().with_domain(".example.com")],
            json!([{ "domain": ".example.com" }]),
        ),
        (
            vec![
                CookieOptions::default().with_path(Some("/app".into())),
                CookieOptions::default()
                    .with_domain("app.example.com")
                    .with_path(Some("/".into()))
                    .with_secure(true)
                    .with_partitioned(true)
                    .with_priority(Some(Priority::Low))
                    .with_same_site(Some(SameSite::Strict))
                    .with_http_only(true),
            ],
            json!([
                { "path": "/app" },
                {
                    "domain": "app.example.com", "path": "/", "secure": true, "partitioned": true,
                    "priority": "low", "sameSite": "strict", "httpOnly": true,
                },
            ]),
        ),
        (Vec::new(), json!([])),
    ];
    let mut requests = Vec::new();
    let mut expected = Vec::new();
    for header in &headers {
        for (scopes, js_scopes) in &scope_sets {
            requests.push(json!({
                "cookie_header": header, "storage_key": key, "scopes": js_scopes,
            }));
            let cookies = parse_cookie_header(header);
            expected.push((
                format!("{header} / {js_scopes}"),
                clear_auth_cookies(&cookies, key, scopes).unwrap(),
            ));
        }
    }
    let stdin = json!({ "cases": requests }).to_string();
    let output = node()
        .run("cookie-interop.mjs", &["clear"], &stdin)
        .unwrap();
    let results: Vec<Value> = serde_json::from_str(&output).unwrap();
    assert_eq!(results.len(), expected.len());
    let mut deletions = 0;
    for ((label, ours), theirs) in expected.iter().zip(&results) {
        assert_eq!(ours, &strings(&theirs["set_cookies"]), "{label}");
        deletions += ours.len();
    }
    // Chunk-like cookies per header (2, 1, 0, 3), deleted at 1 + 2 + 0 scopes.
    assert_eq!(deletions, 3 * (2 + 1 + 3), "cases exercised");

    // Through a request's client: recorded in the response cookies.
    let supabase = supabase_ssr_core::Supabase::builder(URL, KEY)
        .build()
        .unwrap();
    let client = supabase.client([headers[0].as_str()]);
    client.clear_auth_cookies(&scope_sets[1].0).unwrap();
    assert_eq!(
        client.response_cookies().set_cookies(),
        expected[1].1.as_slice()
    );
}
