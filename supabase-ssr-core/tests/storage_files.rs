//! The file API of a bucket against the recording server: each call's request (method, path,
//! query, headers, body), its decoded answer and its errors; paths refused before any request;
//! uploads and downloads streamed, not buffered.
#![cfg(feature = "storage")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use std::time::Duration;

use bytes::Bytes;
use futures_util::{StreamExt as _, TryStreamExt as _};
use recording::Project;
use serde_json::json;
use supabase_ssr_core::storage::{
    DestinationOptions, DownloadOptions, Format, ListOptions, Resize, SignedUrlOptions,
    StorageError, Transform, UploadBody, UploadOptions,
};

fn invalid<T: std::fmt::Debug>(result: Result<T, StorageError>, expected: &str) {
    match result {
        Err(StorageError::InvalidPath { path, .. }) => assert_eq!(path, expected),
        other => panic!("expected InvalidPath for {expected}, got {other:?}"),
    }
}

/// Status, the body's `code`, the body's `error`.
fn api_status(
    result: Result<impl std::fmt::Debug, StorageError>,
) -> (u16, Option<String>, Option<String>) {
    match result {
        Err(StorageError::Api {
            status,
            code,
            error,
            ..
        }) => (status, code, error),
        other => panic!("expected an Api error, got {other:?}"),
    }
}

#[tokio::test]
async fn paths_leaving_the_bucket_are_refused_before_any_request() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let none = SignedUrlOptions::default();
    let plain = DownloadOptions::default();
    for path in ["../secret/x.png", "u1/../../x", "./x", "a\\..\\b", "/.."] {
        invalid(
            avatars.upload(path, "x", UploadOptions::default()).await,
            path,
        );
        invalid(
            avatars.update(path, "x", UploadOptions::default()).await,
            path,
        );
        invalid(avatars.create_signed_upload_url(path, true).await, path);
        invalid(
            avatars
                .upload_to_signed_url(path, "t-up", "x", UploadOptions::default())
                .await,
            path,
        );
        invalid(avatars.download(path, &plain).await, path);
        invalid(avatars.download_stream(path, &plain).await, path);
        invalid(avatars.info(path).await, path);
        invalid(avatars.exists(path).await, path);
        invalid(avatars.create_signed_url(path, 60, &none).await, path);
        invalid(
            avatars
                .create_signed_urls(["ok.png", path], 60, &none)
                .await,
            path,
        );
        invalid(avatars.remove(["ok.png", path]).await, path);
        let here = DestinationOptions::default();
        invalid(avatars.move_object(path, "ok.png", &here).await, path);
        invalid(avatars.move_object("ok.png", path, &here).await, path);
        invalid(avatars.public_url(path, &none), path);
    }
    for id in ["..", "a/b", ""] {
        let bucket = client.storage().from(id);
        invalid(bucket.download("x.png", &plain).await, id);
        invalid(bucket.list("", ListOptions::default()).await, id);
        invalid(bucket.create_signed_urls(["x.png"], 60, &none).await, id);
        invalid(bucket.public_url("x.png", &none), id);
    }
    assert!(project.records().is_empty(), "{:?}", project.records());
}

#[tokio::test]
async fn names_are_percent_encoded_per_segment() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let plain = DownloadOptions::default();
    let _ = avatars.download("u1/my photo?#%é.png", &plain).await;
    assert_eq!(
        project.last().uri,
        "/storage/v1/object/avatars/u1/my%20photo%3F%23%25%C3%A9.png"
    );
    // Empty folders are kept outside uploads, as storage-js's `_getFinalPath` keeps them.
    let _ = avatars.download("//u1//a b/", &plain).await;
    assert_eq!(project.last().uri, "/storage/v1/object/avatars/u1//a%20b/");
    let _ = client
        .storage()
        .from("my bucket")
        .download("a", &plain)
        .await;
    assert_eq!(project.last().uri, "/storage/v1/object/my%20bucket/a");
}

#[tokio::test]
async fn upload_sends_storage_js_headers_and_reads_the_answer() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let avatars = client.storage().from("avatars");

    let uploaded = avatars
        .upload("/u1//notes.txt/", "hello", UploadOptions::default())
        .await
        .unwrap();
    assert_eq!(uploaded.path, "u1/notes.txt");
    assert_eq!(uploaded.id.as_deref(), Some("obj-1"));
    assert_eq!(uploaded.full_path.as_deref(), Some("avatars/u1/notes.txt"));
    let sent = project.last();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.uri, "/storage/v1/object/avatars/u1/notes.txt");
    assert_eq!(sent.header("x-upsert"), Some("false"));
    assert_eq!(sent.header("cache-control"), Some("max-age=3600"));
    assert_eq!(
        sent.header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(sent.header("content-encoding"), None);
    assert_eq!(sent.header("x-metadata"), None);
    assert_eq!(sent.header("content-length"), Some("5"));
    assert_eq!(sent.bearer(), Some(session.access_token()));
    assert_eq!(&sent.body[..], b"hello");

    let options = UploadOptions::new("text/csv")
        .upsert(true)
        .cache_control(60)
        .content_encoding("gzip")
        .metadata(json!({"owner": "u1", "tags": ["a"]}));
    avatars
        .upload(
            "u1/data.csv",
            Bytes::from_static(b"\x1f\x8b"),
            options.clone(),
        )
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(sent.header("x-upsert"), Some("true"));
    assert_eq!(sent.header("cache-control"), Some("max-age=60"));
    assert_eq!(sent.header("content-type"), Some("text/csv"));
    assert_eq!(sent.header("content-encoding"), Some("gzip"));
    // base64 of the JSON text, as storage-js `Buffer.from(JSON.stringify(m)).toString('base64')`.
    assert_eq!(
        sent.header("x-metadata"),
        Some("eyJvd25lciI6InUxIiwidGFncyI6WyJhIl19")
    );
    assert_eq!(&sent.body[..], b"\x1f\x8b");

    // `update` is a PUT without `x-upsert`.
    let updated = avatars
        .update("u1/data.csv", b"v2".to_vec(), options)
        .await
        .unwrap();
    assert_eq!(updated.path, "u1/data.csv");
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("PUT", "/storage/v1/object/avatars/u1/data.csv")
    );
    assert_eq!(sent.header("x-upsert"), None);
    assert_eq!(sent.header("content-encoding"), Some("gzip"));
    assert_eq!(&sent.body[..], b"v2");

    // A `null` metadata sends nothing, as storage-js's truthiness test.
    avatars
        .upload(
            "u1/n.txt",
            "n",
            UploadOptions::default().metadata(serde_json::Value::Null),
        )
        .await
        .unwrap();
    assert_eq!(project.last().header("x-metadata"), None);

    let error = avatars
        .upload("exists.png", b"x", UploadOptions::new("image/png"))
        .await;
    assert_eq!(api_status(error), (400, None, Some("Duplicate".to_owned())));
}

#[tokio::test]
async fn signed_upload_urls_are_made_and_used() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");

    let signed = avatars
        .create_signed_upload_url("/u1/me.png", false)
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("POST", "/storage/v1/object/upload/sign/avatars/u1/me.png")
    );
    assert_eq!(sent.header("x-upsert"), None);
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(&sent.body[..], b"{}");
    assert_eq!(signed.token, "t-up");
    assert_eq!(signed.path, "/u1/me.png");
    assert_eq!(
        signed.signed_url,
        format!(
            "{}/storage/v1/object/upload/sign/avatars/u1/me.png?token=t-up",
            project.url
        )
    );
    let debug = format!("{signed:?}");
    assert!(!debug.contains("t-up"), "{debug}");

    avatars
        .create_signed_upload_url("u1/me.png", true)
        .await
        .unwrap();
    assert_eq!(project.last().header("x-upsert"), Some("true"));

    let uploaded = avatars
        .upload_to_signed_url(
            "u1//me.png",
            &signed.token,
            b"\x89PNG",
            UploadOptions::new("image/png").metadata(json!({})),
        )
        .await
        .unwrap();
    assert_eq!(uploaded.path, "u1/me.png");
    assert_eq!(uploaded.id, None);
    assert_eq!(uploaded.full_path.as_deref(), Some("avatars/u1/me.png"));
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        (
            "PUT",
            "/storage/v1/object/upload/sign/avatars/u1/me.png?token=t-up"
        )
    );
    assert_eq!(sent.header("x-upsert"), Some("false"));
    assert_eq!(sent.header("cache-control"), Some("max-age=3600"));
    assert_eq!(sent.header("content-type"), Some("image/png"));
    assert_eq!(sent.header("x-metadata"), Some("e30="));
    assert_eq!(&sent.body[..], b"\x89PNG");

    // The token is form-encoded in the query, as `URLSearchParams` does.
    let error = avatars
        .upload_to_signed_url("u1/me.png", "a b&c", "x", UploadOptions::default())
        .await;
    assert_eq!(
        api_status(error),
        (400, None, Some("Unauthorized".to_owned()))
    );
    assert_eq!(
        project.last().uri,
        "/storage/v1/object/upload/sign/avatars/u1/me.png?token=a+b%26c"
    );
}

#[tokio::test]
async fn downloads_read_objects_and_transformed_images() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");

    let file = avatars
        .download("u1/me.png", &DownloadOptions::default())
        .await
        .unwrap();
    // The headers a proxy passes on come with the bytes.
    assert_eq!(file.headers.content_type.as_deref(), Some("image/png"));
    assert_eq!(file.headers.content_length, Some(4));
    assert_eq!(file.headers.etag.as_deref(), Some("\"e1\""));
    assert_eq!(file.headers.cache_control.as_deref(), Some("max-age=3600"));
    assert_eq!(
        file.headers.last_modified.as_deref(),
        Some("Thu, 01 Jan 2026 00:00:00 GMT")
    );
    assert_eq!(&file.into_bytes()[..], b"\x89PNG");
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("GET", "/storage/v1/object/avatars/u1/me.png")
    );
    assert_eq!(sent.header("content-type"), None);
    assert!(sent.body.is_empty());

    let options = DownloadOptions::default()
        .transform(
            Transform::default()
                .quality(80)
                .format(Format::Origin)
                .resize(Resize::Cover)
                .height(50)
                .width(100),
        )
        .cache_nonce("n 1")
        .version_id("v2");
    let thumb = avatars.download("u1/me.png", &options).await.unwrap();
    assert_eq!(&thumb.body[..], b"thumb");
    assert_eq!(thumb.headers.content_type.as_deref(), Some("image/webp"));
    assert_eq!(thumb.headers.etag, None);
    assert_eq!(
        project.last().uri,
        "/storage/v1/render/image/authenticated/avatars/u1/me.png?width=100&height=50&resize=cover&format=origin&quality=80&cacheNonce=n+1&versionId=v2"
    );

    // An empty transform reads the object itself, as storage-js.
    avatars
        .download(
            "u1/me.png",
            &DownloadOptions::default().transform(Transform::default()),
        )
        .await
        .unwrap();
    assert_eq!(project.last().uri, "/storage/v1/object/avatars/u1/me.png");

    let error = avatars
        .download("gone.png", &DownloadOptions::default())
        .await;
    assert_eq!(
        api_status(error),
        (
            400,
            Some("NoSuchKey".to_owned()),
            Some("not_found".to_owned())
        )
    );
}

#[tokio::test]
async fn the_client_wide_timeout_never_cuts_a_streamed_download() {
    let project = Project::start().await;
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .api_timeout(Duration::from_millis(80))
            .build()
            .unwrap();
    let client = supabase.client([]);
    let mut chunks = client
        .storage()
        .from("avatars")
        .download_stream("stream.bin", &DownloadOptions::default())
        .await
        .unwrap();
    let first = chunks.next().await.unwrap().unwrap();
    assert_eq!(&first[..], b"first chunk|");
    // The rest comes well after `api_timeout`: the stream is the caller's to read.
    tokio::time::sleep(Duration::from_millis(300)).await;
    project.open_gate();
    let rest: Vec<Bytes> = chunks.try_collect().await.unwrap();
    assert_eq!(rest.concat(), b"second chunk");
}

#[tokio::test]
async fn download_stream_yields_chunks_as_they_arrive() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let mut chunks = avatars
        .download_stream("stream.bin", &DownloadOptions::default())
        .await
        .unwrap();
    // Chunked: no length is known up front.
    assert_eq!(chunks.headers.content_length, None);
    // The server holds its second chunk back until the first reached the caller.
    let first = tokio::time::timeout(Duration::from_secs(10), chunks.next())
        .await
        .expect("the first chunk arrives before the body ends")
        .unwrap()
        .unwrap();
    assert_eq!(&first[..], b"first chunk|");
    project.open_gate();
    let rest: Vec<Bytes> = chunks.try_collect().await.unwrap();
    assert_eq!(rest.concat(), b"second chunk");

    // An error answer is returned when awaited, before any chunk.
    assert_eq!(
        api_status(
            avatars
                .download_stream("gone.png", &DownloadOptions::default())
                .await
        ),
        (
            400,
            Some("NoSuchKey".to_owned()),
            Some("not_found".to_owned())
        )
    );
}

#[tokio::test]
async fn a_streamed_upload_is_sent_before_the_stream_ends() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let first = vec![b'a'; 32 * 1024];
    let project = std::sync::Arc::new(project);
    let watcher = std::sync::Arc::clone(&project);
    let first_len = first.len();
    // The stream produces its last chunk only once the server holds the first one: a client
    // that collected the body before sending would wait forever (the timeout fails the test).
    let body = futures_util::stream::unfold(0, move |step| {
        let first = first.clone();
        let watcher = std::sync::Arc::clone(&watcher);
        async move {
            match step {
                0 => Some((Ok::<_, std::io::Error>(Bytes::from(first)), 1)),
                1 => {
                    let arrived = tokio::time::timeout(
                        Duration::from_secs(10),
                        watcher.received_at_least(first_len),
                    )
                    .await;
                    if arrived.is_err() {
                        return Some((Err(std::io::Error::other("first chunk not received")), 2));
                    }
                    Some((Ok(Bytes::from_static(b"LAST")), 2))
                }
                _ => None,
            }
        }
    });
    let uploaded = avatars
        .upload(
            "u1/big.bin",
            UploadBody::stream(body),
            UploadOptions::new("application/octet-stream"),
        )
        .await
        .unwrap();
    assert_eq!(uploaded.path, "u1/big.bin");
    let sent = project.last();
    assert_eq!(sent.body.len(), first_len + 4);
    assert!(sent.body.ends_with(b"aLAST"));
    assert_eq!(sent.header("transfer-encoding"), Some("chunked"));
    assert_eq!(sent.header("content-length"), None);
    assert_eq!(
        sent.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(sent.header("x-upsert"), Some("false"));
}

#[tokio::test]
async fn a_failing_stream_fails_the_upload() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let body = futures_util::stream::iter([
        Ok(Bytes::from_static(b"part")),
        Err(std::io::Error::other("disk gone")),
    ]);
    let error = client
        .storage()
        .from("avatars")
        .upload(
            "u1/x.bin",
            UploadBody::stream(body),
            UploadOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, StorageError::Transport(_)), "{error:?}");
}

#[tokio::test]
async fn a_file_is_uploaded_in_chunks() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let path = std::env::temp_dir().join(format!("storage-files-{}.bin", std::process::id()));
    let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    tokio::fs::write(&path, &content).await.unwrap();
    let file = tokio::fs::File::open(&path).await.unwrap();
    client
        .storage()
        .from("avatars")
        .update(
            "u1/file.bin",
            UploadBody::file(file),
            UploadOptions::new("application/octet-stream"),
        )
        .await
        .unwrap();
    tokio::fs::remove_file(&path).await.unwrap();
    let sent = project.last();
    assert_eq!(sent.method, "PUT");
    assert_eq!(sent.header("transfer-encoding"), Some("chunked"));
    assert_eq!(&sent.body[..], &content[..]);
}

#[tokio::test]
async fn signed_urls_carry_download_and_transform_options() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let base = format!("{}/storage/v1", project.url);

    let options = SignedUrlOptions::default()
        .download(true)
        .cache_nonce("7")
        .transform(Transform::default().width(64).resize(Resize::Contain))
        .version_id("v1");
    let signed = avatars
        .create_signed_url("u1/me.png", 60, &options)
        .await
        .unwrap();
    assert_eq!(
        signed,
        format!("{base}/object/sign/avatars/u1/me.png?token=t1&download=&cacheNonce=7")
    );
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("POST", "/storage/v1/object/sign/avatars/u1/me.png")
    );
    assert_eq!(
        std::str::from_utf8(&sent.body).unwrap(),
        r#"{"expiresIn":60,"transform":{"width":64,"resize":"contain"},"versionId":"v1"}"#
    );

    let named = avatars
        .create_signed_url(
            "u1/me.png",
            60,
            &SignedUrlOptions::default().download_as("my photo.png"),
        )
        .await
        .unwrap();
    assert_eq!(
        named,
        format!("{base}/object/sign/avatars/u1/me.png?token=t1&download=my+photo.png")
    );
    assert_eq!(
        std::str::from_utf8(&project.last().body).unwrap(),
        r#"{"expiresIn":60}"#
    );

    let many = avatars
        .create_signed_urls(
            ["a.png", "b.png"],
            30,
            &SignedUrlOptions::default().download_as("x.png"),
        )
        .await
        .unwrap();
    assert_eq!(
        many[0].signed_url.as_deref(),
        Some(format!("{base}/object/sign/avatars/a.png?token=ta&download=x.png").as_str())
    );
    assert_eq!(many[1].signed_url, None);
    assert_eq!(
        std::str::from_utf8(&project.last().body).unwrap(),
        r#"{"expiresIn":30,"paths":["a.png","b.png"]}"#
    );
}

#[tokio::test]
async fn public_urls_are_made_without_a_request() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");
    let base = format!("{}/storage/v1", project.url);
    let url = |path: &str, options: &SignedUrlOptions| avatars.public_url(path, options).unwrap();

    assert_eq!(
        url("/u1/my photo.png", &SignedUrlOptions::default()),
        format!("{base}/object/public/avatars/u1/my%20photo.png")
    );
    assert_eq!(
        url(
            "u1/me.png",
            &SignedUrlOptions::default()
                .download_as("me é.png")
                .transform(Transform::default().width(10).height(20).quality(50))
                .cache_nonce("1")
                .version_id("v")
        ),
        format!(
            "{base}/render/image/public/avatars/u1/me.png?download=me+%C3%A9.png&width=10&height=20&quality=50&cacheNonce=1&versionId=v"
        )
    );
    assert_eq!(
        url("u1/me.png", &SignedUrlOptions::default().download(true)),
        format!("{base}/object/public/avatars/u1/me.png?download=")
    );
    // `download(false)` and an empty name ask for no download, as storage-js's truthiness.
    assert_eq!(
        url(
            "a",
            &SignedUrlOptions::default().download(true).download(false)
        ),
        format!("{base}/object/public/avatars/a")
    );
    assert_eq!(
        url("a", &SignedUrlOptions::default().download_as("")),
        format!("{base}/object/public/avatars/a")
    );
    assert!(project.records().is_empty());
}

#[tokio::test]
async fn info_and_exists() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let avatars = client.storage().from("avatars");

    let info = avatars.info("u1/me.png").await.unwrap();
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("GET", "/storage/v1/object/info/avatars/u1/me.png")
    );
    assert_eq!(info.id, "obj-1");
    assert_eq!(info.bucket_id, "avatars");
    assert_eq!(info.size, Some(4));
    assert_eq!(info.content_type.as_deref(), Some("image/png"));
    assert_eq!(info.version.as_deref(), Some("v1"));
    assert_eq!(info.metadata, Some(json!({"owner": "u1"})));
    assert_eq!(info.other.get("is_versioned"), Some(&json!(false)));

    assert!(avatars.exists("u1/me.png").await.unwrap());
    // `NoSuchKey`, or a 404 without a code: missing, as storage-js decides.
    assert!(!avatars.exists("gone.png").await.unwrap());
    assert!(!avatars.exists("old.png").await.unwrap());
    assert_eq!(
        api_status(avatars.exists("secret.png").await),
        (
            403,
            Some("AccessDenied".to_owned()),
            Some("Unauthorized".to_owned())
        )
    );
    assert_eq!(
        api_status(avatars.info("gone.png").await),
        (
            400,
            Some("NoSuchKey".to_owned()),
            Some("not_found".to_owned())
        )
    );
}
