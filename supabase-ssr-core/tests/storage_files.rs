//! The file API of a bucket against the recording server: each call's request (method, path,
//! query, headers, body), its decoded answer and its errors.
#![cfg(feature = "storage")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use recording::Project;
use supabase_ssr_core::storage::{ListOptions, StorageError, UploadOptions};

fn invalid(result: Result<impl std::fmt::Debug, StorageError>, expected: &str) {
    match result {
        Err(StorageError::InvalidPath { path, .. }) => assert_eq!(path, expected),
        other => panic!("expected InvalidPath for {expected}, got {other:?}"),
    }
}

#[tokio::test]
async fn paths_leaving_the_bucket_are_refused_before_any_request() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    for path in ["../secret/x.png", "u1/../../x", "./x", "a\\..\\b", "/.."] {
        invalid(
            avatars
                .upload(path, b"x".to_vec(), UploadOptions::default())
                .await,
            path,
        );
        invalid(avatars.download(path).await, path);
        invalid(avatars.create_signed_url(path, 60).await, path);
        invalid(avatars.create_signed_urls(["ok.png", path], 60).await, path);
        invalid(avatars.remove(["ok.png", path]).await, path);
        invalid(
            avatars
                .move_object(
                    path,
                    "ok.png",
                    &supabase_ssr_core::storage::DestinationOptions::default(),
                )
                .await,
            path,
        );
        invalid(
            avatars
                .move_object(
                    "ok.png",
                    path,
                    &supabase_ssr_core::storage::DestinationOptions::default(),
                )
                .await,
            path,
        );
        invalid(avatars.public_url(path), path);
    }
    for id in ["..", "a/b", ""] {
        let bucket = client.storage().from(id);
        invalid(bucket.download("x.png").await, id);
        invalid(bucket.list("", ListOptions::default()).await, id);
        invalid(bucket.public_url("x.png"), id);
    }
    assert!(project.records().is_empty(), "{:?}", project.records());
}

#[tokio::test]
async fn names_are_percent_encoded_per_segment() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let _ = avatars.download("u1/my photo?#%é.png").await;
    assert_eq!(
        project.last().uri,
        "/storage/v1/object/avatars/u1/my%20photo%3F%23%25%C3%A9.png"
    );
    let _ = avatars.download("//u1//a b/").await;
    assert_eq!(project.last().uri, "/storage/v1/object/avatars/u1//a%20b/");
}
