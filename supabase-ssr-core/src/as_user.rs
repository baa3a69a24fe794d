//! The credentials every Data API, Storage and Functions request carries (spec §20): the
//! publishable key as `apikey`, and the user's access token as the bearer — the key itself
//! when nobody is signed in, so Row Level Security sees the `anon` role.

use http::{HeaderMap, HeaderValue};
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
use http::{HeaderName, Method};

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
/// application's global headers and `api_timeout`) is added once. The call's own headers go
/// over them with [`lay_over`].
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

/// Checks a header the application gives one call (`set_header`, `Invoke::header`, Storage's
/// options): the one validation of caller-supplied headers. The value is marked sensitive (it
/// may be a credential, kept out of `Debug`); each area reports a failure its own way, never
/// repeating the value.
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
pub(crate) fn caller_header<K, V>(
    name: K,
    value: V,
) -> Result<(HeaderName, HeaderValue), http::Error>
where
    HeaderName: TryFrom<K>,
    <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
    HeaderValue: TryFrom<V>,
    <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
{
    let name = HeaderName::try_from(name).map_err(Into::into)?;
    let mut value = HeaderValue::try_from(value).map_err(Into::into)?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// Lays a call's own headers over the request's: each name in `own` replaces every value the
/// request had for it (a global header, an inferred `Content-Type`, even the credentials), as
/// supabase-js spreads a call's headers over the client's; the values `own` holds for a name
/// are all kept.
#[cfg(any(feature = "rest", feature = "storage", feature = "functions"))]
pub(crate) fn lay_over(request: &mut HeaderMap, own: HeaderMap) {
    let mut current = None;
    for (name, value) in own {
        // `HeaderMap`'s iterator names a header at its first value only.
        if let Some(name) = name {
            request.insert(name.clone(), value);
            current = Some(name);
        } else if let Some(name) = &current {
            request.append(name.clone(), value);
        }
    }
}

#[cfg(all(
    test,
    any(feature = "rest", feature = "storage", feature = "functions")
))]
mod tests {
    use super::*;

    #[test]
    fn a_callers_headers_replace_the_requests_and_keep_all_their_values() {
        let mut request = HeaderMap::new();
        request.append("x-tag", HeaderValue::from_static("global-1"));
        request.append("x-tag", HeaderValue::from_static("global-2"));
        request.insert("x-kept", HeaderValue::from_static("kept"));
        let mut own = HeaderMap::new();
        own.append("x-tag", HeaderValue::from_static("mine-1"));
        own.append("x-tag", HeaderValue::from_static("mine-2"));
        lay_over(&mut request, own);
        let tags: Vec<_> = request.get_all("x-tag").iter().collect();
        assert_eq!(tags, ["mine-1", "mine-2"]);
        assert_eq!(request["x-kept"], "kept");
    }

    #[test]
    fn caller_headers_are_checked_once_and_marked_sensitive() {
        let (name, value) = caller_header("X-Trace", "abc").unwrap();
        assert_eq!((name.as_str(), value.is_sensitive()), ("x-trace", true));
        assert!(caller_header("bad name", "x").is_err());
        assert!(caller_header("x-ok", "line\nbreak").is_err());
    }
}
