//! Auth cookies, byte-compatible with `@supabase/ssr`: header parsing, value encoding,
//! chunking, cookie attributes, and the per-request cookie state.

mod cache;
mod chunk;
mod clear;
mod codec;
mod contents;
mod header;
mod methods;
mod options;
mod state;

pub use cache::{CACHE_HEADERS, PRIVATE_CACHE_CONTROL};
pub use chunk::{Chunk, MAX_CHUNK_SIZE, combine_chunks, create_chunks, is_chunk_like};
pub use clear::clear_auth_cookies;
pub use codec::{
    BASE64_PREFIX, CookieEncoding, DecodeError, decode_base64url, decode_value, encode_value,
};
pub use contents::CookieContents;
pub use header::{RequestCookie, parse_cookie_header, parse_cookie_headers};
pub use methods::CookieMethods;
pub use options::{
    CookieOptions, CookieOptionsError, MAX_AGE_SECONDS, Priority, serialize_set_cookie,
};
pub(crate) use options::{URI_COMPONENT, is_valid_name as is_valid_cookie_name};
pub use state::{CookieState, ResponseCookies, StoredSession};

/// `SameSite` values for [`CookieOptions`].
pub use cookie::SameSite;
