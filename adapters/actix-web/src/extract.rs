//! Extractors: the per-request client and verified claims.

use std::future::{Future, Ready, ready};
use std::ops::Deref;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT, HeaderName, HeaderValue};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError};
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::Claims;
use supabase_ssr_core::proxy::{
    Aal2Policy, MISSING_MIDDLEWARE, Rejection, report_missing_middleware,
};

/// The request's Supabase client: sign in, sign out, read the session, call the data APIs.
/// Cookies it writes are sent by the [`SupabaseMiddleware`](crate::SupabaseMiddleware).
#[derive(Debug, Clone)]
pub struct Client(pub SupabaseClient);

impl Deref for Client {
    type Target = SupabaseClient;

    fn deref(&self) -> &SupabaseClient {
        &self.0
    }
}

/// The verified claims of a signed-in user. Rejects other requests with `401` JSON, a `303` to
/// the login page for browser navigations when one is configured, or `503` when the Auth server
/// cannot be reached. Use `Option<Authenticated>` on pages open to everyone.
///
/// With third-party auth
/// ([`SupabaseBuilder::access_token`](supabase_ssr_core::SupabaseBuilder::access_token)) there
/// are no Supabase Auth claims: it answers `500` with
/// [`THIRD_PARTY_AUTH`](supabase_ssr_core::proxy::THIRD_PARTY_AUTH), a configuration error.
///
/// Serializes as the claims object (`serde::Serialize`), so a handler can answer with it as
/// JSON.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Claims);

impl Deref for Authenticated {
    type Target = Claims;

    fn deref(&self) -> &Claims {
        &self.0
    }
}

supabase_ssr_core::__aal2_claims_types!();
supabase_ssr_core::__serialize_as_claims!(Authenticated, MaybeAuthenticated);

/// The verified claims of a signed-in user, or `None` for anonymous visitors, sessions that do
/// not verify and Auth outages alike ([`SupabaseClient::optional_claims`]); but a `500`
/// ([`AuthRejection::MissingMiddleware`]) when the [`SupabaseMiddleware`](crate::SupabaseMiddleware) did not handle the request.
///
/// Use it on pages open to everyone. `Option<Authenticated>` is actix-web's
/// `Option<T>` extractor, which answers `None` on *every* error: on a route the middleware does
/// not handle it would treat every user as anonymous instead of reporting the mistake.
///
/// Serializes as the claims object, or `null` for an anonymous visitor.
#[derive(Debug, Clone)]
pub struct MaybeAuthenticated(pub Option<Claims>);

impl Deref for MaybeAuthenticated {
    type Target = Option<Claims>;

    fn deref(&self) -> &Option<Claims> {
        &self.0
    }
}

/// Why an extractor or the middleware refused a request; answers with the response it
/// describes.
///
/// Every adapter's `AuthRejection` has these variants and messages.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// [`SupabaseMiddleware`](crate::SupabaseMiddleware) did not handle this request (not
    /// installed on the route, or its path filter skips the path): a server bug, `500` with
    /// [`MISSING_MIDDLEWARE`].
    #[error("{MISSING_MIDDLEWARE}")]
    MissingMiddleware,
    /// No verified user (`401`/`303`), a session that must step up to `aal2` (`403`/`303`), the
    /// Auth server is unreachable (`503`), or the middleware's CSRF guard refused a cross-site
    /// request (`403`).
    #[error(transparent)]
    Denied(#[from] Rejection),
}

impl From<AuthRejection> for Rejection {
    fn from(rejection: AuthRejection) -> Self {
        match rejection {
            AuthRejection::MissingMiddleware => Rejection::missing_middleware(),
            AuthRejection::Denied(rejection) => rejection,
        }
    }
}

impl ResponseError for AuthRejection {
    fn status_code(&self) -> StatusCode {
        // The core's answer decides; actix-web 4 has its own `http` 0.2 status type.
        StatusCode::from_u16(Rejection::from(self.clone()).status.as_u16())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code());
        let rejection = Rejection::from(self.clone());
        for (name, value) in &rejection.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.insert_header((name, value));
            }
        }
        response.body(rejection.body)
    }
}

fn client(request: &HttpRequest) -> Result<SupabaseClient, AuthRejection> {
    // Clone out of the `RefCell`-backed extensions at once: never hold the borrow.
    request
        .extensions()
        .get::<SupabaseClient>()
        .cloned()
        .ok_or_else(|| {
            report_missing_middleware();
            AuthRejection::MissingMiddleware
        })
}

impl FromRequest for Client {
    type Error = AuthRejection;
    type Future = Ready<Result<Self, AuthRejection>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(client(request).map(Client))
    }
}

/// `Option<Authenticated>` uses actix-web's `impl FromRequest for Option<T>`, which answers
/// `None` whenever this extractor fails: anonymous visitors, sessions that do not verify and
/// Auth outages alike, as [`SupabaseClient::optional_claims`] does, but also a route the
/// middleware does not handle; [`MaybeAuthenticated`] answers `500` for that one.
impl FromRequest for Authenticated {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthRejection>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        require(request, None, Authenticated)
    }
}

impl FromRequest for Aal2 {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthRejection>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        require(request, Some(Aal2Policy::NextLevel), Aal2)
    }
}

impl FromRequest for StrictAal2 {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthRejection>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        require(request, Some(Aal2Policy::Strict), StrictAal2)
    }
}

/// The verified claims, at `aal2` under `policy` when there is one, wrapped by `wrap`.
fn require<T: 'static>(
    request: &HttpRequest,
    policy: Option<Aal2Policy>,
    wrap: fn(Claims) -> T,
) -> Pin<Box<dyn Future<Output = Result<T, AuthRejection>>>> {
    let client = client(request);
    let accept = request
        .headers()
        .get(ACCEPT)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    Box::pin(async move {
        let client = client?;
        let accept = accept.as_deref();
        match policy {
            None => client.require_claims(accept).await,
            Some(policy) => client.require_aal2(accept, policy).await,
        }
        .map(wrap)
        .map_err(AuthRejection::Denied)
    })
}

impl FromRequest for MaybeAuthenticated {
    type Error = AuthRejection;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AuthRejection>>>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let client = client(request);
        Box::pin(async move { Ok(MaybeAuthenticated(client?.optional_claims().await)) })
    }
}
