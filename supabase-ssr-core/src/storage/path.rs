//! Object paths: checked so they stay inside their bucket, then percent-encoded per segment.
//!
//! The rules are documented on [`Bucket`](super::Bucket) ("Object paths").

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};

use super::StorageError;
use super::request::ENCODE_URI;
use crate::cookies::URI_COMPONENT;

/// The URL standard's path percent-encode set, plus `%` (names are literal, never
/// pre-encoded) and `\` (a separator to URL parsers).
const REQUEST_SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'%')
    .add(b'\\');

/// `encodeURI`'s set plus `?` and `#`, which would end a link's path.
const LINK_SEGMENT: &AsciiSet = &ENCODE_URI.add(b'?').add(b'#');

/// storage-js `_removeEmptyFolders`: one leading and one trailing `/` removed, runs of `/`
/// collapsed into one. The result is what uploads report as their `path`.
pub(super) fn remove_empty_folders(path: &str) -> String {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    let mut out = String::with_capacity(trimmed.len());
    for c in trimmed.chars() {
        if c == '/' && out.ends_with('/') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The object key of `path` (leading slashes removed, as storage-js `_getFinalPath`), refused
/// when a segment is `.` or `..`.
pub(super) fn object_key(path: &str) -> Result<&str, StorageError> {
    let key = path.trim_start_matches('/');
    if key.split(['/', '\\']).any(|s| s == "." || s == "..") {
        return Err(StorageError::InvalidPath {
            path: path.to_owned(),
            reason: "`.` and `..` segments would leave the bucket",
        });
    }
    Ok(key)
}

/// A bucket id checked to be one path segment.
pub(super) fn bucket_segment(id: &str) -> Result<&str, StorageError> {
    let reason = if id.is_empty() {
        "a bucket id cannot be empty"
    } else if id == "." || id == ".." {
        "`.` and `..` are not bucket ids"
    } else if id.contains(['/', '\\']) {
        "a bucket id cannot hold `/` or `\\`"
    } else {
        return Ok(id);
    };
    Err(StorageError::InvalidPath {
        path: id.to_owned(),
        reason,
    })
}

/// `<bucket>/<key>` percent-encoded per segment for a request URL.
pub(super) fn request_path(bucket: &str, key: &str) -> String {
    encode(bucket, key, REQUEST_SEGMENT)
}

/// `<bucket>/<key>` percent-encoded per segment for a link (public or signed URL).
pub(super) fn link_path(bucket: &str, key: &str) -> String {
    encode(bucket, key, LINK_SEGMENT)
}

/// `<bucket>/<key>` with `encodeURIComponent` per segment: storage-js `encodeStoragePath`,
/// which only the CDN purge URL uses.
pub(super) fn component_path(bucket: &str, key: &str) -> String {
    encode(bucket, key, URI_COMPONENT)
}

/// One segment (a bucket id) for a request URL.
pub(super) fn request_segment(segment: &str) -> String {
    utf8_percent_encode(segment, REQUEST_SEGMENT).to_string()
}

fn encode(bucket: &str, key: &str, set: &'static AsciiSet) -> String {
    let mut out = utf8_percent_encode(bucket, set).to_string();
    for segment in key.split('/') {
        out.push('/');
        out.extend(utf8_percent_encode(segment, set));
    }
    out
}

/// The paths as given, each checked with [`object_key`]: keys in a JSON body are not
/// encoded, but must not leave the bucket either.
pub(super) fn checked_keys<S: AsRef<str>>(
    paths: impl IntoIterator<Item = S>,
) -> Result<Vec<String>, StorageError> {
    paths
        .into_iter()
        .map(|p| object_key(p.as_ref()).map(|_| p.as_ref().to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_folders_are_removed_as_storage_js_does() {
        // Expected values printed by storage-js 2.119.1's `_removeEmptyFolders`.
        for (input, expected) in [
            ("a/b.png", "a/b.png"),
            ("/a//b/", "a/b"),
            ("//a", "/a"),
            ("a///b//c", "a/b/c"),
            ("/", ""),
            ("//", ""),
            ("", ""),
        ] {
            assert_eq!(remove_empty_folders(input), expected, "{input}");
        }
    }

    #[test]
    fn keys_lose_leading_slashes_and_keep_empty_segments() {
        assert_eq!(object_key("///a//b/").unwrap(), "a//b/");
        assert_eq!(object_key("a..b/.c/..d").unwrap(), "a..b/.c/..d");
    }

    #[test]
    fn dot_segments_are_refused() {
        for path in [
            "..",
            ".",
            "../x",
            "a/../../b",
            "a/./b",
            "/..",
            "a/..",
            "a\\..\\b",
            "..\\x",
        ] {
            let err = object_key(path).unwrap_err();
            assert!(
                matches!(&err, StorageError::InvalidPath { path: p, .. } if p == path),
                "{path}: {err:?}"
            );
        }
    }

    #[test]
    fn bucket_ids_are_one_segment() {
        assert_eq!(bucket_segment("avatars").unwrap(), "avatars");
        for id in ["", ".", "..", "a/b", "a\\b"] {
            assert!(bucket_segment(id).is_err(), "{id}");
        }
    }

    #[test]
    fn segments_are_encoded_as_fetch_would_plus_the_literal_characters() {
        assert_eq!(
            request_path("avatars", "u1/my photo é.png"),
            "avatars/u1/my%20photo%20%C3%A9.png"
        );
        // What `fetch` leaves alone stays; what would change the URL's meaning is encoded.
        assert_eq!(
            request_path("b", "a:@,;=+$&'()!*~[]|^/q?x#y%z\\w\t"),
            "b/a:@,;=+$&'()!*~[]|^/q%3Fx%23y%25z%5Cw%09"
        );
        assert_eq!(request_path("b", "a//c/"), "b/a//c/");
        assert_eq!(request_segment("my bucket"), "my%20bucket");
    }

    #[test]
    fn links_use_encode_uri_plus_query_and_fragment() {
        assert_eq!(
            link_path("avatars", "u1/my photo [1] ?#%.png"),
            "avatars/u1/my%20photo%20%5B1%5D%20%3F%23%25.png"
        );
    }
}
