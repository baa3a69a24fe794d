//! The string contract between the core and a web framework, like `getAll`/`setAll` in
//! `@supabase/ssr`.

use std::sync::Arc;

use super::state::{CookieState, ResponseCookies};
use crate::config::Config;

/// How a framework hands cookies to the core and takes the result back.
///
/// Implement it for whatever your framework gives you for one request and its response; the
/// shipped adapters do the same. Only strings cross this boundary, so no framework type reaches
/// the core.
///
/// ```
/// use std::sync::Arc;
/// use supabase_ssr_core::Config;
/// use supabase_ssr_core::cookies::{CookieMethods, CookieState};
///
/// /// A minimal request/response pair of some framework.
/// struct Exchange {
///     cookie_headers: Vec<String>,
///     response_headers: Vec<(String, String)>,
/// }
///
/// impl CookieMethods for Exchange {
///     fn cookie_headers(&self) -> impl Iterator<Item = &str> {
///         self.cookie_headers.iter().map(String::as_str)
///     }
///
///     fn set_all(&mut self, set_cookies: &[String], cache_headers: &[(&str, &str)]) {
///         for value in set_cookies {
///             // Append: one header per cookie.
///             self.response_headers.push(("Set-Cookie".into(), value.clone()));
///         }
///         for (name, value) in cache_headers {
///             // Replace: no-store must win over whatever the handler set.
///             self.response_headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
///             self.response_headers.push(((*name).into(), (*value).into()));
///         }
///     }
/// }
///
/// let config = Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "key")?);
/// let mut exchange = Exchange {
///     cookie_headers: vec!["sb-abcdefghijklmnop-auth-token=base64-eyJ9".into()],
///     response_headers: vec![("Cache-Control".into(), "public, max-age=600".into())],
/// };
/// let mut state = CookieState::from_methods(config, &exchange);
/// state.remove_session(); // e.g. after signing out
/// state.response_cookies().write_to(&mut exchange);
/// assert!(exchange.response_headers.iter().any(|(n, v)| n == "Set-Cookie"
///     && v.starts_with("sb-abcdefghijklmnop-auth-token=;")));
/// assert!(exchange.response_headers.iter().any(|(n, v)| n == "Cache-Control"
///     && v.starts_with("private, no-cache, no-store")));
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
pub trait CookieMethods {
    /// Every `Cookie` header value of the request (HTTP/2 may send several).
    fn cookie_headers(&self) -> impl Iterator<Item = &str>;

    /// Writes the response side: append one `Set-Cookie` header per value, and set (replace)
    /// each cache header. Called once per response, and only when there is something to write.
    fn set_all(&mut self, set_cookies: &[String], cache_headers: &[(&str, &str)]);
}

impl CookieState {
    /// The state of the request behind `methods`.
    pub fn from_methods(config: Arc<Config>, methods: &impl CookieMethods) -> Self {
        Self::new(config, methods.cookie_headers())
    }
}

impl ResponseCookies {
    /// Hands the cookies and cache headers to `methods`; does nothing when there are none.
    pub fn write_to(&self, methods: &mut impl CookieMethods) {
        if !self.is_empty() {
            methods.set_all(self.set_cookies(), self.cache_headers());
        }
    }
}
