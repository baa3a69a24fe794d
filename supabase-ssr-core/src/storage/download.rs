//! Reading objects: download (whole or streamed), info, exists.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use http::Method;
use serde::Deserialize;
use serde_json::{Map, Value};
use url::Url;
use url::form_urlencoded::Serializer;

use super::request::read_json;
use super::transform::{Transform, append_read_query};
use super::{Bucket, StorageError};
use crate::ErrorSource;

/// How [`Bucket::download`] and [`Bucket::download_stream`] read a file.
///
/// ```
/// use supabase_ssr_core::storage::{DownloadOptions, Transform};
///
/// let thumbnail = DownloadOptions::default().transform(Transform::default().width(100));
/// # let _ = thumbnail;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct DownloadOptions {
    transform: Option<Transform>,
    cache_nonce: Option<String>,
    version_id: Option<String>,
}

impl DownloadOptions {
    /// Reads the image transformed (`GET /render/image/authenticated/<bucket>/<path>?…`).
    pub fn transform(mut self, transform: Transform) -> Self {
        self.transform = Some(transform);
        self
    }

    /// Adds `cacheNonce=<nonce>` to the URL, bypassing cached copies.
    pub fn cache_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.cache_nonce = Some(nonce.into());
        self
    }

    /// Reads this version of the object (`versionId=<id>`, versioned buckets).
    pub fn version_id(mut self, id: impl Into<String>) -> Self {
        self.version_id = Some(id.into());
        self
    }
}

/// What [`Bucket::info`] knows of an object (storage-js `info`, whose keys it turns into
/// camelCase; here they keep Storage's snake case, and `metadata` is left as sent).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct FileInfo {
    /// The object's id.
    pub id: String,
    /// The object's name (its path in the bucket).
    pub name: String,
    /// The bucket.
    pub bucket_id: String,
    /// The object's version.
    #[serde(default)]
    pub version: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: Option<u64>,
    /// MIME type.
    #[serde(default)]
    pub content_type: Option<String>,
    /// `Cache-Control` it is served with.
    #[serde(default)]
    pub cache_control: Option<String>,
    /// `Content-Encoding` it is served with.
    #[serde(default)]
    pub content_encoding: Option<String>,
    /// Entity tag.
    #[serde(default)]
    pub etag: Option<String>,
    /// When it was last modified.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Metadata: user metadata of [`UploadOptions::metadata`](super::UploadOptions::metadata).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// Any other field Storage sent (e.g. `archived_at`, `is_versioned`).
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The headers of a downloaded file a proxy passes on: what [`Bucket::download`] and
/// [`Bucket::download_stream`] return besides the bytes (storage-js hands back the `Blob`,
/// whose `type` is the content type).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadHeaders {
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `Content-Length`, when Storage sent one (not for a chunked or compressed answer).
    pub content_length: Option<u64>,
    /// `ETag`.
    pub etag: Option<String>,
    /// `Cache-Control`.
    pub cache_control: Option<String>,
    /// `Last-Modified`.
    pub last_modified: Option<String>,
}

impl DownloadHeaders {
    fn of(response: &reqwest::Response) -> Self {
        let headers = response.headers();
        // A value that is not visible ASCII is left out rather than passed on mangled.
        let text = |name: http::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            content_type: text(http::header::CONTENT_TYPE),
            content_length: text(http::header::CONTENT_LENGTH).and_then(|v| v.parse().ok()),
            etag: text(http::header::ETAG),
            cache_control: text(http::header::CACHE_CONTROL),
            last_modified: text(http::header::LAST_MODIFIED),
        }
    }
}

/// A file read whole by [`Bucket::download`]: its bytes and headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// The headers that describe the file.
    pub headers: DownloadHeaders,
    /// The file's bytes.
    pub body: Bytes,
}

impl Downloaded {
    /// The file's bytes, the headers dropped.
    #[must_use]
    pub fn into_bytes(self) -> Bytes {
        self.body
    }
}

/// A file being read by [`Bucket::download_stream`]: its headers, known when the answer
/// arrived, and a [`Stream`] of its bytes in chunks as they arrive.
#[must_use = "a stream does nothing unless polled"]
#[non_exhaustive]
pub struct DownloadStream {
    /// The headers that describe the file.
    pub headers: DownloadHeaders,
    chunks: BoxStream<'static, Result<Bytes, StorageError>>,
}

impl fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DownloadStream")
            .field("headers", &self.headers)
            .finish_non_exhaustive()
    }
}

impl Stream for DownloadStream {
    type Item = Result<Bytes, StorageError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.chunks.as_mut().poll_next(cx)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

impl Bucket {
    /// Downloads the file at `path` whole (`GET /object/<bucket>/<path>`, or
    /// `/render/image/authenticated/…` with a transform), with its headers. For large files
    /// use [`Bucket::download_stream`].
    ///
    /// ```no_run
    /// # async fn run(bucket: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
    /// use supabase_ssr_core::storage::DownloadOptions;
    ///
    /// let file = bucket.download("u1/me.png", &DownloadOptions::default()).await?;
    /// let content_type = file.headers.content_type.as_deref().unwrap_or("application/octet-stream");
    /// let bytes = file.body; // or `file.into_bytes()`
    /// # let _ = (content_type, bytes); Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] (nothing sent), [`StorageError::Api`] (e.g. a missing
    /// file), [`StorageError::Transport`].
    pub async fn download(
        &self,
        path: &str,
        options: &DownloadOptions,
    ) -> Result<Downloaded, StorageError> {
        let url = self.download_url(path, options)?;
        let response = self.send(Method::GET, url, None, &[]).await?;
        let headers = DownloadHeaders::of(&response);
        let body = response
            .bytes()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        Ok(Downloaded { headers, body })
    }

    /// Downloads the file at `path` as a stream of chunks, as they arrive (storage-js
    /// `download().asStream()`). The request is made when this is awaited, so an invalid path
    /// or an error answer is returned here, before any chunk; the stream then yields the
    /// body, a failure while reading it as an item. The client's
    /// [`api_timeout`](crate::SupabaseBuilder::api_timeout) covers the request until the answer's
    /// headers, never the stream, which lasts as long as the caller reads it.
    ///
    /// ```no_run
    /// # async fn run(bucket: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
    /// use futures_util::TryStreamExt as _;
    /// use supabase_ssr_core::storage::DownloadOptions;
    ///
    /// let mut file = bucket.download_stream("u1/video.mp4", &DownloadOptions::default()).await?;
    /// let content_type = file.headers.content_type.clone();
    /// while let Some(chunk) = file.try_next().await? {
    ///     // write `chunk` out
    /// #   let _ = chunk;
    /// }
    /// # let _ = content_type; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// As [`Bucket::download`].
    pub async fn download_stream(
        &self,
        path: &str,
        options: &DownloadOptions,
    ) -> Result<DownloadStream, StorageError> {
        let url = self.download_url(path, options)?;
        let response = super::request::send_streamed(&self.client, url).await?;
        Ok(DownloadStream {
            headers: DownloadHeaders::of(&response),
            chunks: response
                .bytes_stream()
                .map_err(|e| StorageError::Transport(ErrorSource::http(e)))
                .boxed(),
        })
    }

    fn download_url(&self, path: &str, options: &DownloadOptions) -> Result<Url, StorageError> {
        let transform = options.transform.as_ref().filter(|t| t.is_set());
        let route = if transform.is_some() {
            "render/image/authenticated"
        } else {
            "object"
        };
        let mut url = self.object_url(route, path)?;
        let mut query = Serializer::new(String::new());
        append_read_query(
            &mut query,
            options.transform.as_ref(),
            options.cache_nonce.as_deref(),
            options.version_id.as_deref(),
        );
        let query = query.finish();
        if !query.is_empty() {
            url.set_query(Some(&query));
        }
        Ok(url)
    }

    /// What Storage knows of the object at `path` (`GET /object/info/<bucket>/<path>`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] (nothing sent), [`StorageError::Api`] (e.g. a missing
    /// file), [`StorageError::Decode`].
    pub async fn info(&self, path: &str) -> Result<FileInfo, StorageError> {
        let url = self.object_url("object/info", path)?;
        let data: Value = read_json(self.send(Method::GET, url, None, &[]).await?).await?;
        serde_json::from_value(data).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// Whether an object exists at `path` (the request of [`Bucket::info`]).
    ///
    /// `false` exactly when storage-js's `exists` says so: Storage's error `code` is
    /// `NoSuchKey`, or the status is 404 with no `code`. Any other error is returned.
    ///
    /// # Errors
    /// As [`Bucket::info`], except for a missing object.
    pub async fn exists(&self, path: &str) -> Result<bool, StorageError> {
        // The answer's status decides; its body need not decode as a `FileInfo`.
        let url = self.object_url("object/info", path)?;
        match self.send(Method::GET, url, None, &[]).await {
            Ok(_) => Ok(true),
            Err(StorageError::Api {
                code: Some(code), ..
            }) if code == "NoSuchKey" => Ok(false),
            Err(StorageError::Api {
                status: 404,
                code: None,
                ..
            }) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
