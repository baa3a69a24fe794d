//! Managing a bucket's objects: list (offset and cursor pages), remove (with version ids),
//! copy and move (to another bucket too), purge the CDN cache.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::buckets::PurgeCacheOptions;
use super::path::{bucket_segment, component_path, object_key};
use super::request::{Empty, Message, call};
use super::{Bucket, StorageError};

/// A file or folder listed by [`Bucket::list`] or removed by [`Bucket::remove`]; folders have
/// no `id`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct FileObject {
    /// The name under the listed prefix (the path, for a removed object).
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
    /// The bucket (sent by [`Bucket::remove`], not by [`Bucket::list`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bucket_id: Option<String>,
    /// This version's id, in a bucket with versioning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// When this version became noncurrent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<String>,
    /// Whether this entry marks a deletion rather than holding content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_delete_marker: Option<bool>,
    /// Whether it was written while the bucket kept versions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_versioned: Option<bool>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Which object versions a listing shows (buckets with versioning).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum VersionFilter {
    /// Leave them out (the server's default).
    Exclude,
    /// Show them with the rest.
    Include,
    /// Show only them.
    Only,
}

/// How [`Bucket::list`] pages, sorts and filters.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct ListOptions {
    limit: u32,
    offset: u32,
    sort_column: String,
    ascending: bool,
    search: Option<String>,
    noncurrent_versions: Option<VersionFilter>,
    delete_markers: Option<VersionFilter>,
    exact_match: Option<bool>,
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
            noncurrent_versions: None,
            delete_markers: None,
            exact_match: None,
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

    /// Whether noncurrent versions are listed.
    pub fn noncurrent_versions(mut self, filter: VersionFilter) -> Self {
        self.noncurrent_versions = Some(filter);
        self
    }

    /// Whether delete markers are listed.
    pub fn delete_markers(mut self, filter: VersionFilter) -> Self {
        self.delete_markers = Some(filter);
        self
    }

    /// Only the object whose key is exactly the prefix.
    pub fn exact_match(mut self, exact: bool) -> Self {
        self.exact_match = Some(exact);
        self
    }
}

/// `{"column": …, "order": "asc" | "desc"}`, the `sortBy` of `list` and `listV2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct SortBy {
    column: String,
    order: &'static str,
}

impl SortBy {
    fn new(column: impl Into<String>, ascending: bool) -> Self {
        Self {
            column: column.into(),
            order: if ascending { "asc" } else { "desc" },
        }
    }
}

/// The body of `POST /object/list/<bucket>` in storage-js's key order: its defaults, the
/// caller's options, `sortBy` (in place) and `prefix` last.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListBody<'a> {
    limit: u32,
    offset: u32,
    sort_by: SortBy,
    #[serde(skip_serializing_if = "Option::is_none")]
    search: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    noncurrent_versions: Option<VersionFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delete_markers: Option<VersionFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    exact_match: Option<bool>,
    prefix: &'a str,
}

/// How [`Bucket::list_v2`] pages; by default the server's defaults (1000 objects by name, the
/// whole bucket, flat).
///
/// ```no_run
/// # async fn run(avatars: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
/// use supabase_ssr_core::storage::ListV2Options;
///
/// let mut options = ListV2Options::default().prefix("u1/").limit(100);
/// loop {
///     let page = avatars.list_v2(&options).await?;
///     for object in &page.objects {
///         println!("{}", object.name);
///     }
///     match page.next_cursor {
///         Some(cursor) if page.has_next => options = options.cursor(cursor),
///         _ => break,
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[must_use]
#[non_exhaustive]
pub struct ListV2Options {
    #[serde(skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    with_delimiter: Option<bool>,
    #[serde(rename = "sortBy", skip_serializing_if = "Option::is_none")]
    sort_by: Option<SortBy>,
    #[serde(rename = "noncurrentVersions", skip_serializing_if = "Option::is_none")]
    noncurrent_versions: Option<VersionFilter>,
    #[serde(rename = "deleteMarkers", skip_serializing_if = "Option::is_none")]
    delete_markers: Option<VersionFilter>,
    #[serde(rename = "exactMatch", skip_serializing_if = "Option::is_none")]
    exact_match: Option<bool>,
}

impl ListV2Options {
    /// At most `limit` objects.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only keys starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// The page after the one that answered this [`ListV2Page::next_cursor`].
    pub fn cursor(mut self, cursor: impl Into<String>) -> Self {
        self.cursor = Some(cursor.into());
        self
    }

    /// Groups keys by `/` into [`ListV2Page::folders`] instead of listing every key.
    pub fn with_delimiter(mut self, with_delimiter: bool) -> Self {
        self.with_delimiter = Some(with_delimiter);
        self
    }

    /// Sorts by `column` (`name`, `updated_at`, `created_at`).
    pub fn sort_by(mut self, column: impl Into<String>, ascending: bool) -> Self {
        self.sort_by = Some(SortBy::new(column, ascending));
        self
    }

    /// Whether noncurrent versions are listed.
    pub fn noncurrent_versions(mut self, filter: VersionFilter) -> Self {
        self.noncurrent_versions = Some(filter);
        self
    }

    /// Whether delete markers are listed.
    pub fn delete_markers(mut self, filter: VersionFilter) -> Self {
        self.delete_markers = Some(filter);
        self
    }

    /// Only the object whose key is exactly the prefix.
    pub fn exact_match(mut self, exact: bool) -> Self {
        self.exact_match = Some(exact);
        self
    }
}

/// One page of [`Bucket::list_v2`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ListV2Page {
    /// Whether another page follows.
    #[serde(default)]
    pub has_next: bool,
    /// The folders (with [`ListV2Options::with_delimiter`]).
    #[serde(default)]
    pub folders: Vec<ListV2Folder>,
    /// The objects.
    #[serde(default)]
    pub objects: Vec<ListV2Object>,
    /// Where the next page starts ([`ListV2Options::cursor`]).
    #[serde(default)]
    pub next_cursor: Option<String>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A folder of a [`ListV2Page`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ListV2Folder {
    /// The folder's name.
    pub name: String,
    /// Its whole key.
    #[serde(default)]
    pub key: Option<String>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// An object of a [`ListV2Page`].
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct ListV2Object {
    /// The object's name.
    pub name: String,
    /// Its whole key.
    #[serde(default)]
    pub key: Option<String>,
    /// Its id.
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
    /// Size, MIME type, cache control, … (`None` until set).
    #[serde(default)]
    pub metadata: Option<Value>,
    /// This version's id, in a bucket with versioning.
    #[serde(default)]
    pub version: Option<String>,
    /// When this version became noncurrent.
    #[serde(default)]
    pub archived_at: Option<String>,
    /// Whether this entry marks a deletion.
    #[serde(default)]
    pub is_delete_marker: Option<bool>,
    /// Whether it was written while the bucket kept versions.
    #[serde(default)]
    pub is_versioned: Option<bool>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One object for [`Bucket::remove`]: a path (whatever is current there), or one version of it.
///
/// ```no_run
/// # async fn run(avatars: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
/// use supabase_ssr_core::storage::RemoveEntry;
///
/// avatars.remove(["u1/old.png"]).await?;
/// avatars
///     .remove([RemoveEntry::from("u1/a.png"), RemoveEntry::version("u1/b.png", "v2")])
///     .await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum RemoveEntry {
    /// The object at this path.
    Path(String),
    /// One version of the object at `path`.
    Version {
        /// The object's path.
        path: String,
        /// The version to delete.
        #[serde(rename = "versionId")]
        version_id: String,
    },
}

impl RemoveEntry {
    /// The version `version_id` of the object at `path`.
    pub fn version(path: impl Into<String>, version_id: impl Into<String>) -> Self {
        Self::Version {
            path: path.into(),
            version_id: version_id.into(),
        }
    }

    fn path(&self) -> &str {
        match self {
            Self::Path(path) | Self::Version { path, .. } => path,
        }
    }
}

impl From<&str> for RemoveEntry {
    fn from(path: &str) -> Self {
        Self::Path(path.to_owned())
    }
}

impl From<String> for RemoveEntry {
    fn from(path: String) -> Self {
        Self::Path(path)
    }
}

impl From<&String> for RemoveEntry {
    fn from(path: &String) -> Self {
        Self::Path(path.clone())
    }
}

/// Where [`Bucket::copy`] and [`Bucket::move_object`] put the object, and which source version
/// they take; by default the same bucket and the current version.
///
/// ```no_run
/// # async fn run(avatars: supabase_ssr_core::storage::Bucket) -> Result<(), supabase_ssr_core::storage::StorageError> {
/// use supabase_ssr_core::storage::{DestinationOptions, MetadataOverride};
///
/// avatars
///     .move_object("u1/me.png", "u1/me.png", &DestinationOptions::default().bucket("archive"))
///     .await?;
/// let copied = avatars
///     .copy(
///         "u1/me.png",
///         "u1/me-small.png",
///         &DestinationOptions::default().metadata(MetadataOverride::default().cache_control("max-age=60")),
///     )
///     .await?;
/// # let _ = copied; Ok(()) }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct DestinationOptions {
    bucket: Option<String>,
    source_version: Option<String>,
    copy_metadata: Option<bool>,
    metadata: Option<MetadataOverride>,
}

impl DestinationOptions {
    /// Puts the object in the bucket `id` instead of this one.
    pub fn bucket(mut self, id: impl Into<String>) -> Self {
        self.bucket = Some(id.into());
        self
    }

    /// Takes this version of the source (restoring an old version, in a bucket with
    /// versioning).
    pub fn source_version(mut self, version_id: impl Into<String>) -> Self {
        self.source_version = Some(version_id.into());
        self
    }

    /// [`Bucket::copy`] only: whether the source's metadata is copied (the server's default:
    /// yes). `false` drops the custom metadata too.
    pub fn copy_metadata(mut self, copy: bool) -> Self {
        self.copy_metadata = Some(copy);
        if copy {
            self.metadata = None;
        }
        self
    }

    /// [`Bucket::copy`] only: the copy's file metadata instead of the source's (implies
    /// `copy_metadata(false)`; what is left unset keeps the source's value).
    pub fn metadata(mut self, metadata: MetadataOverride) -> Self {
        self.copy_metadata = Some(false);
        self.metadata = Some(metadata);
        self
    }
}

/// The file metadata a [`Bucket::copy`] sets on the copy ([`DestinationOptions::metadata`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
#[non_exhaustive]
pub struct MetadataOverride {
    #[serde(skip_serializing_if = "Option::is_none")]
    cache_control: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    content_encoding: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mimetype: Option<String>,
}

impl MetadataOverride {
    /// The whole `Cache-Control` value, such as `max-age=3600`.
    pub fn cache_control(mut self, value: impl Into<String>) -> Self {
        self.cache_control = Some(value.into());
        self
    }

    /// The `Content-Encoding` value (`""` clears it); the bytes are not re-encoded.
    pub fn content_encoding(mut self, value: impl Into<String>) -> Self {
        self.content_encoding = Some(value.into());
        self
    }

    /// The `Content-Type` value.
    pub fn content_type(mut self, value: impl Into<String>) -> Self {
        self.mimetype = Some(value.into());
        self
    }
}

/// The body of `POST /object/move` and `/object/copy`, in storage-js's key order.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DestinationBody<'a> {
    bucket_id: &'a str,
    source_key: &'a str,
    destination_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    destination_bucket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_version_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    copy_metadata: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a MetadataOverride>,
}

/// `{"Key": "<bucket>/<path>"}`, the answer to `POST /object/copy`.
#[derive(Deserialize)]
struct CopyAnswer {
    #[serde(rename = "Key")]
    key: String,
}

impl Bucket {
    /// Lists the files and folders under `prefix` (`POST /object/list/<bucket>`).
    pub async fn list(
        &self,
        prefix: &str,
        options: ListOptions,
    ) -> Result<Vec<FileObject>, StorageError> {
        let body = ListBody {
            limit: options.limit,
            offset: options.offset,
            sort_by: SortBy::new(options.sort_column.as_str(), options.ascending),
            search: options.search.as_deref(),
            noncurrent_versions: options.noncurrent_versions,
            delete_markers: options.delete_markers,
            exact_match: options.exact_match,
            prefix: checked(prefix)?,
        };
        let url = self.bucket_url("object/list")?;
        call(&self.client, Method::POST, url, Some(&body)).await
    }

    /// One page of the objects (and, with a delimiter, folders) of the bucket, a cursor to the
    /// next (`POST /object/list-v2/<bucket>`).
    pub async fn list_v2(&self, options: &ListV2Options) -> Result<ListV2Page, StorageError> {
        if let Some(prefix) = &options.prefix {
            object_key(prefix)?;
        }
        let url = self.bucket_url("object/list-v2")?;
        call(&self.client, Method::POST, url, Some(options)).await
    }

    /// Deletes objects, or versions of them (`DELETE /object/<bucket>` with
    /// `{"prefixes": […]}`); returns those deleted.
    pub async fn remove<E: Into<RemoveEntry>>(
        &self,
        entries: impl IntoIterator<Item = E>,
    ) -> Result<Vec<FileObject>, StorageError> {
        #[derive(Serialize)]
        struct Body {
            prefixes: Vec<RemoveEntry>,
        }
        let prefixes: Vec<RemoveEntry> = entries.into_iter().map(Into::into).collect();
        for entry in &prefixes {
            object_key(entry.path())?;
        }
        let url = self.bucket_url("object")?;
        call(&self.client, Method::DELETE, url, Some(&Body { prefixes })).await
    }

    /// Copies the object at `from` to `to`, in this bucket or
    /// [`DestinationOptions::bucket`] (`POST /object/copy`); returns the copy's
    /// `<bucket>/<path>`.
    pub async fn copy(
        &self,
        from: &str,
        to: &str,
        options: &DestinationOptions,
    ) -> Result<String, StorageError> {
        let body = self.destination_body(from, to, options, true)?;
        let url = self.url("object/copy")?;
        let answer: CopyAnswer = call(&self.client, Method::POST, url, Some(&body)).await?;
        Ok(answer.key)
    }

    /// Moves (renames) the object at `from` to `to`, in this bucket or
    /// [`DestinationOptions::bucket`] (`POST /object/move`).
    pub async fn move_object(
        &self,
        from: &str,
        to: &str,
        options: &DestinationOptions,
    ) -> Result<(), StorageError> {
        let body = self.destination_body(from, to, options, false)?;
        let url = self.url("object/move")?;
        call::<Message>(&self.client, Method::POST, url, Some(&body))
            .await
            .map(drop)
    }

    /// Purges the CDN cache of the object at `path` (`DELETE /cdn/<bucket>/<path>`). The
    /// project must have a CDN purge endpoint configured.
    pub async fn purge_cache(
        &self,
        path: &str,
        options: &PurgeCacheOptions,
    ) -> Result<(), StorageError> {
        // storage-js `encodeStoragePath`: `encodeURIComponent` per segment, here only.
        let key = object_key(path)?;
        let bucket = bucket_segment(&self.id)?;
        let route = format!("cdn/{}{}", component_path(bucket, key), options.query());
        let url = self.url(&route)?;
        call::<Message>(&self.client, Method::DELETE, url, Some(&Empty {}))
            .await
            .map(drop)
    }

    fn destination_body<'a>(
        &'a self,
        from: &'a str,
        to: &'a str,
        options: &'a DestinationOptions,
        copy: bool,
    ) -> Result<DestinationBody<'a>, StorageError> {
        Ok(DestinationBody {
            bucket_id: bucket_segment(&self.id)?,
            source_key: checked(from)?,
            destination_key: checked(to)?,
            // Checked as every bucket id is: `../x` or `a/b` must not reach another route.
            destination_bucket: options.bucket.as_deref().map(bucket_segment).transpose()?,
            source_version_id: options.source_version.as_deref(),
            copy_metadata: options.copy_metadata.filter(|_| copy),
            metadata: options.metadata.as_ref().filter(|_| copy),
        })
    }
}

/// A key sent in a JSON body: as given (storage-js does not strip its leading slashes there),
/// refused when it would leave the bucket.
fn checked(key: &str) -> Result<&str, StorageError> {
    object_key(key).map(|_| key)
}
