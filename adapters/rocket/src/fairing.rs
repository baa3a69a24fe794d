//! The fairing: the CSRF guard and the proxy step before routing, the auth cookies after every
//! response.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::http::uri::Origin;
use rocket::http::{Header, Method, Status};
use rocket::route::{self, Handler, Route};
use rocket::{Build, Data, Request, Response, Rocket};
use supabase_ssr_core::proxy::{
    CsrfGuard, GuardedRequest, PathFilter, Rejection, RequestSpan, combine_header_values,
};
use supabase_ssr_core::{Supabase, SupabaseClient};

/// Adds Supabase Auth to every request: refuses cross-site requests with unsafe methods
/// ([`CsrfGuard`], `403`, on by default), refreshes an expiring session before routing (so the
/// guards and handlers see the new session in the `Cookie` header), makes the request's
/// [`SupabaseClient`] available to the [`Client`](crate::Client) and
/// [`Authenticated`](crate::Authenticated) guards, and on every response — from a handler or a
/// catcher — appends the auth cookies and the caching headers (no-store when cookies are
/// written, `private` when the handler read the session).
///
/// A fairing cannot answer a request itself, so a refused request is routed to
/// [`REFUSED_PATH`], where the fairing mounts (at ignite) a route for every unsafe method with
/// the lowest rank there is: no route of the app, catch-alls included, runs for it. Attach this
/// fairing before other request fairings, which run in order. Rocket turns a form `POST` with
/// a `_method` field into that method before any fairing runs; the guard sees the result.
///
/// **Tracing.** The request's `supabase_ssr.request` span (see the core's docs, "Tracing")
/// covers the fairing's work — the CSRF guard and the proxy step with its Auth calls — and
/// lasts as long as the request, but a fairing cannot wrap the handler: the handler's events
/// and spans are not inside it (unlike the other adapters).
#[derive(Debug, Clone)]
pub struct SupabaseFairing {
    supabase: Supabase,
    filter: Arc<PathFilter>,
    csrf: Arc<CsrfGuard>,
}

/// Where the fairing sends the requests its CSRF guard refuses; a request for it that was not
/// refused is forwarded (`404` unless an app route serves the path).
pub const REFUSED_PATH: &str = "/__supabase-ssr/cross-site-refused";

/// The methods a refused request can have: every one but `GET`, `HEAD` and `OPTIONS`.
const UNSAFE_METHODS: [Method; 6] = [
    Method::Post,
    Method::Put,
    Method::Delete,
    Method::Patch,
    Method::Trace,
    Method::Connect,
];

impl SupabaseFairing {
    /// The fairing for a project; static assets are skipped ([`PathFilter::default`]).
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
    /// fairing sees, paths the filter skips included.
    ///
    /// ```
    /// use supabase_ssr_rocket::core::proxy::CsrfGuard;
    /// use supabase_ssr_rocket::{Supabase, SupabaseFairing};
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key").build()?;
    /// let guard = CsrfGuard::default().allow_origin("https://app.example.com")?;
    /// let fairing = SupabaseFairing::new(supabase).with_csrf(guard);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_csrf(mut self, guard: CsrfGuard) -> Self {
        self.csrf = Arc::new(guard);
        self
    }
}

/// What the fairing leaves in the request-local cache for the guards (the client), and what
/// the [`Authenticated`](crate::Authenticated) guard leaves for the fairing (its rejection, since
/// Rocket 0.5 catchers cannot see a guard's error value). The cache is keyed by type, so the
/// type stays private.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) client: Option<SupabaseClient>,
    pub(crate) rejection: OnceLock<Rejection>,
    /// The CSRF guard's refusal, answered by the route at [`REFUSED_PATH`].
    pub(crate) refused: Option<Rejection>,
    /// The request's span, kept open as long as the request.
    pub(crate) span: Option<RequestSpan>,
}

/// The request's sink; an empty one when the fairing did not run for it.
pub(crate) fn sink<'r>(request: &'r Request<'_>) -> &'r Sink {
    request.local_cache(Sink::default)
}

#[rocket::async_trait]
impl Fairing for SupabaseFairing {
    fn info(&self) -> Info {
        Info {
            name: "Supabase Auth",
            kind: Kind::Ignite | Kind::Request | Kind::Response,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        let routes: Vec<Route> = UNSAFE_METHODS
            .into_iter()
            .map(|method| Route::ranked(isize::MIN, method, REFUSED_PATH, Refused))
            .collect();
        Ok(rocket.mount("/", routes))
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        let span = RequestSpan::new(request.method().as_str(), request.uri().path().as_str());
        if let Err(refused) = check_cross_site(&self.csrf, request) {
            span.record_cross_site_refused();
            request.local_cache(|| Sink {
                refused: Some(refused),
                span: Some(span),
                ..Sink::default()
            });
            request.set_uri(Origin::const_new(REFUSED_PATH, None));
            return;
        }
        if !self.filter.applies_to(request.uri().path().as_str()) {
            span.record_skipped();
            request.local_cache(|| Sink {
                span: Some(span),
                ..Sink::default()
            });
            return;
        }
        let client = self
            .supabase
            .client(request.headers().get("Cookie"))
            .with_request_target(request.uri());
        let outcome = span.instrument(client.proxy()).await;
        span.record_outcome(&outcome);
        if let Some(header) = outcome.request_cookie_header {
            // Replaces every `Cookie` line. Rocket parsed its `CookieJar` when the request was
            // built, so `request.cookies()` still holds the old session; read the header.
            request.replace_header(Header::new("Cookie", header));
        }
        request.local_cache(|| Sink {
            client: Some(client),
            span: Some(span),
            ..Sink::default()
        });
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let sink = sink(request);
        // The response's cookie work is inside the request's span too (no await below).
        let _entered = sink.span.as_ref().map(|span| span.span().enter());
        // The catcher Rocket ran for the failed guard answered with the guard's status: answer
        // with the rejection itself (a 303 with `Location`, a 401/503 JSON body, or the 500 of
        // a guard on a path this fairing skips).
        if let Some(rejection) = sink.rejection.get()
            && response.status().code == rejection.status.as_u16()
        {
            write_rejection(rejection, response);
        }
        let Some(client) = &sink.client else { return };
        let cookies = client.response_cookies();
        for set_cookie in cookies.set_cookies() {
            response.adjoin_raw_header("Set-Cookie", set_cookie.clone());
        }
        let updates = {
            let headers = response.headers();
            let vary: Vec<&str> = headers.get("Vary").collect();
            cookies.cache_headers_for(headers.get_one("Cache-Control"), &vary)
        };
        for (name, value) in updates {
            response.set_raw_header(name, value);
        }
    }
}

/// Runs the CSRF guard on the request. The host is the `Host` header, else `Request::host` (the
/// HTTP/2 `:authority`); `X-Forwarded-Host` is not read.
fn check_cross_site(guard: &CsrfGuard, request: &Request<'_>) -> Result<(), Rejection> {
    if !guard.is_on() {
        return Ok(());
    }
    let headers = request.headers();
    let header = |name| combine_header_values(headers.get(name).map(str::as_bytes));
    let sec_fetch_site = header("Sec-Fetch-Site");
    let origin = header("Origin");
    let accept = header("Accept");
    let host = header("Host").or_else(|| request.host().map(|host| host.to_string().into()));
    guard.check(&GuardedRequest {
        method: request.method().as_str(),
        path: request.uri().path().as_str(),
        sec_fetch_site: sec_fetch_site.as_deref(),
        origin: origin.as_deref(),
        host: host.as_deref(),
        accept: accept.as_deref(),
    })
}

/// The handler of [`REFUSED_PATH`]: answers with the refusal the fairing stored.
#[derive(Clone)]
struct Refused;

#[rocket::async_trait]
impl Handler for Refused {
    async fn handle<'r>(&self, request: &'r Request<'_>, data: Data<'r>) -> route::Outcome<'r> {
        match &sink(request).refused {
            Some(rejection) => {
                let mut response = Response::new();
                write_rejection(rejection, &mut response);
                route::Outcome::Success(response)
            }
            None => route::Outcome::Forward((data, Status::NotFound)),
        }
    }
}

/// Makes `response` the one `rejection` describes: status, headers and body.
pub(crate) fn write_rejection(rejection: &Rejection, response: &mut Response<'_>) {
    response.set_status(Status::new(rejection.status.as_u16()));
    response.remove_header("Content-Type");
    for (name, value) in &rejection.headers {
        response.set_raw_header(*name, value.clone());
    }
    let body = rejection.body.clone();
    response.set_sized_body(body.len(), Cursor::new(body));
}
