//! The credentials every Data API, Storage and Functions request carries (spec §20): the
//! publishable key as `apikey`, and the user's access token as the bearer — the key itself
//! when nobody is signed in, so Row Level Security sees the `anon` role.

#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
use http::Method;
use http::{HeaderMap, HeaderValue};

use crate::auth::AuthError;
use crate::client::SupabaseClient;

/// Sent with every request so the platform can tell which library called it.
pub(crate) const CLIENT_INFO: &str = concat!("supabase-ssr-rs/", env!("CARGO_PKG_VERSION"));

/// The bearer token of the request's user. Goes through the same session loading as the Auth
/// client, so an expiring session is refreshed first and its new cookies are recorded.
pub(crate) async fn bearer(client: &SupabaseClient) -> Result<String, AuthError> {
    // The answer depends on who is signed in: a personal response.
    client.mark_session_read();
    Ok(match client.auth().load_session().await? {
        Some(session) => session.access_token().to_owned(),
        None => client.config().publishable_key().to_owned(),
    })
}

/// `apikey`, `Authorization` and `X-Client-Info` for the request's user.
pub(crate) async fn headers(client: &SupabaseClient) -> Result<HeaderMap, AuthError> {
    let token = bearer(client).await?;
    let invalid =
        |what: &str| AuthError::InvalidResponse(format!("the {what} is not a valid header value"));
    let mut headers = HeaderMap::new();
    let mut key = HeaderValue::from_str(client.config().publishable_key())
        .map_err(|_| invalid("publishable key"))?;
    key.set_sensitive(true);
    headers.insert("apikey", key);
    let mut authorization =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| invalid("access token"))?;
    authorization.set_sensitive(true);
    headers.insert(http::header::AUTHORIZATION, authorization);
    headers.insert("x-client-info", HeaderValue::from_static(CLIENT_INFO));
    Ok(headers)
}

/// A request to the Data API, Storage or Functions as the request's user: the one place those
/// clients build a request, so what every call must carry (credentials, client info) is added
/// once.
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
pub(crate) async fn request(
    client: &SupabaseClient,
    method: Method,
    url: url::Url,
) -> Result<reqwest::RequestBuilder, AuthError> {
    let headers = headers(client).await?;
    Ok(client
        .shared
        .http_client
        .request(method, url)
        .headers(headers))
}
