//! Listing, removing and moving the objects of a bucket.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::path::{bucket_segment, checked_keys, object_key};
use super::{Bucket, StorageError};

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

impl Bucket {
    /// Lists the files and folders under `prefix` (`POST /object/list/<bucket>`).
    pub async fn list(
        &self,
        prefix: &str,
        options: ListOptions,
    ) -> Result<Vec<FileObject>, StorageError> {
        let url = self.bucket_url("object/list")?;
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
        let url = self.bucket_url("object")?;
        let paths = checked_keys(paths)?;
        let data = self
            .json(Method::DELETE, url, &json!({ "prefixes": paths }))
            .await?;
        serde_json::from_value(data).map_err(|e| StorageError::Decode(e.to_string()))
    }

    /// Moves (renames) a file within the bucket (`POST /object/move`).
    pub async fn move_object(&self, from: &str, to: &str) -> Result<(), StorageError> {
        object_key(from)?;
        object_key(to)?;
        bucket_segment(&self.id)?;
        let url = self.url("object/move")?;
        let body = json!({ "bucketId": self.id, "sourceKey": from, "destinationKey": to });
        self.json(Method::POST, url, &body).await.map(drop)
    }
}
