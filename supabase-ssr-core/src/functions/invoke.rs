//! One invocation being built: functions-js's `invoke(name, options)` as a builder.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method};
use serde::Serialize;

use super::body::{Body, form_encode};
use super::error::FunctionsError;
use super::name::function_url;
use super::region::FunctionRegion;
use super::response::FunctionResponse;
use crate::ErrorSource;
use crate::as_user;
use crate::client::SupabaseClient;

/// An invocation of one Edge Function, sent by [`send`](Self::send). Made by
/// [`Functions::invoke`](super::Functions::invoke).
///
/// Defaults as functions-js: `POST`, no body, region [`Any`](FunctionRegion::Any), no timeout.
/// Each body method replaces the previous body and sets the `Content-Type` functions-js gives
/// that kind of body; a `Content-Type` given with [`header`](Self::header) wins.
///
/// ```no_run
/// # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::functions::FunctionsError> {
/// use std::time::Duration;
/// use supabase_ssr_core::functions::FunctionRegion;
///
/// let report: serde_json::Value = client
///     .functions()
///     .invoke("reports/monthly")
///     .method(http::Method::GET)
///     .header("x-report-format", "summary")
///     .region(FunctionRegion::EuWest1)
///     .timeout(Duration::from_secs(10))
///     .send()
///     .await?
///     .json()
///     .await?;
/// # let _ = report; Ok(()) }
/// ```
#[must_use = "an invocation does nothing until `send` is awaited"]
pub struct Invoke {
    client: SupabaseClient,
    name: String,
    method: Method,
    headers: HeaderMap,
    region: FunctionRegion,
    timeout: Option<Duration>,
    body: Body,
    /// The first mistake made while building, reported by `send` (a builder cannot fail early).
    error: Option<FunctionsError>,
}

impl Invoke {
    pub(crate) fn new(client: SupabaseClient, name: String) -> Self {
        Self {
            client,
            name,
            method: Method::POST,
            headers: HeaderMap::new(),
            region: FunctionRegion::Any,
            timeout: None,
            body: Body::None,
            error: None,
        }
    }

    /// The HTTP method (`POST` unless set; functions-js's `method`).
    pub fn method(mut self, method: Method) -> Self {
        self.method = method;
        self
    }

    /// Sends the header `name: value`, replacing any header of that name this crate would send
    /// (`Content-Type`, `x-region`, even `Authorization` and `apikey`), as functions-js's
    /// `headers` option does. An invalid name or value makes [`send`](Self::send) fail with
    /// [`FunctionsError::InvalidHeader`].
    pub fn header<K, V>(mut self, name: K, value: V) -> Self
    where
        HeaderName: TryFrom<K>,
        <HeaderName as TryFrom<K>>::Error: Into<http::Error>,
        HeaderValue: TryFrom<V>,
        <HeaderValue as TryFrom<V>>::Error: Into<http::Error>,
    {
        match as_user::caller_header(name, value) {
            Ok((name, value)) => {
                self.headers.insert(name, value);
            }
            Err(error) => self.fail(FunctionsError::InvalidHeader(ErrorSource::new(error))),
        }
        self
    }

    /// Sends each of `headers`, as [`header`](Self::header) does (the first value of a name
    /// given several).
    pub fn headers(mut self, headers: HeaderMap) -> Self {
        // One value a name, the first, as a JavaScript headers object holds one.
        for (name, mut value) in headers {
            if let Some(name) = name {
                value.set_sensitive(true);
                self.headers.insert(name, value);
            }
        }
        self
    }

    /// Runs the function in `region` (functions-js's `region`): sent as the `x-region` header
    /// and the `forceFunctionRegion` query parameter, unless it is [`Any`](FunctionRegion::Any).
    pub fn region(mut self, region: impl Into<FunctionRegion>) -> Self {
        self.region = region.into();
        self
    }

    /// Gives up after `timeout` (functions-js's `timeout`) with a [`FunctionsError::Fetch`]
    /// ([`is_timeout`](FunctionsError::is_timeout)). It covers sending, the answer's headers and
    /// reading its body whole; a body read with
    /// [`bytes_stream`](FunctionResponse::bytes_stream) is not cut. To cancel otherwise (an
    /// `AbortSignal` in functions-js), drop the future. It replaces the client-wide
    /// [`api_timeout`](crate::SupabaseBuilder::api_timeout) for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// A JSON body (`application/json`), as functions-js sends a plain object. Unlike
    /// functions-js, `false`, `0`, `null` and `""` are sent as JSON too (functions-js hands
    /// those falsy values to fetch as they are). A serialization failure makes
    /// [`send`](Self::send) fail with [`FunctionsError::Serialize`].
    pub fn json<T: Serialize + ?Sized>(mut self, value: &T) -> Self {
        match serde_json::to_vec(value) {
            Ok(json) => self.body = Body::Json(json),
            Err(error) => self.fail(FunctionsError::Serialize(ErrorSource::new(error))),
        }
        self
    }

    /// A text body (`text/plain`; an empty text is `text/plain;charset=UTF-8`, as functions-js
    /// leaves it to fetch).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Body::Text(text.into());
        self
    }

    /// A binary body (`application/octet-stream`), as functions-js sends an `ArrayBuffer` or a
    /// `Blob`; for a `Blob`'s own type, set `Content-Type` with [`header`](Self::header).
    pub fn bytes(mut self, bytes: impl Into<Bytes>) -> Self {
        self.body = Body::Bytes(bytes.into());
        self
    }

    /// A form body (`application/x-www-form-urlencoded`), encoded as `URLSearchParams`.
    /// (functions-js sends a `URLSearchParams` body as the JSON `{}`; this is what it sends for
    /// the encoded string with that `Content-Type` header.)
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: &[(K, V)]) -> Self {
        self.body = Body::Form(form_encode(pairs));
        self
    }

    /// A `multipart/form-data` body, as functions-js sends a `FormData` (the boundary is
    /// chosen by the HTTP client).
    pub fn multipart(mut self, form: reqwest::multipart::Form) -> Self {
        self.body = Body::Multipart(form);
        self
    }

    /// A body sent as `stream` yields it (chunked, never held whole;
    /// `application/octet-stream`). functions-js has no streamed request body: it sends a
    /// `ReadableStream` as the JSON `{}`.
    pub fn body_stream<S>(mut self, stream: S) -> Self
    where
        S: futures_util::TryStream + Send + 'static,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        Bytes: From<S::Ok>,
    {
        self.body = Body::Stream(reqwest::Body::wrap_stream(stream));
        self
    }

    /// Sends the invocation as the request's user and waits for the answer's headers.
    ///
    /// # Errors
    /// [`FunctionsError::Relay`] and [`FunctionsError::Http`] with the answer kept,
    /// [`FunctionsError::Fetch`] when the function cannot be reached in time, and the mistakes
    /// refused before sending: [`InvalidName`](FunctionsError::InvalidName),
    /// [`InvalidHeader`](FunctionsError::InvalidHeader),
    /// [`BodyNotAllowed`](FunctionsError::BodyNotAllowed),
    /// [`Serialize`](FunctionsError::Serialize); [`Auth`](FunctionsError::Auth) when the
    /// request's credentials cannot be obtained.
    pub async fn send(self) -> Result<FunctionResponse, FunctionsError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if !matches!(self.body, Body::None) && matches!(self.method, Method::GET | Method::HEAD) {
            return Err(FunctionsError::BodyNotAllowed(self.method));
        }
        let mut url = function_url(self.client.config().url(), &self.name)?;
        let region = match self.region.forced() {
            Some(region) => {
                url.query_pairs_mut()
                    .append_pair("forceFunctionRegion", region);
                Some(HeaderValue::from_str(region).map_err(|error| {
                    FunctionsError::InvalidHeader(ErrorSource::new(http::Error::from(error)))
                })?)
            }
            None => None,
        };
        // This call's timeout, else the client-wide `api_timeout`, bounds sending, the answer's
        // headers and a whole-body read (`FunctionResponse::bytes`); it is applied here rather
        // than by the HTTP client, whose per-request timeout would also cut `bytes_stream`.
        let deadline = self
            .timeout
            .or(self.client.shared.api_timeout)
            .map(|timeout| tokio::time::Instant::now() + timeout);
        let mut builder = as_user::functions_request(&self.client, self.method, url).await?;
        if let Some(region) = region {
            builder = builder.header("x-region", region);
        }
        let (http_client, request) = self.body.apply(builder).build_split();
        let mut request = request.map_err(FunctionsError::fetch)?;
        // functions-js lays `global.headers` over the `Content-Type` and `x-region` it infers
        // (the request carries the global headers already; ours were added beside them).
        let global = self.client.shared.global_headers.map();
        for name in [
            http::header::CONTENT_TYPE,
            HeaderName::from_static("x-region"),
        ] {
            if global.contains_key(&name) {
                request.headers_mut().remove(&name);
                for value in global.get_all(&name) {
                    request.headers_mut().append(name.clone(), value.clone());
                }
            }
        }
        *request.timeout_mut() = None;
        // fetch sends `content-length: 0` for an empty body, and for no body on POST and PUT
        // (functions-js's default `POST` without a body); the HTTP client sends none then.
        let empty = match request.body() {
            None => matches!(*request.method(), Method::POST | Method::PUT),
            Some(body) => body.as_bytes().is_some_and(<[u8]>::is_empty),
        };
        if empty {
            request
                .headers_mut()
                .insert(http::header::CONTENT_LENGTH, HeaderValue::from_static("0"));
        }
        // The caller's headers last, replacing ours: functions-js's invoke-level headers win.
        as_user::lay_over(request.headers_mut(), self.headers);
        tracing::debug!(
            method = %request.method(),
            path = request.url().path(),
            "Edge Function request"
        );
        let sent = http_client.execute(request);
        let response = match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline, sent)
                .await
                .map_err(|elapsed| FunctionsError::Fetch(ErrorSource::new(elapsed)))?,
            None => sent.await,
        }
        .map_err(FunctionsError::fetch)?;
        let status = response.status().as_u16();
        let relay_error = response
            .headers()
            .get("x-relay-error")
            .is_some_and(|value| value.as_bytes() == b"true");
        let response = FunctionResponse::new(response, deadline);
        if relay_error {
            return Err(FunctionsError::Relay { status, response });
        }
        if !(200..300).contains(&status) {
            return Err(FunctionsError::Http { status, response });
        }
        Ok(response)
    }

    fn fail(&mut self, error: FunctionsError) {
        self.error.get_or_insert(error);
    }
}

impl fmt::Debug for Invoke {
    // Header names only and the body's kind: values and content may be credentials.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Invoke")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("region", &self.region)
            .field("timeout", &self.timeout)
            .field("body", &self.body.kind())
            .finish_non_exhaustive()
    }
}
