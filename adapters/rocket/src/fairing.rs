//! The fairing: the proxy step before routing, the auth cookies after every response.

use std::io::Cursor;
use std::sync::{Arc, OnceLock};

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Header, Status};
use rocket::{Data, Request, Response};
use supabase_ssr_core::proxy::{PathFilter, Rejection};
use supabase_ssr_core::{Supabase, SupabaseClient};

/// Adds Supabase Auth to every request: refreshes an expiring session before routing (so the
/// guards and handlers see the new session in the `Cookie` header), makes the request's
/// [`SupabaseClient`] available to the [`Client`](crate::Client) and
/// [`Authenticated`](crate::Authenticated) guards, and on every response — from a handler or a
/// catcher — appends the auth cookies and the no-store headers.
#[derive(Debug, Clone)]
pub struct SupabaseFairing {
    supabase: Supabase,
    filter: Arc<PathFilter>,
}

impl SupabaseFairing {
    /// The fairing for a project; static assets are skipped ([`PathFilter::default`]).
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

/// What the fairing leaves in the request-local cache for the guards (the client), and what
/// the [`Authenticated`](crate::Authenticated) guard leaves for the fairing (its rejection, since
/// Rocket 0.5 catchers cannot see a guard's error value). The cache is keyed by type, so the
/// type stays private.
#[derive(Debug, Default)]
pub(crate) struct Sink {
    pub(crate) client: Option<SupabaseClient>,
    pub(crate) rejection: OnceLock<Rejection>,
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
            kind: Kind::Request | Kind::Response,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _: &mut Data<'_>) {
        if !self.filter.applies_to(request.uri().path().as_str()) {
            return;
        }
        let client = self.supabase.client(request.headers().get("Cookie"));
        let outcome = client.proxy().await;
        if let Some(header) = outcome.request_cookie_header {
            // Replaces every `Cookie` line. Rocket parsed its `CookieJar` when the request was
            // built, so `request.cookies()` still holds the old session; read the header.
            request.replace_header(Header::new("Cookie", header));
        }
        request.local_cache(|| Sink {
            client: Some(client),
            rejection: OnceLock::new(),
        });
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        let sink = sink(request);
        let Some(client) = &sink.client else { return };
        // The catcher Rocket ran for the failed guard answered with the guard's status: answer
        // with the rejection itself (a 303 with `Location`, a 401/503 JSON body).
        if let Some(rejection) = sink.rejection.get()
            && response.status().code == rejection.status
        {
            write_rejection(rejection, response);
        }
        let cookies = client.response_cookies();
        for set_cookie in cookies.set_cookies() {
            response.adjoin_raw_header("Set-Cookie", set_cookie.clone());
        }
        for (name, value) in cookies.cache_headers() {
            response.set_raw_header(*name, *value);
        }
    }
}

/// Makes `response` the one `rejection` describes: status, headers and body.
pub(crate) fn write_rejection(rejection: &Rejection, response: &mut Response<'_>) {
    response.set_status(Status::new(rejection.status));
    response.remove_header("Content-Type");
    for (name, value) in &rejection.headers {
        response.set_raw_header(*name, value.clone());
    }
    let body = rejection.body.clone();
    response.set_sized_body(body.len(), Cursor::new(body));
}
