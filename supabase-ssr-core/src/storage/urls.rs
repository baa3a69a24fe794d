//! Links to objects: signed URLs (made by Storage) and public URLs (made here).

use http::Method;
use serde::Serialize;
use serde_json::Value;
use url::form_urlencoded::Serializer;

use super::path::{bucket_segment, checked_keys, link_path, object_key};
use super::request::encode_uri;
use super::transform::{Transform, append_read_query};
use super::{Bucket, StorageError};

/// Options of [`Bucket::create_signed_url`], [`Bucket::create_signed_urls`] and
/// [`Bucket::public_url`].
///
/// ```
/// use supabase_ssr_core::storage::{SignedUrlOptions, Transform};
///
/// let as_attachment = SignedUrlOptions::default().download_as("report.pdf");
/// let thumbnail = SignedUrlOptions::default().transform(Transform::default().width(64));
/// # let _ = (as_attachment, thumbnail);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct SignedUrlOptions {
    /// `Some("")` for a download under the object's own name.
    download: Option<String>,
    transform: Option<Transform>,
    cache_nonce: Option<String>,
    version_id: Option<String>,
}

impl SignedUrlOptions {
    /// The browser saves the file (under its own name) instead of showing it (`download=`).
    pub fn download(mut self, download: bool) -> Self {
        self.download = download.then(String::new);
        self
    }

    /// The browser saves the file as `name` (`download=<name>`).
    pub fn download_as(mut self, name: impl Into<String>) -> Self {
        let name = name.into();
        // storage-js tests the name for truth: an empty one asks for no download.
        self.download = (!name.is_empty()).then_some(name);
        self
    }

    /// Serves the image transformed (`/render/image/…`). Not supported by
    /// [`Bucket::create_signed_urls`], which ignores it, as storage-js does.
    pub fn transform(mut self, transform: Transform) -> Self {
        self.transform = Some(transform);
        self
    }

    /// Adds `cacheNonce=<nonce>` to the URL, bypassing cached copies.
    pub fn cache_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.cache_nonce = Some(nonce.into());
        self
    }

    /// Links to this version of the object (versioned buckets; not supported by
    /// [`Bucket::create_signed_urls`], as in storage-js).
    pub fn version_id(mut self, id: impl Into<String>) -> Self {
        self.version_id = Some(id.into());
        self
    }

    fn transform_set(&self) -> Option<&Transform> {
        self.transform.as_ref().filter(|t| t.is_set())
    }

    /// `download` then `cacheNonce`: the query storage-js appends to signed URLs.
    fn signed_query(&self) -> String {
        let mut query = Serializer::new(String::new());
        if let Some(download) = &self.download {
            query.append_pair("download", download);
        }
        if let Some(nonce) = &self.cache_nonce {
            query.append_pair("cacheNonce", nonce);
        }
        query.finish()
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
        let url = self.signed_url.as_deref().map(redact_query);
        f.debug_struct("SignedUrl")
            .field("path", &self.path)
            .field("signed_url", &url)
            .field("error", &self.error)
            .finish()
    }
}

/// `url` for `Debug`: its query, which holds the token that grants access, replaced.
pub(super) fn redact_query(url: &str) -> String {
    match url.split_once('?') {
        Some((base, _)) => format!("{base}?<redacted>"),
        None => url.to_owned(),
    }
}

impl Bucket {
    /// A URL that reads the file without credentials for `expires_in` seconds
    /// (`POST /object/sign/<bucket>/<path>`).
    ///
    /// The URL is the project's Storage URL plus the server's `signedURL`, `encodeURI`-encoded,
    /// then `&download=…&cacheNonce=…`. The query is form-encoded once; storage-js also passes
    /// it through `encodeURI`, which turns the `%` of an encoded non-ASCII or reserved download
    /// name into `%25` (the name then arrives mangled), so only such names give a different URL.
    ///
    /// ```no_run
    /// # async fn run(bucket: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
    /// use supabase_ssr_core::storage::SignedUrlOptions;
    ///
    /// let link = bucket
    ///     .create_signed_url("reports/q1.pdf", 600, &SignedUrlOptions::default().download(true))
    ///     .await?;
    /// # let _ = link; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] (nothing sent), [`StorageError::Api`],
    /// [`StorageError::Decode`] when the answer has no `signedURL`.
    pub async fn create_signed_url(
        &self,
        path: &str,
        expires_in: u64,
        options: &SignedUrlOptions,
    ) -> Result<String, StorageError> {
        let url = self.object_url("object/sign", path)?;
        let body = SignBody {
            expires_in,
            transform: options.transform_set(),
            version_id: options.version_id.as_deref(),
        };
        let data: Value =
            super::request::call(&self.client, Method::POST, url, Some(&body)).await?;
        let signed = data
            .get("signedURL")
            .and_then(Value::as_str)
            .ok_or_else(|| StorageError::Decode("no signedURL in the answer".to_owned()))?;
        Ok(self.signed_link(signed, &options.signed_query()))
    }

    /// Signed URLs for many files at once (`POST /object/sign/<bucket>`); each file has its own
    /// result, signed or with the reason it could not be. Only the options' `download` and
    /// `cache_nonce` apply, as in storage-js.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] if any path would leave the bucket (nothing sent),
    /// [`StorageError::Api`], [`StorageError::Decode`].
    pub async fn create_signed_urls<S: AsRef<str>>(
        &self,
        paths: impl IntoIterator<Item = S>,
        expires_in: u64,
        options: &SignedUrlOptions,
    ) -> Result<Vec<SignedUrl>, StorageError> {
        let url = self.bucket_url("object/sign")?;
        let paths = checked_keys(paths)?;
        let body = SignManyBody { expires_in, paths };
        let data: Value =
            super::request::call(&self.client, Method::POST, url, Some(&body)).await?;
        let items = data
            .as_array()
            .ok_or_else(|| StorageError::Decode("the answer is not a list".to_owned()))?;
        let query = options.signed_query();
        let field =
            |item: &Value, name: &str| item.get(name).and_then(Value::as_str).map(str::to_owned);
        Ok(items
            .iter()
            .map(|item| SignedUrl {
                path: field(item, "path"),
                signed_url: field(item, "signedURL")
                    .filter(|s| !s.is_empty())
                    .map(|s| self.signed_link(&s, &query)),
                error: field(item, "error"),
            })
            .collect())
    }

    fn signed_link(&self, signed: &str, query: &str) -> String {
        let mut link = encode_uri(&format!("{}{signed}", self.base()));
        if !query.is_empty() {
            link.push('&');
            link.push_str(query);
        }
        link
    }

    /// The URL of a file in a public bucket; no request is made
    /// (`<project>/storage/v1/object/public/<bucket>/<path>`, or `/render/image/public/…` with a
    /// transform), with `download`, transform, `cacheNonce` and `versionId` query parameters in
    /// storage-js's order.
    ///
    /// ```
    /// # fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::storage::StorageError> {
    /// use supabase_ssr_core::storage::SignedUrlOptions;
    ///
    /// let url = client
    ///     .storage()
    ///     .from("avatars")
    ///     .public_url("u1/me.png", &SignedUrlOptions::default())?;
    /// assert!(url.ends_with("/storage/v1/object/public/avatars/u1/me.png"));
    /// # Ok(()) }
    /// # let supabase = supabase_ssr_core::Supabase::builder("https://abc.supabase.co", "sb_publishable_x").build().unwrap();
    /// # run(supabase.client([])).unwrap();
    /// ```
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for a path that would leave the bucket.
    pub fn public_url(
        &self,
        path: &str,
        options: &SignedUrlOptions,
    ) -> Result<String, StorageError> {
        let key = object_key(path)?;
        let bucket = bucket_segment(&self.id)?;
        let mut query = Serializer::new(String::new());
        if let Some(download) = &options.download {
            query.append_pair("download", download);
        }
        append_read_query(
            &mut query,
            options.transform.as_ref(),
            options.cache_nonce.as_deref(),
            options.version_id.as_deref(),
        );
        let query = query.finish();
        let route = if options.transform_set().is_some() {
            "render/image"
        } else {
            "object"
        };
        let mut url = format!(
            "{}/{route}/public/{}",
            encode_uri(&self.base()),
            link_path(bucket, key)
        );
        if !query.is_empty() {
            url.push('?');
            url.push_str(&query);
        }
        Ok(url)
    }
}

/// The body of `POST /object/sign/<bucket>/<path>`, in storage-js's key order (a typed struct,
/// so the order holds in builds without `serde_json`'s `preserve_order`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignBody<'a> {
    expires_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    transform: Option<&'a Transform>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_id: Option<&'a str>,
}

/// The body of `POST /object/sign/<bucket>`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignManyBody {
    expires_in: u64,
    paths: Vec<String>,
}
