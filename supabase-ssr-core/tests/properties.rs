//! Property tests of the cookie layer: what is written reads back byte for byte, and no Cookie
//! header, however malformed, makes it panic.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use proptest::prelude::*;
use supabase_ssr_core::Config;
use supabase_ssr_core::cookies::{CookieEncoding, CookieOptions, CookieState, StoredSession};

fn config(encoding: CookieEncoding, domain: bool) -> Arc<Config> {
    let mut options = CookieOptions::default();
    options.domain = domain.then(|| "example.com".to_owned());
    Arc::new(
        Config::new("https://abcdefghijklmnop.supabase.co", "key")
            .unwrap()
            .with_encoding(encoding)
            .with_cookie_options(options)
            .unwrap(),
    )
}

/// The `Cookie` header a browser sends back after storing these `Set-Cookie` values.
fn browser_echo(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .filter(|c| !c.contains("Max-Age=0"))
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Session-shaped JSON whose user metadata is an arbitrary string (any Unicode, escapes,
/// quotes, `;`, `%`), so the whole value spans 0–20 KB.
fn session_json() -> impl Strategy<Value = String> {
    (any::<String>(), 0usize..20_000, any::<u32>()).prop_map(|(text, pad, expires_at)| {
        let metadata: String = text.chars().cycle().take(pad).collect();
        let session = serde_json::json!({
            "access_token": "eyJhbGciOiJFUzI1NiJ9.e30.sig",
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": expires_at,
            "refresh_token": "rt",
            "user": { "id": "u", "user_metadata": { "note": metadata } },
        });
        serde_json::to_string(&session).unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_written_session_reads_back_byte_for_byte(
        json in session_json(),
        raw in any::<bool>(),
        domain in any::<bool>(),
    ) {
        let encoding = if raw { CookieEncoding::Raw } else { CookieEncoding::Base64Url };
        let config = config(encoding, domain);
        let key = config.storage_key().to_owned();
        let mut state = CookieState::new(config.clone(), ["other=1"]);
        state.set_item(&key, json.clone());
        let response = state.response_cookies();
        for set_cookie in response.set_cookies() {
            // Each cookie stays under the browsers' 4096-byte limit.
            prop_assert!(set_cookie.len() < 4096, "{} bytes", set_cookie.len());
        }
        let header = browser_echo(response.set_cookies());
        let next = CookieState::new(config, [header.as_str()]);
        let read = next.get_item(&key).map(std::borrow::Cow::into_owned);
        prop_assert_eq!(read, Some(json));
        prop_assert!(matches!(next.stored_session(), StoredSession::Present(_)));
    }

    #[test]
    fn a_shrinking_session_leaves_no_stale_chunk(big in 8_000usize..20_000, small in 0usize..3_000) {
        let config = config(CookieEncoding::Base64Url, false);
        let key = config.storage_key().to_owned();
        let mut first = CookieState::new(config.clone(), []);
        first.set_item(&key, "x".repeat(big));
        let header = browser_echo(first.response_cookies().set_cookies());

        let mut second = CookieState::new(config.clone(), [header.as_str()]);
        second.set_item(&key, "y".repeat(small));
        let response = second.response_cookies();
        // Apply to a browser jar: only the new chunks may remain.
        let mut jar: Vec<String> = header.split("; ").map(|p| p.split('=').next().unwrap().to_owned()).collect();
        let mut written = 0;
        for set_cookie in response.set_cookies() {
            let name = set_cookie.split('=').next().unwrap().to_owned();
            jar.retain(|n| *n != name);
            if !set_cookie.contains("Max-Age=0") {
                jar.push(name);
                written += 1;
            }
        }
        prop_assert_eq!(jar.len(), written);
        let third = CookieState::new(config, [browser_echo(response.set_cookies()).as_str()]);
        let read = third.get_item(&key).map(std::borrow::Cow::into_owned);
        prop_assert_eq!(read, Some("y".repeat(small)));
    }

    #[test]
    fn any_cookie_header_is_read_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let header = String::from_utf8_lossy(&bytes);
        exercise(&header);
    }

    #[test]
    fn any_chunk_soup_is_read_without_panicking(
        chunks in proptest::collection::vec(("[0-9]{1,3}", "[ -~]{0,64}"), 0..40),
        prefix in any::<bool>(),
    ) {
        let header = chunks
            .iter()
            .enumerate()
            .map(|(i, (index, value))| {
                let value = if prefix && i == 0 { format!("base64-{value}") } else { value.clone() };
                format!("sb-abcdefghijklmnop-auth-token.{index}={value}")
            })
            .collect::<Vec<_>>()
            .join("; ");
        exercise(&header);
    }
}

fn exercise(header: &str) {
    for encoding in [CookieEncoding::Base64Url, CookieEncoding::Raw] {
        let mut state = CookieState::new(config(encoding, true), [header, header]);
        let _ = state.stored_session();
        let _ = state.get_item("sb-abcdefghijklmnop-auth-token-code-verifier");
        state.remove_session();
        let _ = state.response_cookies();
        let _ = state.request_cookie_header();
    }
}
