//! Writing objects: upload, update, and uploads through a signed upload URL.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::Method;
use serde_json::Value;
use url::Url;

use super::body::UploadBody;
use super::path::{object_key, remove_empty_folders};
use super::request::{Empty, read_json};
use super::urls::redact_query;
use super::{Bucket, StorageError};

/// How [`Bucket::upload`], [`Bucket::update`] and [`Bucket::upload_to_signed_url`] store a
/// file (storage-js `FileOptions`).
///
/// ```
/// use supabase_ssr_core::storage::UploadOptions;
///
/// let options = UploadOptions::new("text/csv")
///     .upsert(true)
///     .cache_control(60)
///     .content_encoding("gzip")
///     .metadata(serde_json::json!({"owner": "u1"}));
/// # let _ = options;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct UploadOptions {
    content_type: String,
    cache_control: String,
    upsert: bool,
    content_encoding: Option<String>,
    metadata: Option<Value>,
}

impl UploadOptions {
    /// A file of this MIME type, cached an hour by the CDN, not replacing an existing one.
    pub fn new(content_type: impl Into<String>) -> Self {
        Self {
            content_type: content_type.into(),
            cache_control: "3600".to_owned(),
            upsert: false,
            content_encoding: None,
            metadata: None,
        }
    }

    /// Replaces an existing file at the path instead of failing (`x-upsert`; not sent by
    /// [`Bucket::update`], which always replaces).
    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = upsert;
        self
    }

    /// Seconds the CDN keeps the file (`Cache-Control: max-age=…`).
    pub fn cache_control(mut self, seconds: u32) -> Self {
        self.cache_control = seconds.to_string();
        self
    }

    /// The body's `Content-Encoding` (e.g. `gzip`), stored with the object and served back.
    pub fn content_encoding(mut self, encoding: impl Into<String>) -> Self {
        self.content_encoding = Some(encoding.into());
        self
    }

    /// User metadata stored with the object (`x-metadata`, base64 of the JSON). `null` sends
    /// nothing.
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// storage-js's headers for a raw body, in its order.
    fn headers(&self, upsert_header: bool) -> Vec<(&'static str, String)> {
        let mut headers = Vec::with_capacity(5);
        if upsert_header {
            headers.push(("x-upsert", self.upsert.to_string()));
        }
        headers.push(("cache-control", format!("max-age={}", self.cache_control)));
        if let Some(encoding) = self.content_encoding.as_ref().filter(|e| !e.is_empty()) {
            headers.push(("content-encoding", encoding.clone()));
        }
        if let Some(metadata) = self.metadata.as_ref().filter(|m| !m.is_null()) {
            headers.push(("x-metadata", STANDARD.encode(metadata.to_string())));
        }
        headers
    }
}

impl Default for UploadOptions {
    /// storage-js's default content type, `text/plain;charset=UTF-8`.
    fn default() -> Self {
        Self::new("text/plain;charset=UTF-8")
    }
}

/// A stored file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The path in the bucket, cleaned of empty folders.
    pub path: String,
    /// The object's id (`None` after [`Bucket::upload_to_signed_url`], whose answer has none).
    pub id: Option<String>,
    /// `<bucket>/<path>`.
    pub full_path: Option<String>,
}

/// A URL the holder can upload one file to without credentials, for two hours; made by
/// [`Bucket::create_signed_upload_url`], used with [`Bucket::upload_to_signed_url`] (here or by
/// supabase-js's `uploadToSignedUrl` in a browser).
///
/// `Debug` shows neither the token nor the URL's query, which grant the upload.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SignedUploadUrl {
    /// The full URL, token included.
    pub signed_url: String,
    /// The token alone.
    pub token: String,
    /// The path as asked for.
    pub path: String,
}

impl std::fmt::Debug for SignedUploadUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = redact_query(&self.signed_url);
        f.debug_struct("SignedUploadUrl")
            .field("signed_url", &url)
            .field("token", &"<redacted>")
            .field("path", &self.path)
            .finish()
    }
}

impl Bucket {
    /// Uploads a new file to `path` (`POST /object/<bucket>/<path>`); fails if one exists
    /// unless [`UploadOptions::upsert`].
    ///
    /// The path is cleaned as storage-js does (one leading and trailing `/` removed, runs of
    /// `/` collapsed); [`Uploaded::path`] is the cleaned path.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] (nothing sent), [`StorageError::Api`] (e.g. `409` for an
    /// existing file, `413` for one too large), [`StorageError::Transport`] (also when a
    /// streamed body fails).
    pub async fn upload(
        &self,
        path: &str,
        body: impl Into<UploadBody>,
        options: UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        self.upload_or_update(Method::POST, path, body.into(), &options)
            .await
    }

    /// Replaces the file at `path` (`PUT /object/<bucket>/<path>`); as [`Bucket::upload`]
    /// otherwise.
    ///
    /// # Errors
    /// As [`Bucket::upload`]; a missing file is an [`StorageError::Api`] error.
    pub async fn update(
        &self,
        path: &str,
        body: impl Into<UploadBody>,
        options: UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        self.upload_or_update(Method::PUT, path, body.into(), &options)
            .await
    }

    async fn upload_or_update(
        &self,
        method: Method,
        path: &str,
        body: UploadBody,
        options: &UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        object_key(path)?; // refused as given, not as cleaned
        let clean = remove_empty_folders(path);
        let url = self.object_url("object", &clean)?;
        let headers = options.headers(method == Method::POST);
        let body = Some((body.into_body(), options.content_type.clone()));
        let data: Value = read_json(self.send(method, url, body, &headers).await?).await?;
        let field = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(Uploaded {
            path: clean,
            id: field("Id"),
            full_path: field("Key"),
        })
    }

    /// A URL and token to upload a file to `path` later without credentials
    /// (`POST /object/upload/sign/<bucket>/<path>`); with `upsert`, the upload may replace an
    /// existing file.
    ///
    /// ```no_run
    /// # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::storage::StorageError> {
    /// use supabase_ssr_core::storage::UploadOptions;
    ///
    /// let avatars = client.storage().from("avatars");
    /// let signed = avatars.create_signed_upload_url("u1/me.png", false).await?;
    /// // Hand `signed.path` and `signed.token` to the browser, or upload from here:
    /// avatars
    ///     .upload_to_signed_url(&signed.path, &signed.token, b"\x89PNG", UploadOptions::new("image/png"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] (nothing sent), [`StorageError::Api`],
    /// [`StorageError::Decode`] when the answer holds no token.
    pub async fn create_signed_upload_url(
        &self,
        path: &str,
        upsert: bool,
    ) -> Result<SignedUploadUrl, StorageError> {
        let url = self.object_url("object/upload/sign", path)?;
        // storage-js sends `x-upsert: true` only when asked.
        let headers = if upsert {
            vec![("x-upsert", "true".to_owned())]
        } else {
            Vec::new()
        };
        let body = Some(Empty::json());
        let data: Value = read_json(self.send(Method::POST, url, body, &headers).await?).await?;
        let relative = data
            .get("url")
            .and_then(Value::as_str)
            .ok_or_else(|| StorageError::Decode("no url in the answer".to_owned()))?;
        let signed = Url::parse(&format!("{}{relative}", self.base()))
            .map_err(|_| StorageError::Decode("the signed upload URL is not a URL".to_owned()))?;
        let token = signed
            .query_pairs()
            .find(|(name, _)| name == "token")
            .map(|(_, value)| value.into_owned())
            .filter(|token| !token.is_empty())
            .ok_or_else(|| StorageError::Decode("No token returned by API".to_owned()))?;
        Ok(SignedUploadUrl {
            signed_url: signed.into(),
            token,
            path: path.to_owned(),
        })
    }

    /// Uploads to a URL made by [`Bucket::create_signed_upload_url`]
    /// (`PUT /object/upload/sign/<bucket>/<path>?token=…`). The token grants the upload; the
    /// request still carries the client's key and the user's session, as storage-js's does.
    ///
    /// # Errors
    /// As [`Bucket::upload`]; an expired or wrong token is a [`StorageError::Api`] error.
    pub async fn upload_to_signed_url(
        &self,
        path: &str,
        token: &str,
        body: impl Into<UploadBody>,
        options: UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        object_key(path)?;
        let clean = remove_empty_folders(path);
        let mut url = self.object_url("object/upload/sign", &clean)?;
        url.query_pairs_mut().append_pair("token", token);
        let headers = options.headers(true);
        let body = Some((body.into().into_body(), options.content_type.clone()));
        let data: Value = read_json(self.send(Method::PUT, url, body, &headers).await?).await?;
        Ok(Uploaded {
            path: clean,
            id: None,
            full_path: data.get("Key").and_then(Value::as_str).map(str::to_owned),
        })
    }
}
