//! What an upload sends: bytes in memory, or a stream (a file) sent as it is read.

use std::error::Error;

use bytes::Bytes;
use futures_util::Stream;

/// The content of [`Bucket::upload`](super::Bucket::upload),
/// [`Bucket::update`](super::Bucket::update) and
/// [`Bucket::upload_to_signed_url`](super::Bucket::upload_to_signed_url).
///
/// Made from bytes in memory (`Vec<u8>`, [`Bytes`], `String`, `&'static [u8]`,
/// `&'static str`), or from a stream with [`UploadBody::stream`] / [`UploadBody::file`], which is
/// sent chunk by chunk as it is produced (chunked transfer encoding), never held whole in memory:
/// what storage-js does for a `ReadableStream` or Node stream with `duplex: 'half'`. The body is
/// always sent raw with the options' headers (`content-type`, `cache-control`, `x-metadata`…),
/// storage-js's path for a `Buffer`, string or stream; its `multipart/form-data` path for
/// `Blob`/`FormData` bodies stores the same object and has no counterpart here.
///
/// ```
/// use supabase_ssr_core::storage::UploadBody;
///
/// let a = UploadBody::from(b"\x89PNG".to_vec());
/// let b = UploadBody::from("hello");
/// let chunks = futures_util::stream::iter([
///     Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"he")),
///     Ok(bytes::Bytes::from_static(b"llo")),
/// ]);
/// let c = UploadBody::stream(chunks);
/// # let _ = (a, b, c);
/// ```
pub struct UploadBody {
    inner: Inner,
}

enum Inner {
    Bytes(Bytes),
    Stream(reqwest::Body),
}

/// Chunk size of [`UploadBody::file`]: large enough to keep system calls few, small enough not
/// to matter in memory.
const FILE_CHUNK: usize = 64 * 1024;

impl UploadBody {
    /// Sends the stream's chunks as they come; an error from the stream aborts the upload
    /// ([`StorageError::Transport`](super::StorageError::Transport)).
    pub fn stream<S, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<Box<dyn Error + Send + Sync>>,
    {
        Self {
            inner: Inner::Stream(reqwest::Body::wrap_stream(stream)),
        }
    }

    /// Sends the file from its current position to its end, read in 64 KiB chunks as the
    /// upload proceeds.
    ///
    /// ```no_run
    /// # async fn run(bucket: supabase_ssr_core::storage::Bucket) -> Result<(), Box<dyn std::error::Error>> {
    /// use supabase_ssr_core::storage::{UploadBody, UploadOptions};
    ///
    /// let file = tokio::fs::File::open("video.mp4").await?;
    /// bucket
    ///     .upload("u1/video.mp4", UploadBody::file(file), UploadOptions::new("video/mp4"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn file(file: tokio::fs::File) -> Self {
        Self::stream(tokio_util::io::ReaderStream::with_capacity(
            file, FILE_CHUNK,
        ))
    }

    pub(super) fn into_body(self) -> reqwest::Body {
        match self.inner {
            Inner::Bytes(bytes) => bytes.into(),
            Inner::Stream(body) => body,
        }
    }
}

impl std::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.inner {
            Inner::Bytes(bytes) => write!(f, "UploadBody({} bytes)", bytes.len()),
            Inner::Stream(_) => f.write_str("UploadBody(stream)"),
        }
    }
}

impl From<Bytes> for UploadBody {
    fn from(bytes: Bytes) -> Self {
        Self {
            inner: Inner::Bytes(bytes),
        }
    }
}

impl From<Vec<u8>> for UploadBody {
    fn from(bytes: Vec<u8>) -> Self {
        Bytes::from(bytes).into()
    }
}

impl From<String> for UploadBody {
    fn from(text: String) -> Self {
        Bytes::from(text).into()
    }
}

impl From<&'static [u8]> for UploadBody {
    fn from(bytes: &'static [u8]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl<const N: usize> From<&'static [u8; N]> for UploadBody {
    fn from(bytes: &'static [u8; N]) -> Self {
        Bytes::from_static(bytes).into()
    }
}

impl From<&'static str> for UploadBody {
    fn from(text: &'static str) -> Self {
        Bytes::from_static(text.as_bytes()).into()
    }
}
