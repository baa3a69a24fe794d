//! How a Storage call is made: the URLs, sending as the user, reading Storage's errors.

use http::Method;
use percent_encoding::{AsciiSet, utf8_percent_encode};
use serde_json::Value;
use url::Url;

use super::{Bucket, StorageError, path};
use crate::ErrorSource;
use crate::as_user;
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

impl Bucket {
    /// `<project>/storage/v1`, without a trailing slash.
    pub(super) fn base(&self) -> String {
        let url = self.client.config().url().as_str();
        format!("{url}storage/v1")
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
        Url::parse(&format!("{}/{rest}", self.base()))
            .map_err(|_| StorageError::InvalidRequest(format!("`{rest}` makes an invalid URL")))
    }

    /// Sends the request as the user; any answer is returned, error statuses included.
    pub(super) async fn execute(
        &self,
        method: Method,
        url: Url,
        body: Option<(reqwest::Body, String)>,
        extra: &[(&str, String)],
    ) -> Result<reqwest::Response, StorageError> {
        let mut request = as_user::request(&self.client, method, url).await?;
        for (name, value) in extra {
            request = request.header(*name, value);
        }
        if let Some((body, content_type)) = body {
            request = request.header("content-type", content_type).body(body);
        }
        request
            .send()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))
    }

    /// Sends the request as the user; an error status becomes [`StorageError::Api`].
    pub(super) async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<(reqwest::Body, String)>,
        extra: &[(&str, String)],
    ) -> Result<reqwest::Response, StorageError> {
        let response = self.execute(method, url, body, extra).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        Err(api_error(status, &text))
    }

    pub(super) async fn json(
        &self,
        method: Method,
        url: Url,
        body: &Value,
    ) -> Result<Value, StorageError> {
        let body = Some((body.to_string().into(), "application/json".to_owned()));
        read_json(self.send(method, url, body, &[]).await?).await
    }
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
pub(super) async fn read_json(response: reqwest::Response) -> Result<Value, StorageError> {
    // serde_json directly rather than reqwest's `json` feature, which nothing else needs.
    let bytes = response
        .bytes()
        .await
        .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
    serde_json::from_slice(&bytes).map_err(|e| StorageError::Decode(e.to_string()))
}
