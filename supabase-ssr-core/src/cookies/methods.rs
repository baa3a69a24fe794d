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
/// use supabase_ssr_core::Supabase;
/// use supabase_ssr_core::cookies::CookieMethods;
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
///     fn response_headers(&self, name: &str) -> impl Iterator<Item = &str> {
///         self.response_headers
///             .iter()
///             .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
///             .map(|(_, v)| v.as_str())
///     }
///
///     fn set_all(&mut self, set_cookies: &[String], headers: &[(&str, &str)]) {
///         for value in set_cookies {
///             // Append: one header per cookie.
///             self.response_headers.push(("Set-Cookie".into(), value.clone()));
///         }
///         for (name, value) in headers {
///             // Replace: the core already merged what the handler set.
///             self.response_headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
///             self.response_headers.push(((*name).into(), (*value).into()));
///         }
///     }
/// }
///
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key").build()?;
/// let mut exchange = Exchange {
///     cookie_headers: vec!["theme=dark".into()],
///     response_headers: vec![("Vary".into(), "Accept-Encoding".into())],
/// };
/// // One client per request, from the request's cookies.
/// let client = supabase.client(exchange.cookie_headers());
/// // The handler renders a page for whoever is signed in: here nobody, but the page depends
/// // on the cookies all the same.
/// let user = client.auth().get_claims().await?;
/// assert!(user.is_none());
/// client.response_cookies().write_to(&mut exchange);
/// assert!(exchange.response_headers.contains(&("Cache-Control".into(), "private".into())));
/// assert!(exchange.response_headers.contains(&("Vary".into(), "Accept-Encoding, Cookie".into())));
///
/// // A sign-out writes cookies: the no-store headers replace whatever the handler set.
/// let client = supabase.client(["sb-abcdefghijklmnop-auth-token=base64-eyJ9"]);
/// let mut exchange = Exchange {
///     cookie_headers: Vec::new(),
///     response_headers: vec![("Cache-Control".into(), "public, max-age=600".into())],
/// };
/// client.auth().sign_out().await?;
/// client.response_cookies().write_to(&mut exchange);
/// assert!(exchange.response_headers.iter().any(|(n, v)| n == "Set-Cookie"
///     && v.starts_with("sb-abcdefghijklmnop-auth-token=;")));
/// assert!(exchange.response_headers.iter().any(|(n, v)| n == "Cache-Control"
///     && v.starts_with("private, no-cache, no-store")));
/// # Ok(())
/// # }
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(example())?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait CookieMethods {
    /// Every `Cookie` header value of the request (HTTP/2 may send several).
    fn cookie_headers(&self) -> impl Iterator<Item = &str>;

    /// Every value of the response header `name` (case-insensitive) the handler set. The core
    /// reads `Cache-Control` and `Vary` to merge its caching headers with them.
    fn response_headers(&self, name: &str) -> impl Iterator<Item = &str>;

    /// Writes the response side: append one `Set-Cookie` header per value, and set (replace)
    /// each of `headers` (caching headers). Called once per response, and only when there is
    /// something to write.
    fn set_all(&mut self, set_cookies: &[String], headers: &[(&str, &str)]);
}

impl CookieState {
    /// The state of the request behind `methods`.
    pub fn from_methods(config: Arc<Config>, methods: &impl CookieMethods) -> Self {
        Self::new(config, methods.cookie_headers())
    }
}

impl ResponseCookies {
    /// Hands the cookies and the caching headers ([`ResponseCookies::cache_headers_for`]) to
    /// `methods`; does nothing when there are none.
    pub fn write_to(&self, methods: &mut impl CookieMethods) {
        let headers = {
            let cache_control = methods.response_headers("Cache-Control").next();
            let vary: Vec<&str> = methods.response_headers("Vary").collect();
            self.cache_headers_for(cache_control, &vary)
        };
        if self.is_empty() && headers.is_empty() {
            return;
        }
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_ref())).collect();
        methods.set_all(self.set_cookies(), &headers);
    }
}
