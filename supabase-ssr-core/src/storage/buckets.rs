//! The bucket API of Storage: list, get, create, update, empty and delete buckets, their
//! lifecycle policy and their CDN cache (storage-js `StorageBucketApi`).
//!
//! A bucket id is checked to be one path segment ([`StorageError::InvalidPath`] otherwise) and
//! encoded as storage-js's URL ends up: as `fetch` encodes a path for `/bucket/<id>`, with
//! `encodeURIComponent` for the lifecycle and CDN URLs.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::path::{bucket_segment, request_segment};
use super::request::{Empty, Message, call, uri_component, url};
use super::{Storage, StorageError};

/// A bucket as Storage describes it (`GET /bucket`, `GET /bucket/<id>`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct BucketInfo {
    /// The bucket's id.
    pub id: String,
    /// Its name (the id, for buckets made by [`Storage::create_bucket`]).
    pub name: String,
    /// Who made it (often empty).
    #[serde(default)]
    pub owner: Option<String>,
    /// Whether its files are readable without a token.
    #[serde(default)]
    pub public: bool,
    /// `STANDARD` or `ANALYTICS`, when the server says.
    #[serde(default, rename = "type")]
    pub bucket_type: Option<String>,
    /// The largest file accepted, in bytes (`None`: the project's limit).
    #[serde(default)]
    pub file_size_limit: Option<u64>,
    /// The MIME types accepted (`None`: any).
    #[serde(default)]
    pub allowed_mime_types: Option<Vec<String>>,
    /// When it was created.
    #[serde(default)]
    pub created_at: Option<String>,
    /// When it was last updated.
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Object versioning, when the server reports it.
    #[serde(default)]
    pub versioning_status: Option<VersioningStatus>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Object versioning of a bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum VersioningStatus {
    /// Never enabled (settable on creation only).
    Disabled,
    /// Every write keeps the previous version.
    Enabled,
    /// Was enabled, now suspended (settable on update only).
    Suspended,
    /// A status this crate does not know (read only).
    #[serde(other)]
    Unknown,
}

/// How [`Storage::list_buckets`] pages, sorts and filters; by default the server's defaults
/// (no query string).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct ListBucketsOptions {
    limit: Option<u32>,
    offset: Option<u32>,
    search: Option<String>,
    sort_column: Option<String>,
    ascending: Option<bool>,
}

impl ListBucketsOptions {
    /// At most `limit` buckets.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Skips the first `offset` buckets.
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// Only buckets whose name contains `search`.
    pub fn search(mut self, search: impl Into<String>) -> Self {
        self.search = Some(search.into());
        self
    }

    /// Sorts by `column` (`id`, `name`, `created_at`, `updated_at`).
    pub fn sort_by(mut self, column: impl Into<String>, ascending: bool) -> Self {
        self.sort_column = Some(column.into());
        self.ascending = Some(ascending);
        self
    }

    /// `?limit=…&offset=…&search=…&sortColumn=…&sortOrder=…` (the set ones, in that order, as
    /// `URLSearchParams` writes them), or nothing.
    fn query(&self) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(limit) = self.limit {
            query.append_pair("limit", &limit.to_string());
        }
        if let Some(offset) = self.offset {
            query.append_pair("offset", &offset.to_string());
        }
        // storage-js skips an empty search or sort column.
        if let Some(search) = self.search.as_deref().filter(|s| !s.is_empty()) {
            query.append_pair("search", search);
        }
        if let Some(column) = self.sort_column.as_deref().filter(|s| !s.is_empty()) {
            query.append_pair("sortColumn", column);
        }
        if let Some(ascending) = self.ascending {
            query.append_pair("sortOrder", if ascending { "asc" } else { "desc" });
        }
        let query = query.finish();
        if query.is_empty() {
            query
        } else {
            format!("?{query}")
        }
    }
}

/// A bucket's settings for [`Storage::create_bucket`] and [`Storage::update_bucket`]. A
/// setting left alone is not sent (the server keeps or defaults it), except `public` on
/// creation: a bucket is created private unless [`public`](Self::public)`(true)`.
///
/// ```
/// use supabase_ssr_core::storage::{BucketOptions, VersioningStatus};
///
/// let avatars = BucketOptions::default()
///     .public(true)
///     .file_size_limit(1024 * 1024)
///     .allowed_mime_types(["image/png", "image/*"])
///     .versioning(VersioningStatus::Enabled);
/// # let _ = avatars;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct BucketOptions {
    public: Option<bool>,
    file_size_limit: Option<FileSizeLimit>,
    allowed_mime_types: Option<MimeTypes>,
    bucket_type: Option<String>,
    versioning: Option<VersioningStatus>,
}

/// `file_size_limit` as storage-js sends it: bytes, a size text such as `"20MB"`, or `null`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum FileSizeLimit {
    Bytes(u64),
    Text(String),
    None(()),
}

/// `allowed_mime_types` as storage-js sends it: a list, or `null` for any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
enum MimeTypes {
    Only(Vec<String>),
    Any(()),
}

impl BucketOptions {
    /// Whether files are readable without a token. Left alone, a created bucket is private
    /// and an updated one keeps its setting.
    pub fn public(mut self, public: bool) -> Self {
        self.public = Some(public);
        self
    }

    /// The largest file accepted, in bytes.
    pub fn file_size_limit(mut self, bytes: u64) -> Self {
        self.file_size_limit = Some(FileSizeLimit::Bytes(bytes));
        self
    }

    /// The largest file accepted as a size text the server parses, such as `"20MB"`.
    pub fn file_size_limit_text(mut self, size: impl Into<String>) -> Self {
        self.file_size_limit = Some(FileSizeLimit::Text(size.into()));
        self
    }

    /// No limit of the bucket's own (sends `null`): the project's limit applies.
    pub fn no_file_size_limit(mut self) -> Self {
        self.file_size_limit = Some(FileSizeLimit::None(()));
        self
    }

    /// Accepts only these MIME types (`image/png`, or wildcards such as `image/*`).
    pub fn allowed_mime_types<S: Into<String>>(
        mut self,
        types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.allowed_mime_types =
            Some(MimeTypes::Only(types.into_iter().map(Into::into).collect()));
        self
    }

    /// Accepts any MIME type (sends `null`).
    pub fn any_mime_type(mut self) -> Self {
        self.allowed_mime_types = Some(MimeTypes::Any(()));
        self
    }

    /// The bucket type (`STANDARD`, the server's default, or `ANALYTICS`); sent on creation
    /// only, as storage-js does.
    pub fn bucket_type(mut self, bucket_type: impl Into<String>) -> Self {
        self.bucket_type = Some(bucket_type.into());
        self
    }

    /// Object versioning: `Enabled` or `Disabled` on creation, `Enabled` or `Suspended` on
    /// update.
    pub fn versioning(mut self, status: VersioningStatus) -> Self {
        self.versioning = Some(status);
        self
    }
}

/// The body of `POST /bucket` and `PUT /bucket/<id>`, in storage-js's key order. `bucket_type`
/// is `None` for an update, which storage-js never sends it with; so is an unset `public`
/// (`JSON.stringify` drops storage-js's `undefined`), where creation sends `false`.
#[derive(Serialize)]
struct BucketBody<'a> {
    id: &'a str,
    name: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    bucket_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file_size_limit: Option<&'a FileSizeLimit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_mime_types: Option<&'a MimeTypes>,
    #[serde(skip_serializing_if = "Option::is_none")]
    versioning_status: Option<VersioningStatus>,
}

impl<'a> BucketBody<'a> {
    fn new(
        id: &'a str,
        options: &'a BucketOptions,
        bucket_type: Option<&'a str>,
        public: Option<bool>,
    ) -> Self {
        Self {
            id,
            name: id,
            bucket_type,
            public,
            file_size_limit: options.file_size_limit.as_ref(),
            allowed_mime_types: options.allowed_mime_types.as_ref(),
            versioning_status: options.versioning,
        }
    }
}

/// A bucket's lifecycle policy: the whole set of rules ([`Storage::get_bucket_lifecycle`],
/// [`Storage::update_bucket_lifecycle`]).
///
/// ```
/// use supabase_ssr_core::storage::{LifecycleConfiguration, LifecycleRule};
///
/// // Keep noncurrent versions 30 days, and at most the 5 newest of them.
/// let policy = LifecycleConfiguration::new([LifecycleRule::noncurrent_version_expiration(30)
///     .newer_noncurrent_versions(5)
///     .id("expire-old")]);
/// # let _ = policy;
/// ```
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LifecycleConfiguration {
    /// The rules (1 to 1000).
    pub rules: Vec<LifecycleRule>,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LifecycleConfiguration {
    /// A policy of these rules.
    pub fn new(rules: impl IntoIterator<Item = LifecycleRule>) -> Self {
        Self {
            rules: rules.into_iter().collect(),
            extra: Map::new(),
        }
    }
}

/// One lifecycle rule. Storage's only action is expiring noncurrent object versions, and its
/// only filter `{}`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LifecycleRule {
    /// The rule's id (the server makes one when it is `None`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Whether the rule runs.
    pub status: LifecycleRuleStatus,
    /// Which objects it applies to (only `{}`, all of them, is accepted today).
    #[serde(default)]
    pub filter: Map<String, Value>,
    /// When noncurrent versions expire.
    pub noncurrent_version_expiration: NoncurrentVersionExpiration,
    /// Fields this crate does not know, as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl LifecycleRule {
    /// An enabled rule for every object expiring noncurrent versions `days` days old.
    pub fn noncurrent_version_expiration(days: u32) -> Self {
        Self {
            id: None,
            status: LifecycleRuleStatus::Enabled,
            filter: Map::new(),
            noncurrent_version_expiration: NoncurrentVersionExpiration {
                noncurrent_days: days,
                newer_noncurrent_versions: None,
            },
            extra: Map::new(),
        }
    }

    /// Names the rule.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// Keeps the `count` newest noncurrent versions whatever their age (1 to 100).
    #[must_use]
    pub fn newer_noncurrent_versions(mut self, count: u32) -> Self {
        self.noncurrent_version_expiration.newer_noncurrent_versions = Some(count);
        self
    }

    /// Stores the rule without running it.
    #[must_use]
    pub fn disabled(mut self) -> Self {
        self.status = LifecycleRuleStatus::Disabled;
        self
    }
}

/// Whether a [`LifecycleRule`] runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[non_exhaustive]
pub enum LifecycleRuleStatus {
    /// The rule applies.
    Enabled,
    /// The rule is kept but does nothing.
    Disabled,
}

/// When noncurrent (previous) object versions expire.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct NoncurrentVersionExpiration {
    /// How many days a version must have been noncurrent.
    pub noncurrent_days: u32,
    /// How many of the newest noncurrent versions are kept whatever their age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newer_noncurrent_versions: Option<u32>,
}

/// What a CDN cache purge removes ([`Storage::purge_bucket_cache`],
/// [`Bucket::purge_cache`](super::Bucket::purge_cache)); by default every cached copy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[must_use]
#[non_exhaustive]
pub struct PurgeCacheOptions {
    transformations_only: bool,
}

impl PurgeCacheOptions {
    /// Purges only the transformed variants (resized, reformatted), keeping the original
    /// cached (`?transformations=true`).
    pub fn transformations_only(mut self) -> Self {
        self.transformations_only = true;
        self
    }

    pub(super) fn query(self) -> &'static str {
        if self.transformations_only {
            "?transformations=true"
        } else {
            ""
        }
    }
}

/// `{"name": "<id>"}`, the answer to `POST /bucket`.
#[derive(Deserialize)]
struct Created {
    name: String,
}

impl Storage {
    /// The buckets the user can see (`GET /bucket`).
    ///
    /// # Errors
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn list_buckets(
        &self,
        options: &ListBucketsOptions,
    ) -> Result<Vec<BucketInfo>, StorageError> {
        let url = url(&self.client, &format!("bucket{}", options.query()))?;
        call(&self.client, Method::GET, url, None::<&Empty>).await
    }

    /// The bucket `id` (`GET /bucket/<id>`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn get_bucket(&self, id: &str) -> Result<BucketInfo, StorageError> {
        call(
            &self.client,
            Method::GET,
            self.bucket_url(id, "")?,
            None::<&Empty>,
        )
        .await
    }

    /// Creates the bucket `id` (`POST /bucket`); returns its name.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn create_bucket(
        &self,
        id: &str,
        options: &BucketOptions,
    ) -> Result<String, StorageError> {
        // Refused like the other calls' ids: a bucket made with it could not be addressed.
        let body = BucketBody::new(
            bucket_segment(id)?,
            options,
            options.bucket_type.as_deref(),
            // storage-js's default options, `{ public: false }`.
            Some(options.public.unwrap_or(false)),
        );
        let url = url(&self.client, "bucket")?;
        let created: Created = call(&self.client, Method::POST, url, Some(&body)).await?;
        Ok(created.name)
    }

    /// Changes the settings of the bucket `id` that `options` sets (`PUT /bucket/<id>`); those
    /// left alone, `public` included, are not sent. The bucket type is not sent: it cannot
    /// change.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn update_bucket(
        &self,
        id: &str,
        options: &BucketOptions,
    ) -> Result<(), StorageError> {
        let body = BucketBody::new(id, options, None, options.public);
        let url = self.bucket_url(id, "")?;
        call::<Message>(&self.client, Method::PUT, url, Some(&body))
            .await
            .map(drop)
    }

    /// Deletes every object of the bucket `id` (`POST /bucket/<id>/empty`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn empty_bucket(&self, id: &str) -> Result<(), StorageError> {
        let url = self.bucket_url(id, "/empty")?;
        call::<Message>(&self.client, Method::POST, url, Some(&Empty {}))
            .await
            .map(drop)
    }

    /// Deletes the bucket `id`, which must be empty (`DELETE /bucket/<id>`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn delete_bucket(&self, id: &str) -> Result<(), StorageError> {
        let url = self.bucket_url(id, "")?;
        call::<Message>(&self.client, Method::DELETE, url, Some(&Empty {}))
            .await
            .map(drop)
    }

    /// The lifecycle policy of the bucket `id` (`GET /bucket/<id>/lifecycle`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn get_bucket_lifecycle(
        &self,
        id: &str,
    ) -> Result<LifecycleConfiguration, StorageError> {
        let url = self.lifecycle_url(id)?;
        call(&self.client, Method::GET, url, None::<&Empty>).await
    }

    /// Replaces the lifecycle policy of the bucket `id` with `configuration`, which must
    /// have at least one rule (`PUT /bucket/<id>/lifecycle`); returns the stored policy.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn update_bucket_lifecycle(
        &self,
        id: &str,
        configuration: &LifecycleConfiguration,
    ) -> Result<LifecycleConfiguration, StorageError> {
        let url = self.lifecycle_url(id)?;
        call(&self.client, Method::PUT, url, Some(configuration)).await
    }

    /// Removes the lifecycle policy of the bucket `id` (`DELETE /bucket/<id>/lifecycle`).
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn delete_bucket_lifecycle(&self, id: &str) -> Result<(), StorageError> {
        let url = self.lifecycle_url(id)?;
        call::<Message>(&self.client, Method::DELETE, url, Some(&Empty {}))
            .await
            .map(drop)
    }

    /// Purges the CDN cache of every object of the bucket `id` (`DELETE /cdn/<id>`). The
    /// project must have a CDN purge endpoint configured.
    ///
    /// # Errors
    /// [`StorageError::InvalidPath`] for an `id` that is not one segment (nothing sent);
    /// [`StorageError::Auth`], [`StorageError::Transport`], [`StorageError::Api`],
    /// [`StorageError::Decode`].
    pub async fn purge_bucket_cache(
        &self,
        id: &str,
        options: &PurgeCacheOptions,
    ) -> Result<(), StorageError> {
        let url = url(
            &self.client,
            &format!(
                "cdn/{}{}",
                uri_component(bucket_segment(id)?),
                options.query()
            ),
        )?;
        call::<Message>(&self.client, Method::DELETE, url, Some(&Empty {}))
            .await
            .map(drop)
    }

    /// `bucket/<id><rest>`.
    fn bucket_url(&self, id: &str, rest: &str) -> Result<url::Url, StorageError> {
        let id = request_segment(bucket_segment(id)?);
        url(&self.client, &format!("bucket/{id}{rest}"))
    }

    /// `bucket/<id>/lifecycle`, the id encoded as storage-js's `encodeStoragePath` does.
    fn lifecycle_url(&self, id: &str) -> Result<url::Url, StorageError> {
        let id = uri_component(bucket_segment(id)?);
        url(&self.client, &format!("bucket/{id}/lifecycle"))
    }
}
