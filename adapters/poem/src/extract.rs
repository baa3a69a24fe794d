//! Extractors: the per-request client and verified claims.

use std::ops::Deref;

use poem::http::StatusCode;
use poem::http::header::ACCEPT;
use poem::{
    Body, FromRequest, Request, RequestBody, Response, ResponseParts, error::ResponseError,
};
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::Claims;
use supabase_ssr_core::proxy::{
    Aal2Policy, MISSING_MIDDLEWARE, Rejection, http_headers, report_missing_middleware,
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
/// Use it on pages open to everyone. `Option<Authenticated>` is poem's `Option<T>`
/// extractor, which answers `None` on *every* error: on a route the middleware does not handle
/// it would treat every user as anonymous instead of reporting the mistake.
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

/// Why an extractor refused a request; a [`ResponseError`] answering with the response it
/// describes (find it with `poem::Error::downcast_ref::<AuthRejection>()`).
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
    /// No verified user (`401`/`303`), a session that must step up to `aal2` (`403`/`303`), or
    /// the Auth server is unreachable (`503`).
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
    fn status(&self) -> StatusCode {
        Rejection::from(self.clone()).status
    }

    fn as_response(&self) -> Response {
        rejection_response(self.clone().into())
    }
}

/// The poem response a [`Rejection`] describes.
pub(crate) fn rejection_response(rejection: Rejection) -> Response {
    let (parts, body) = http_headers::rejection_response::<Body>(rejection).into_parts();
    let parts = ResponseParts {
        status: parts.status,
        version: parts.version,
        headers: parts.headers,
        extensions: parts.extensions,
    };
    Response::from_parts(parts, body)
}

fn client(request: &Request) -> Result<SupabaseClient, AuthRejection> {
    request.data::<SupabaseClient>().cloned().ok_or_else(|| {
        report_missing_middleware();
        AuthRejection::MissingMiddleware
    })
}

impl<'a> FromRequest<'a> for Client {
    async fn from_request(request: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        Ok(Client(client(request)?))
    }
}

/// The verified claims, at `aal2` under `policy` when there is one.
async fn require(request: &Request, policy: Option<Aal2Policy>) -> poem::Result<Claims> {
    let (client, accept) = (client(request)?, request.header(ACCEPT));
    match policy {
        None => client.require_claims(accept).await,
        Some(policy) => client.require_aal2(accept, policy).await,
    }
    .map_err(|rejection| AuthRejection::Denied(rejection).into())
}

impl<'a> FromRequest<'a> for Authenticated {
    async fn from_request(request: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        require(request, None).await.map(Authenticated)
    }
}

impl<'a> FromRequest<'a> for Aal2 {
    async fn from_request(request: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        require(request, Some(Aal2Policy::NextLevel))
            .await
            .map(Aal2)
    }
}

impl<'a> FromRequest<'a> for StrictAal2 {
    async fn from_request(request: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        require(request, Some(Aal2Policy::Strict))
            .await
            .map(StrictAal2)
    }
}

impl<'a> FromRequest<'a> for MaybeAuthenticated {
    async fn from_request(request: &'a Request, _: &mut RequestBody) -> poem::Result<Self> {
        Ok(MaybeAuthenticated(client(request)?.optional_claims().await))
    }
}
