//! The proxy step over `http` 1.x header maps, shared by the adapters whose frameworks use them
//! (tower/axum/hyper and Poem).

use http::HeaderMap;
use http::header::{COOKIE, HeaderName, HeaderValue, SET_COOKIE};

use crate::cookies::ResponseCookies;

/// The request's `Cookie` header values that are valid UTF-8 (a line that is not is ignored, as
/// if the browser had not sent it).
///
/// Not `HeaderValue::to_str`, which refuses any byte outside visible ASCII: one cookie with a
/// UTF-8 name or value (browsers send them as they were set) would hide the session on the same
/// line.
pub fn cookie_headers(headers: &HeaderMap) -> impl Iterator<Item = &str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| std::str::from_utf8(value.as_bytes()).ok())
}

/// Replaces every `Cookie` header of the request with `header`.
pub fn replace_cookie_header(headers: &mut HeaderMap, header: &str) {
    if let Ok(value) = HeaderValue::from_str(header) {
        headers.insert(COOKIE, value);
    }
}

/// Appends one `Set-Cookie` header per cookie and sets (replaces) the cache headers.
pub fn apply_response_cookies(cookies: &ResponseCookies, headers: &mut HeaderMap) {
    for set_cookie in cookies.set_cookies() {
        if let Ok(value) = HeaderValue::from_str(set_cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    for (name, value) in cookies.cache_headers() {
        if let Ok(name) = HeaderName::from_bytes(name.as_bytes()) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Config;
    use crate::cookies::CookieState;

    #[test]
    fn cookies_are_appended_and_cache_headers_replaced() {
        let config = Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "k").unwrap());
        let mut state = CookieState::new(
            config,
            ["sb-abcdefghijklmnop-auth-token.0=a; sb-abcdefghijklmnop-auth-token.1=b"],
        );
        state.remove_session();
        let mut headers = HeaderMap::new();
        headers.insert(
            "cache-control",
            HeaderValue::from_static("public, max-age=600"),
        );
        headers.append(SET_COOKIE, HeaderValue::from_static("theme=dark"));
        apply_response_cookies(&state.response_cookies(), &mut headers);
        assert_eq!(headers.get_all(SET_COOKIE).iter().count(), 3);
        assert_eq!(
            headers.get_all("cache-control").iter().collect::<Vec<_>>(),
            ["private, no-cache, no-store, must-revalidate, max-age=0"]
        );
        assert_eq!(headers["expires"], "0");
        assert_eq!(headers["pragma"], "no-cache");
    }

    #[test]
    fn several_cookie_lines_are_read_and_replaced_by_one() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1"));
        headers.append(COOKIE, HeaderValue::from_static("b=2"));
        headers.append(COOKIE, HeaderValue::from_bytes(b"c=\xff").unwrap());
        headers.append(COOKIE, HeaderValue::from_str("\u{f1}=1; d=4").unwrap());
        // The line that is not UTF-8 is ignored; UTF-8 beyond ASCII is read.
        assert_eq!(
            cookie_headers(&headers).collect::<Vec<_>>(),
            ["a=1", "b=2", "\u{f1}=1; d=4"]
        );
        replace_cookie_header(&mut headers, "a=1; b=3");
        assert_eq!(headers.get_all(COOKIE).iter().count(), 1);
    }
}
