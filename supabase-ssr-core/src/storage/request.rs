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
    reach: Reach,
) -> Result<reqwest::Response, StorageError> {
    // The call's own headers replace a global header of the same name (storage-js spreads
    // them over the client's), where `RequestBuilder::header` would send both.
    let mut own = http::HeaderMap::new();
    let mut add = |name: &str, value: &str| -> Result<(), StorageError> {
        let (checked, value) = as_user::caller_header(name, value).map_err(|_| {
            StorageError::InvalidRequest(format!("the header `{name}` is not valid"))
        })?;
        own.insert(checked, value);
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
    let transport = |e| StorageError::Transport(ErrorSource::http(e));
    let (http, request) = request.build_split();
    let mut request = request.map_err(transport)?;
    as_user::lay_over(request.headers_mut(), own);
    match (reach, client.shared.api_timeout) {
        (Reach::UntilHeaders, Some(timeout)) => {
            // The HTTP client's timeout would also cut the body the caller streams.
            *request.timeout_mut() = None;
            tokio::time::timeout(timeout, http.execute(request))
                .await
                .map_err(|elapsed| StorageError::Transport(ErrorSource::new(elapsed)))?
                .map_err(transport)
        }
        _ => http.execute(request).await.map_err(transport),
    }
}

/// How far the client's `api_timeout` reaches into a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Reach {
    /// The whole call, its answer read to the end.
    WholeCall,
    /// Until the answer's headers: a streamed download is read as long as the caller reads it.
    UntilHeaders,
}

/// Sends a request as the user; an error status becomes [`StorageError::Api`].
pub(super) async fn send(
    client: &SupabaseClient,
    method: Method,
    url: Url,
    body: Option<(reqwest::Body, String)>,
    extra: &[(&str, String)],
) -> Result<reqwest::Response, StorageError> {
    successful(execute(client, method, url, body, extra, Reach::WholeCall).await?).await
}

/// A `GET` whose answer the caller streams: `api_timeout` covers it until the headers only.
pub(super) async fn send_streamed(
    client: &SupabaseClient,
    url: Url,
) -> Result<reqwest::Response, StorageError> {
    successful(execute(client, Method::GET, url, None, &[], Reach::UntilHeaders).await?).await
}

/// The answer itself when it succeeded; an error status becomes [`StorageError::Api`].
async fn successful(response: reqwest::Response) -> Result<reqwest::Response, StorageError> {
    if response.status().is_success() {
        return Ok(response);
    }
    Err(error_answer(response).await)
}

/// The [`StorageError::Api`] of an error answer, its body read. A body that cannot be read
/// still gives the status, with the reason in the message.
pub(super) async fn error_answer(response: reqwest::Response) -> StorageError {
    let status = response.status().as_u16();
    match response.bytes().await {
        Ok(body) => api_error(status, &body),
        Err(e) => StorageError::Api {
            status,
            code: None,
            error: None,
            message: format!(
                "{} (the answer's body could not be read: {})",
                status_text(status),
                ErrorSource::http(e)
            ),
        },
    }
}

/// Storage's error answer as storage-js's `StorageApiError` reads it: `code` is the body's
/// `code` (`NoSuchKey`), `error` its `error` name (`not_found`), the message the first string
/// of `msg`, `message`, `error_description`, `error`, `error.message` (`_getErrorMessage`).
/// Without one, a JSON body is the message (cut to [`MESSAGE_LIMIT`] bytes); a body that is
/// not JSON (an HTML error page from a proxy) is never copied, the status text is used.
pub(super) fn api_error(status: u16, body: &[u8]) -> StorageError {
    let json: Option<Value> = serde_json::from_slice(body).ok();
    let field = |name: &str| {
        json.as_ref()
            .and_then(|b| b.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let message = ["msg", "message", "error_description", "error"]
        .into_iter()
        .find_map(field)
        .or_else(|| {
            json.as_ref()?
                .get("error")?
                .get("message")?
                .as_str()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| match &json {
            Some(_) => truncated(&String::from_utf8_lossy(body)),
            None => status_text(status),
        });
    StorageError::Api {
        status,
        code: field("code"),
        error: field("error"),
        message,
    }
}

/// The most of an answer body copied into an error message.
const MESSAGE_LIMIT: usize = 256;

fn truncated(text: &str) -> String {
    if text.len() <= MESSAGE_LIMIT {
        return text.to_owned();
    }
    let mut end = MESSAGE_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// `Not Found`, or `HTTP <status> error` for a status without a standard reason (storage-js
/// uses the answer's `statusText`, else the same words).
fn status_text(status: u16) -> String {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("HTTP {status} error"), str::to_owned)
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

impl Empty {
    /// `{}` as a ready body, for a call sent with its own headers rather than through
    /// [`call`].
    pub(super) fn json() -> (reqwest::Body, String) {
        (reqwest::Body::from("{}"), "application/json".to_owned())
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(status: u16, body: &str) -> (Option<String>, Option<String>, String) {
        match api_error(status, body.as_bytes()) {
            StorageError::Api {
                status: got,
                code,
                error,
                message,
            } => {
                assert_eq!(got, status);
                (code, error, message)
            }
            other => panic!("{other:?}"),
        }
    }

    #[allow(clippy::unnecessary_wraps)]
    fn some(s: &str) -> Option<String> {
        Some(s.to_owned())
    }

    #[test]
    fn code_is_the_body_code_and_error_the_body_error() {
        assert_eq!(
            parts(
                400,
                r#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#
            ),
            (
                some("NoSuchKey"),
                some("not_found"),
                "Object not found".to_owned()
            )
        );
        assert_eq!(
            parts(400, r#"{"code":"InvalidKey","message":"Invalid key: a%"}"#),
            (some("InvalidKey"), None, "Invalid key: a%".to_owned())
        );
    }

    #[test]
    fn the_message_is_picked_in_storage_js_order() {
        let all = r#"{"msg":"1","message":"2","error_description":"3","error":"4"}"#;
        assert_eq!(parts(400, all).2, "1");
        assert_eq!(parts(400, r#"{"message":"2","error":"4"}"#).2, "2");
        assert_eq!(
            parts(400, r#"{"error_description":"3","error":"4"}"#).2,
            "3"
        );
        assert_eq!(parts(400, r#"{"error":"4"}"#).2, "4");
        assert_eq!(
            parts(400, r#"{"error":{"message":"5"}}"#),
            (None, None, "5".to_owned())
        );
        // A non-string `message` is skipped.
        assert_eq!(parts(400, r#"{"message":7,"error":"4"}"#).2, "4");
    }

    #[test]
    fn without_a_message_the_fallback_is_short() {
        // JSON without a message: the body, cut.
        assert_eq!(
            parts(500, r#"{"statusCode":"500"}"#).2,
            r#"{"statusCode":"500"}"#
        );
        let long = format!(r#"{{"detail":"{}"}}"#, "é".repeat(400));
        let message = parts(500, &long).2;
        assert!(
            message.len() <= MESSAGE_LIMIT + '…'.len_utf8(),
            "{}",
            message.len()
        );
        assert!(message.ends_with('…'));
        // Not JSON (a proxy's HTML page, an empty body): the status text, never the page.
        let page = format!("<html><body>{}</body></html>", "x".repeat(10_000));
        assert_eq!(parts(502, &page), (None, None, "Bad Gateway".to_owned()));
        assert_eq!(parts(404, "").2, "Not Found");
        assert_eq!(parts(599, "oops").2, "HTTP 599 error");
    }
}
