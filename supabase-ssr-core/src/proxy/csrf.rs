//! The CSRF guard: unsafe-method requests from another site are refused before any handler
//! runs.
//!
//! `SameSite=Lax` cookies stop a cross-site form from acting *as* the victim, but not from
//! signing the victim *into the attacker's account* (login CSRF: the form needs no cookie). The
//! JS library leaves this to each app; every middleware of this workspace refuses such requests
//! by default.
//!
//! The rule is the one of Go 1.25's `http.CrossOriginProtection`, on the two headers browsers
//! send: `Sec-Fetch-Site` (every browser since 2023) and, for older ones, `Origin` compared with
//! `Host`.

use std::borrow::Cow;

use url::{Host, Url};

use super::rejection::{Denied, Rejection};

/// Refuses requests with an unsafe method (anything but `GET`, `HEAD` and `OPTIONS`) that a
/// browser sent from another site, with `403` (`{"error":"cross-site request refused"}` for
/// JSON clients, plain text otherwise), before the handler runs.
///
/// The rule, in order:
///
/// 1. `GET`, `HEAD` and `OPTIONS` pass (they must not change anything).
/// 2. An `Origin` on the allow-list ([`CsrfGuard::allow_origin`]) passes.
/// 3. With `Sec-Fetch-Site`, only `same-origin` and `none` (typed in the address bar, a
///    bookmark) pass. `cross-site` is refused, and so is `same-site`: a sibling subdomain
///    (`evil.example.com` against `app.example.com`) is another origin, as in Go.
/// 4. Without it, an `Origin` must name the request's own host (`Host`, or the HTTP/2
///    authority), ports compared after default-port normalisation. `Origin: null` is refused.
/// 5. With neither header the request did not come from a browser form or `fetch` (curl,
///    server-to-server calls), and passes.
///
/// Headers are untrusted input: a malformed value (not visible ASCII, not an origin, a header
/// sent twice) never lets a request through. `X-Forwarded-Host` is not read. Behind a proxy
/// that rewrites `Host`, add the public origin of the site to the allow-list.
///
/// The default guard is on with an empty allow-list. APIs that take cross-origin calls with
/// their own credentials (`Authorization` headers, not cookies) can turn it off.
///
/// ```
/// use supabase_ssr_core::proxy::{CsrfGuard, GuardedRequest};
///
/// let guard = CsrfGuard::default().allow_origin("https://app.example.com")?;
/// let form_post = |sec_fetch_site, origin| GuardedRequest {
///     method: "POST",
///     path: "/login",
///     sec_fetch_site,
///     origin,
///     host: Some("api.example.com"),
///     accept: Some("text/html"),
/// };
/// // A form on another site is refused, one on an allowed origin is served.
/// let refused = guard.check(&form_post(Some("cross-site"), Some("https://evil.example")));
/// assert_eq!(refused.map_err(|r| r.status.as_u16()), Err(403));
/// assert!(guard.allows(&form_post(Some("same-site"), Some("https://app.example.com"))));
/// // Without `Sec-Fetch-Site`, the `Origin` must match the `Host`.
/// assert!(guard.allows(&form_post(None, Some("https://api.example.com"))));
/// assert!(!guard.allows(&form_post(None, Some("null"))));
/// // curl, server-to-server: no browser headers.
/// assert!(guard.allows(&form_post(None, None)));
/// assert!(CsrfGuard::off().allows(&form_post(Some("cross-site"), None)));
/// # Ok::<(), supabase_ssr_core::proxy::InvalidOrigin>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfGuard {
    enabled: bool,
    /// Allowed origins, ASCII-serialised (`scheme://host[:port]`, default port omitted).
    allowed: Vec<String>,
}

impl Default for CsrfGuard {
    /// The guard on, with an empty allow-list.
    fn default() -> Self {
        Self {
            enabled: true,
            allowed: Vec::new(),
        }
    }
}

/// What the guard reads of a request, as strings: adapters pass each header's values joined
/// with `, ` ([`combine_header_values`]), `None` when the header is absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GuardedRequest<'a> {
    /// The method, as sent (methods are case-sensitive: `post` is not `POST`, and neither is
    /// safe).
    pub method: &'a str,
    /// The path, for the debug log line of a refusal.
    pub path: &'a str,
    /// The `Sec-Fetch-Site` header.
    pub sec_fetch_site: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Host` header, or the authority of the request URI (HTTP/2).
    pub host: Option<&'a str>,
    /// The `Accept` header: JSON clients get a JSON body.
    pub accept: Option<&'a str>,
}

/// Why [`CsrfGuard::allow_origin`] refused a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidOrigin {
    /// Not of the form `scheme://host[:port]`: a path, query, fragment, user info, whitespace
    /// or a missing host.
    #[error("`{0}` is not an origin: use scheme://host[:port], without a path")]
    NotAnOrigin(String),
    /// A URL whose origin is opaque (`file:`, `data:`, an unknown scheme): no browser sends it.
    #[error("`{0}` has no origin a browser would send (use http or https)")]
    Opaque(String),
}

impl CsrfGuard {
    /// The guard on, with an empty allow-list (the default).
    pub fn new() -> Self {
        Self::default()
    }

    /// A guard that lets every request through: for APIs that take cross-origin calls with
    /// their own credentials, never for sites that sign in with forms.
    pub fn off() -> Self {
        Self {
            enabled: false,
            allowed: Vec::new(),
        }
    }

    /// Also serves requests whose `Origin` is `origin` (`scheme://host[:port]`), whatever their
    /// `Sec-Fetch-Site`: another site of yours that posts here, or the public origin of a site
    /// behind a proxy that rewrites `Host`. Scheme and host are compared case-insensitively,
    /// and a default port is the same as none.
    pub fn allow_origin(mut self, origin: &str) -> Result<Self, InvalidOrigin> {
        let parsed = parse_origin(origin)?;
        let serialised = parsed.origin().ascii_serialization();
        if !self.allowed.contains(&serialised) {
            self.allowed.push(serialised);
        }
        Ok(self)
    }

    /// Whether the guard checks requests (false for [`CsrfGuard::off`]).
    pub fn is_on(&self) -> bool {
        self.enabled
    }

    /// Whether `request` may reach the handler.
    pub fn allows(&self, request: &GuardedRequest<'_>) -> bool {
        if !self.enabled || matches!(request.method, "GET" | "HEAD" | "OPTIONS") {
            return true;
        }
        let origin = request.origin.map(parse_origin);
        if let Some(Ok(origin)) = &origin
            && self
                .allowed
                .contains(&origin.origin().ascii_serialization())
        {
            return true;
        }
        match (request.sec_fetch_site, origin) {
            // Browsers send exactly these lower-case tokens; anything else is not trusted.
            (Some(site), _) => matches!(site, "same-origin" | "none"),
            (None, None) => true,
            (None, Some(Ok(origin))) => request.host.is_some_and(|host| same_host(&origin, host)),
            (None, Some(Err(_))) => false,
        }
    }

    /// [`CsrfGuard::allows`], with the `403` to send instead of calling the handler when it
    /// does not. A refusal is logged at debug level with the method and path only.
    pub fn check(&self, request: &GuardedRequest<'_>) -> Result<(), Rejection> {
        if self.allows(request) {
            return Ok(());
        }
        tracing::debug!(
            method = ?request.method,
            path = ?request.path,
            "refusing a cross-site request"
        );
        Err(Rejection::new(&Denied::CrossSite, None, request.accept))
    }
}

/// Joins the values of a header sent several times with `, ` (RFC 9110 §5.3), so a second
/// `Sec-Fetch-Site` or `Origin` makes the value malformed instead of being ignored. Bytes that
/// are not UTF-8 are replaced, which makes the value malformed too. `None` when absent.
pub fn combine_header_values<'a>(
    mut values: impl Iterator<Item = &'a [u8]>,
) -> Option<Cow<'a, str>> {
    let first = String::from_utf8_lossy(values.next()?);
    let Some(second) = values.next() else {
        return Some(first);
    };
    let mut joined = first.into_owned();
    for value in std::iter::once(second).chain(values) {
        joined.push_str(", ");
        joined.push_str(&String::from_utf8_lossy(value));
    }
    Some(Cow::Owned(joined))
}

/// A serialised origin (`scheme://host[:port]`) with a tuple origin, else why not.
fn parse_origin(value: &str) -> Result<Url, InvalidOrigin> {
    let not_an_origin = || InvalidOrigin::NotAnOrigin(value.to_owned());
    // The URL parser would strip whitespace and tabs and accept a path; an `Origin` header has
    // neither.
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(not_an_origin());
    }
    let (_, authority) = value.split_once("://").ok_or_else(not_an_origin)?;
    if authority.is_empty() || authority.contains(['/', '?', '#', '@', '\\']) {
        return Err(not_an_origin());
    }
    let url = Url::parse(value).map_err(|_| not_an_origin())?;
    if url.origin().is_tuple() {
        Ok(url)
    } else {
        Err(InvalidOrigin::Opaque(value.to_owned()))
    }
}

/// Whether `origin` names `host` (a `Host` header: `name[:port]`, `[ipv6][:port]`): hosts
/// compared as the URL parser normalises them, a missing port being the origin scheme's
/// default.
fn same_host(origin: &Url, host: &str) -> bool {
    let Some((name, port)) = split_host(host) else {
        return false;
    };
    let Ok(name) = Host::parse(name) else {
        return false;
    };
    // A `Host` without a port means the scheme's default port, not the origin's.
    let default_port = match origin.scheme() {
        "http" | "ws" => Some(80),
        "https" | "wss" => Some(443),
        _ => None,
    };
    origin.host().map(|h| h.to_owned()) == Some(name)
        && port.or(default_port) == origin.port_or_known_default()
}

/// `name[:port]` → (name, port); `None` for anything that is not a host and an optional port.
fn split_host(host: &str) -> Option<(&str, Option<u16>)> {
    if host.is_empty() || !host.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let (name, port) = if host.starts_with('[') {
        let end = host.find(']')?;
        let (name, rest) = host.split_at(end + 1);
        match rest {
            "" => (name, None),
            _ => (name, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let port = match port {
        // `Host: example.com:` is allowed by RFC 3986 and means the default port.
        None | Some("") => None,
        Some(digits) if digits.len() <= 5 && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Some(digits.parse().ok()?)
        }
        Some(_) => return None,
    };
    (!name.is_empty() && !name.contains(['@', '/', '?', '#', '\\'])).then_some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request<'a>(
        method: &'a str,
        sec_fetch_site: Option<&'a str>,
        origin: Option<&'a str>,
        host: Option<&'a str>,
    ) -> GuardedRequest<'a> {
        GuardedRequest {
            method,
            path: "/login",
            sec_fetch_site,
            origin,
            host,
            accept: None,
        }
    }

    /// Methods × `Sec-Fetch-Site`, with an `Origin` that does not match, so only the rule under
    /// test decides.
    #[test]
    fn fetch_metadata_decides_for_unsafe_methods_only() {
        let guard = CsrfGuard::default();
        let evil = Some("https://evil.example");
        let host = Some("app.example");
        let cases = [
            // (method, Sec-Fetch-Site, allowed)
            ("GET", Some("cross-site"), true),
            ("HEAD", Some("cross-site"), true),
            ("OPTIONS", Some("cross-site"), true),
            ("POST", Some("cross-site"), false),
            ("PUT", Some("cross-site"), false),
            ("DELETE", Some("cross-site"), false),
            ("PATCH", Some("cross-site"), false),
            ("POST", Some("same-site"), false),
            ("POST", Some("same-origin"), true),
            ("POST", Some("none"), true),
            // Methods are case-sensitive: `get` is an unknown, unsafe method.
            ("get", Some("cross-site"), false),
            // Values are exact lower-case tokens.
            ("POST", Some("Same-Origin"), false),
            ("POST", Some("same-origin "), false),
            ("POST", Some(""), false),
            ("POST", Some("same-origin, cross-site"), false),
            ("POST", Some("bogus"), false),
        ];
        for (method, site, allowed) in cases {
            let r = request(method, site, evil, host);
            assert_eq!(guard.allows(&r), allowed, "{method} {site:?}");
        }
    }

    #[test]
    fn without_fetch_metadata_the_origin_must_match_the_host() {
        let guard = CsrfGuard::default();
        let cases = [
            // (Origin, Host, allowed)
            (None, None, true),
            (None, Some("app.example"), true),
            (Some("https://app.example"), Some("app.example"), true),
            (Some("https://APP.Example"), Some("app.EXAMPLE"), true),
            (Some("http://app.example"), Some("app.example:80"), true),
            (Some("https://app.example"), Some("app.example:443"), true),
            (Some("https://app.example:443"), Some("app.example"), true),
            (
                Some("http://app.example:8080"),
                Some("app.example:8080"),
                true,
            ),
            (Some("http://app.example:8080"), Some("app.example"), false),
            (Some("http://app.example"), Some("app.example:8080"), false),
            (Some("https://app.example"), Some("app.example:80"), false),
            (Some("http://127.0.0.1:3000"), Some("127.0.0.1:3000"), true),
            (Some("http://localhost:3000"), Some("127.0.0.1:3000"), false),
            (Some("http://[::1]:3000"), Some("[::1]:3000"), true),
            (
                Some("http://[::1]:3000"),
                Some("[0:0:0:0:0:0:0:1]:3000"),
                true,
            ),
            (Some("http://[::1]"), Some("[::1]"), true),
            (Some("http://[::1]:3000"), Some("[::2]:3000"), false),
            (Some("http://[::1]:3000"), Some("::1:3000"), false),
            (Some("http://app.example"), Some("app.example:"), true),
            (Some("https://evil.example"), Some("app.example"), false),
            (Some("https://app.example.evil"), Some("app.example"), false),
            (Some("https://app.example"), None, false),
            (Some("null"), Some("app.example"), false),
            (Some(""), Some("app.example"), false),
            (Some("app.example"), Some("app.example"), false),
            (Some("https://app.example/"), Some("app.example"), false),
            (Some("https://app.example/path"), Some("app.example"), false),
            (Some("https://user@app.example"), Some("app.example"), false),
            (Some("https://app.example?x"), Some("app.example"), false),
            (Some("https://app.example#x"), Some("app.example"), false),
            (Some("https://app.exa\tmple"), Some("app.example"), false),
            (Some(" https://app.example"), Some("app.example"), false),
            (
                Some("https://app.example, https://app.example"),
                Some("app.example"),
                false,
            ),
            (Some("file:///etc"), Some("app.example"), false),
            (
                Some("https://app.example"),
                Some("app.example:99999"),
                false,
            ),
            (Some("https://app.example"), Some("app.example:44x"), false),
            (Some("https://app.example"), Some("user@app.example"), false),
            (Some("https://app.example"), Some("app.example/x"), false),
            (
                Some("https://app.example"),
                Some("app.example, app.example"),
                false,
            ),
            (Some("https://app.example"), Some("[::1"), false),
            (Some("https://app.example"), Some(""), false),
            (
                Some("https://\u{e9}.example"),
                Some("\u{e9}.example"),
                false,
            ),
        ];
        for (origin, host, allowed) in cases {
            let r = request("POST", None, origin, host);
            assert_eq!(
                guard.allows(&r),
                allowed,
                "Origin {origin:?}, Host {host:?}"
            );
        }
    }

    #[test]
    fn an_allowed_origin_passes_whatever_the_fetch_metadata() {
        let guard = CsrfGuard::default()
            .allow_origin("https://App.Example.com:443")
            .unwrap()
            .allow_origin("http://localhost:5173")
            .unwrap();
        let host = Some("api.example.com");
        for origin in ["https://app.example.com", "http://localhost:5173"] {
            for site in [Some("cross-site"), Some("same-site"), None] {
                let r = request("POST", site, Some(origin), host);
                assert!(guard.allows(&r), "{origin} {site:?}");
            }
        }
        for origin in ["http://app.example.com", "http://localhost:5174", "null"] {
            let r = request("POST", Some("cross-site"), Some(origin), host);
            assert!(!guard.allows(&r), "{origin}");
        }
    }

    #[test]
    fn allow_origin_takes_origins_only() {
        for bad in [
            "app.example.com",
            "https://",
            "https://app.example.com/",
            "https://app.example.com/x",
            "https://app.example.com?x=1",
            "https://app.example.com#x",
            "https://u:p@app.example.com",
            " https://app.example.com",
            "null",
            "",
        ] {
            assert_eq!(
                CsrfGuard::default().allow_origin(bad),
                Err(InvalidOrigin::NotAnOrigin(bad.to_owned())),
                "{bad:?}"
            );
        }
        assert_eq!(
            CsrfGuard::default().allow_origin("foo://bar"),
            Err(InvalidOrigin::Opaque("foo://bar".to_owned()))
        );
        let guard = CsrfGuard::default()
            .allow_origin("https://a.example")
            .unwrap()
            .allow_origin("HTTPS://A.EXAMPLE:443")
            .unwrap();
        assert_eq!(guard.allowed, ["https://a.example"]);
    }

    #[test]
    fn off_lets_everything_through() {
        let guard = CsrfGuard::off();
        assert!(!guard.is_on());
        let r = request("POST", Some("cross-site"), Some("null"), None);
        assert!(guard.allows(&r));
        assert!(CsrfGuard::new().is_on());
    }

    #[test]
    fn a_refusal_is_a_403_in_the_clients_format() {
        let guard = CsrfGuard::default();
        let mut r = request("POST", Some("cross-site"), None, Some("app.example"));
        r.accept = Some("application/json");
        let json = guard.check(&r).unwrap_err();
        assert_eq!(json.status, http::StatusCode::FORBIDDEN);
        assert_eq!(json.body, r#"{"error":"cross-site request refused"}"#);
        assert!(
            json.headers
                .contains(&("Content-Type", "application/json".to_owned()))
        );
        for accept in [None, Some("text/html,application/xhtml+xml,*/*;q=0.8")] {
            r.accept = accept;
            let text = guard.check(&r).unwrap_err();
            assert_eq!(
                (text.status.as_u16(), text.body.as_str()),
                (403, "cross-site request refused")
            );
            assert!(
                text.headers
                    .contains(&("Content-Type", "text/plain; charset=utf-8".to_owned()))
            );
        }
    }

    #[test]
    fn repeated_and_non_utf8_values_are_combined_into_malformed_ones() {
        let one: [&[u8]; 1] = [b"same-origin"];
        assert_eq!(
            combine_header_values(one.into_iter()).as_deref(),
            Some("same-origin")
        );
        let two: [&[u8]; 3] = [b"same-origin", b"cross-site", b"x"];
        assert_eq!(
            combine_header_values(two.into_iter()).as_deref(),
            Some("same-origin, cross-site, x")
        );
        let bad: [&[u8]; 1] = [b"same-origin\xff"];
        let combined = combine_header_values(bad.into_iter());
        assert_eq!(combined.as_deref(), Some("same-origin\u{fffd}"));
        assert_eq!(combine_header_values(std::iter::empty()), None);
    }
}
