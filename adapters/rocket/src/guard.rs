//! Request guards: the per-request client and verified claims.

use std::ops::Deref;

use rocket::http::Status;
use rocket::request::{FromRequest, Outcome};
use rocket::response::{self, Responder};
use rocket::{Request, Response};
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::Claims;
use supabase_ssr_core::proxy::{Aal2Policy, MISSING_MIDDLEWARE, Rejection};

use crate::fairing::{sink, write_rejection};

/// The request's Supabase client: sign in, sign out, read the session, call the data APIs.
/// Cookies it writes are sent by the [`SupabaseFairing`](crate::SupabaseFairing).
#[derive(Debug, Clone)]
pub struct Client(pub SupabaseClient);

impl Deref for Client {
    type Target = SupabaseClient;

    fn deref(&self) -> &SupabaseClient {
        &self.0
    }
}

/// The verified claims of a signed-in user. Fails other requests with `401` JSON, a `303` to
/// the login page for browser navigations when one is configured, or `503` when the Auth server
/// cannot be reached; the fairing writes that response after Rocket's catcher. Use
/// `Option<Authenticated>` on pages open to everyone.
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
/// not verify and Auth outages alike ([`SupabaseClient::optional_claims`](supabase_ssr_core::SupabaseClient::optional_claims)); but a `500`
/// ([`AuthRejection::MissingMiddleware`]) when the [`SupabaseFairing`](crate::SupabaseFairing) did not handle the request.
///
/// Use it on pages open to everyone. `Option<Authenticated>` is Rocket's `Option<T>`
/// guard, which answers `None` on *every* failure: on a route the fairing does not handle it
/// would treat every user as anonymous instead of reporting the mistake.
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

/// Why a guard refused a request (the guard's error type). As a [`Responder`] it answers with
/// the response it describes, for handlers that take `Result<Authenticated, AuthRejection>`.
///
/// Every adapter's `AuthRejection` has these variants and messages.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// [`SupabaseFairing`](crate::SupabaseFairing) did not handle this request (not attached,
    /// or its path filter skips the path): a server bug, `500` with [`MISSING_MIDDLEWARE`].
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

impl<'r> Responder<'r, 'static> for AuthRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        write_rejection(&self.into(), &mut response);
        Ok(response)
    }
}

fn client<'r>(request: &'r Request<'_>) -> Result<&'r SupabaseClient, (Status, AuthRejection)> {
    let sink = sink(request);
    sink.client.as_ref().ok_or_else(|| {
        // For the fairing, when it is attached but skips the path: it writes this answer over
        // the catcher's.
        let _ = sink.rejection.set(Rejection::missing_middleware());
        (
            Status::InternalServerError,
            AuthRejection::MissingMiddleware,
        )
    })
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Client {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        match client(request) {
            Ok(client) => Outcome::Success(Client(client.clone())),
            Err(error) => Outcome::Error(error),
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Authenticated {
    type Error = AuthRejection;

    /// `Option<Authenticated>` (Rocket's blanket impl) turns every failure into `None`: the
    /// same answers as `SupabaseClient::optional_claims`, and the handler's own response wins.
    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        require(request, None).await.map(Authenticated)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Aal2 {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        require(request, Some(Aal2Policy::NextLevel))
            .await
            .map(Aal2)
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StrictAal2 {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        require(request, Some(Aal2Policy::Strict))
            .await
            .map(StrictAal2)
    }
}

/// The verified claims, at `aal2` under `policy` when there is one.
async fn require(
    request: &Request<'_>,
    policy: Option<Aal2Policy>,
) -> Outcome<Claims, AuthRejection> {
    let client = match client(request) {
        Ok(client) => client,
        Err(error) => return Outcome::Error(error),
    };
    let accept = request.headers().get_one("Accept");
    let required = match policy {
        None => client.require_claims(accept).await,
        Some(policy) => client.require_aal2(accept, policy).await,
    };
    match required {
        Ok(claims) => Outcome::Success(claims),
        Err(rejection) => {
            let status = Status::new(rejection.status.as_u16());
            // For the fairing, which writes it over the catcher's response.
            let _ = sink(request).rejection.set(rejection.clone());
            Outcome::Error((status, AuthRejection::Denied(rejection)))
        }
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for MaybeAuthenticated {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        match client(request) {
            Ok(client) => Outcome::Success(MaybeAuthenticated(client.optional_claims().await)),
            Err(error) => Outcome::Error(error),
        }
    }
}
