//! Extractors: the per-request client and verified claims.

use std::ops::Deref;

use axum_core::extract::{FromRequestParts, OptionalFromRequestParts};
use axum_core::response::{IntoResponse, Response};
use http::header;
use http::request::Parts;
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::Claims;
use supabase_ssr_core::proxy::{
    Aal2Policy, MISSING_MIDDLEWARE, Rejection, http_headers, report_missing_middleware,
};

/// The request's Supabase client: sign in, sign out, read the session, call the data APIs.
/// Cookies it writes are sent by the [`SupabaseLayer`](crate::SupabaseLayer).
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
/// cannot be reached. Use [`MaybeAuthenticated`] (or `Option<Authenticated>`) on pages open to
/// everyone.
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
/// ([`AuthRejection::MissingMiddleware`]) when the [`SupabaseLayer`](crate::SupabaseLayer) did not handle the request.
///
/// Use it on pages open to everyone. `Option<Authenticated>` answers `None` when the layer did
/// not handle the request (and logs the mistake as an error once), as it does in every adapter,
/// where the frameworks' `Option<T>` extractors turn every failure into `None`.
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

/// Why an extractor refused a request; answers with the response it describes.
///
/// Every adapter's `AuthRejection` has these variants and messages.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// [`SupabaseLayer`](crate::SupabaseLayer) did not handle this request (not installed on
    /// the route, or its path filter skips the path): a server bug, `500` with
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

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        http_headers::rejection_response(self.into())
    }
}

fn client(parts: &Parts) -> Result<SupabaseClient, AuthRejection> {
    parts
        .extensions
        .get::<SupabaseClient>()
        .cloned()
        .ok_or_else(|| {
            report_missing_middleware();
            AuthRejection::MissingMiddleware
        })
}

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        client(parts).map(Client)
    }
}

/// The verified claims, at `aal2` under `policy` when there is one.
async fn require(parts: &Parts, policy: Option<Aal2Policy>) -> Result<Claims, AuthRejection> {
    let client = client(parts)?;
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    match policy {
        None => client.require_claims(accept).await,
        Some(policy) => client.require_aal2(accept, policy).await,
    }
    .map_err(AuthRejection::Denied)
}

impl<S: Send + Sync> FromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        require(parts, None).await.map(Authenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Aal2 {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        require(parts, Some(Aal2Policy::NextLevel)).await.map(Aal2)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for StrictAal2 {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        require(parts, Some(Aal2Policy::Strict))
            .await
            .map(StrictAal2)
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for Authenticated {
    type Rejection = AuthRejection;

    /// `None` without the layer too (logged as an error), as `Option<Authenticated>` answers
    /// in every adapter; [`MaybeAuthenticated`] answers `500` for that.
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, AuthRejection> {
        match client(parts) {
            Ok(client) => Ok(client.optional_claims().await.map(Authenticated)),
            Err(_) => Ok(None),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeAuthenticated {
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AuthRejection> {
        Ok(MaybeAuthenticated(client(parts)?.optional_claims().await))
    }
}
