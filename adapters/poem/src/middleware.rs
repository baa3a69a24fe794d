//! The poem `Middleware` and the `Endpoint` it wraps around yours.

use std::sync::Arc;

use poem::{Endpoint, IntoResponse, Middleware, Request, Response, Result};
use supabase_ssr_core::Supabase;
use supabase_ssr_core::proxy::{CsrfGuard, PathFilter, RequestSpan, http_headers};

/// Adds Supabase Auth to every request: refuses cross-site requests with unsafe methods
/// ([`CsrfGuard`], `403`, on by default), refreshes an expiring session before the handler (so
/// the handler and every endpoint inside this middleware see the new session), puts the
/// request's [`SupabaseClient`](supabase_ssr_core::SupabaseClient) in the request data, and
/// after the handler — whether it returned `Ok` or `Err` — appends the auth cookies and the
/// caching headers (no-store when cookies are written, `private` when the handler read the
/// session).
///
/// Each request runs — the proxy step and the endpoint — inside a `supabase_ssr.request` span
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
    /// use supabase_ssr_poem::core::proxy::CsrfGuard;
    /// use supabase_ssr_poem::{Supabase, SupabaseMiddleware};
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

impl<E: Endpoint> Middleware<E> for SupabaseMiddleware {
    type Output = SupabaseEndpoint<E>;

    fn transform(&self, inner: E) -> Self::Output {
        SupabaseEndpoint {
            inner,
            supabase: self.supabase.clone(),
            filter: self.filter.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

/// The endpoint [`SupabaseMiddleware`] wraps around yours.
#[derive(Debug, Clone)]
pub struct SupabaseEndpoint<E> {
    inner: E,
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

impl<E: Endpoint> Endpoint for SupabaseEndpoint<E> {
    type Output = Response;

    async fn call(&self, request: Request) -> Result<Response> {
        let span = RequestSpan::new(request.method().as_str(), request.uri().path());
        span.instrument(self.call_in(request, &span)).await
    }
}

impl<E: Endpoint> SupabaseEndpoint<E> {
    /// [`Endpoint::call`], inside the request's span.
    async fn call_in(&self, mut request: Request, span: &RequestSpan) -> Result<Response> {
        let (method, uri, headers) = (request.method(), request.uri(), request.headers());
        if let Err(refused) = http_headers::check_cross_site(&self.csrf, method, uri, headers) {
            span.record_cross_site_refused();
            return Ok(crate::extract::rejection_response(refused));
        }
        // `uri()`, not `original_uri()`: the latter is `/` on requests made with
        // `Request::builder()` (poem's `TestClient` included). Inside a `Route::nest` the
        // filter sees the path relative to the nest, like axum's `nest`.
        if !self.filter.applies_to(request.uri().path()) {
            span.record_skipped();
            return self
                .inner
                .call(request)
                .await
                .map(IntoResponse::into_response);
        }
        let client = self
            .supabase
            .client(http_headers::cookie_headers(request.headers()))
            .with_request_target(request_target(&request));
        let outcome = client.proxy().await;
        span.record_outcome(&outcome);
        if let Some(header) = &outcome.request_cookie_header {
            http_headers::replace_cookie_header(request.headers_mut(), header);
        }
        request.extensions_mut().insert(client.clone());
        // An `Err` becomes its response here so the cookies reach the browser on errors too
        // (poem's `CookieJarManager` uses `?` and drops its cookies on that path).
        let mut response = match self.inner.call(request).await {
            Ok(response) => response.into_response(),
            Err(error) => error.into_response(),
        };
        http_headers::apply_response_cookies(&client.response_cookies(), response.headers_mut());
        Ok(response)
    }
}

/// The request's target as the browser sent it, for the way back from the login page: the
/// original URI, which inside a `Route::nest` still has the nest's prefix. A request made with
/// `Request::builder()` (poem's `TestClient`) has `/` as its original URI; a real one whose
/// original URI is `/` has `/` as its URI too, so the URI is the target then.
fn request_target(request: &Request) -> &poem::http::Uri {
    let original = request.original_uri();
    if original.path() == "/" && original.query().is_none() {
        request.uri()
    } else {
        original
    }
}
