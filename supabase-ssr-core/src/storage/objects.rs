//! The file API of a bucket: upload, download, signed and public URLs.

use http::Method;
use serde_json::{Value, json};

use super::path::{bucket_segment, link_path, object_key, remove_empty_folders};
use super::request::encode_uri;
use super::{Bucket, StorageError};
use crate::ErrorSource;

/// How [`Bucket::upload`] stores a file.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct UploadOptions {
    content_type: String,
    cache_control: String,
    upsert: bool,
}

impl UploadOptions {
    /// A file of this MIME type, cached an hour by the CDN, not replacing an existing one.
    pub fn new(content_type: impl Into<String>) -> Self {
        Self {
            content_type: content_type.into(),
            cache_control: "3600".to_owned(),
            upsert: false,
        }
    }

    /// Replaces an existing file at the path instead of failing.
    pub fn upsert(mut self, upsert: bool) -> Self {
        self.upsert = upsert;
        self
    }

    /// Seconds the CDN keeps the file (`Cache-Control: max-age=…`).
    pub fn cache_control(mut self, seconds: u32) -> Self {
        self.cache_control = seconds.to_string();
        self
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
    /// The object's id.
    pub id: Option<String>,
    /// `<bucket>/<path>`.
    pub full_path: Option<String>,
}

/// One result of [`Bucket::create_signed_urls`].
///
/// `Debug` shows the signed URL without its query: the token there grants access to the file.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct SignedUrl {
    /// The path asked for.
    pub path: Option<String>,
    /// The signed URL, or `None` when that file could not be signed.
    pub signed_url: Option<String>,
    /// Why it could not be signed.
    pub error: Option<String>,
}

impl std::fmt::Debug for SignedUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = self
            .signed_url
            .as_deref()
            .map(|url| match url.split_once('?') {
                Some((base, _)) => format!("{base}?<redacted>"),
                None => url.to_owned(),
            });
        f.debug_struct("SignedUrl")
            .field("path", &self.path)
            .field("signed_url", &url)
            .field("error", &self.error)
            .finish()
    }
}

impl Bucket {
    /// Uploads `bytes` to `path` (`POST /object/<bucket>/<path>`).
    pub async fn upload(
        &self,
        path: &str,
        bytes: impl Into<Vec<u8>>,
        options: UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        object_key(path)?; // refused as given, not as cleaned
        let clean = remove_empty_folders(path);
        let url = self.object_url("object", &clean)?;
        let extra = [
            ("x-upsert", options.upsert.to_string()),
            (
                "cache-control",
                format!("max-age={}", options.cache_control),
            ),
        ];
        let response = self
            .send(
                Method::POST,
                url,
                Some((bytes.into(), options.content_type)),
                &extra,
            )
            .await?;
        // serde_json directly rather than reqwest's `json` feature, which nothing else needs.
        let bytes = response
            .bytes()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        let data: Value =
            serde_json::from_slice(&bytes).map_err(|e| StorageError::Decode(e.to_string()))?;
        let field = |name: &str| data.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(Uploaded {
            path: clean,
            id: field("Id"),
            full_path: field("Key"),
        })
    }

    /// Downloads the file at `path` (`GET /object/<bucket>/<path>`).
    pub async fn download(&self, path: &str) -> Result<Vec<u8>, StorageError> {
        let url = self.object_url("object", path)?;
        let response = self.send(Method::GET, url, None, &[]).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        Ok(bytes.to_vec())
    }

    /// A URL that reads the file without credentials for `expires_in` seconds
    /// (`POST /object/sign/<bucket>/<path>`).
    pub async fn create_signed_url(
        &self,
        path: &str,
        expires_in: u64,
    ) -> Result<String, StorageError> {
        let url = self.object_url("object/sign", path)?;
        let data = self
            .json(Method::POST, url, &json!({ "expiresIn": expires_in }))
            .await?;
        let signed = data
            .get("signedURL")
            .and_then(Value::as_str)
            .ok_or_else(|| StorageError::Decode("no signedURL in the answer".to_owned()))?;
        Ok(encode_uri(&format!("{}{signed}", self.base())))
    }

    /// Signed URLs for many files at once (`POST /object/sign/<bucket>`).
    pub async fn create_signed_urls<S: AsRef<str>>(
        &self,
        paths: impl IntoIterator<Item = S>,
        expires_in: u64,
    ) -> Result<Vec<SignedUrl>, StorageError> {
        let url = self.bucket_url("object/sign")?;
        let paths = checked_keys(paths)?;
        let data = self
            .json(
                Method::POST,
                url,
                &json!({ "expiresIn": expires_in, "paths": paths }),
            )
            .await?;
        let items = data
            .as_array()
            .ok_or_else(|| StorageError::Decode("the answer is not a list".to_owned()))?;
        let field =
            |item: &Value, name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(items
            .iter()
            .map(|item| SignedUrl {
                path: field(item, "path"),
                signed_url: field(item, "signedURL")
                    .map(|s| encode_uri(&format!("{}{s}", self.base()))),
                error: field(item, "error"),
            })
            .collect())
    }

    /// The URL of a file in a public bucket (no request is made).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for a path that would leave the bucket.
    pub fn public_url(&self, path: &str) -> Result<String, StorageError> {
        let key = object_key(path)?;
        let bucket = bucket_segment(&self.id)?;
        Ok(format!(
            "{}/object/public/{}",
            encode_uri(&self.base()),
            link_path(bucket, key)
        ))
    }
}

/// The paths as given, each checked with [`object_key`]: keys in a JSON body are not
/// encoded, but must not leave the bucket either.
fn checked_keys<S: AsRef<str>>(
    paths: impl IntoIterator<Item = S>,
) -> Result<Vec<String>, StorageError> {
    paths
        .into_iter()
        .map(|p| object_key(p.as_ref()).map(|_| p.as_ref().to_owned()))
        .collect()
}
