//! Third-party auth (supabase-js `accessToken`): the Data API, Storage and Functions calls carry
//! a token that another identity provider issued (Clerk, Auth0, Firebase Auth, AWS Cognito, or
//! any issuer the project trusts) instead of a Supabase Auth session.
//!
//! Two ways in, for two kinds of application:
//!
//! - **A provider for the whole handle**, [`SupabaseBuilder::access_token`]: an async function
//!   asked for the token before each call. For a server that acts with *its own* third-party
//!   identity (a worker, a machine-to-machine token it fetches and caches).
//! - **A token per request**, [`Supabase::client_with_access_token`]: a web server whose
//!   visitors send their provider's token (an `Authorization: Bearer` header from a Clerk or
//!   Auth0 front end) builds the request's client from it, in the handler. This is what an
//!   axum or actix-web application serving signed-in visitors needs: the token is the
//!   visitor's, so it cannot come from a process-wide function.
//!
//! Either way, as in supabase-js: the token is the bearer of every Data API, Storage and
//! Functions call (the publishable key when there is none); **every [`SupabaseClient::auth`]
//! method fails** with [`AuthError::ThirdPartyAuth`], since the sessions belong to the other
//! provider; and the proxy step leaves Supabase auth cookies alone (no refresh, no deletion).
//! The one exception is [`SupabaseClient::clear_auth_cookies`], which deletes them when the
//! application calls it.
//! The adapters' `Authenticated` extractors answer `500` with a configuration error (see
//! [`SupabaseClient::require_claims`]): verify the third-party token with its provider's
//! library, and let the Data API's Row Level Security see it through `auth.jwt()`.
//!
//! [`SupabaseBuilder::access_token`]: crate::SupabaseBuilder::access_token
//! [`Supabase::client_with_access_token`]: crate::Supabase::client_with_access_token
//! [`SupabaseClient::auth`]: crate::SupabaseClient::auth
//! [`SupabaseClient::require_claims`]: crate::SupabaseClient::require_claims
//! [`SupabaseClient::clear_auth_cookies`]: crate::SupabaseClient::clear_auth_cookies
//! [`AuthError::ThirdPartyAuth`]: crate::auth::AuthError::ThirdPartyAuth

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::ErrorSource;
use crate::auth::AuthError;

/// The error an [`AccessTokenProvider`] may fail with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future an [`AccessTokenProvider`] returns.
pub type TokenFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Option<String>, BoxError>> + Send + 'a>>;

/// Gives the third-party access token before each Data API, Storage or Functions call
/// (supabase-js `accessToken: async () => token`).
///
/// `Ok(None)` means "no user": the call is made with the publishable key as the bearer, as
/// supabase-js does when the function returns `null`. An empty token is treated the same way,
/// which differs from supabase-js: there `""` sends no `Authorization` at all. The key is the
/// safer bearer (the `anon` role, never a malformed `Bearer ` header). An error stops the call
/// with [`AuthError::AccessTokenProvider`], its cause kept as the error's `source()`.
///
/// Implemented for every `Fn() -> impl Future<Output = Result<Option<String>, E>>` that is
/// `Send + Sync + 'static`, where `E` converts into [`BoxError`]; implement it on your own type
/// for a provider with state (a cache of a machine token, say).
///
/// ```
/// use supabase_ssr_core::Supabase;
///
/// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
///     .access_token(|| async {
///         // e.g. a token your worker fetched from its identity provider and cached
///         Ok::<_, std::io::Error>(Some("eyJhbGciOi…".to_owned()))
///     })
///     .build()?;
/// let client = supabase.client(std::iter::empty());
/// assert!(client.uses_third_party_auth());
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
pub trait AccessTokenProvider: Send + Sync + 'static {
    /// The token to send now, or `None` for none.
    fn access_token(&self) -> TokenFuture<'_>;
}

impl<F, Fut, E> AccessTokenProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<String>, E>> + Send + 'static,
    E: Into<BoxError>,
{
    fn access_token(&self) -> TokenFuture<'_> {
        let token = self();
        Box::pin(async move { token.await.map_err(Into::into) })
    }
}

/// Where a third-party client's token comes from.
#[derive(Clone)]
pub(crate) enum TokenSource {
    /// Asked before each call.
    Provider(Arc<dyn AccessTokenProvider>),
    /// Given for this request ([`Supabase::client_with_access_token`](crate::Supabase::client_with_access_token)).
    Fixed(Option<String>),
}

impl TokenSource {
    /// The token to send, `None` for the publishable key. An empty token is `None` too, where
    /// supabase-js would send no `Authorization` (see [`AccessTokenProvider`]).
    pub(crate) async fn token(&self) -> Result<Option<String>, AuthError> {
        let token =
            match self {
                Self::Provider(provider) => provider.access_token().await.map_err(|error| {
                    AuthError::AccessTokenProvider {
                        source: ErrorSource::boxed(error),
                    }
                })?,
                Self::Fixed(token) => token.clone(),
            };
        Ok(token.filter(|token| !token.is_empty()))
    }
}

// Never the token.
impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Provider(_) => f.write_str("Provider(..)"),
            Self::Fixed(token) => f
                .debug_tuple("Fixed")
                .field(&crate::redact::optional(token.as_ref()))
                .finish(),
        }
    }
}
