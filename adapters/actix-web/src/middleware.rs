//! The middleware: a `Transform` (registered with `.wrap(..)`) and the `Service` it builds.

use std::future::{Future, Ready, ready};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{COOKIE, HeaderMap, HeaderName, HeaderValue, SET_COOKIE};
use actix_web::{Error, HttpMessage};
use supabase_ssr_core::Supabase;
use supabase_ssr_core::cookies::ResponseCookies;
use supabase_ssr_core::proxy::PathFilter;

/// Adds Supabase Auth to every request: refreshes an expiring session before the handler (so
/// the handler and everything inside this middleware see the new session in the `Cookie`
/// header), makes the request's [`SupabaseClient`](supabase_ssr_core::SupabaseClient) available
/// to the extractors, and after the handler — success or error — appends the auth cookies and
/// the no-store headers. Register it last with `.wrap(..)` so it is the outermost middleware.
#[derive(Debug, Clone)]
pub struct SupabaseMiddleware {
    supabase: Supabase,
    filter: Arc<PathFilter>,
}

impl SupabaseMiddleware {
    /// The middleware for a project; static assets are skipped ([`PathFilter::default`]).
    pub fn new(supabase: Supabase) -> Self {
        Self {
            supabase,
            filter: Arc::new(PathFilter::default()),
        }
    }

    /// Chooses which paths get the session work.
    #[must_use]
    pub fn with_filter(mut self, filter: PathFilter) -> Self {
        self.filter = Arc::new(filter);
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
        }))
    }
}

/// The service [`SupabaseMiddleware`] wraps around yours.
#[derive(Debug)]
pub struct SupabaseService<S> {
    inner: Rc<S>,
    supabase: Supabase,
    filter: Arc<PathFilter>,
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
        let inner = Rc::clone(&self.inner);
        if !self.filter.applies_to(request.path()) {
            return Box::pin(async move { inner.call(request).await });
        }
        let cookie_lines = request.headers().get_all(COOKIE);
        let client = self
            .supabase
            // UTF-8, not `to_str` (visible ASCII only): a cookie with a UTF-8 name or value
            // must not hide the session on the same line.
            .client(cookie_lines.filter_map(|value| std::str::from_utf8(value.as_bytes()).ok()));
        Box::pin(async move {
            let outcome = client.proxy().await;
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
                    if !cookies.is_empty() {
                        error.add_response_mapper(move |mut response| {
                            apply(&cookies, response.headers_mut());
                            response
                        });
                    }
                    Err(error)
                }
            }
        })
    }
}

/// Appends one `Set-Cookie` per cookie and sets (replaces) the cache headers.
fn apply(cookies: &ResponseCookies, headers: &mut HeaderMap) {
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
