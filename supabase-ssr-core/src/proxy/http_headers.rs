//! The proxy step over `http` 1.x header maps, shared by the adapters whose frameworks use them
//! (tower/axum/hyper and Poem).

use http::header::{
    ACCEPT, CACHE_CONTROL, COOKIE, HOST, HeaderName, HeaderValue, ORIGIN, SET_COOKIE, VARY,
};
use http::{HeaderMap, Method, Response, Uri};

use super::csrf::{CsrfGuard, GuardedRequest, combine_header_values};
use super::rejection::Rejection;
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

/// Appends one `Set-Cookie` header per cookie and sets (replaces) the caching headers
/// [`ResponseCookies::cache_headers_for`] decides from the ones the handler set.
pub fn apply_response_cookies(cookies: &ResponseCookies, headers: &mut HeaderMap) {
    for set_cookie in cookies.set_cookies() {
        if let Ok(value) = HeaderValue::from_str(set_cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    let cache_control = headers
        .get(CACHE_CONTROL)
        .map(|value| String::from_utf8_lossy(value.as_bytes()));
    let vary: Vec<_> = headers
        .get_all(VARY)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()))
        .collect();
    let vary: Vec<&str> = vary.iter().map(AsRef::as_ref).collect();
    let updates = cookies.cache_headers_for(cache_control.as_deref(), &vary);
    for (name, value) in updates {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
}

/// Runs the CSRF guard on a request: `Err` with the `403` to answer instead of calling the
/// handler. The host is the `Host` header, else the URI's authority (HTTP/2).
pub fn check_cross_site(
    guard: &CsrfGuard,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    if !guard.is_on() {
        return Ok(());
    }
    let header =
        |name| combine_header_values(headers.get_all(name).iter().map(HeaderValue::as_bytes));
    let sec_fetch_site = header(HeaderName::from_static("sec-fetch-site"));
    let origin = header(ORIGIN);
    let host = header(HOST).or_else(|| uri.authority().map(|a| a.as_str().into()));
    let accept = header(ACCEPT);
    guard.check(&GuardedRequest {
        method: method.as_str(),
        path: uri.path(),
        sec_fetch_site: sec_fetch_site.as_deref(),
        origin: origin.as_deref(),
        host: host.as_deref(),
        accept: accept.as_deref(),
    })
}

/// The response a [`Rejection`] describes, with any body type a `String` converts into (axum's
/// `Body`, `http_body_util::Full`, `String`).
pub fn rejection_response<B: From<String>>(rejection: Rejection) -> Response<B> {
    let mut response = Response::new(B::from(rejection.body));
    *response.status_mut() = rejection.status;
    for (name, value) in rejection.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use http::StatusCode;

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
    fn a_personalised_response_keeps_the_handlers_cache_control_and_merges_vary() {
        let config = Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "k").unwrap());
        let cookies = CookieState::new(config, [])
            .response_cookies()
            .mark_session_read();
        let mut headers = HeaderMap::new();
        apply_response_cookies(&cookies, &mut headers);
        assert_eq!(headers[CACHE_CONTROL], "private");
        assert_eq!(headers[VARY], "Cookie");
        let mut headers = HeaderMap::new();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
        headers.append(VARY, HeaderValue::from_static("Accept-Encoding"));
        headers.append(VARY, HeaderValue::from_static("Accept-Language"));
        apply_response_cookies(&cookies, &mut headers);
        assert_eq!(headers[CACHE_CONTROL], "max-age=60");
        assert_eq!(
            headers.get_all(VARY).iter().collect::<Vec<_>>(),
            ["Accept-Encoding, Accept-Language, Cookie"]
        );
        assert!(headers.get(SET_COOKIE).is_none());
    }

    #[test]
    fn the_guard_reads_host_or_the_http2_authority_and_refuses_repeated_headers() {
        let guard = CsrfGuard::default();
        let post = Method::POST;
        let mut headers = HeaderMap::new();
        headers.insert(ORIGIN, HeaderValue::from_static("https://app.example"));
        let uri: Uri = "https://app.example/login".parse().unwrap();
        assert!(check_cross_site(&guard, &post, &uri, &headers).is_ok());
        let relative: Uri = "/login".parse().unwrap();
        assert!(check_cross_site(&guard, &post, &relative, &headers).is_err());
        headers.insert(HOST, HeaderValue::from_static("app.example"));
        assert!(check_cross_site(&guard, &post, &relative, &headers).is_ok());
        headers.append(ORIGIN, HeaderValue::from_static("https://app.example"));
        assert!(check_cross_site(&guard, &post, &relative, &headers).is_err());
        let mut headers = HeaderMap::new();
        headers.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let refused = check_cross_site(&guard, &post, &relative, &headers).unwrap_err();
        let response: Response<String> = rejection_response(refused);
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(response.body(), r#"{"error":"cross-site request refused"}"#);
        assert!(check_cross_site(&CsrfGuard::off(), &post, &relative, &headers).is_ok());
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
