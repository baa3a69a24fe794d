//! Cookie-layer costs per request: reading a session from a `Cookie` header (one cookie of
//! about 2.8 KB, and three chunks) and writing one.
//!
//! Run with `cargo bench -p supabase-ssr-core --bench cookies`.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use supabase_ssr_core::cookies::{CookieState, StoredSession};
use supabase_ssr_core::{Config, Session};

/// A session shaped like the hosted service's, padded with user metadata to `target` bytes of
/// JSON.
fn session_json(target: usize) -> String {
    let claims = "eyJpc3MiOiJodHRwczovL2FiY2RlZmdoaWprbG1ub3Auc3VwYWJhc2UuY28vYXV0aC92MSIsInN1YiI6IjhmMGU1YzdlLTRhM2ItNGM3ZC05ZTJmLTFhMmIzYzRkNWU2ZiIsImF1ZCI6ImF1dGhlbnRpY2F0ZWQiLCJleHAiOjE3NjcyMjkyMDAsImlhdCI6MTc2NzIyNTYwMCwiZW1haWwiOiJ1c2VyQGV4YW1wbGUuY29tIiwicGhvbmUiOiIiLCJyb2xlIjoiYXV0aGVudGljYXRlZCIsImFhbCI6ImFhbDEiLCJzZXNzaW9uX2lkIjoiMGIxYzJkM2UtNGY1MC00NjE3LTg4OTktYWFiYmNjZGRlZWZmIiwiaXNfYW5vbnltb3VzIjpmYWxzZX0";
    let base = format!(
        r#"{{"access_token":"eyJhbGciOiJFUzI1NiIsImtpZCI6ImtleS0xIiwidHlwIjoiSldUIn0.{claims}.sig","token_type":"bearer","expires_in":3600,"expires_at":4102444800,"refresh_token":"v1rtabcdefghij","user":{{"id":"8f0e5c7e-4a3b-4c7d-9e2f-1a2b3c4d5e6f","aud":"authenticated","role":"authenticated","email":"user@example.com","app_metadata":{{"provider":"email","providers":["email"]}},"user_metadata":{{"bio":"PAD"}},"identities":[],"is_anonymous":false}}}}"#
    );
    let pad = target.saturating_sub(base.len() - 3);
    base.replace("PAD", &"x".repeat(pad))
}

fn cookie_header_for(config: &Arc<Config>, json: &str) -> String {
    let mut state = CookieState::new(config.clone(), []);
    state.set_item(config.storage_key(), json);
    state
        .response_cookies()
        .set_cookies()
        .iter()
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn benches(c: &mut Criterion) {
    let config = Arc::new(
        Config::new("https://abcdefghijklmnop.supabase.co", "sb_publishable_key")
            .unwrap_or_else(|e| panic!("{e}")),
    );
    // 2100 bytes of JSON is about 2.8 KB of base64 (one cookie); 6500 bytes make three chunks.
    for (label, size, chunks) in [("1 chunk", 2100, 1), ("3 chunks", 6500, 3)] {
        let header = format!(
            "theme=dark; {}",
            cookie_header_for(&config, &session_json(size))
        );
        assert_eq!(header.matches("sb-").count(), chunks, "{label}");
        c.bench_function(
            &format!("read session, {label} ({} B header)", header.len()),
            |b| {
                b.iter(|| {
                    let state = CookieState::new(config.clone(), [black_box(header.as_str())]);
                    match state.stored_session() {
                        StoredSession::Present(session) => black_box(session),
                        other => panic!("{other:?}"),
                    }
                });
            },
        );
    }
    let session = Session::from_json(&session_json(2100)).unwrap_or_else(|e| panic!("{e}"));
    let old_chunks = cookie_header_for(&config, &session_json(6500));
    c.bench_function("write session over 3 stale chunks", |b| {
        b.iter(|| {
            let mut state = CookieState::new(config.clone(), [black_box(old_chunks.as_str())]);
            state.set_session(black_box(&session));
            black_box(state.response_cookies())
        });
    });
}

criterion_group!(cookie_benches, benches);
criterion_main!(cookie_benches);
