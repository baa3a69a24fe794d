//! Live cookie interop with the official `@supabase/ssr` 0.12.7 (run by Node from
//! `integration-tests/js/`): sessions written by this crate are read by
//! `createServerClient(...).auth.getSession()`, sessions written by the JS library through
//! `setAll` are read by this crate, and both write the same cookies for the same session.
//!
//! Needs Node.js 20+ and npm; without them the test fails and says how to install them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use serde_json::{Value, json};
use supabase_ssr_core::cookies::{CookieEncoding, CookieState, StoredSession};
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
