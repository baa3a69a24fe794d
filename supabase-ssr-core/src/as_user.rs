//! The credentials every Data API, Storage and Functions request carries (spec §20): the
//! publishable key as `apikey`, and the user's access token as the bearer — the key itself
//! when nobody is signed in, so Row Level Security sees the `anon` role.

#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
use http::Method;
use http::{HeaderMap, HeaderValue};

use crate::api_key::ApiKeyKind;
use crate::auth::AuthError;
use crate::client::SupabaseClient;
use crate::client_info::CLIENT_INFO;

/// The bearer token of the request's user: the session's access token (with third-party auth,
/// the provider's token), or, with nobody signed in, the publishable key when `key_as_bearer`
/// says so (`None` otherwise), as supabase-js's `fetchWithAuth` does. Goes through the same
/// session loading as the Auth client, so an expiring session is refreshed first and its new
/// cookies are recorded; with third-party auth the cookies are not read.
async fn bearer(
    client: &SupabaseClient,
    key_as_bearer: KeyAsBearer,
) -> Result<Option<String>, AuthError> {
    // The answer depends on who is signed in: a personal response.
    client.mark_session_read();
    let token = match client.third_party() {
        Some(source) => source.token().await?,
        None => client
            .auth()
            .load_session()
            .await?
            .map(|session| session.access_token().to_owned()),
    };
    let key = client.config().publishable_key();
    Ok(match token {
        Some(token) => Some(token),
        None if key_as_bearer == KeyAsBearer::UnlessNewKey
            && ApiKeyKind::of(key) == ApiKeyKind::Publishable =>
        {
            None
        }
        None => Some(key.to_owned()),
    })
}

/// Whether the publishable key is the bearer when nobody is signed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyAsBearer {
    /// Always (Data API, Storage: the `anon` role).
    Always,
    /// Not a new-format `sb_publishable_…` key, which is no JWT (Edge Functions).
    #[cfg_attr(not(feature = "functions"), allow(dead_code))]
    UnlessNewKey,
}

/// The application's global headers, then `apikey`, `Authorization` and `X-Client-Info` for the
/// request's user (the application may set none of the three: `GlobalHeaders`).
pub(crate) async fn headers(client: &SupabaseClient) -> Result<HeaderMap, AuthError> {
    headers_with(client, KeyAsBearer::Always).await
}

async fn headers_with(
    client: &SupabaseClient,
    key_as_bearer: KeyAsBearer,
) -> Result<HeaderMap, AuthError> {
    let token = bearer(client, key_as_bearer).await?;
    let mut headers = client.shared.global_headers.map().clone();
    // `Config::new` refused a key that is no header value.
    let mut key = HeaderValue::from_str(client.config().publishable_key()).map_err(|_| {
        AuthError::InvalidArgument("the publishable key is not a valid header value".to_owned())
    })?;
    key.set_sensitive(true);
    headers.insert("apikey", key);
    if let Some(token) = token {
        // A token given by the application (`client_with_access_token`, a provider) that no
        // header can carry is its mistake, not a server's: refused, and not worth a retry.
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                AuthError::InvalidArgument(
                    "the access token is not a valid HTTP header value (control characters or \
                     line breaks)"
                        .to_owned(),
                )
            })?;
        authorization.set_sensitive(true);
        headers.insert(http::header::AUTHORIZATION, authorization);
    }
    // Global headers never hold `x-client-info` here: the per-request client's are built by
    // `GlobalHeaders::for_server_client`, which drops it (the admin client has its own path).
    headers.insert("x-client-info", HeaderValue::from_static(CLIENT_INFO));
    Ok(headers)
}

/// A request to the Data API or Storage as the request's user.
#[cfg(any(feature = "rest", feature = "storage"))]
pub(crate) async fn request(
    client: &SupabaseClient,
    method: Method,
    url: url::Url,
) -> Result<reqwest::RequestBuilder, AuthError> {
    request_with(client, method, url, KeyAsBearer::Always).await
}

/// [`request`] for Edge Functions: with nobody signed in, a new-format publishable key
/// (`sb_publishable_…`) goes only in `apikey`, not as the bearer, as supabase-js sends it
/// (`omitApiKeyAsBearer`): the key is no JWT, so a function that checks the bearer's JWT would
/// refuse it where it would answer an anonymous call. A legacy anon key (a JWT) is still sent.
#[cfg(feature = "functions")]
pub(crate) async fn functions_request(
    client: &SupabaseClient,
    method: Method,
    url: url::Url,
) -> Result<reqwest::RequestBuilder, AuthError> {
    request_with(client, method, url, KeyAsBearer::UnlessNewKey).await
}

/// A request to the Data API, Storage or Functions as the request's user: the one place those
/// clients build a request, so what every call must carry (credentials, client info, the
/// application's global headers and timeout) is added once. A timeout the caller sets later
/// on the builder (a function invocation's) replaces the client-wide one.
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
async fn request_with(
    client: &SupabaseClient,
    method: Method,
    url: url::Url,
    key_as_bearer: KeyAsBearer,
) -> Result<reqwest::RequestBuilder, AuthError> {
    let headers = headers_with(client, key_as_bearer).await?;
    let request = client
        .shared
        .http_client
        .request(method, url)
        .headers(headers);
    Ok(match client.shared.api_timeout {
        Some(timeout) => request.timeout(timeout),
        None => request,
    })
}
