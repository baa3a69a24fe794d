//! The per-request client for services that read it themselves, and why it can be missing.

use http::{Request, Response};
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::proxy::{
    MISSING_MIDDLEWARE, Rejection, http_headers, report_missing_middleware,
};

/// Why a request could not be served as the handler asked; [`AuthRejection::into_response`]
/// gives the response it describes.
///
/// Every adapter's `AuthRejection` has these variants and messages.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum AuthRejection {
    /// [`SupabaseLayer`](crate::SupabaseLayer) did not handle this request (not installed in
    /// front of the service, or its path filter skips the path): a server bug, `500` with
    /// [`MISSING_MIDDLEWARE`].
    #[error("{MISSING_MIDDLEWARE}")]
    MissingMiddleware,
    /// No verified user (`401`/`303`), the Auth server is unreachable (`503`), or the CSRF
    /// guard refused a cross-site request (`403`).
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

impl AuthRejection {
    /// The response to send, with any body type a `String` converts into.
    #[must_use]
    pub fn into_response<B: From<String>>(self) -> Response<B> {
        http_headers::rejection_response(self.into())
    }
}

/// The request's [`SupabaseClient`], which [`SupabaseLayer`](crate::SupabaseLayer) put in its
/// extensions, or [`AuthRejection::MissingMiddleware`].
///
/// ```
/// use supabase_ssr_tower::{AuthRejection, request_client};
///
/// let request = http::Request::new(String::new());
/// // Not behind the layer: a programming error, answered with a 500.
/// let missing = request_client(&request).unwrap_err();
/// assert!(matches!(missing, AuthRejection::MissingMiddleware));
/// assert_eq!(missing.into_response::<String>().status(), 500);
/// ```
///
/// # Errors
///
/// [`AuthRejection::MissingMiddleware`] when the layer did not handle the request.
pub fn request_client<B>(request: &Request<B>) -> Result<SupabaseClient, AuthRejection> {
    request
        .extensions()
        .get::<SupabaseClient>()
        .cloned()
        .ok_or_else(|| {
            report_missing_middleware();
            AuthRejection::MissingMiddleware
        })
}
