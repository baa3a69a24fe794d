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
/// client, so an expiring session is refreshed first and its new cookies are recorded. With
/// third-party auth it is the provider's token, and the cookies are not read.
pub(crate) async fn bearer(client: &SupabaseClient) -> Result<String, AuthError> {
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
    Ok(token.unwrap_or_else(|| client.config().publishable_key().to_owned()))
}

/// The application's global headers, then `apikey`, `Authorization` and `X-Client-Info` for the
/// request's user (the application may set none of the three: `GlobalHeaders`).
pub(crate) async fn headers(client: &SupabaseClient) -> Result<HeaderMap, AuthError> {
    let token = bearer(client).await?;
    let invalid =
        |what: &str| AuthError::InvalidResponse(format!("the {what} is not a valid header value"));
    let global = &client.shared.global_headers;
    let mut headers = global.map().clone();
    let mut key = HeaderValue::from_str(client.config().publishable_key())
        .map_err(|_| invalid("publishable key"))?;
    key.set_sensitive(true);
    headers.insert("apikey", key);
    let mut authorization =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| invalid("access token"))?;
    authorization.set_sensitive(true);
    headers.insert(http::header::AUTHORIZATION, authorization);
    if !global.has("x-client-info") {
        headers.insert("x-client-info", HeaderValue::from_static(CLIENT_INFO));
    }
    Ok(headers)
}

/// A request to the Data API, Storage or Functions as the request's user: the one place those
/// clients build a request, so what every call must carry (credentials, client info, the
/// application's global headers and timeout) is added once. A timeout the caller sets later
/// on the builder replaces the client-wide one.
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
pub(crate) async fn request(
    client: &SupabaseClient,
    method: Method,
    url: url::Url,
) -> Result<reqwest::RequestBuilder, AuthError> {
    let headers = headers(client).await?;
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
