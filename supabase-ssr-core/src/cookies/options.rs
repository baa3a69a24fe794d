//! The attributes auth cookies are written with, and their `Set-Cookie` rendering.

use std::fmt::Write as _;

use cookie::SameSite;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// `Max-Age` of every cookie that is set: 400 days, the browsers' cap. `@supabase/ssr` ignores
/// a user-supplied `maxAge` and always writes this (spec §6), and so do we: the session's own
/// expiry is enforced by the tokens, not by the cookie.
pub const MAX_AGE_SECONDS: i64 = 34_560_000;

/// Characters `encodeURIComponent` leaves alone are exactly the alphanumerics and `-_.!~*'()`.
/// Cookie values are percent-encoded with this set so that our `Set-Cookie` values are
/// byte-identical to the JS library's, and chunk sizes are measured the same way (spec §5.1).
pub(crate) const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The attributes of every auth cookie.
///
/// The defaults are `@supabase/ssr`'s (`Path=/`, `SameSite=Lax`, not `HttpOnly`): the browser
/// client must be able to read the session, so `HttpOnly` is off unless you never use Supabase
/// from browser JavaScript.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CookieOptions {
    /// `Domain`; `None` (or an empty domain, as `cookie.serialize` skips it) makes host-only
    /// cookies.
    pub domain: Option<String>,
    /// `Path`; `None` omits the attribute.
    pub path: Option<String>,
    /// `SameSite`; `None` omits the attribute.
    pub same_site: Option<SameSite>,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Secure`.
    pub secure: bool,
    /// `Partitioned` (CHIPS): the browser keeps a separate jar per top-level site, so the
    /// cookies still work when the site is embedded in another site's iframe where third-party
    /// cookies are blocked. Browsers require `Secure` with it ([`CookieOptions::validate`]).
    pub partitioned: bool,
    /// `Priority` (a Chromium extension: which cookies are evicted last when a site holds too
    /// many); `None` omits the attribute.
    pub priority: Option<Priority>,
}

/// The `Priority` attribute of [`CookieOptions`], spelled as `cookie.serialize` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Priority {
    /// `Priority=Low`.
    Low,
    /// `Priority=Medium` (what browsers assume without the attribute).
    Medium,
    /// `Priority=High`: evicted last.
    High,
}

impl Priority {
    /// The attribute value: `Low`, `Medium` or `High`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Medium => "Medium",
            Self::High => "High",
        }
    }
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            domain: None,
            path: Some("/".to_owned()),
            same_site: Some(SameSite::Lax),
            http_only: false,
            secure: false,
            partitioned: false,
            priority: None,
        }
    }
}

/// Setters, since the struct is `#[non_exhaustive]` (a literal cannot build it outside this
/// crate): start from [`CookieOptions::default`].
///
/// ```
/// use supabase_ssr_core::cookies::{CookieOptions, SameSite};
///
/// let options = CookieOptions::default()
///     .with_domain("example.com")
///     .with_same_site(Some(SameSite::Strict))
///     .with_secure(true);
/// assert_eq!(options.domain.as_deref(), Some("example.com"));
/// assert_eq!(options.path.as_deref(), Some("/"));
/// ```
impl CookieOptions {
    /// Sets `Domain` (cookies shared with the subdomains of `domain`); an empty domain is
    /// host-only, like `None`.
    #[must_use]
    pub fn with_domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Sets `Path`; `None` omits the attribute.
    #[must_use]
    pub fn with_path(mut self, path: Option<String>) -> Self {
        self.path = path;
        self
    }

    /// Sets `SameSite`; `None` omits the attribute.
    #[must_use]
    pub fn with_same_site(mut self, same_site: Option<SameSite>) -> Self {
        self.same_site = same_site;
        self
    }

    /// Sets `HttpOnly`.
    #[must_use]
    pub fn with_http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// Sets `Secure`.
    #[must_use]
    pub fn with_secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Sets `Partitioned` (needs `Secure` too: browsers drop a partitioned cookie that is not
    /// `Secure`, so [`CookieOptions::validate`] refuses the pair).
    #[must_use]
    pub fn with_partitioned(mut self, partitioned: bool) -> Self {
        self.partitioned = partitioned;
        self
    }

    /// Sets `Priority`; `None` omits the attribute.
    #[must_use]
    pub fn with_priority(mut self, priority: Option<Priority>) -> Self {
        self.priority = priority;
        self
    }
}

/// Why cookie options or a cookie name were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CookieOptionsError {
    /// A name with characters a cookie name cannot hold.
    #[error("argument name is invalid: {0}")]
    Name(String),
    /// A domain that is not a host name.
    #[error("option domain is invalid: {0}")]
    Domain(String),
    /// A path with `;`, `<` or control characters.
    #[error("option path is invalid: {0}")]
    Path(String),
    /// Browsers drop `SameSite=None` cookies that are not `Secure`.
    #[error("SameSite=None requires Secure: browsers drop such cookies")]
    SameSiteNoneWithoutSecure,
    /// Browsers drop `Partitioned` cookies that are not `Secure`.
    #[error("Partitioned requires Secure: browsers drop such cookies")]
    PartitionedWithoutSecure,
}

impl CookieOptions {
    /// Checks the options the way `cookie.serialize` does (spec §18), and refuses two
    /// combinations browsers silently drop, which `@supabase/ssr` and `cookie` let through:
    /// `SameSite=None` without `Secure`, and `Partitioned` without `Secure` (Chromium and
    /// Firefox reject such a cookie, so the session would never be stored, or a deletion never
    /// happen).
    ///
    /// ```
    /// use supabase_ssr_core::cookies::{CookieOptions, CookieOptionsError};
    ///
    /// let embedded = CookieOptions::default().with_partitioned(true);
    /// assert_eq!(embedded.validate(), Err(CookieOptionsError::PartitionedWithoutSecure));
    /// assert_eq!(embedded.with_secure(true).validate(), Ok(()));
    /// ```
    pub fn validate(&self) -> Result<(), CookieOptionsError> {
        self.validate_attributes()?;
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(CookieOptionsError::SameSiteNoneWithoutSecure);
        }
        if self.partitioned && !self.secure {
            return Err(CookieOptionsError::PartitionedWithoutSecure);
        }
        Ok(())
    }

    fn validate_attributes(&self) -> Result<(), CookieOptionsError> {
        if let Some(domain) = self.scope_domain()
            && !is_valid_domain(domain)
        {
            return Err(CookieOptionsError::Domain(domain.to_owned()));
        }
        if let Some(path) = &self.path
            && !path
                .bytes()
                .all(|b| (0x20..=0x7E).contains(&b) && b != b';' && b != b'<')
        {
            return Err(CookieOptionsError::Path(path.clone()));
        }
        Ok(())
    }

    /// `Domain` as it is written: an empty domain is no domain (host-only), as
    /// `cookie.serialize` skips a falsy one.
    pub(crate) fn scope_domain(&self) -> Option<&str> {
        self.domain.as_deref().filter(|d| !d.is_empty())
    }

    /// Whether a cookie set with `self` and one set with `other` are the same browser cookie
    /// (for one name): same `Domain` (case and a leading dot aside; empty is none), same
    /// `Path` (empty is none) and same partitioning. The other attributes do not scope a
    /// cookie: a deletion with them still hits it.
    pub(crate) fn same_scope(&self, other: &Self) -> bool {
        fn domain(options: &CookieOptions) -> Option<String> {
            options
                .scope_domain()
                .map(|d| d.trim_start_matches('.').to_ascii_lowercase())
        }
        fn path(options: &CookieOptions) -> Option<&str> {
            options.path.as_deref().filter(|p| !p.is_empty())
        }
        domain(self) == domain(other)
            && path(self) == path(other)
            && self.partitioned == other.partitioned
    }

    /// The same options without `Domain`: the host-only scope a domain-scoped deletion is
    /// doubled with (spec §6).
    pub(crate) fn host_only(&self) -> Self {
        Self {
            domain: None,
            ..self.clone()
        }
    }

    /// Renders `name=value` with these attributes as a `Set-Cookie` header value, for options
    /// that were validated (the configuration does that) and a valid name: byte for byte what
    /// `cookie.serialize` (`cookie` 1.1.1, under `@supabase/ssr`) writes, attributes in its
    /// order (`Max-Age, Domain, Path, HttpOnly, Secure, Partitioned, Priority, SameSite`).
    pub(crate) fn render(&self, name: &str, value: &str, max_age: Option<i64>) -> String {
        let mut out = String::with_capacity(name.len() + value.len() + 64);
        out.push_str(name);
        out.push('=');
        out.extend(utf8_percent_encode(value, URI_COMPONENT));
        if let Some(max_age) = max_age {
            let _ = write!(out, "; Max-Age={max_age}");
        }
        // `cookie.serialize` skips an empty domain or path (falsy in JS).
        if let Some(domain) = self.scope_domain() {
            out.push_str("; Domain=");
            out.push_str(domain);
        }
        if let Some(path) = self.path.as_deref().filter(|p| !p.is_empty()) {
            out.push_str("; Path=");
            out.push_str(path);
        }
        if self.http_only {
            out.push_str("; HttpOnly");
        }
        if self.secure {
            out.push_str("; Secure");
        }
        if self.partitioned {
            out.push_str("; Partitioned");
        }
        if let Some(priority) = self.priority {
            out.push_str("; Priority=");
            out.push_str(priority.as_str());
        }
        if let Some(same_site) = self.same_site {
            out.push_str(match same_site {
                SameSite::Strict => "; SameSite=Strict",
                SameSite::Lax => "; SameSite=Lax",
                SameSite::None => "; SameSite=None",
            });
        }
        out
    }
}

/// Renders a `Set-Cookie` header value, like `serializeCookieHeader` of `@supabase/ssr`: the
/// value is percent-encoded as `encodeURIComponent` does, the name, domain and path are checked,
/// and the attributes come in `cookie.serialize`'s order, so the result is byte-identical.
///
/// ```
/// use supabase_ssr_core::cookies::{CookieOptions, Priority, serialize_set_cookie};
///
/// let header = serialize_set_cookie("b", " weird value", &CookieOptions::default(), Some(345))?;
/// assert_eq!(header, "b=%20weird%20value; Max-Age=345; Path=/; SameSite=Lax");
/// let options = CookieOptions::default()
///     .with_secure(true)
///     .with_partitioned(true)
///     .with_priority(Some(Priority::High));
/// assert_eq!(
///     serialize_set_cookie("b", "1", &options, None)?,
///     "b=1; Path=/; Secure; Partitioned; Priority=High; SameSite=Lax"
/// );
/// # Ok::<(), supabase_ssr_core::cookies::CookieOptionsError>(())
/// ```
pub fn serialize_set_cookie(
    name: &str,
    value: &str,
    options: &CookieOptions,
    max_age: Option<i64>,
) -> Result<String, CookieOptionsError> {
    if !is_valid_name(name) {
        return Err(CookieOptionsError::Name(name.to_owned()));
    }
    options.validate_attributes()?;
    Ok(options.render(name, value, max_age))
}

/// A cookie name is an RFC 6265 token (the check `cookie.serialize` applies).
pub(crate) fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| matches!(b, 0x21..=0x3A | 0x3C | 0x3E..=0x7E))
}

fn is_valid_domain(domain: &str) -> bool {
    let labels = domain.strip_prefix('.').unwrap_or(domain);
    !labels.is_empty()
        && labels.split('.').all(|label| {
            let bytes = label.as_bytes();
            (1..=63).contains(&bytes.len())
                && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
                && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
                && bytes
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_domain_is_no_domain() {
        let empty = CookieOptions::default().with_domain("");
        assert_eq!(empty.validate(), Ok(()));
        assert_eq!(
            empty.render("a", "b", Some(1)),
            CookieOptions::default().render("a", "b", Some(1))
        );
        assert!(empty.same_scope(&CookieOptions::default()));
        // A domain that is only a dot is still refused.
        assert_eq!(
            CookieOptions::default().with_domain(".").validate(),
            Err(CookieOptionsError::Domain(".".to_owned()))
        );
    }

    /// Expected strings printed by `cookie.serialize` of `cookie` 1.1.1 (the serializer under
    /// `@supabase/ssr` 0.12.7) for the same name, value and options.
    #[test]
    fn rendering_is_byte_identical_to_cookie_serialize() {
        let cases = [
            (
                "sb-abcdefghijklmnop-auth-token",
                "base64-eyJhIjoxfQ",
                CookieOptions::default(),
                Some(MAX_AGE_SECONDS),
                "sb-abcdefghijklmnop-auth-token=base64-eyJhIjoxfQ; Max-Age=34560000; Path=/; \
                 SameSite=Lax",
            ),
            (
                "sb-abcdefghijklmnop-auth-token",
                "",
                CookieOptions::default()
                    .with_domain(".example.com")
                    .with_secure(true),
                Some(0),
                "sb-abcdefghijklmnop-auth-token=; Max-Age=0; Domain=.example.com; Path=/; Secure; \
                 SameSite=Lax",
            ),
            (
                "k",
                "{\"a\":\"é ;\"}",
                CookieOptions::default()
                    .with_path(Some("/app".into()))
                    .with_same_site(Some(SameSite::Strict))
                    .with_http_only(true)
                    .with_domain("example.com")
                    .with_secure(true)
                    .with_partitioned(true)
                    .with_priority(Some(Priority::High)),
                Some(MAX_AGE_SECONDS),
                "k=%7B%22a%22%3A%22%C3%A9%20%3B%22%7D; Max-Age=34560000; Domain=example.com; \
                 Path=/app; HttpOnly; Secure; Partitioned; Priority=High; SameSite=Strict",
            ),
            (
                "k",
                "v",
                CookieOptions::default()
                    .with_same_site(Some(SameSite::None))
                    .with_secure(true)
                    .with_partitioned(true)
                    .with_priority(Some(Priority::Low)),
                Some(MAX_AGE_SECONDS),
                "k=v; Max-Age=34560000; Path=/; Secure; Partitioned; Priority=Low; SameSite=None",
            ),
            (
                "k",
                "v",
                CookieOptions::default().with_priority(Some(Priority::Medium)),
                Some(0),
                "k=v; Max-Age=0; Path=/; Priority=Medium; SameSite=Lax",
            ),
            (
                "k",
                "v",
                CookieOptions::default()
                    .with_path(None)
                    .with_same_site(None),
                Some(5),
                "k=v; Max-Age=5",
            ),
        ];
        for (name, value, options, max_age, expected) in cases {
            assert_eq!(options.validate(), Ok(()));
            assert_eq!(options.render(name, value, max_age), expected);
        }
    }

    #[test]
    fn values_are_encoded_like_encode_uri_component() {
        let rendered = CookieOptions::default().render("k", "a=b;c,d\"e\\f%g é()!", Some(0));
        assert!(
            rendered.starts_with("k=a%3Db%3Bc%2Cd%22e%5Cf%25g%20%C3%A9()!;"),
            "{rendered}"
        );
    }

    #[test]
    fn partitioned_needs_secure() {
        let options = CookieOptions::default().with_partitioned(true);
        assert_eq!(
            options.validate(),
            Err(CookieOptionsError::PartitionedWithoutSecure)
        );
        assert_eq!(options.with_secure(true).validate(), Ok(()));
    }

    #[test]
    fn invalid_domains_and_paths_are_refused() {
        let bad_domain = CookieOptions {
            domain: Some("bad domain".into()),
            ..CookieOptions::default()
        };
        assert_eq!(
            bad_domain.validate(),
            Err(CookieOptionsError::Domain("bad domain".into()))
        );
        let bad_path = CookieOptions {
            path: Some("a;b".into()),
            ..CookieOptions::default()
        };
        assert_eq!(
            bad_path.validate(),
            Err(CookieOptionsError::Path("a;b".into()))
        );
        // `cookie.serialize` refuses `<` too (its path pattern skips 0x3B and 0x3C).
        assert_eq!(
            CookieOptions::default()
                .with_path(Some("/a<b".into()))
                .validate(),
            Err(CookieOptionsError::Path("/a<b".into()))
        );
        let good = CookieOptions {
            domain: Some(".example.com".into()),
            ..CookieOptions::default()
        };
        assert_eq!(good.validate(), Ok(()));
    }

    #[test]
    fn cookie_names_are_tokens() {
        assert!(is_valid_name("sb-[::1]-auth-token.0"));
        assert!(!is_valid_name("a b"));
        assert!(!is_valid_name("a=b"));
        assert!(!is_valid_name(""));
    }
}
