//! Supabase Storage, as the request's user (bucket policies apply to the user, like RLS).
//!
//! URLs and bodies follow `@supabase/storage-js` 2.119.1: objects live at
//! `/storage/v1/object/<bucket>/<path>`, uploads send `x-upsert` and `cache-control`, signed
//! URLs are the project URL plus the server's `signedURL`.
//!
//! ```no_run
//! # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::storage::StorageError> {
//! use supabase_ssr_core::storage::UploadOptions;
//!
//! let avatars = client.storage().from("avatars");
//! avatars
//!     .upload("u1/me.png", b"\x89PNG".to_vec(), UploadOptions::new("image/png").upsert(true))
//!     .await?;
//! let link = avatars.create_signed_url("u1/me.png", 60).await?;
//! # let _ = link; Ok(()) }
//! ```

use http::Method;
use percent_encoding::{AsciiSet, utf8_percent_encode};

use crate::cookies::URI_COMPONENT;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use url::Url;

use crate::ErrorSource;
use crate::as_user;
use crate::auth::AuthError;
use crate::client::SupabaseClient;

/// Why a Storage call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Storage answered with an error status.
    #[error("Storage answered {status}: {message}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// Storage's error name (`error`, e.g. `not_found`) or code, when it sent one.
        code: Option<String>,
        /// What went wrong.
        message: String,
    },
    /// The session could not be loaded, so the call was not made.
    #[error("the session could not be loaded: {0}")]
    Auth(#[from] AuthError),
    /// The call could not be made or its answer not read.
    #[error("Storage could not be reached: {0}")]
    Transport(#[source] ErrorSource),
    /// The answer is not what was expected.
    #[error("the Storage answer could not be decoded: {0}")]
    Decode(String),
    /// The path makes no valid URL.
    #[error("invalid Storage request: {0}")]
    InvalidRequest(String),
}

/// Storage of one request's user. Made by
/// [`SupabaseClient::storage`](crate::SupabaseClient::storage).
#[derive(Debug, Clone)]
pub struct Storage {
    client: SupabaseClient,
}

/// One bucket; made by [`Storage::from`].
#[derive(Debug, Clone)]
pub struct Bucket {
    client: SupabaseClient,
    id: String,
}

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

/// A file or folder listed by [`Bucket::list`] or removed by [`Bucket::remove`]; folders have
/// no `id`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct FileObject {
    /// The name under the listed prefix.
    pub name: String,
    /// The object's id (`None` for a folder).
    #[serde(default)]
    pub id: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last read.
    #[serde(default)]
    pub last_accessed_at: Option<String>,
    /// Size, MIME type, cache control, …
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// How [`Bucket::list`] pages and sorts.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct ListOptions {
    limit: u32,
    offset: u32,
    sort_column: String,
    ascending: bool,
    search: Option<String>,
}

impl Default for ListOptions {
    /// 100 entries from the first, by name ascending (storage-js's defaults).
    fn default() -> Self {
        Self {
            limit: 100,
            offset: 0,
            sort_column: "name".to_owned(),
            ascending: true,
            search: None,
        }
    }
}

impl ListOptions {
    /// At most `limit` entries, skipping `offset`.
    pub fn page(mut self, limit: u32, offset: u32) -> Self {
        self.limit = limit;
        self.offset = offset;
        self
    }

    /// Sorts by `column` (`name`, `updated_at`, `created_at`, `last_accessed_at`).
    pub fn sort_by(mut self, column: impl Into<String>, ascending: bool) -> Self {
        self.sort_column = column.into();
        self.ascending = ascending;
        self
    }

    /// Only names containing `search`.
    pub fn search(mut self, search: impl Into<String>) -> Self {
        self.search = Some(search.into());
        self
    }
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

/// What `encodeURI` leaves alone: letters, digits and `;,/?:@&=+$-_.!~*'()#`.
const ENCODE_URI: &AsciiSet = &URI_COMPONENT
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

fn encode_uri(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_URI).to_string()
}

impl Storage {
    pub(crate) fn new(client: SupabaseClient) -> Self {
        Self { client }
    }

    /// The bucket `id`.
    pub fn from(&self, id: &str) -> Bucket {
        Bucket {
            client: self.client.clone(),
            id: id.to_owned(),
        }
    }
}

impl Bucket {
    /// `<project>/storage/v1`, without a trailing slash.
    fn base(&self) -> String {
        let url = self.client.config().url().as_str();
        format!("{url}storage/v1")
    }

    /// `<bucket>/<path>` with leading slashes of `path` removed (storage-js `_getFinalPath`).
    fn final_path(&self, path: &str) -> String {
        format!("{}/{}", self.id, path.trim_start_matches('/'))
    }

    fn url(&self, rest: &str) -> Result<Url, StorageError> {
        Url::parse(&format!("{}/{rest}", self.base()))
            .map_err(|_| StorageError::InvalidRequest(format!("`{rest}` makes an invalid URL")))
    }

    async fn send(
        &self,
        method: Method,
        url: Url,
        body: Option<(Vec<u8>, String)>,
        extra: &[(&str, String)],
    ) -> Result<reqwest::Response, StorageError> {
        let mut request = as_user::request(&self.client, method, url).await?;
        for (name, value) in extra {
            request = request.header(*name, value);
        }
        if let Some((bytes, content_type)) = body {
            request = request.header("content-type", content_type).body(bytes);
        }
        let response = request
            .send()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let body: Option<Value> = serde_json::from_str(&text).ok();
        let field = |name: &str| {
            body.as_ref()
                .and_then(|b| b.get(name))
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        Err(StorageError::Api {
            status,
            code: field("error").or_else(|| field("code")),
            message: field("message").unwrap_or(text),
        })
    }

    async fn json(&self, method: Method, url: Url, body: &Value) -> Result<Value, StorageError> {
        let body = Some((body.to_string().into_bytes(), "application/json".to_owned()));
        let response = self.send(method, url, body, &[]).await?;
        let text = response
            .text()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        serde_json::from_str(&text).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// Uploads `bytes` to `path` (`POST /object/<bucket>/<path>`).
    pub async fn upload(
        &self,
        path: &str,
        bytes: impl Into<Vec<u8>>,
        options: UploadOptions,
    ) -> Result<Uploaded, StorageError> {
        // storage-js `_removeEmptyFolders`: no leading or trailing slash, no empty folder.
        let mut clean = path.strip_prefix('/').unwrap_or(path);
        clean = clean.strip_suffix('/').unwrap_or(clean);
        let clean = clean
            .split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/");
        let url = self.url(&format!("object/{}", self.final_path(&clean)))?;
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
        let url = self.url(&format!("object/{}", self.final_path(path)))?;
        let response = self.send(Method::GET, url, None, &[]).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| StorageError::Transport(ErrorSource::http(e)))?;
        Ok(bytes.to_vec())
    }

    /// Lists the files and folders under `prefix` (`POST /object/list/<bucket>`).
    pub async fn list(
        &self,
        prefix: &str,
        options: ListOptions,
    ) -> Result<Vec<FileObject>, StorageError> {
        let url = self.url(&format!("object/list/{}", self.id))?;
        let mut body = json!({
            "limit": options.limit,
            "offset": options.offset,
            "sortBy": {
                "column": options.sort_column,
                "order": if options.ascending { "asc" } else { "desc" },
            },
        });
        if let (Some(search), Some(map)) = (&options.search, body.as_object_mut()) {
            map.insert("search".to_owned(), Value::from(search.as_str()));
        }
        if let Some(map) = body.as_object_mut() {
            map.insert("prefix".to_owned(), Value::from(prefix));
        }
        let data = self.json(Method::POST, url, &body).await?;
        serde_json::from_value(data).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// Deletes files (`DELETE /object/<bucket>` with `{"prefixes": […]}`); returns those
    /// deleted.
    pub async fn remove<S: AsRef<str>>(
        &self,
        paths: impl IntoIterator<Item = S>,
    ) -> Result<Vec<FileObject>, StorageError> {
        let url = self.url(&format!("object/{}", self.id))?;
        let paths: Vec<String> = paths.into_iter().map(|p| p.as_ref().to_owned()).collect();
        let data = self
            .json(Method::DELETE, url, &json!({ "prefixes": paths }))
            .await?;
        serde_json::from_value(data).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// Moves (renames) a file within the bucket (`POST /object/move`).
    pub async fn move_object(&self, from: &str, to: &str) -> Result<(), StorageError> {
        let url = self.url("object/move")?;
        let body = json!({ "bucketId": self.id, "sourceKey": from, "destinationKey": to });
        self.json(Method::POST, url, &body).await.map(drop)
    }

    /// A URL that reads the file without credentials for `expires_in` seconds
    /// (`POST /object/sign/<bucket>/<path>`).
    pub async fn create_signed_url(
        &self,
        path: &str,
        expires_in: u64,
    ) -> Result<String, StorageError> {
        let url = self.url(&format!("object/sign/{}", self.final_path(path)))?;
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
        let url = self.url(&format!("object/sign/{}", self.id))?;
        let paths: Vec<String> = paths.into_iter().map(|p| p.as_ref().to_owned()).collect();
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
    pub fn public_url(&self, path: &str) -> String {
        encode_uri(&format!(
            "{}/object/public/{}",
            self.base(),
            self.final_path(path)
        ))
    }
}
