//! The framework-agnostic core of **supabase-ssr-rs**: Supabase Auth sessions kept in cookies,
//! interchangeable with the JavaScript [`@supabase/ssr`](https://github.com/supabase/ssr)
//! package (0.12.7).
//!
//! A session written by the JavaScript library — on the server or in the browser — is read by
//! this crate, and a session written here is read by the JavaScript library. Framework crates
//! (`supabase-ssr-axum`, `-actix-web`, `-rocket`, `-poem`) are thin glue over this one.
//!
//! # The cookie contract
//!
//! Everything crosses the framework boundary as strings, like `getAll`/`setAll` in JavaScript:
//!
//! 1. **In**: every `Cookie` header value of the request builds a [`cookies::CookieState`].
//! 2. **During the request**: the session and PKCE verifiers are read from it, and sign-in,
//!    refresh or sign-out record writes in it.
//! 3. **Out**: [`cookies::CookieState::response_cookies`] gives the `Set-Cookie` values to
//!    *append* (one header each) and the three no-store cache headers to *set*, replacing any
//!    `Cache-Control` the handler chose, so no shared cache stores a session. A response that
//!    writes no cookie but was rendered from the user's session gets `Cache-Control: private`
//!    and `Vary: Cookie` instead ([`cookies::ResponseCookies::cache_headers_for`]).
//!
//! Before all that, the middleware's [`proxy::CsrfGuard`] refuses unsafe-method requests from
//! other sites with `403`, so a form elsewhere cannot sign a visitor in (login CSRF).
//!
//! ```
//! use std::sync::Arc;
//! use supabase_ssr_core::{Config, Session};
//! use supabase_ssr_core::cookies::{CookieState, StoredSession};
//!
//! let config = Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")?);
//!
//! // A request without a session signs in: the handler stores the new session.
//! let mut state = CookieState::new(config.clone(), ["theme=dark"]);
//! assert_eq!(state.stored_session(), StoredSession::Absent);
//! let session = Session::from_json(
//!     r#"{"access_token":"eyJ…","token_type":"bearer","expires_in":3600,"expires_at":1767229200,"refresh_token":"r1","user":{"id":"u1","email":"a@example.com"}}"#,
//! )?;
//! state.set_session(&session);
//! let response = state.response_cookies();
//! let set_cookie = &response.set_cookies()[0];
//! assert!(set_cookie.starts_with("sb-abcdefghijklmnop-auth-token=base64-"));
//! assert!(set_cookie.contains("Max-Age=34560000"));
//! assert_eq!(response.cache_headers()[0].0, "Cache-Control");
//!
//! // The browser sends it back on the next request, and it reads back the same, byte for byte.
//! let cookie_header = set_cookie.split(';').next().unwrap_or_default();
//! let next = CookieState::new(config, [cookie_header]);
//! let StoredSession::Present(read) = next.stored_session() else { panic!("no session") };
//! assert_eq!(read.to_json(), session.to_json());
//! assert_eq!(read.user().and_then(|u| u.email().map(str::to_owned)).as_deref(), Some("a@example.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Frameworks that have no adapter crate integrate through [`cookies::CookieMethods`].
//!
//! # TLS features
//!
//! One of two features is required; a build with neither fails with a `compile_error!`:
//!
//! - `rustls` (default): rustls with the aws-lc-rs provider and the system's root
//!   certificates; JWT signatures, SHA-256 and random bytes use aws-lc-rs too.
//! - `native-tls`: the platform's TLS (OpenSSL on Linux); JWT signatures, SHA-256 and random
//!   bytes use pure-Rust crates, so no second C crypto library is built.
//!
//! With both, reqwest uses native-tls and JWTs are verified with aws-lc-rs (the choice is made
//! when a [`Supabase`] handle is built, unless the application installed a jsonwebtoken
//! `CryptoProvider` first). Extra root certificates (a private CA):
//! [`SupabaseBuilder::root_certificates_pem`], or `SUPABASE_CA_CERT` with
//! [`Supabase::builder_from_env`].
//!
//! # Client features
//!
//! The Data API, Storage and Edge Functions clients are features, all on by default; an
//! application that only needs Auth sessions can leave them out
//! (`default-features = false, features = ["rustls"]`). The adapter crates forward them.
//!
//! | feature | gives |
//! |---|---|
//! | `rest` | `SupabaseClient::from`, `SupabaseClient::rpc`, `SupabaseClient::schema` and the `rest` module |
//! | `storage` | `SupabaseClient::storage` and the `storage` module |
//! | `functions` | `SupabaseClient::functions` and the `functions` module |
//!
//! [`SupabaseClient::rest_headers`] is always there, for use with another `PostgREST` client.
//!
//! # Tracing
//!
//! The crates report through [`tracing`](https://docs.rs/tracing). Besides events (warnings
//! when a refresh fails, debug notes), they make three spans:
//!
//! | Span | Level | Fields |
//! |------|-------|--------|
//! | `supabase_ssr.request` | INFO | `http.method`, `http.path`, `session`, `refreshed` |
//! | `supabase_ssr.refresh` | DEBUG | `source`, `outcome` |
//! | `supabase_ssr.auth_call` | DEBUG | `endpoint`, `grant_type`, `attempt`, `status`, `outcome` |
//!
//! - `supabase_ssr.request` ([`proxy::RequestSpan`]) is made by every adapter's middleware for
//!   each request, around the proxy step and the handler. `http.path` is the path without its
//!   query. `session` is where the session stands after the proxy step: `none`, `invalid` (a
//!   cookie that holds no session), `valid` (verified earlier in the request), `present`,
//!   `refreshed`, `refresh_failed` (kept until it expires), `signed_out` (the Auth server ended
//!   it), `auth_unavailable` (expired, and the Auth server cannot refresh it now),
//!   `third_party_auth` (the client uses third-party auth; no cookie was read), `skipped`
//!   (the path filter skipped the request) or `cross_site_refused`; `refreshed` is a bool. With
//!   the Rocket adapter the span covers the fairing's work only: a fairing cannot wrap the
//!   handler, so the handler's events are not inside it.
//! - `supabase_ssr.refresh` wraps a session refresh: `source` is `call` (this request called
//!   `/token`), `shared` (it got the answer of another request's call, or of a rotation within
//!   the reuse window) or `failure_memory` (a refusal remembered); `outcome` is `ok`,
//!   `transient` or `refused`.
//! - `supabase_ssr.auth_call` wraps every HTTP call to the Auth API: `endpoint` is its path
//!   (`token`, `user`, `.well-known/jwks.json`, …), `grant_type` the only query value recorded,
//!   `attempt` counts retries from 1, `status` is the HTTP status (absent when no answer came)
//!   and `outcome` as above. Inside a request, both nest in its `supabase_ssr.request` span.
//!
//! **Never recorded**: tokens, codes, cookie values, keys, emails, request and response
//! bodies, query strings (they may carry an authorization code or a token), and the user id —
//! not even hashed, since a hash of a user id is still a stable identifier of the user.
//!
//! Turn them on with tracing-subscriber's `EnvFilter` (feature `env-filter`), e.g.
//! `RUST_LOG=info,supabase_ssr=debug` — the directive's target is a prefix, so `supabase_ssr`
//! covers `supabase_ssr_core` and every adapter:
//!
//! ```no_run
//! tracing_subscriber::fmt()
//!     .with_env_filter(tracing_subscriber::EnvFilter::new("info,supabase_ssr=debug"))
//!     .init();
//! ```
//!
//! With no subscriber interested, a span costs a check of its level: no allocation, nothing
//! recorded.
//!
//! # Compatibility
//!
//! - Cookie name `sb-<first label of the project host>-auth-token` ([`Config::storage_key`]),
//!   values `base64-` + unpadded base64url (or raw JSON, [`cookies::CookieEncoding`]), split into
//!   `name.0`, `name.1`, … above 3180 percent-encoded characters.
//! - Reading accepts both encodings, the un-suffixed cookie over chunks, and stops at the first
//!   missing or empty chunk; undecodable values read as absent (with a `tracing` warning that
//!   never contains the value) and are never deleted for that alone.
//! - Attributes: `Max-Age=34560000; Path=/; SameSite=Lax`, not `HttpOnly`, plus your
//!   [`cookies::CookieOptions`]; deletions are `Max-Age=0` with an empty value, doubled
//!   (host-only first) when a `Domain` is set; stale chunks are deleted when a session shrinks.
//! - Tokens-only cookies (`cookies: { encode: "tokens-only" }`): the session without its user,
//!   written with [`SupabaseBuilder::cookie_contents`] and read whatever the setting.
//! - Old scopes: [`SupabaseClient::clear_auth_cookies`] deletes the auth cookies at other
//!   paths and domains, as `clearAuthCookiesAtScopes` does.
//! - Every option and cookie helper of `@supabase/ssr` and its Rust counterpart: [`parity`].

// docs.rs (`--cfg docsrs`): each feature-gated item shows the feature it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod access_token;
pub mod admin;
mod api_key;
mod as_user;
pub mod auth;
mod client;
mod client_info;
pub mod config;
pub mod cookies;
mod crypto;
mod error_source;
#[cfg(feature = "functions")]
pub mod functions;
mod global_headers;
mod http_client;
mod json;
mod jwt_payload;
// The tables link into the `rest`, `storage` and `functions` modules (on by default, and on
// docs.rs), which a build without them does not have.
#[cfg_attr(
    all(feature = "rest", feature = "storage", feature = "functions"),
    doc = include_str!("parity.md")
)]
#[cfg_attr(
    not(all(feature = "rest", feature = "storage", feature = "functions")),
    doc = "The parity tables with supabase-js and `@supabase/ssr`: built with the `rest`, \
           `storage` and `functions` features (all on by default)."
)]
pub mod parity {}
pub mod proxy;
mod redact;
pub mod redirect;
#[cfg(feature = "rest")]
pub mod rest;
pub mod session;
#[cfg(feature = "storage")]
pub mod storage;

/// What the adapters' macros name through this crate, so they need no dependency of their own.
#[doc(hidden)]
pub mod __private {
    pub use serde;
}

pub use access_token::AccessTokenProvider;
pub use admin::SupabaseAdmin;
pub use client::{Supabase, SupabaseBuilder, SupabaseClient};
pub use config::{Config, ConfigError};
pub use error_source::ErrorSource;
pub use proxy::{ProxyOutcome, SessionStatus};
pub use redirect::safe_redirect_path;
pub use session::{Session, SessionError, User};
