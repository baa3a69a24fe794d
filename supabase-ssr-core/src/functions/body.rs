//! The kinds of body an invocation can carry, each with the `Content-Type` functions-js gives
//! the matching JavaScript value.

use bytes::Bytes;
use reqwest::multipart::Form;

/// An invocation's body.
pub(crate) enum Body {
    /// No body (functions-js: `body` left out).
    None,
    /// Serialized JSON (functions-js: any other object, `JSON.stringify`'d):
    /// `application/json`.
    Json(Vec<u8>),
    /// Text (functions-js: a string): `text/plain`.
    Text(String),
    /// Bytes (functions-js: a `Blob` without a type, an `ArrayBuffer`):
    /// `application/octet-stream`.
    Bytes(Bytes),
    /// `application/x-www-form-urlencoded` pairs, already encoded.
    Form(String),
    /// `multipart/form-data` (functions-js: a `FormData`): the boundary is set by the HTTP
    /// client, as fetch sets it.
    Multipart(Form),
    /// A stream sent as it is read (chunked): `application/octet-stream`, as a `Blob`.
    Stream(reqwest::Body),
}

impl Body {
    /// The `Content-Type` functions-js (or fetch, for what functions-js passes on as it is)
    /// gives the matching value, if any.
    pub(crate) fn content_type(&self) -> Option<&'static str> {
        match self {
            Self::None | Self::Multipart(_) => None,
            // fetch's own type for a string body: functions-js leaves the empty (falsy) string
            // to fetch.
            Self::Text(text) if text.is_empty() => Some("text/plain;charset=UTF-8"),
            Self::Json(_) => Some("application/json"),
            Self::Text(_) => Some("text/plain"),
            Self::Bytes(_) | Self::Stream(_) => Some("application/octet-stream"),
            Self::Form(_) => Some("application/x-www-form-urlencoded"),
        }
    }

    /// What kind of body this is, for `Debug` (never the content).
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Json(_) => "json",
            Self::Text(_) => "text",
            Self::Bytes(_) => "bytes",
            Self::Form(_) => "form",
            Self::Multipart(_) => "multipart",
            Self::Stream(_) => "stream",
        }
    }

    /// Puts the body (and its `Content-Type`, which the caller's own header replaces later) on
    /// `request`.
    pub(crate) fn apply(self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let request = match self.content_type() {
            Some(content_type) => request.header(http::header::CONTENT_TYPE, content_type),
            None => request,
        };
        match self {
            Self::None => request,
            Self::Json(json) => request.body(json),
            Self::Text(text) => request.body(text),
            Self::Bytes(bytes) => request.body(bytes),
            Self::Form(form) => request.body(form),
            Self::Multipart(form) => request.multipart(form),
            Self::Stream(body) => request.body(body),
        }
    }
}

/// `pairs` encoded as `URLSearchParams` encodes them (`+` for spaces).
pub(crate) fn form_encode<K: AsRef<str>, V: AsRef<str>>(pairs: &[(K, V)]) -> String {
    let mut form = url::form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        form.append_pair(key.as_ref(), value.as_ref());
    }
    form.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_pairs_are_encoded_as_url_search_params() {
        assert_eq!(
            form_encode(&[("name", "Ada Lovelace"), ("q", "a&b=c/é*~")]),
            "name=Ada+Lovelace&q=a%26b%3Dc%2F%C3%A9*%7E"
        );
    }

    #[test]
    fn empty_text_gets_the_content_type_fetch_gives_it() {
        assert_eq!(
            Body::Text(String::new()).content_type(),
            Some("text/plain;charset=UTF-8")
        );
        assert_eq!(Body::Text("x".into()).content_type(), Some("text/plain"));
        assert_eq!(
            Body::Bytes(Bytes::new()).content_type(),
            Some("application/octet-stream")
        );
    }
}
