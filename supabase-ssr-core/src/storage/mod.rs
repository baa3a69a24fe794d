//! Supabase Storage, as the request's user (bucket policies apply to the user, like RLS).
//!
//! URLs and bodies follow `@supabase/storage-js` 2.119.1: objects live at
//! `/storage/v1/object/<bucket>/<path>`, uploads send `x-upsert` and `cache-control`, signed
//! URLs are the project URL plus the server's `signedURL`.
//!
//! ```no_run
//! # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::storage::StorageError> {
//! use supabase_ssr_core::storage::{SignedUrlOptions, UploadOptions};
//!
//! let avatars = client.storage().from("avatars");
//! avatars
//!     .upload("u1/me.png", b"\x89PNG".to_vec(), UploadOptions::new("image/png").upsert(true))
//!     .await?;
//! let link = avatars
//!     .create_signed_url("u1/me.png", 60, &SignedUrlOptions::default())
//!     .await?;
//! # let _ = link; Ok(()) }
//! ```

mod body;
mod buckets;
mod download;
mod manage;
mod path;
mod request;
mod transform;
mod upload;
mod urls;

#[doc = include_str!("parity.md")]
pub mod parity {}

pub use body::UploadBody;
pub use buckets::{
    BucketInfo, BucketOptions, LifecycleConfiguration, LifecycleRule, LifecycleRuleStatus,
    ListBucketsOptions, NoncurrentVersionExpiration, PurgeCacheOptions, VersioningStatus,
};
pub use download::{DownloadHeaders, DownloadOptions, DownloadStream, Downloaded, FileInfo};
pub use manage::{
    DestinationOptions, FileObject, ListOptions, ListV2Folder, ListV2Object, ListV2Options,
    ListV2Page, MetadataOverride, RemoveEntry, VersionFilter,
};
pub use transform::{Format, Resize, Transform};
pub use upload::{SignedUploadUrl, UploadOptions, Uploaded};
pub use urls::{SignedUrl, SignedUrlOptions};

use crate::ErrorSource;
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
        /// Storage's error code (the body's `code`, e.g. `NoSuchKey`, `InvalidKey`; storage-js
        /// `StorageApiError.code`), when it sent one.
        code: Option<String>,
        /// Storage's error name (the body's `error`, e.g. `not_found`), when it sent one.
        error: Option<String>,
        /// What went wrong: the body's message (as storage-js picks it), else a short
        /// fallback (the status text, or a JSON body cut to 256 bytes).
        message: String,
    },
    /// The request's credentials could not be obtained (the session could not be loaded or
    /// refreshed, a third-party token provider failed, or the token is no header value), so the
    /// call was not made.
    #[error("the request's credentials could not be obtained: {0}")]
    Auth(#[from] AuthError),
    /// The call could not be made or its answer not read.
    #[error("Storage could not be reached: {0}")]
    Transport(#[source] ErrorSource),
    /// The answer is not what was expected.
    #[error("the Storage answer could not be decoded: {0}")]
    Decode(String),
    /// The object path or bucket id would leave the bucket (a `.` or `..` segment, a bucket id
    /// with `/`); nothing was sent. See [`Bucket`] for the path rules.
    #[error("invalid Storage path `{path}`: {reason}")]
    InvalidPath {
        /// The path or bucket id as given.
        path: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The request could not be built, so nothing was sent: the path makes no valid URL, a
    /// header value is not a valid HTTP header value (e.g. a content type or metadata with a
    /// line break), or a body could not be serialized to JSON.
    #[error("invalid Storage request: {0}")]
    InvalidRequest(String),
}

/// Storage of one request's user. Made by
/// [`SupabaseClient::storage`](crate::SupabaseClient::storage).
///
/// The buckets themselves are managed here (`list_buckets`, `create_bucket`, lifecycle, CDN
/// purge; storage-js `StorageBucketApi`), their files through [`Storage::from`]. What each
/// storage-js method is in Rust: [`parity`].
///
/// ```no_run
/// # async fn run(client: supabase_ssr_core::SupabaseClient) -> Result<(), supabase_ssr_core::storage::StorageError> {
/// use supabase_ssr_core::storage::{BucketOptions, ListV2Options};
///
/// let storage = client.storage();
/// storage
///     .create_bucket("avatars", &BucketOptions::default().allowed_mime_types(["image/*"]))
///     .await?;
/// let page = storage.from("avatars").list_v2(&ListV2Options::default().prefix("u1/")).await?;
/// # let _ = page; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Storage {
    client: SupabaseClient,
}

/// One bucket; made by [`Storage::from`].
///
/// # Object paths
///
/// Every method checks the bucket id and the object paths it is given, and percent-encodes
/// them per segment. Where this differs from `@supabase/storage-js` 2.119.1, it is on purpose:
///
/// - **Leading slashes** are removed (`_getFinalPath`): `/a/b` and `a/b` are the same object.
///   Uploads (`upload`, `update`, `upload_to_signed_url`) first clean the path as
///   `_removeEmptyFolders` does: one leading and one trailing slash
///   removed, runs of slashes collapsed. Elsewhere empty segments are kept, so `a//b` addresses
///   the same key storage-js does.
/// - **`.` and `..` segments are refused** with [`StorageError::InvalidPath`] before any request
///   is made, whether the path goes in the URL or in a JSON body. storage-js sends them, and
///   `fetch` resolves them, so `download("../other/x")` reads from another bucket; a server
///   app passing a user-chosen name must not be able to do that. A backslash counts as a
///   separator for this check because URL parsers treat it as `/` in `http(s)` URLs.
/// - **A bucket id** that is empty, `.`, `..`, or holds `/` or `\` is refused the same way.
/// - **Encoding**: each segment is percent-encoded with the URL standard's path set (what
///   `fetch` does to storage-js's URLs, so ordinary names give the very same bytes), plus `%`,
///   `\` and control characters: a name holding `%`, `?`, `#`, a tab or a backslash is sent as
///   that literal name, where storage-js would send a query, a fragment, a dropped character or
///   a separator. Links made without a request (public and signed URLs) use `encodeURI`'s set
///   as storage-js does, plus `?` and `#` for the same reason.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: SupabaseClient,
    id: String,
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
