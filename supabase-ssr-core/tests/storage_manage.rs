//! The bucket API and the object-management calls of Storage: each request as storage-js
//! 2.119.1 sends it (method, path and query, JSON body byte for byte), the typed answers, and
//! Storage's errors. The expected bodies are what storage-js wrote for the same calls.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use axum::http::Method;
use recording::{Project, Recorded};
use serde_json::json;
use supabase_ssr_core::storage::{
    BucketOptions, DestinationOptions, LifecycleConfiguration, LifecycleRule, LifecycleRuleStatus,
    ListBucketsOptions, ListOptions, ListV2Options, MetadataOverride, PurgeCacheOptions,
    RemoveEntry, StorageError, VersionFilter, VersioningStatus,
};

const OK: &str = r#"{"message":"Successfully done"}"#;

fn ok() -> serde_json::Value {
    serde_json::from_str(OK).unwrap()
}

/// Method, path with query, body text.
fn sent(record: &Recorded) -> (String, String, String) {
    (
        record.method.to_string(),
        record.uri.trim_start_matches("/storage/v1").to_owned(),
        String::from_utf8(record.body.to_vec()).unwrap(),
    )
}

fn expect(record: &Recorded, method: &str, uri: &str, body: &str) {
    assert_eq!(
        sent(record),
        (method.to_owned(), uri.to_owned(), body.to_owned())
    );
    let content_type = record.header("content-type");
    if body.is_empty() {
        assert_eq!(content_type, None, "{method} {uri} has no body");
    } else {
        assert_eq!(content_type, Some("application/json"), "{method} {uri}");
    }
}

#[tokio::test]
async fn buckets_are_listed_and_read_as_storage_js_does() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let storage = client.storage();
    let bucket = json!({
        "id": "avatars", "name": "avatars", "owner": "", "public": false, "type": "STANDARD",
        "file_size_limit": 1024, "allowed_mime_types": ["image/png"],
        "created_at": "2024-05-22T22:26:05.100Z", "updated_at": "2024-05-22T22:26:05.100Z",
        "versioning_status": "ENABLED", "future_field": 7
    });
    project.answer_with(Method::GET, "/storage/v1/bucket", 200, json!([bucket]));
    project.answer_with(
        Method::GET,
        "/storage/v1/bucket/avatars",
        200,
        bucket.clone(),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/bucket",
        200,
        json!({"name": "avatars"}),
    );
    project.answer_with(Method::PUT, "/storage/v1/bucket/avatars", 200, ok());
    project.answer_with(Method::POST, "/storage/v1/bucket/avatars/empty", 200, ok());
    project.answer_with(Method::DELETE, "/storage/v1/bucket/avatars", 200, ok());

    let listed = storage
        .list_buckets(&ListBucketsOptions::default())
        .await
        .unwrap();
    expect(&project.last(), "GET", "/bucket", "");
    assert_eq!(project.last().bearer(), Some(session.access_token()));
    assert_eq!(listed.len(), 1);
    let info = &listed[0];
    assert_eq!(
        (info.id.as_str(), info.owner.as_deref(), info.public),
        ("avatars", Some(""), false)
    );
    assert_eq!(info.bucket_type.as_deref(), Some("STANDARD"));
    assert_eq!(info.file_size_limit, Some(1024));
    assert_eq!(
        info.allowed_mime_types.as_deref(),
        Some(&["image/png".to_owned()][..])
    );
    assert_eq!(info.versioning_status, Some(VersioningStatus::Enabled));
    assert_eq!(info.extra.get("future_field"), Some(&json!(7)));

    storage
        .list_buckets(
            &ListBucketsOptions::default()
                .limit(10)
                .offset(5)
                .search("a v")
                .sort_by("name", false),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "GET",
        "/bucket?limit=10&offset=5&search=a+v&sortColumn=name&sortOrder=desc",
        "",
    );

    let got = storage.get_bucket("avatars").await.unwrap();
    expect(&project.last(), "GET", "/bucket/avatars", "");
    assert_eq!(&got, info);
}

#[tokio::test]
async fn buckets_are_created_updated_emptied_and_deleted_as_storage_js_does() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let storage = client.storage();
    project.answer_with(
        Method::POST,
        "/storage/v1/bucket",
        200,
        json!({"name": "avatars"}),
    );
    project.answer_with(Method::PUT, "/storage/v1/bucket/avatars", 200, ok());
    project.answer_with(Method::POST, "/storage/v1/bucket/avatars/empty", 200, ok());
    project.answer_with(Method::DELETE, "/storage/v1/bucket/avatars", 200, ok());

    let name = storage
        .create_bucket("avatars", &BucketOptions::default())
        .await
        .unwrap();
    assert_eq!(name, "avatars");
    expect(
        &project.last(),
        "POST",
        "/bucket",
        r#"{"id":"avatars","name":"avatars","public":false}"#,
    );
    storage
        .create_bucket(
            "avatars",
            &BucketOptions::default()
                .public(true)
                .file_size_limit(1024)
                .allowed_mime_types(["image/png"])
                .bucket_type("STANDARD")
                .versioning(VersioningStatus::Enabled),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/bucket",
        r#"{"id":"avatars","name":"avatars","type":"STANDARD","public":true,"file_size_limit":1024,"allowed_mime_types":["image/png"],"versioning_status":"ENABLED"}"#,
    );
    storage
        .create_bucket(
            "avatars",
            &BucketOptions::default()
                .no_file_size_limit()
                .any_mime_type(),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/bucket",
        r#"{"id":"avatars","name":"avatars","public":false,"file_size_limit":null,"allowed_mime_types":null}"#,
    );

    // The type is never sent on update, as in storage-js.
    storage
        .update_bucket(
            "avatars",
            &BucketOptions::default()
                .public(true)
                .file_size_limit_text("20MB")
                .bucket_type("ANALYTICS")
                .versioning(VersioningStatus::Suspended),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "PUT",
        "/bucket/avatars",
        r#"{"id":"avatars","name":"avatars","public":true,"file_size_limit":"20MB","versioning_status":"SUSPENDED"}"#,
    );
    storage.empty_bucket("avatars").await.unwrap();
    expect(&project.last(), "POST", "/bucket/avatars/empty", "{}");
    storage.delete_bucket("avatars").await.unwrap();
    expect(&project.last(), "DELETE", "/bucket/avatars", "{}");

    assert!(project.records().iter().all(|r| {
        r.header("apikey") == Some(project.auth.publishable_key())
            && r.bearer() == Some(session.access_token())
    }));
}

#[tokio::test]
async fn an_update_sends_public_only_when_it_is_set() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let storage = client.storage();
    project.answer_with(Method::PUT, "/storage/v1/bucket/avatars", 200, ok());
    // `public` left alone is not sent, so a public bucket stays public (storage-js drops an
    // undefined `public` too); `public(false)` is sent.
    storage
        .update_bucket("avatars", &BucketOptions::default().file_size_limit(5))
        .await
        .unwrap();
    expect(
        &project.last(),
        "PUT",
        "/bucket/avatars",
        r#"{"id":"avatars","name":"avatars","file_size_limit":5}"#,
    );
    storage
        .update_bucket("avatars", &BucketOptions::default().public(false))
        .await
        .unwrap();
    expect(
        &project.last(),
        "PUT",
        "/bucket/avatars",
        r#"{"id":"avatars","name":"avatars","public":false}"#,
    );
}

#[tokio::test]
async fn bucket_lifecycle_and_cdn_cache_calls_are_storage_js_ones() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let storage = client.storage();
    let stored = json!({"rules": [{"id": "r", "status": "Enabled", "filter": {}, "noncurrentVersionExpiration": {"noncurrentDays": 30, "newerNoncurrentVersions": 5}, "createdBy": "server"}]});
    let path = "/storage/v1/bucket/avatars/lifecycle";
    project.answer_with(Method::GET, path, 200, stored.clone());
    project.answer_with(Method::PUT, path, 200, stored);
    project.answer_with(Method::DELETE, path, 200, ok());
    project.answer_with(Method::DELETE, "/storage/v1/cdn/avatars", 200, ok());

    let policy = storage.get_bucket_lifecycle("avatars").await.unwrap();
    expect(&project.last(), "GET", "/bucket/avatars/lifecycle", "");
    let rule = &policy.rules[0];
    assert_eq!(rule.id.as_deref(), Some("r"));
    assert_eq!(rule.status, LifecycleRuleStatus::Enabled);
    assert_eq!(rule.noncurrent_version_expiration.noncurrent_days, 30);
    assert_eq!(
        rule.noncurrent_version_expiration.newer_noncurrent_versions,
        Some(5)
    );
    assert_eq!(rule.extra.get("createdBy"), Some(&json!("server")));

    let configuration =
        LifecycleConfiguration::new([LifecycleRule::noncurrent_version_expiration(30)
            .id("r")
            .newer_noncurrent_versions(5)]);
    let updated = storage
        .update_bucket_lifecycle("avatars", &configuration)
        .await
        .unwrap();
    expect(
        &project.last(),
        "PUT",
        "/bucket/avatars/lifecycle",
        r#"{"rules":[{"id":"r","status":"Enabled","filter":{},"noncurrentVersionExpiration":{"noncurrentDays":30,"newerNoncurrentVersions":5}}]}"#,
    );
    assert_eq!(updated, policy);
    // A rule without id or kept count, disabled: only what is set is sent.
    storage
        .update_bucket_lifecycle(
            "avatars",
            &LifecycleConfiguration::new([
                LifecycleRule::noncurrent_version_expiration(7).disabled()
            ]),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "PUT",
        "/bucket/avatars/lifecycle",
        r#"{"rules":[{"status":"Disabled","filter":{},"noncurrentVersionExpiration":{"noncurrentDays":7}}]}"#,
    );

    storage.delete_bucket_lifecycle("avatars").await.unwrap();
    expect(&project.last(), "DELETE", "/bucket/avatars/lifecycle", "{}");

    storage
        .purge_bucket_cache("avatars", &PurgeCacheOptions::default())
        .await
        .unwrap();
    expect(&project.last(), "DELETE", "/cdn/avatars", "{}");
    storage
        .purge_bucket_cache(
            "avatars",
            &PurgeCacheOptions::default().transformations_only(),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "DELETE",
        "/cdn/avatars?transformations=true",
        "{}",
    );
}

#[tokio::test]
async fn objects_are_listed_by_offset_and_by_cursor_as_storage_js_does() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    project.answer_with(
        Method::POST,
        "/storage/v1/object/list/avatars",
        200,
        json!([
            {"name": "me.png", "id": "obj-1", "updated_at": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z", "last_accessed_at": null, "metadata": {"size": 4}, "version": "v2", "is_versioned": true, "archived_at": null, "is_delete_marker": false, "extra_field": "x"},
            {"name": "folder", "id": null, "updated_at": null, "created_at": null, "last_accessed_at": null, "metadata": null}
        ]),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/object/list-v2/avatars",
        200,
        json!({"hasNext": true, "nextCursor": "c2", "folders": [{"name": "u1", "key": "u1/"}], "objects": [{"name": "a.png", "key": "a.png", "id": "o1", "updated_at": "t", "created_at": "t", "last_accessed_at": "t", "metadata": null, "version": "v1"}]}),
    );

    let listed = avatars.list("", ListOptions::default()).await.unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/list/avatars",
        r#"{"limit":100,"offset":0,"sortBy":{"column":"name","order":"asc"},"prefix":""}"#,
    );
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].version.as_deref(), Some("v2"));
    assert_eq!(listed[0].is_versioned, Some(true));
    assert_eq!(listed[0].is_delete_marker, Some(false));
    assert_eq!(listed[0].extra.get("extra_field"), Some(&json!("x")));
    assert_eq!(
        (listed[1].name.as_str(), listed[1].id.as_deref()),
        ("folder", None)
    );

    avatars
        .list(
            "u1",
            ListOptions::default()
                .page(10, 2)
                .sort_by("created_at", false)
                .search("me")
                .noncurrent_versions(VersionFilter::Include)
                .delete_markers(VersionFilter::Only)
                .exact_match(true),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/list/avatars",
        r#"{"limit":10,"offset":2,"sortBy":{"column":"created_at","order":"desc"},"search":"me","noncurrentVersions":"include","deleteMarkers":"only","exactMatch":true,"prefix":"u1"}"#,
    );

    let page = avatars.list_v2(&ListV2Options::default()).await.unwrap();
    expect(&project.last(), "POST", "/object/list-v2/avatars", "{}");
    assert!(page.has_next);
    assert_eq!(page.next_cursor.as_deref(), Some("c2"));
    assert_eq!(page.folders[0].key.as_deref(), Some("u1/"));
    assert_eq!(page.objects[0].name, "a.png");
    assert_eq!(page.objects[0].version.as_deref(), Some("v1"));
    assert_eq!(page.objects[0].metadata, None);

    avatars
        .list_v2(
            &ListV2Options::default()
                .limit(5)
                .prefix("u1/")
                .cursor("c1")
                .with_delimiter(true)
                .sort_by("name", true)
                .noncurrent_versions(VersionFilter::Exclude)
                .delete_markers(VersionFilter::Include)
                .exact_match(false),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/list-v2/avatars",
        r#"{"limit":5,"prefix":"u1/","cursor":"c1","with_delimiter":true,"sortBy":{"column":"name","order":"asc"},"noncurrentVersions":"exclude","deleteMarkers":"include","exactMatch":false}"#,
    );
}

#[tokio::test]
async fn objects_are_removed_and_moved_as_storage_js_does() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    project.answer_with(
        Method::DELETE,
        "/storage/v1/object/avatars",
        200,
        json!([{"name": "a.png", "bucket_id": "avatars", "id": "o1", "version": "v3"}]),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/object/copy",
        200,
        json!({"Key": "archive/b.png", "Id": "o9"}),
    );
    project.answer_with(Method::POST, "/storage/v1/object/move", 200, ok());
    project.answer_with(
        Method::DELETE,
        "/storage/v1/cdn/avatars/u1/my%20photo%231.png",
        200,
        ok(),
    );
    project.answer_with(
        Method::DELETE,
        "/storage/v1/cdn/avatars/u1/a.png",
        200,
        ok(),
    );

    let removed = avatars
        .remove([
            RemoveEntry::from("a.png"),
            RemoveEntry::version("b.png", "v1"),
        ])
        .await
        .unwrap();
    expect(
        &project.last(),
        "DELETE",
        "/object/avatars",
        r#"{"prefixes":["a.png",{"path":"b.png","versionId":"v1"}]}"#,
    );
    assert_eq!(removed[0].bucket_id.as_deref(), Some("avatars"));
    assert_eq!(removed[0].version.as_deref(), Some("v3"));
    let paths = vec!["x.png".to_owned()];
    avatars.remove(&paths).await.unwrap();
    expect(
        &project.last(),
        "DELETE",
        "/object/avatars",
        r#"{"prefixes":["x.png"]}"#,
    );

    avatars
        .move_object("a.png", "b.png", &DestinationOptions::default())
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/move",
        r#"{"bucketId":"avatars","sourceKey":"a.png","destinationKey":"b.png"}"#,
    );
    // Metadata options are copy's only: a move never sends them.
    avatars
        .move_object(
            "a.png",
            "b.png",
            &DestinationOptions::default()
                .bucket("archive")
                .source_version("v1")
                .metadata(MetadataOverride::default().content_type("text/plain")),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/move",
        r#"{"bucketId":"avatars","sourceKey":"a.png","destinationKey":"b.png","destinationBucket":"archive","sourceVersionId":"v1"}"#,
    );
}

#[tokio::test]
async fn objects_are_copied_and_purged_as_storage_js_does() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    project.answer_with(
        Method::POST,
        "/storage/v1/object/copy",
        200,
        json!({"Key": "archive/b.png", "Id": "o9"}),
    );
    project.answer_with(
        Method::DELETE,
        "/storage/v1/cdn/avatars/u1/my%20photo%231.png",
        200,
        ok(),
    );
    project.answer_with(
        Method::DELETE,
        "/storage/v1/cdn/avatars/u1/a.png",
        200,
        ok(),
    );

    let copied = avatars
        .copy("a.png", "b.png", &DestinationOptions::default())
        .await
        .unwrap();
    assert_eq!(copied, "archive/b.png");
    expect(
        &project.last(),
        "POST",
        "/object/copy",
        r#"{"bucketId":"avatars","sourceKey":"a.png","destinationKey":"b.png"}"#,
    );
    avatars
        .copy(
            "a.png",
            "b.png",
            &DestinationOptions::default()
                .bucket("archive")
                .source_version("v1")
                .metadata(
                    MetadataOverride::default()
                        .cache_control("max-age=60")
                        .content_encoding("gzip")
                        .content_type("text/plain"),
                ),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/copy",
        r#"{"bucketId":"avatars","sourceKey":"a.png","destinationKey":"b.png","destinationBucket":"archive","sourceVersionId":"v1","copyMetadata":false,"metadata":{"cacheControl":"max-age=60","contentEncoding":"gzip","mimetype":"text/plain"}}"#,
    );
    avatars
        .copy(
            "a.png",
            "b.png",
            &DestinationOptions::default()
                .metadata(MetadataOverride::default())
                .copy_metadata(true),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "POST",
        "/object/copy",
        r#"{"bucketId":"avatars","sourceKey":"a.png","destinationKey":"b.png","copyMetadata":true}"#,
    );

    avatars
        .purge_cache("u1/my photo#1.png", &PurgeCacheOptions::default())
        .await
        .unwrap();
    expect(
        &project.last(),
        "DELETE",
        "/cdn/avatars/u1/my%20photo%231.png",
        "{}",
    );
    avatars
        .purge_cache(
            "/u1/a.png",
            &PurgeCacheOptions::default().transformations_only(),
        )
        .await
        .unwrap();
    expect(
        &project.last(),
        "DELETE",
        "/cdn/avatars/u1/a.png?transformations=true",
        "{}",
    );
}

#[tokio::test]
async fn storage_error_bodies_become_api_errors_with_status_code_and_message() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let storage = client.storage();
    project.answer_with(
        Method::GET,
        "/storage/v1/bucket/nope",
        400,
        json!({"statusCode": "404", "error": "Bucket not found", "message": "Bucket not found"}),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/bucket",
        409,
        json!({"statusCode": "409", "error": "Duplicate", "message": "The resource already exists"}),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/object/copy",
        403,
        json!({"statusCode": "403", "error": "Unauthorized", "message": "new row violates row-level security policy"}),
    );
    project.answer_with(
        Method::POST,
        "/storage/v1/object/list-v2/avatars",
        200,
        json!({"hasNext": "not a bool"}),
    );

    let error = storage.get_bucket("nope").await.unwrap_err();
    assert!(
        matches!(&error, StorageError::Api { status: 400, code: None, error: Some(error), message } if error == "Bucket not found" && message == "Bucket not found"),
        "{error:?}"
    );
    let error = storage
        .create_bucket("avatars", &BucketOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StorageError::Api { status: 409, code: None, error: Some(error), message } if error == "Duplicate" && message == "The resource already exists"),
        "{error:?}"
    );
    let error = storage
        .from("avatars")
        .copy("a.png", "b.png", &DestinationOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, StorageError::Api { status: 403, error: Some(error), .. } if error == "Unauthorized"),
        "{error:?}"
    );
    // An unscripted route: the fake answers 404 with no body; the status text is the message.
    let error = storage.empty_bucket("ghost").await.unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::Api {
                status: 404,
                code: None,
                error: None,
                message,
            } if message == "Not Found"
        ),
        "{error:?}"
    );
    let error = storage
        .from("avatars")
        .list_v2(&ListV2Options::default())
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Decode(_)), "{error:?}");
}

#[tokio::test]
async fn object_keys_leaving_the_bucket_are_refused_before_any_request() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let none = DestinationOptions::default();
    let opts = PurgeCacheOptions::default();
    let results = [
        avatars
            .list("u1/..", ListOptions::default())
            .await
            .map(drop),
        avatars
            .list_v2(&ListV2Options::default().prefix("../other"))
            .await
            .map(drop),
        avatars.remove(["ok.png", "../x.png"]).await.map(drop),
        avatars
            .remove([RemoveEntry::version("a/../../b", "v1")])
            .await
            .map(drop),
        avatars.copy("../a", "b", &none).await.map(drop),
        avatars.copy("a", "b/../../c", &none).await.map(drop),
        avatars.move_object("a", "..", &none).await,
        avatars
            .copy("a", "b", &DestinationOptions::default().bucket(".."))
            .await
            .map(drop),
        avatars
            .copy("a", "b", &DestinationOptions::default().bucket("other/x"))
            .await
            .map(drop),
        avatars
            .move_object("a", "b", &DestinationOptions::default().bucket("a\\b"))
            .await,
        avatars
            .move_object("a", "b", &DestinationOptions::default().bucket(""))
            .await,
        avatars
            .move_object("a", "b", &DestinationOptions::default().bucket("."))
            .await,
        avatars.purge_cache("../other/a.png", &opts).await,
        client
            .storage()
            .from("..")
            .list_v2(&ListV2Options::default())
            .await
            .map(drop),
        client.storage().get_bucket("a/b").await.map(drop),
        client.storage().delete_bucket("..").await,
        client
            .storage()
            .get_bucket_lifecycle("a\\b")
            .await
            .map(drop),
        client.storage().purge_bucket_cache("", &opts).await,
        client
            .storage()
            .create_bucket("a/../b", &BucketOptions::default())
            .await
            .map(drop),
    ];
    for result in results {
        assert!(
            matches!(result, Err(StorageError::InvalidPath { .. })),
            "{result:?}"
        );
    }
    assert!(project.records().is_empty());
}

#[tokio::test]
async fn an_error_body_that_cannot_be_read_keeps_the_status_and_says_so() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    // A server that promises 100 bytes of error body, sends 3 and hangs up.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = socket.read(&mut request).await.unwrap();
        socket
            .write_all(b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 100\r\n\r\nabc")
            .await
            .unwrap();
    });
    let supabase =
        supabase_ssr_core::Supabase::builder(format!("http://{address}"), "sb_publishable_test")
            .build()
            .unwrap();
    let error = supabase
        .client([])
        .storage()
        .get_bucket("avatars")
        .await
        .unwrap_err();
    assert!(
        matches!(
            &error,
            StorageError::Api { status: 500, code: None, error: None, message }
                if message.starts_with("Internal Server Error (the answer's body could not be read")
        ),
        "{error:?}"
    );
    // Why, not only reqwest's "error decoding response body".
    assert!(
        error
            .to_string()
            .contains("end of file before message length reached"),
        "{error}"
    );
}
