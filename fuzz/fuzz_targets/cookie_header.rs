//! Arbitrary bytes as `Cookie` request headers: parsing, reading the session, signing out and
//! serializing must never panic.
#![no_main]

use std::sync::{Arc, LazyLock};

use libfuzzer_sys::fuzz_target;
use supabase_ssr_core::Config;
use supabase_ssr_core::cookies::{CookieState, StoredSession, parse_cookie_header, parse_cookie_headers};

static CONFIG: LazyLock<Arc<Config>> = LazyLock::new(|| {
    Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "k").expect("valid config"))
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    // A `\n` in the input separates several `Cookie` headers.
    let headers: Vec<&str> = text.split('\n').collect();

    let single = parse_cookie_header(&text);
    let multi = parse_cookie_headers(headers.iter().copied());
    if headers.len() == 1 {
        assert_eq!(single, multi, "one header parses the same either way");
    }

    // One header, as the brief's `CookieState::new(config, [header])`.
    // Real header values never hold CR or LF (`http::HeaderValue` rejects them); when the input
    // has none, neither may anything written back.
    let single_clean = !text.contains(['\r', '\n']);
    let mut state = CookieState::new(CONFIG.clone(), [text.as_ref()]);
    exercise(&mut state, single_clean);
    // Several headers.
    let multi_clean = !headers.iter().any(|h| h.contains(['\r', '\n']));
    let mut state = CookieState::new(CONFIG.clone(), headers.iter().copied());
    exercise(&mut state, multi_clean);
});

fn exercise(state: &mut CookieState, clean_input: bool) {
    let _ = state.request_cookie_header();
    match state.stored_session() {
        StoredSession::Present(session) => {
            let _ = session.user();
            let _ = session.fields();
            let _ = session.expires_at();
        }
        StoredSession::Absent | StoredSession::Invalid(_) => {}
        #[allow(unreachable_patterns)]
        _ => {}
    }
    let _ = state.response_cookies();
    state.remove_session();
    assert!(
        !matches!(state.stored_session(), StoredSession::Present(_)),
        "no session after remove_session"
    );
    let response = state.response_cookies();
    for set_cookie in response.set_cookies() {
        assert!(
            !clean_input || !set_cookie.contains(['\r', '\n']),
            "no header injection in Set-Cookie"
        );
    }
    let _ = response.cache_headers();
    if let Some(header) = state.request_cookie_header() {
        assert!(
            !clean_input || !header.contains(['\r', '\n']),
            "no header injection in Cookie"
        );
    }
}
