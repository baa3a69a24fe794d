//! The middleware: a `Transform` (registered with `.wrap(..)`) and the `Service` it builds.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{
    ACCEPT, CACHE_CONTROL, COOKIE, HOST, HeaderMap, HeaderName, HeaderValue, ORIGIN, SET_COOKIE,
    VARY,
};
use actix_web::{Error, HttpMessage};
use supabase_ssr_core::Supabase;
use supabase_ssr_core::cookies::ResponseCookies;
use supabase_ssr_core::proxy::{
    CsrfGuard, GuardedRequest, PathFilter, Rejection, RequestSpan, combine_header_values,
};

use crate::AuthRejection;

/// Adds Supabase Auth to every request: refuses cross-site requests with unsafe methods
/// ([`CsrfGuard`], `403`, on by default; the refusal is an `Err` whose response carries the
/// status and body), refreshes an expiring session before the handler (so the handler and
/// everything inside this middleware see the new session in the `Cookie` header), makes the
/// request's [`SupabaseClient`](supabase_ssr_core::SupabaseClient) available to the
/// extractors, and after the handler — success or error — appends the auth cookies and the
/// caching headers (no-store when cookies are written, `private` when the handler read the
/// session). Register it last with `.wrap(..)` so it is the outermost middleware.
///
/// Each request runs — the proxy step and the handler — inside a `supabase_ssr.request` span
/// ([`RequestSpan`]; see the core's docs, "Tracing").
#[derive(Debug, Clone)]
pub struct SupabaseMiddleware {
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

impl SupabaseMiddleware {
    /// The middleware for a project; static assets are skipped ([`PathFilter::default`]).
    pub fn new(supabase: Supabase) -> Self {
        Self {
            supabase,
            filter: Arc::new(PathFilter::default()),
            csrf: Arc::new(CsrfGuard::default()),
        }
    }

    /// Chooses which paths get the session work.
    #[must_use]
    pub fn with_filter(mut self, filter: PathFilter) -> Self {
        self.filter = Arc::new(filter);
        self
    }

    /// Chooses the CSRF guard (default: on, no allowed origins). It checks every request the
    /// middleware sees, paths the filter skips included.
    ///
    /// ```
    /// use supabase_ssr_actix_web::core::proxy::CsrfGuard;
    /// use supabase_ssr_actix_web::{Supabase, SupabaseMiddleware};
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key").build()?;
    /// let guard = CsrfGuard::default().allow_origin("https://app.example.com")?;
    /// let middleware = SupabaseMiddleware::new(supabase).with_csrf(guard);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_csrf(mut self, guard: CsrfGuard) -> Self {
        self.csrf = Arc::new(guard);
        self
    }
}

impl<S, B> Transform<S, ServiceRequest> for SupabaseMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Transform = SupabaseService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SupabaseService {
            inner: Rc::new(service),
            supabase: self.supabase.clone(),
            filter: self.filter.clone(),
            csrf: self.csrf.clone(),
        }))
    }
}

/// The service [`SupabaseMiddleware`] wraps around yours.
#[derive(Debug)]
pub struct SupabaseService<S> {
    inner: Rc<S>,
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

type LocalBoxFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for SupabaseService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<B>;
    type Error = Error;
    type Future = LocalBoxFuture<Result<ServiceResponse<B>, Error>>;

    forward_ready!(inner);

    fn call(&self, mut request: ServiceRequest) -> Self::Future {
        let span = RequestSpan::new(request.method().as_str(), request.path());
        if let Err(refused) = check_cross_site(&self.csrf, &request) {
            span.record_cross_site_refused();
            // An `Err` keeps the middleware's body type; its response is built from the
            // rejection each time it is asked for, so the 403 and its body reach the client.
            return Box::pin(ready(Err(AuthRejection::Denied(refused).into())));
        }
        let inner = Rc::clone(&self.inner);
        if !self.filter.applies_to(request.path()) {
            span.record_skipped();
            let call = span.span().in_scope(|| inner.call(request));
            return Box::pin(span.instrument(call));
        }
        let cookie_lines = request.headers().get_all(COOKIE);
        let client = self
            .supabase
            // UTF-8, not `to_str` (visible ASCII only): a cookie with a UTF-8 name or value
            // must not hide the session on the same line.
            .client(cookie_lines.filter_map(|value| std::str::from_utf8(value.as_bytes()).ok()))
            .with_request_target(request.uri());
        let recorder = span.clone();
        Box::pin(span.instrument(async move {
            let outcome = client.proxy().await;
            recorder.record_outcome(&outcome);
            if let Some(header) = outcome.request_cookie_header {
                // `insert` replaces every `Cookie` line. Nothing has parsed the cookies yet
                // (`HttpRequest::cookies` caches them) as long as this middleware is outermost.
                if let Ok(value) = HeaderValue::from_str(&header) {
                    request.headers_mut().insert(COOKIE, value);
                }
            }
            request.extensions_mut().insert(client.clone());
            match inner.call(request).await {
                Ok(mut response) => {
                    apply(&client.response_cookies(), response.headers_mut());
                    Ok(response)
                }
                Err(mut error) => {
                    // The response is built from the error further out (by an outer middleware
                    // or the server): have the cookies added to it whenever that happens.
                    let cookies = client.response_cookies();
                    if !cookies.is_empty() || cookies.session_read() {
                        error.add_response_mapper(move |mut response| {
                            apply(&cookies, response.headers_mut());
                            response
                        });
                    }
                    Err(error)
                }
            }
        }))
    }
}

/// Runs the CSRF guard on the request. The host is the `Host` header, else the URI's authority
/// (HTTP/2); not `connection_info().host()`, which trusts `X-Forwarded-Host`.
fn check_cross_site(guard: &CsrfGuard, request: &ServiceRequest) -> Result<(), Rejection> {
    if !guard.is_on() {
        return Ok(());
    }
    let headers = request.headers();
    let header = |name| combine_header_values(headers.get_all(name).map(HeaderValue::as_bytes));
    let sec_fetch_site = header(HeaderName::from_static("sec-fetch-site"));
    let origin = header(ORIGIN);
    let host = header(HOST).or_else(|| request.uri().authority().map(|a| a.as_str().into()));
    let accept = header(ACCEPT);
    guard.check(&GuardedRequest {
        method: request.method().as_str(),
        path: request.path(),
        sec_fetch_site: sec_fetch_site.as_deref(),
        origin: origin.as_deref(),
        host: host.as_deref(),
        accept: accept.as_deref(),
    })
}

/// Appends one `Set-Cookie` per cookie and sets (replaces) the caching headers the core decides
/// from the ones the handler set.
fn apply(cookies: &ResponseCookies, headers: &mut HeaderMap) {
    for set_cookie in cookies.set_cookies() {
        if let Ok(value) = HeaderValue::from_str(set_cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    let updates = {
        let text = |value: &HeaderValue| String::from_utf8_lossy(value.as_bytes()).into_owned();
        let cache_control = headers.get(CACHE_CONTROL).map(text);
        let vary: Vec<String> = headers.get_all(VARY).map(text).collect();
        let vary: Vec<&str> = vary.iter().map(String::as_str).collect();
        cookies.cache_headers_for(cache_control.as_deref(), &vary)
    };
    for (name, value) in updates {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            headers.insert(name, value);
        }
    }
}
