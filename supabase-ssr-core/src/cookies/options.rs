//! The attributes auth cookies are written with, and their `Set-Cookie` rendering.

use cookie::{Cookie, SameSite};
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
    /// `Domain`; `None` makes host-only cookies.
    pub domain: Option<String>,
    /// `Path`; `None` omits the attribute.
    pub path: Option<String>,
    /// `SameSite`; `None` omits the attribute.
    pub same_site: Option<SameSite>,
    /// `HttpOnly`.
    pub http_only: bool,
    /// `Secure`.
    pub secure: bool,
}

impl Default for CookieOptions {
    fn default() -> Self {
        Self {
            domain: None,
            path: Some("/".to_owned()),
            same_site: Some(SameSite::Lax),
            http_only: false,
            secure: false,
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
    /// Sets `Domain` (cookies shared with the subdomains of `domain`).
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
    /// A path with `;` or control characters.
    #[error("option path is invalid: {0}")]
    Path(String),
    /// Browsers drop `SameSite=None` cookies that are not `Secure`.
    #[error("SameSite=None requires Secure: browsers drop such cookies")]
    SameSiteNoneWithoutSecure,
}

impl CookieOptions {
    /// Checks the options the way `cookie.serialize` does (spec §18), and refuses
    /// `SameSite=None` without `Secure`, which browsers silently drop.
    pub fn validate(&self) -> Result<(), CookieOptionsError> {
        self.validate_attributes()?;
        if self.same_site == Some(SameSite::None) && !self.secure {
            return Err(CookieOptionsError::SameSiteNoneWithoutSecure);
        }
        Ok(())
    }

    fn validate_attributes(&self) -> Result<(), CookieOptionsError> {
        if let Some(domain) = &self.domain
            && !is_valid_domain(domain)
        {
            return Err(CookieOptionsError::Domain(domain.clone()));
        }
        if let Some(path) = &self.path
            && !path
                .bytes()
                .all(|b| (0x20..=0x7E).contains(&b) && b != b';')
        {
            return Err(CookieOptionsError::Path(path.clone()));
        }
        Ok(())
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
    /// that were validated (the configuration does that) and a valid name.
    pub(crate) fn render(&self, name: &str, value: &str, max_age: i64) -> String {
        let encoded = utf8_percent_encode(value, URI_COMPONENT).to_string();
        let mut cookie = Cookie::new(name.to_owned(), encoded);
        cookie.set_max_age(cookie::time::Duration::seconds(max_age));
        if let Some(path) = &self.path {
            cookie.set_path(path.clone());
        }
        if let Some(domain) = &self.domain {
            cookie.set_domain(domain.clone());
        }
        if let Some(same_site) = self.same_site {
            cookie.set_same_site(same_site);
        }
        if self.http_only {
            cookie.set_http_only(true);
        }
        if self.secure {
            cookie.set_secure(true);
        }
        // `Display` (not `encoded()`): the value is already encoded with the JS character set.
        cookie.to_string()
    }
}

/// Renders a `Set-Cookie` header value, like `serializeCookieHeader` of `@supabase/ssr`: the
/// value is percent-encoded as `encodeURIComponent` does, the name, domain and path are checked.
/// The attributes come in the `cookie` crate's order, which differs from the JS library's;
/// browsers do not care.
///
/// ```
/// use supabase_ssr_core::cookies::{CookieOptions, serialize_set_cookie};
///
/// let header = serialize_set_cookie("b", " weird value", &CookieOptions::default(), Some(345))?;
/// assert_eq!(header, "b=%20weird%20value; SameSite=Lax; Path=/; Max-Age=345");
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
    let rendered = options.render(name, value, max_age.unwrap_or_default());
    Ok(match max_age {
        Some(_) => rendered,
        None => rendered
            .split("; ")
            .filter(|part| !part.starts_with("Max-Age="))
            .collect::<Vec<_>>()
            .join("; "),
    })
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
    fn default_options_render_like_the_js_library() {
        let rendered = CookieOptions::default().render("k", "base64-eyJ9", MAX_AGE_SECONDS);
        let parsed = Cookie::parse(rendered.as_str()).unwrap();
        assert_eq!(parsed.value(), "base64-eyJ9");
        assert_eq!(parsed.path(), Some("/"));
        assert_eq!(rendered.matches("Max-Age").count(), 1);
        assert_eq!(parsed.same_site(), Some(SameSite::Lax));
        assert_eq!(parsed.http_only(), None);
        assert_eq!(
            parsed.max_age(),
            Some(cookie::time::Duration::seconds(MAX_AGE_SECONDS))
        );
    }

    #[test]
    fn values_are_encoded_like_encode_uri_component() {
        let rendered = CookieOptions::default().render("k", "a=b;c,d\"e\\f%g é()!", 0);
        assert!(
            rendered.starts_with("k=a%3Db%3Bc%2Cd%22e%5Cf%25g%20%C3%A9()!;"),
            "{rendered}"
        );
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
