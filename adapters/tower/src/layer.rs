//! The tower `Layer` and `Service`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{Request, Response};
use supabase_ssr_core::Supabase;
use supabase_ssr_core::proxy::{CsrfGuard, PathFilter, RequestSpan, http_headers};
use tower_layer::Layer;
use tower_service::Service;

/// Adds Supabase Auth to every request: refuses cross-site requests with unsafe methods
/// ([`CsrfGuard`], `403`, on by default), refreshes an expiring session before the handler (so
/// the handler and everything after this layer see the new session), puts the request's
/// [`SupabaseClient`](supabase_ssr_core::SupabaseClient) in the request extensions, and after
/// the handler — whatever it returned — appends the auth cookies and the caching headers
/// (no-store when cookies are written, `private` when the handler read the session).
///
/// Each request runs — the proxy step and your service — inside a `supabase_ssr.request`
/// span ([`RequestSpan`]; see the core's docs, "Tracing").
///
/// The `403` body is built with `ResBody: From<String>` (axum's `Body`,
/// `http_body_util::Full<Bytes>`, `String`).
#[derive(Debug, Clone)]
pub struct SupabaseLayer {
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

impl SupabaseLayer {
    /// The layer for a project; static assets are skipped ([`PathFilter::default`]).
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
    /// layer sees, paths the filter skips included.
    ///
    /// ```
    /// use supabase_ssr_core::proxy::CsrfGuard;
    /// use supabase_ssr_tower::{Supabase, SupabaseLayer};
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key").build()?;
    /// let guard = CsrfGuard::default().allow_origin("https://app.example.com")?;
    /// let layer = SupabaseLayer::new(supabase).with_csrf(guard);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_csrf(mut self, guard: CsrfGuard) -> Self {
        self.csrf = Arc::new(guard);
        self
    }
}

impl<S> Layer<S> for SupabaseLayer {
    type Service = SupabaseService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SupabaseService {
            inner,
            supabase: self.supabase.clone(),
            filter: self.filter.clone(),
            csrf: self.csrf.clone(),
        }
    }
}

/// The service [`SupabaseLayer`] wraps around yours.
#[derive(Debug, Clone)]
pub struct SupabaseService<S> {
    inner: S,
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SupabaseService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    ReqBody: Send + 'static,
    ResBody: From<String> + Send + 'static,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        // The service that was polled ready is the one to call; leave a fresh clone behind.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let (method, uri, headers) = (request.method(), request.uri(), request.headers());
        let span = RequestSpan::new(method.as_str(), uri.path());
        if let Err(refused) = http_headers::check_cross_site(&self.csrf, method, uri, headers) {
            span.record_cross_site_refused();
            let response = http_headers::rejection_response(refused);
            return Box::pin(async move { Ok(response) });
        }
        if !self.filter.applies_to(request.uri().path()) {
            span.record_skipped();
            let call = span.span().in_scope(|| inner.call(request));
            return Box::pin(span.instrument(call));
        }
        let client = self
            .supabase
            .client(http_headers::cookie_headers(request.headers()))
            .with_request_target(request.uri());
        let recorder = span.clone();
        Box::pin(span.instrument(async move {
            let outcome = client.proxy().await;
            recorder.record_outcome(&outcome);
            if let Some(header) = &outcome.request_cookie_header {
                http_headers::replace_cookie_header(request.headers_mut(), header);
            }
            request.extensions_mut().insert(client.clone());
            let mut response = inner.call(request).await?;
            http_headers::apply_response_cookies(
                &client.response_cookies(),
                response.headers_mut(),
            );
            Ok(response)
        }))
    }
}
