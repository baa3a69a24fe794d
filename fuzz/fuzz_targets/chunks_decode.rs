//! Chunked session cookies (`sb-<ref>-auth-token.N`, raw or `base64-`), the base64url and
//! value decoders, and the `create_chunks` / `combine_chunks` round trip.
#![no_main]

use std::sync::{Arc, LazyLock};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use supabase_ssr_core::Config;
use supabase_ssr_core::cookies::{
    CookieState, StoredSession, combine_chunks, create_chunks, decode_base64url, decode_value,
};

const KEY: &str = "sb-abcdefghijklmnop-auth-token";

static CONFIG: LazyLock<Arc<Config>> = LazyLock::new(|| {
    Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "k").expect("valid config"))
});

#[derive(Debug, Arbitrary)]
struct Part {
    /// The chunk index written in the name (`None`: the unchunked `KEY` itself).
    index: Option<u8>,
    base64_prefix: bool,
    value: String,
}

#[derive(Debug, Arbitrary)]
struct Input {
    parts: Vec<Part>,
    /// Appended to the header verbatim (other cookies, junk).
    extra: String,
    /// Decoded on its own.
    loose: String,
    /// Round-tripped through create_chunks / combine_chunks.
    round_trip: String,
    chunk_size: u16,
}

fuzz_target!(|input: Input| {
    let mut header = String::new();
    for part in &input.parts {
        if !header.is_empty() {
            header.push_str("; ");
        }
        header.push_str(KEY);
        if let Some(index) = part.index {
            header.push('.');
            header.push_str(&index.to_string());
        }
        header.push('=');
        if part.base64_prefix {
            header.push_str("base64-");
        }
        header.push_str(&part.value);
    }
    header.push_str(&input.extra);

    let state = CookieState::new(CONFIG.clone(), [header.as_str()]);
    let _ = state.get_item(KEY);
    let _ = state.get_item(&format!("{KEY}-code-verifier"));
    if let StoredSession::Present(session) = state.stored_session() {
        let _ = session.user();
        let _ = session.fields();
    }

    for text in [input.loose.as_str(), input.extra.as_str()] {
        let _ = decode_base64url(text);
        let _ = decode_value(text);
    }

    // Round trip: any value, any size >= 12 (the largest percent-encoded character).
    let size = 12 + usize::from(input.chunk_size) % 4096;
    let value = input.round_trip.as_str();
    let chunks = create_chunks(KEY, value, size);
    assert!(!chunks.is_empty());
    for chunk in &chunks {
        let encoded = percent_encoded_len(&chunk.value);
        assert!(
            encoded <= size,
            "chunk {} is {encoded} > {size} encoded",
            chunk.name
        );
    }
    let combined = combine_chunks(KEY, |name| {
        chunks
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.value.as_str())
    });
    assert_eq!(combined.as_deref().unwrap_or(""), value, "create/combine round trip");
});

/// `encodeURIComponent` length: unreserved ASCII stays, everything else is %XX per UTF-8 byte.
fn percent_encoded_len(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c) {
                1
            } else {
                3 * c.len_utf8()
            }
        })
        .sum()
}
