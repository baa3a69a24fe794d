//! How a Storage call is made: the URLs, sending as the user, reading Storage's errors.

use http::Method;
use percent_encoding::{AsciiSet, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::Url;

use super::{Bucket, StorageError, path};
use crate::ErrorSource;
use crate::as_user;
use crate::client::SupabaseClient;
use crate::cookies::URI_COMPONENT;

/// What `encodeURI` leaves alone: letters, digits and `;,/?:@&=+$-_.!~*'()#`.
pub(super) const ENCODE_URI: &AsciiSet = &URI_COMPONENT
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'#');

pub(super) fn encode_uri(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_URI).to_string()
}

/// `<project>/storage/v1`, without a trailing slash.
pub(super) fn base(client: &SupabaseClient) -> String {
    let url = client.config().url().as_str();
    format!("{url}storage/v1")
}

/// `<project>/storage/v1/<rest>`.
pub(super) fn url(client: &SupabaseClient, rest: &str) -> Result<Url, StorageError> {
    Url::parse(&format!("{}/{rest}", base(client)))
        .map_err(|_| StorageError::InvalidRequest(format!("`{rest}` makes an invalid URL")))
}

/// `encodeURIComponent`, which storage-js's `encodeStoragePath` applies to each segment of the
/// CDN purge and bucket lifecycle URLs (only to those).
pub(super) fn uri_component(segment: &str) -> String {
    utf8_percent_encode(segment, URI_COMPONENT).to_string()
}

/// Sends a request as the user; any answer is returned, error statuses included.
pub(super) async fn execute(
    client: &SupabaseClient,
    method: Method,
    url: Url,
    body: Option<(reqwest::Body, String)>,
    extra: &[(&str, String)],
) -> Result<reqwest::Response, StorageError> {
    // The call's own headers replace a global header of the same name (storage-js spreads
    // them over the client's), where `RequestBuilder::header` would send both.
    let mut own = http::HeaderMap::new();
    let mut add = |name: &str, value: &str| -> Result<(), StorageError> {
        let invalid = || StorageError::InvalidRequest(format!("the header `{name}` is not valid"));
        let name = http::HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
        let value = http::HeaderValue::from_str(value).map_err(|_| invalid())?;
        own.insert(name, value);
        Ok(())
    };
    for (name, value) in extra {
        add(name, value)?;
    }
    let mut request = as_user::request(client, method, url).await?;
    if let Some((body, content_type)) = body {
        add("content-type", &content_type)?;
        request = request.body(body);
    }
    request
        .headers(own)
        .send()
        .await
        .map_err(|e| StorageError::Transport(ErrorSource::http(e)))
}

/// Sends a request as the user; an error status becomes [`StorageError::Api`].
pub(super) async fn send(
    client: &SupabaseClient,
    method: Method,
    url: Url,
    body: Option<(reqwest::Body, String)>,
    extra: &[(&str, String)],
) -> Result<reqwest::Response, StorageError> {
    let response = execute(client, method, url, body, extra).await?;
    if response.status().is_success() {
        return Ok(response);
    }
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    Err(api_error(status, &text))
}

/// Storage's error answer: `error` (or `code`) and `message` of its JSON body, else the text.
pub(super) fn api_error(status: u16, text: &str) -> StorageError {
    let body: Option<Value> = serde_json::from_str(text).ok();
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    StorageError::Api {
        status,
        code: field("error").or_else(|| field("code")),
        message: field("message").unwrap_or_else(|| text.to_owned()),
    }
}

/// The JSON answer of a successful call.
pub(super) async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, StorageError> {
    // serde_json directly rather than reqwest's `json` feature, which nothing else needs.
    let bytes = response
        .bytes()
        .await
        .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
    serde_json::from_slice(&bytes).map_err(|e| StorageError::Decode(e.to_string()))
}

/// A JSON call as storage-js makes it: `body` written in its fields' declaration order (what
/// `JSON.stringify` of storage-js's object literal gives) with `content-type:
/// application/json`, no body for `GET`; the answer decoded as `T`.
pub(super) async fn call<T: DeserializeOwned>(
    client: &SupabaseClient,
    method: Method,
    url: Url,
    body: Option<&impl Serialize>,
) -> Result<T, StorageError> {
    let body = body
        .map(|body| {
            serde_json::to_vec(body)
                .map(|bytes| (bytes.into(), "application/json".to_owned()))
                .map_err(|e| StorageError::InvalidRequest(format!("unserializable body: {e}")))
        })
        .transpose()?;
    read_json(send(client, method, url, body, &[]).await?).await
}

/// The `{}` body storage-js sends with its `DELETE`s and `POST /bucket/<id>/empty`.
#[derive(Serialize)]
pub(super) struct Empty {}

/// An answer whose only content is a message (`{"message": "Successfully deleted"}`): read,
/// so that an answer that is not JSON is an error as in storage-js, and dropped.
#[derive(Deserialize)]
pub(super) struct Message {}

impl Bucket {
    /// `<project>/storage/v1`, without a trailing slash.
    pub(super) fn base(&self) -> String {
        base(&self.client)
    }

    /// `<base>/<route>/<bucket>/<path>`, the bucket id and the path checked and encoded per
    /// segment (see [`path`]).
    pub(super) fn object_url(&self, route: &str, path: &str) -> Result<Url, StorageError> {
        let key = path::object_key(path)?;
        let bucket = path::bucket_segment(&self.id)?;
        self.url(&format!("{route}/{}", path::request_path(bucket, key)))
    }

    /// `<base>/<route>/<bucket>`, the bucket id checked and encoded.
    pub(super) fn bucket_url(&self, route: &str) -> Result<Url, StorageError> {
        let bucket = path::bucket_segment(&self.id)?;
        self.url(&format!("{route}/{}", path::request_segment(bucket)))
    }

    pub(super) fn url(&self, rest: &str) -> Result<Url, StorageError> {
        url(&self.client, rest)
    }

    pub(super) async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<(reqwest::Body, String)>,
        extra: &[(&str, String)],
    ) -> Result<reqwest::Response, StorageError> {
        execute(&self.client, method, url, body, extra).await
    }

    pub(super) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<(reqwest::Body, String)>,
        extra: &[(&str, String)],
    ) -> Result<reqwest::Response, StorageError> {
        send(&self.client, method, url, body, extra).await
    }
}
