//! Storage and Functions send what `@supabase/storage-js` and `@supabase/functions-js` 2.119.1
//! send for the same calls, byte for byte.
//!
//! Each [`Case`] is one call made by both libraries: the supabase-js call (`storage.from(b).x`,
//! `storage.x` or `functions.invoke`, with its arguments as JSON) and the same call through our
//! client. `integration-tests/js/storage-functions-requests.mjs` makes the JavaScript calls with
//! a recording `fetch` that answers each with the case's canned [`Answer`]; ours go to one
//! recording HTTP server, started once for the whole test binary and shared by every case, which
//! gives the same answers. Then, request by request, the test compares the method, the path and
//! query (byte for byte), the headers that matter (every header but the transport's own and the
//! client's name, see [`IGNORED_HEADERS`]; `apikey` and `Authorization` included) and the body:
//! JSON by its text (key order and values), multipart part by part (its boundary aside), anything
//! else byte for byte. A case can also compare what the call returns (a signed or public URL).
//!
//! Where ours differs on purpose, the case says so with the reason: a path or function name that
//! would leave its place is [`Case::refused`] (our call fails with that error and sends nothing,
//! while the JavaScript library sent a request); a name holding `?`, `#` or `%` is sent as that
//! literal name ([`Case::url_differs`]: our path and query are given, the rest of the request is
//! still compared); a returned URL that storage-js encodes twice is [`Case::result_differs`].
//! Cases can be signed in ([`Case::signed_in`]: the session in our cookies, read alike by
//! `@supabase/ssr`'s `createServerClient`), use another key ([`Case::key`]) or client-wide headers
//! ([`Case::global_headers`]).
//!
//! Needs Node.js 20+ and npm; without them the test fails and says how to install them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::functions::{FunctionRegion, FunctionsError};
use supabase_ssr_core::storage::{
    BucketOptions, DestinationOptions, DownloadOptions, Format, LifecycleConfiguration,
    LifecycleRule, ListBucketsOptions, ListOptions, ListV2Options, MetadataOverride,
    PurgeCacheOptions, RemoveEntry, Resize, SignedUrlOptions, StorageError, Transform, UploadBody,
    UploadOptions, VersionFilter, VersioningStatus,
};
use supabase_ssr_core::{Config, Session, Supabase, SupabaseClient};
use supabase_ssr_testing::node::NodeScripts;

const KEY: &str = "sb_publishable_test";

/// Headers left out of the comparison: the transport's own (set by each HTTP stack) and the
/// client's self-description (`supabase-js/…` against `supabase-ssr-rs/…`). `accept: */*` is
/// reqwest's default and undici's too (added when sending): dropped only with that value.
const IGNORED_HEADERS: &[&str] = &[
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "accept-encoding",
    "accept-language",
    "user-agent",
    "sec-fetch-mode",
    "x-client-info",
];

// ---- the canned answers ----

/// What the recorder answers to a case's request (both sides answer the same).
#[derive(Clone, Debug)]
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

impl Answer {
    /// `200` with a JSON document.
    fn json(value: &Value) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type", "application/json".to_owned())],
            body: value.to_string().into_bytes(),
        }
    }

    /// `200` with raw bytes of a content type.
    fn raw(content_type: &str, body: &[u8]) -> Self {
        Self {
            status: 200,
            headers: vec![("content-type", content_type.to_owned())],
            body: body.to_vec(),
        }
    }

    fn to_js(&self) -> Value {
        let headers: serde_json::Map<String, Value> = self
            .headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
            .collect();
        json!({
            "status": self.status,
            "headers": headers,
            "body": B64.encode(&self.body),
        })
    }
}

// ---- the shared recording server ----

/// One request as it reached the server (or the JavaScript recorder).
#[derive(Clone, Debug, PartialEq)]
struct Recorded {
    method: String,
    /// Path and query, as sent.
    url: String,
    /// Lower-case names; repeated headers joined with `, ` (as `Headers.forEach` shows them).
    headers: BTreeMap<String, String>,
    body: Option<Vec<u8>>,
}

#[derive(Default)]
struct ServerState {
    answer: Option<Answer>,
    recorded: Vec<Recorded>,
}

struct RecordingServer {
    url: String,
    state: Arc<Mutex<ServerState>>,
}

/// Only one test talks to the shared server at a time: each takes its turn for all its cases.
static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The recording server every case of this binary shares, started on first use on a thread of
/// its own (each `#[tokio::test]` has its own runtime, which would stop a server spawned on it).
fn server() -> &'static RecordingServer {
    static SERVER: OnceLock<RecordingServer> = OnceLock::new();
    SERVER.get_or_init(|| {
        let state = Arc::new(Mutex::new(ServerState::default()));
        let (tx, rx) = std::sync::mpsc::channel::<SocketAddr>();
        let shared = state.clone();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::Router::new().fallback(record).with_state(shared);
                axum::serve(listener, app).await.unwrap();
            });
        });
        let addr = rx.recv().unwrap();
        RecordingServer {
            url: format!("http://{addr}"),
            state,
        }
    })
}

async fn record(State(state): State<Arc<Mutex<ServerState>>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    let answer = {
        let mut state = state.lock().unwrap();
        state.recorded.push(Recorded {
            method: parts.method.as_str().to_owned(),
            url: parts
                .uri
                .path_and_query()
                .map_or_else(|| parts.uri.path().to_owned(), |p| p.as_str().to_owned()),
            headers,
            body: (!body.is_empty()).then(|| body.to_vec()),
        });
        state
            .answer
            .clone()
            .unwrap_or_else(|| Answer::json(&json!({})))
    };
    let mut response = Response::builder().status(answer.status);
    for (name, value) in &answer.headers {
        response = response.header(*name, value);
    }
    response.body(Body::from(Bytes::from(answer.body))).unwrap()
}

// ---- the cases ----

/// Why one of our calls failed.
#[derive(Debug)]
enum CallError {
    Storage(StorageError),
    Functions(FunctionsError),
}

impl From<StorageError> for CallError {
    fn from(e: StorageError) -> Self {
        Self::Storage(e)
    }
}

impl From<FunctionsError> for CallError {
    fn from(e: FunctionsError) -> Self {
        Self::Functions(e)
    }
}

/// What one of our calls returns for comparison with the JavaScript result (`None`: nothing to
/// compare).
type Outcome = Result<Option<Value>, CallError>;

type RustCall = Box<dyn Fn(SupabaseClient) -> Pin<Box<dyn Future<Output = Outcome>>>>;

/// Where ours differs on purpose: our call fails without sending anything.
struct Refusal {
    why: &'static str,
    expected: fn(&CallError) -> bool,
}

/// One call made by both libraries.
struct Case {
    name: &'static str,
    /// `{"on", "bucket", "method", "args", "chain"}` for the script.
    js: Value,
    answer: Answer,
    /// A dotted path into the JavaScript call's `data`, compared with what our call returns;
    /// `$data` is the whole `data`, `$signedUrls` createSignedUrls' list without `signedURL`,
    /// `$page` listV2's `nextCursor` and `hasNext`, `$info` info's `id`, `name` and `size`.
    result: Option<&'static str>,
    refusal: Option<Refusal>,
    /// The JavaScript call returns an error with its data (storage-js `exists` of a missing
    /// file: `{ data: false, error }`).
    /// Part of the error the JavaScript call answers with besides its data, when it does.
    js_error_expected: Option<&'static str>,
    /// Ours returns this on purpose where the JavaScript library returns something else: why,
    /// and our value.
    result_differs: Option<(&'static str, Value)>,
    /// Ours sends this path and query on purpose where the JavaScript library sends another:
    /// why, and our path and query (the rest of the request is still compared).
    url_differs: Option<(&'static str, &'static str)>,
    rust: RustCall,
}

impl Case {
    fn new<F, Fut>(name: &'static str, js: Value, rust: F) -> Self
    where
        F: Fn(SupabaseClient) -> Fut + 'static,
        Fut: Future<Output = Outcome> + 'static,
    {
        Self {
            name,
            js,
            answer: Answer::json(&json!({})),
            result: None,
            refusal: None,
            js_error_expected: None,
            result_differs: None,
            url_differs: None,
            rust: Box::new(move |client| Box::pin(rust(client))),
        }
    }

    /// `supabase.storage.from(bucket).<method>(...args)` and ours.
    fn bucket<F, Fut>(name: &'static str, bucket: &str, method: &str, args: Value, rust: F) -> Self
    where
        F: Fn(SupabaseClient) -> Fut + 'static,
        Fut: Future<Output = Outcome> + 'static,
    {
        let mut js = json!({ "on": "bucket", "bucket": bucket, "method": method });
        js["args"] = args;
        Self::new(name, js, rust)
    }

    /// `supabase.storage.<method>(...args)` (buckets) and ours.
    fn storage<F, Fut>(name: &'static str, method: &str, args: Value, rust: F) -> Self
    where
        F: Fn(SupabaseClient) -> Fut + 'static,
        Fut: Future<Output = Outcome> + 'static,
    {
        let mut js = json!({ "on": "storage", "method": method });
        js["args"] = args;
        Self::new(name, js, rust)
    }

    /// `supabase.functions.invoke(...args)` and ours.
    fn invoke<F, Fut>(name: &'static str, args: Value, rust: F) -> Self
    where
        F: Fn(SupabaseClient) -> Fut + 'static,
        Fut: Future<Output = Outcome> + 'static,
    {
        let mut js = json!({ "on": "functions", "method": "invoke" });
        js["args"] = args;
        Self::new(name, js, rust)
    }

    fn answer(mut self, answer: Answer) -> Self {
        self.answer = answer;
        self
    }

    fn answer_json(self, value: &Value) -> Self {
        self.answer(Answer::json(value))
    }

    /// Compares what our call returns with this path into the JavaScript call's `data`.
    fn result(mut self, path: &'static str) -> Self {
        self.result = Some(path);
        self
    }

    /// Methods called on the JavaScript call's result before awaiting it (`asStream`).
    fn chain(mut self, names: &[&str]) -> Self {
        self.js["chain"] = json!(names);
        self
    }

    /// Ours returns `ours` on purpose, for `why`, where the JavaScript library returns something
    /// else (the requests are still compared).
    fn result_differs(mut self, why: &'static str, ours: Value) -> Self {
        self.result_differs = Some((why, ours));
        self
    }

    /// Ours sends the path and query `ours` on purpose, for `why`, where the JavaScript library
    /// sends another; method, headers and body are still compared.
    fn url_differs(mut self, why: &'static str, ours: &'static str) -> Self {
        self.url_differs = Some((why, ours));
        self
    }

    /// The JavaScript call answers with an error holding `text` besides its data (a throw of
    /// the harness itself, such as a missing method, never counts).
    fn js_error_expected(mut self, text: &'static str) -> Self {
        self.js_error_expected = Some(text);
        self
    }

    /// Both clients act for a signed-in user: ours from the session cookies, supabase-js
    /// through @supabase/ssr's `createServerClient` over the same cookies.
    fn signed_in(mut self) -> Self {
        self.js["cookie_header"] = Value::from(session_cookie_header());
        self
    }

    /// Both clients send these headers with every call (supabase-js `global.headers`,
    /// [`SupabaseBuilder::global_headers`](supabase_ssr_core::SupabaseBuilder::global_headers)).
    fn global_headers(mut self, headers: &[(&str, &str)]) -> Self {
        self.js["global_headers"] = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
            .collect::<serde_json::Map<_, _>>()
            .into();
        self
    }

    /// Both clients use this API key instead of [`KEY`].
    fn key(mut self, key: &str) -> Self {
        self.js["key"] = Value::from(key);
        self
    }

    /// Ours refuses the call, on purpose, without sending anything; the JavaScript library
    /// sends it.
    fn refused(mut self, why: &'static str, expected: fn(&CallError) -> bool) -> Self {
        self.refusal = Some(Refusal { why, expected });
        self
    }
}

/// `{"$bytes": base64}`: a `Uint8Array` argument.
fn js_bytes(bytes: &[u8]) -> Value {
    json!({ "$bytes": B64.encode(bytes) })
}

/// `{"$arraybuffer": base64}`: an `ArrayBuffer` argument.
fn js_array_buffer(bytes: &[u8]) -> Value {
    json!({ "$arraybuffer": B64.encode(bytes) })
}

fn signed(path: &str) -> Value {
    json!({ "signedURL": format!("/object/sign/{path}?token=t0k.en") })
}

fn storage_cases() -> Vec<Case> {
    [
        upload_cases(),
        download_cases(),
        manage_cases(),
        list_cases(),
        copy_move_cases(),
        move_purge_cases(),
        url_cases(),
        bucket_cases(),
        lifecycle_cases(),
        literal_name_cases(),
        refused_path_cases(),
        upload_option_cases(),
        update_cases(),
        signed_upload_cases(),
        download_option_cases(),
        info_cases(),
        url_option_cases(),
        public_url_option_cases(),
        more_refused_path_cases(),
        refused_bucket_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn upload_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "upload bytes with the default options",
            "avatars",
            "upload",
            json!(["a.txt", js_bytes(b"hello")]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .upload("a.txt", b"hello".to_vec(), UploadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-1", "Key": "avatars/a.txt" })),
        Case::bucket(
            "upload with a content type, upsert and cache control",
            "avatars",
            "upload",
            json!([
                "u1/me.png",
                js_bytes(b"\x89PNG\r\n\x1a\n\0\xff"),
                { "contentType": "image/png", "upsert": true, "cacheControl": "60" }
            ]),
            |c| async move {
                let options = UploadOptions::new("image/png")
                    .upsert(true)
                    .cache_control(60);
                c.storage()
                    .from("avatars")
                    .upload("u1/me.png", b"\x89PNG\r\n\x1a\n\0\xff".to_vec(), options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-2", "Key": "avatars/u1/me.png" })),
        Case::bucket(
            "upload cleans leading, trailing and doubled slashes",
            "avatars",
            "upload",
            json!(["/folder//sub///a.png/", js_bytes(b"x")]),
            |c| async move {
                let uploaded = c
                    .storage()
                    .from("avatars")
                    .upload(
                        "/folder//sub///a.png/",
                        b"x".to_vec(),
                        UploadOptions::default(),
                    )
                    .await?;
                Ok(Some(Value::from(uploaded.path)))
            },
        )
        .answer_json(&json!({ "Id": "id-3", "Key": "avatars/folder/sub/a.png" }))
        .result("path"),
        Case::bucket(
            "upload to a path with spaces and non-ASCII letters",
            "avatars",
            "upload",
            json!(["my folder/été 1.txt", js_bytes(b"x")]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .upload(
                        "my folder/été 1.txt",
                        b"x".to_vec(),
                        UploadOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "avatars/my folder/été 1.txt" })),
    ]
}

fn download_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "download signed in: the user's token is the bearer",
            "docs",
            "download",
            json!(["private/me.txt"]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .download("private/me.txt", &DownloadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .signed_in()
        .answer(Answer::raw("text/plain", b"mine")),
        Case::bucket(
            "download with global headers",
            "docs",
            "download",
            json!(["a.txt"]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .download("a.txt", &DownloadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .global_headers(&[("x-tenant", "acme"), ("x-request-source", "server")])
        .answer(Answer::raw("text/plain", b"a")),
        Case::bucket(
            "download",
            "docs",
            "download",
            json!(["reports/2024.pdf"]),
            |c| async move {
                let file = c
                    .storage()
                    .from("docs")
                    .download("reports/2024.pdf", &DownloadOptions::default())
                    .await?;
                assert_eq!(&file.body[..], b"%PDF-1.7");
                // The type storage-js gives as the `Blob`'s `type`.
                assert_eq!(
                    file.headers.content_type.as_deref(),
                    Some("application/pdf")
                );
                Ok(None)
            },
        )
        .answer(Answer::raw("application/pdf", b"%PDF-1.7")),
    ]
}

/// List, remove, move.
fn manage_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "list a folder with the default options",
            "docs",
            "list",
            json!(["reports"]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .list("reports", ListOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([])),
        Case::bucket(
            "list the bucket's root, paged, sorted and searched",
            "docs",
            "list",
            json!([
                "",
                {
                    "limit": 10,
                    "offset": 20,
                    "sortBy": { "column": "updated_at", "order": "desc" },
                    "search": "rep"
                }
            ]),
            |c| async move {
                let options = ListOptions::default()
                    .page(10, 20)
                    .sort_by("updated_at", false)
                    .search("rep");
                c.storage().from("docs").list("", options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!([{ "name": "reports", "id": null }])),
        Case::bucket(
            "remove two files",
            "docs",
            "remove",
            json!([["a.txt", "folder/b.txt"]]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .remove(["a.txt", "folder/b.txt"])
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([{ "name": "a.txt" }, { "name": "folder/b.txt" }])),
        Case::bucket(
            "move a file within the bucket",
            "docs",
            "move",
            json!(["old/a.txt", "new/a.txt"]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .move_object("old/a.txt", "new/a.txt", &DestinationOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully moved" })),
    ]
}

/// Signed and public URLs.
fn url_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "create a signed URL",
            "docs",
            "createSignedUrl",
            json!(["reports/q1.pdf", 60]),
            |c| async move {
                let url = c
                    .storage()
                    .from("docs")
                    .create_signed_url("reports/q1.pdf", 60, &SignedUrlOptions::default())
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&signed("docs/reports/q1.pdf"))
        .result("signedUrl"),
        Case::bucket(
            "create a signed URL for a path with a space",
            "docs",
            "createSignedUrl",
            json!(["my reports/q 1.pdf", 3600]),
            |c| async move {
                let url = c
                    .storage()
                    .from("docs")
                    .create_signed_url(
                        "my reports/q 1.pdf",
                        3600,
                        &SignedUrlOptions::default(),
                    )
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&signed("docs/my reports/q 1.pdf"))
        .result("signedUrl"),
        Case::bucket(
            "create signed URLs for two files",
            "docs",
            "createSignedUrls",
            json!([["a.txt", "b c.txt"], 120]),
            |c| async move {
                let urls = c
                    .storage()
                    .from("docs")
                    .create_signed_urls(["a.txt", "b c.txt"], 120, &SignedUrlOptions::default())
                    .await?;
                Ok(Some(
                    urls.into_iter()
                        .map(|u| json!({ "path": u.path, "signedUrl": u.signed_url, "error": u.error }))
                        .collect(),
                ))
            },
        )
        .answer_json(&json!([
            { "path": "a.txt", "signedURL": "/object/sign/docs/a.txt?token=t1", "error": null },
            { "path": "b c.txt", "signedURL": null, "error": "Either the object does not exist or you do not have access to it" }
        ]))
        .result("$signedUrls"),
        // Public URLs: no request.
        Case::bucket(
            "public URL",
            "public-images",
            "getPublicUrl",
            json!(["cats/tom.png"]),
            |c| async move {
                Ok(Some(Value::from(
                    c.storage().from("public-images").public_url("cats/tom.png", &SignedUrlOptions::default())?,
                )))
            },
        )
        .result("publicUrl"),
        Case::bucket(
            "public URL of a path with spaces and non-ASCII letters",
            "public-images",
            "getPublicUrl",
            json!(["/chats et chiens/tôm 1.png"]),
            |c| async move {
                Ok(Some(Value::from(
                    c.storage()
                        .from("public-images")
                        .public_url("/chats et chiens/tôm 1.png", &SignedUrlOptions::default())?,
                )))
            },
        )
        .result("publicUrl"),
    ]
}

/// Listing options of storage-js 2.119.1 and list v2.
fn list_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "list with version filters and an exact match",
            "docs",
            "list",
            json!([
                "reports/q1.pdf",
                { "noncurrentVersions": "include", "deleteMarkers": "only", "exactMatch": true }
            ]),
            |c| async move {
                let options = ListOptions::default()
                    .noncurrent_versions(VersionFilter::Include)
                    .delete_markers(VersionFilter::Only)
                    .exact_match(true);
                c.storage()
                    .from("docs")
                    .list("reports/q1.pdf", options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([])),
        Case::bucket(
            "list v2 with the default options",
            "docs",
            "listV2",
            json!([]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .list_v2(&ListV2Options::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "hasNext": false, "folders": [], "objects": [] })),
        Case::bucket(
            "list v2 from a cursor, by folder, sorted",
            "docs",
            "listV2",
            json!([{
                "limit": 2,
                "prefix": "reports/",
                "cursor": "Y3Vyc29y",
                "with_delimiter": true,
                "sortBy": { "column": "updated_at", "order": "desc" }
            }]),
            |c| async move {
                let options = ListV2Options::default()
                    .limit(2)
                    .prefix("reports/")
                    .cursor("Y3Vyc29y")
                    .with_delimiter(true)
                    .sort_by("updated_at", false);
                let page = c.storage().from("docs").list_v2(&options).await?;
                Ok(Some(json!({ "nextCursor": page.next_cursor, "hasNext": page.has_next })))
            },
        )
        .answer_json(&json!({
            "hasNext": true,
            "nextCursor": "bmV4dA",
            "folders": [{ "name": "2024", "key": "reports/2024/" }],
            "objects": []
        }))
        .result("$page"),
        Case::bucket(
            "list v2 with version filters",
            "docs",
            "listV2",
            json!([{ "prefix": "a", "noncurrentVersions": "only", "deleteMarkers": "exclude", "exactMatch": false }]),
            |c| async move {
                let options = ListV2Options::default()
                    .prefix("a")
                    .noncurrent_versions(VersionFilter::Only)
                    .delete_markers(VersionFilter::Exclude)
                    .exact_match(false);
                c.storage().from("docs").list_v2(&options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "hasNext": false, "folders": [], "objects": [] })),
    ]
}

/// Removing versions, copy options.
fn copy_move_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "remove a file and one version of another",
            "docs",
            "remove",
            json!([["a.txt", { "path": "b.txt", "versionId": "v2" }]]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .remove([
                        RemoveEntry::from("a.txt"),
                        RemoveEntry::version("b.txt", "v2"),
                    ])
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([{ "name": "a.txt" }, { "name": "b.txt" }])),
        Case::bucket(
            "copy within the bucket",
            "docs",
            "copy",
            json!(["a.txt", "copies/a.txt"]),
            |c| async move {
                let key = c
                    .storage()
                    .from("docs")
                    .copy("a.txt", "copies/a.txt", &DestinationOptions::default())
                    .await?;
                Ok(Some(Value::from(key)))
            },
        )
        .answer_json(&json!({ "Key": "docs/copies/a.txt" }))
        .result("path"),
        Case::bucket(
            "copy an old version to another bucket",
            "docs",
            "copy",
            json!(["a.txt", "a.txt", { "destinationBucket": "archive", "sourceVersionId": "v1" }]),
            |c| async move {
                let options = DestinationOptions::default()
                    .bucket("archive")
                    .source_version("v1");
                c.storage()
                    .from("docs")
                    .copy("a.txt", "a.txt", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "archive/a.txt" })),
        Case::bucket(
            "copy with new file metadata",
            "docs",
            "copy",
            json!([
                "a.txt",
                "b.txt",
                {
                    "copyMetadata": false,
                    "metadata": {
                        "cacheControl": "max-age=60",
                        "contentEncoding": "gzip",
                        "mimetype": "text/markdown"
                    }
                }
            ]),
            |c| async move {
                let metadata = MetadataOverride::default()
                    .cache_control("max-age=60")
                    .content_encoding("gzip")
                    .content_type("text/markdown");
                let options = DestinationOptions::default()
                    .copy_metadata(false)
                    .metadata(metadata);
                c.storage()
                    .from("docs")
                    .copy("a.txt", "b.txt", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "docs/b.txt" })),
        Case::bucket(
            "copy keeping the source's metadata, said explicitly",
            "docs",
            "copy",
            json!(["a.txt", "c.txt", { "copyMetadata": true }]),
            |c| async move {
                let options = DestinationOptions::default().copy_metadata(true);
                c.storage()
                    .from("docs")
                    .copy("a.txt", "c.txt", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "docs/c.txt" })),
    ]
}

/// Moves and CDN purges.
fn move_purge_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "move to another bucket",
            "docs",
            "move",
            json!(["inbox/a.txt", "done/a.txt", { "destinationBucket": "archive" }]),
            |c| async move {
                let options = DestinationOptions::default().bucket("archive");
                c.storage()
                    .from("docs")
                    .move_object("inbox/a.txt", "done/a.txt", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully moved" })),
        Case::bucket(
            "purge an object's CDN cache",
            "public-images",
            "purgeCache",
            json!(["cats/tom.png"]),
            |c| async move {
                c.storage()
                    .from("public-images")
                    .purge_cache("cats/tom.png", &PurgeCacheOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "success" })),
        Case::bucket(
            "purge the transformations of an object with a space and a question mark",
            "public-images",
            "purgeCache",
            json!(["cats/tom 1?.png", { "transformations": true }]),
            |c| async move {
                c.storage()
                    .from("public-images")
                    .purge_cache(
                        "cats/tom 1?.png",
                        &PurgeCacheOptions::default().transformations_only(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "success" })),
    ]
}

/// The bucket API on `supabase.storage`.
fn bucket_cases() -> Vec<Case> {
    vec![
        Case::storage("list buckets", "listBuckets", json!([]), |c| async move {
            c.storage()
                .list_buckets(&ListBucketsOptions::default())
                .await?;
            Ok(None)
        })
        .answer_json(&json!([])),
        Case::storage(
            "list buckets paged, searched and sorted",
            "listBuckets",
            json!([{ "limit": 10, "offset": 5, "search": "av a", "sortColumn": "created_at", "sortOrder": "desc" }]),
            |c| async move {
                let options = ListBucketsOptions::default()
                    .limit(10)
                    .offset(5)
                    .search("av a")
                    .sort_by("created_at", false);
                c.storage().list_buckets(&options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!([])),
        Case::storage("get a bucket", "getBucket", json!(["avatars"]), |c| async move {
            c.storage().get_bucket("avatars").await?;
            Ok(None)
        })
        .answer_json(&bucket_answer()),
        Case::storage(
            "create a private bucket",
            "createBucket",
            json!(["avatars"]),
            |c| async move {
                c.storage()
                    .create_bucket("avatars", &BucketOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "name": "avatars" })),
        Case::storage(
            "create a public bucket with limits, a type and versioning",
            "createBucket",
            json!([
                "docs",
                {
                    "public": true,
                    "fileSizeLimit": 1_048_576,
                    "allowedMimeTypes": ["image/png", "image/*"],
                    "type": "STANDARD",
                    "versioningStatus": "ENABLED"
                }
            ]),
            |c| async move {
                let options = BucketOptions::default()
                    .public(true)
                    .file_size_limit(1_048_576)
                    .allowed_mime_types(["image/png", "image/*"])
                    .bucket_type("STANDARD")
                    .versioning(VersioningStatus::Enabled);
                c.storage().create_bucket("docs", &options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "name": "docs" })),
        Case::storage(
            "create a bucket with a size text and no type limit",
            "createBucket",
            json!(["big", { "public": false, "fileSizeLimit": "20MB", "allowedMimeTypes": null }]),
            |c| async move {
                let options = BucketOptions::default()
                    .file_size_limit_text("20MB")
                    .any_mime_type();
                c.storage().create_bucket("big", &options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "name": "big" })),
        Case::storage(
            "update a bucket",
            "updateBucket",
            json!(["docs", { "public": false, "fileSizeLimit": 5, "allowedMimeTypes": ["text/plain"] }]),
            |c| async move {
                let options = BucketOptions::default()
                    .public(false)
                    .file_size_limit(5)
                    .allowed_mime_types(["text/plain"]);
                c.storage().update_bucket("docs", &options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully updated" })),
        Case::storage(
            "update a bucket's size limit only: public is not sent",
            "updateBucket",
            json!(["docs", { "fileSizeLimit": 5 }]),
            |c| async move {
                let options = BucketOptions::default().file_size_limit(5);
                c.storage().update_bucket("docs", &options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully updated" })),
        Case::storage(
            "update a bucket: no size limit, versioning suspended",
            "updateBucket",
            json!(["docs", { "public": true, "fileSizeLimit": null, "versioningStatus": "SUSPENDED" }]),
            |c| async move {
                let options = BucketOptions::default()
                    .public(true)
                    .no_file_size_limit()
                    .versioning(VersioningStatus::Suspended);
                c.storage().update_bucket("docs", &options).await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully updated" })),
        Case::storage("empty a bucket", "emptyBucket", json!(["docs"]), |c| async move {
            c.storage().empty_bucket("docs").await?;
            Ok(None)
        })
        .answer_json(&json!({ "message": "Successfully emptied" })),
        Case::storage("delete a bucket", "deleteBucket", json!(["docs"]), |c| async move {
            c.storage().delete_bucket("docs").await?;
            Ok(None)
        })
        .answer_json(&json!({ "message": "Successfully deleted" })),
        Case::storage(
            "purge a bucket's CDN cache",
            "purgeBucketCache",
            json!(["public-images"]),
            |c| async move {
                c.storage()
                    .purge_bucket_cache("public-images", &PurgeCacheOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "success" })),
        Case::storage(
            "purge a bucket's cached transformations",
            "purgeBucketCache",
            json!(["public-images", { "transformations": true }]),
            |c| async move {
                let options = PurgeCacheOptions::default().transformations_only();
                c.storage()
                    .purge_bucket_cache("public-images", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "success" })),
    ]
}

fn bucket_answer() -> Value {
    json!({
        "id": "avatars",
        "name": "avatars",
        "owner": "",
        "public": false,
        "file_size_limit": null,
        "allowed_mime_types": null,
        "created_at": "2024-01-01T00:00:00Z",
        "updated_at": "2024-01-01T00:00:00Z"
    })
}

/// Bucket lifecycle policies.
fn lifecycle_cases() -> Vec<Case> {
    let rules = json!({ "rules": [{
        "id": "expire-old",
        "status": "Enabled",
        "filter": {},
        "noncurrentVersionExpiration": { "noncurrentDays": 30, "newerNoncurrentVersions": 5 }
    }] });
    vec![
        Case::storage(
            "get a bucket's lifecycle",
            "getBucketLifecycle",
            json!(["docs"]),
            |c| async move {
                c.storage().get_bucket_lifecycle("docs").await?;
                Ok(None)
            },
        )
        .answer_json(&rules),
        Case::storage(
            "update a bucket's lifecycle",
            "updateBucketLifecycle",
            json!(["docs", rules]),
            |c| async move {
                let policy =
                    LifecycleConfiguration::new([LifecycleRule::noncurrent_version_expiration(30)
                        .newer_noncurrent_versions(5)
                        .id("expire-old")]);
                c.storage().update_bucket_lifecycle("docs", &policy).await?;
                Ok(None)
            },
        )
        .answer_json(&rules),
        Case::storage(
            "update a bucket's lifecycle with a disabled rule without id",
            "updateBucketLifecycle",
            json!(["docs", { "rules": [{
                "status": "Disabled",
                "filter": {},
                "noncurrentVersionExpiration": { "noncurrentDays": 7 }
            }] }]),
            |c| async move {
                let policy = LifecycleConfiguration::new([
                    LifecycleRule::noncurrent_version_expiration(7).disabled(),
                ]);
                c.storage().update_bucket_lifecycle("docs", &policy).await?;
                Ok(None)
            },
        )
        .answer_json(&rules),
        Case::storage(
            "delete a bucket's lifecycle",
            "deleteBucketLifecycle",
            json!(["docs"]),
            |c| async move {
                c.storage().delete_bucket_lifecycle("docs").await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully deleted" })),
    ]
}

fn invalid_path(error: &CallError) -> bool {
    matches!(error, CallError::Storage(StorageError::InvalidPath { .. }))
}

const IN_BODY: &str =
    "a `..` key in the body: the server would resolve it outside the bucket's folder";

const LEAVES_BUCKET: &str =
    "a `..` segment: fetch resolves it and storage-js reaches another bucket";

/// Names with `?`, `#` or `%`: sent as the literal name, percent-encoded, where storage-js
/// pastes them into the URL.
fn literal_name_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "download a name with `?`: sent as the name, not a query",
            "docs",
            "download",
            json!(["faq/why?.txt"]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .download("faq/why?.txt", &DownloadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer(Answer::raw("text/plain", b"because"))
        .url_differs(
            "storage-js pastes the name into the URL: `?` starts a query and the object read is `faq/why`",
            "/storage/v1/object/docs/faq/why%3F.txt",
        ),
        Case::bucket(
            "upload a name with `%`: sent as the literal name",
            "docs",
            "upload",
            json!(["rates/100%25.txt", js_bytes(b"x")]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .upload("rates/100%25.txt", &b"x"[..], UploadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "docs/rates/100%25.txt" }))
        .url_differs(
            "storage-js sends `%25` as is, which the server decodes to `100%.txt`",
            "/storage/v1/object/docs/rates/100%2525.txt",
        ),
        Case::bucket(
            "info of a name with `#`: sent as the name, not a fragment",
            "docs",
            "info",
            json!(["notes/#1.md"]),
            |c| async move {
                c.storage().from("docs").info("notes/#1.md").await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "id": "i", "name": "notes/#1.md", "bucket_id": "docs" }))
        .url_differs(
            "storage-js pastes the name into the URL: `#` starts a fragment, never sent",
            "/storage/v1/object/info/docs/notes/%231.md",
        ),
    ]
}

/// Paths that would leave the bucket: storage-js sends them (and `fetch` resolves the `..`),
/// ours refuses them before any request.
fn refused_path_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "download with `..` is refused",
            "avatars",
            "download",
            json!(["../private/keys.txt"]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .download("../private/keys.txt", &DownloadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "upload with `..` in the middle is refused",
            "avatars",
            "upload",
            json!(["u1/../../private/x.txt", js_bytes(b"x")]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .upload(
                        "u1/../../private/x.txt",
                        b"x".to_vec(),
                        UploadOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "create a signed URL with `..` is refused",
            "avatars",
            "createSignedUrl",
            json!(["../private/keys.txt", 60]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .create_signed_url("../private/keys.txt", 60, &SignedUrlOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&signed("private/keys.txt"))
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "remove with `..` is refused",
            "avatars",
            "remove",
            json!([["ok.png", "../private/keys.txt"]]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .remove(["ok.png", "../private/keys.txt"])
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([]))
        .refused(IN_BODY, invalid_path),
    ]
}

/// Upload options, bodies and `update` (storage-js `uploadOrUpdate`).
fn upload_option_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "upload with a content encoding and metadata",
            "docs",
            "upload",
            json!([
                "logs/app.log.gz",
                js_bytes(b"\x1f\x8b\x08\0"),
                {
                    "contentType": "text/plain",
                    "contentEncoding": "gzip",
                    "metadata": { "owner": "u1", "tags": ["a", "b"], "n": 2 }
                }
            ]),
            |c| async move {
                let options = UploadOptions::new("text/plain")
                    .content_encoding("gzip")
                    .metadata(json!({ "owner": "u1", "tags": ["a", "b"], "n": 2 }));
                c.storage()
                    .from("docs")
                    .upload("logs/app.log.gz", &b"\x1f\x8b\x08\0"[..], options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-4", "Key": "docs/logs/app.log.gz" })),
        Case::bucket(
            "upload a string",
            "docs",
            "upload",
            json!(["notes/é.md", "# Title\n\nBody, é", { "contentType": "text/markdown" }]),
            |c| async move {
                c.storage()
                    .from("docs")
                    .upload(
                        "notes/é.md",
                        "# Title\n\nBody, é".to_owned(),
                        UploadOptions::new("text/markdown"),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-5", "Key": "docs/notes/é.md" })),
        Case::bucket(
            "upload a stream",
            "videos",
            "upload",
            json!([
                "clips/a.mp4",
                { "$stream": [B64.encode(b"part one, "), B64.encode(b"part two")] },
                { "contentType": "video/mp4", "upsert": true }
            ]),
            |c| async move {
                let chunks = futures_util::stream::iter([
                    Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"part one, ")),
                    Ok(bytes::Bytes::from_static(b"part two")),
                ]);
                c.storage()
                    .from("videos")
                    .upload(
                        "clips/a.mp4",
                        UploadBody::stream(chunks),
                        UploadOptions::new("video/mp4").upsert(true),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-6", "Key": "videos/clips/a.mp4" })),
        Case::bucket(
            "upload a file, streamed",
            "docs",
            "upload",
            json!([
                "files/data.csv",
                { "$readable": [B64.encode(b"a,b\n1,2\n")] },
                { "contentType": "text/csv", "cacheControl": "0" }
            ]),
            |c| async move {
                let path = std::env::temp_dir()
                    .join(format!("storage-compare-{}.csv", std::process::id()));
                tokio::fs::write(&path, b"a,b\n1,2\n").await.unwrap();
                let file = tokio::fs::File::open(&path).await.unwrap();
                let result = c
                    .storage()
                    .from("docs")
                    .upload(
                        "files/data.csv",
                        UploadBody::file(file),
                        UploadOptions::new("text/csv").cache_control(0),
                    )
                    .await;
                tokio::fs::remove_file(&path).await.unwrap();
                result?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-7", "Key": "docs/files/data.csv" })),
    ]
}

/// `update` (`PUT`, no `x-upsert`).
fn update_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "update a file",
            "avatars",
            "update",
            json!(["u1/me.png", js_bytes(b"\x89PNG2"), { "contentType": "image/png", "cacheControl": "120" }]),
            |c| async move {
                let uploaded = c
                    .storage()
                    .from("avatars")
                    .update(
                        "u1/me.png",
                        &b"\x89PNG2"[..],
                        UploadOptions::new("image/png").cache_control(120),
                    )
                    .await?;
                Ok(Some(Value::from(uploaded.path)))
            },
        )
        .answer_json(&json!({ "Id": "id-2", "Key": "avatars/u1/me.png" }))
        .result("path"),
        Case::bucket(
            "update a file with metadata and upsert set (no x-upsert on PUT)",
            "avatars",
            "update",
            json!(["/u1//me.png", js_bytes(b"x"), { "upsert": true, "metadata": { "v": 2 } }]),
            |c| async move {
                let options = UploadOptions::default()
                    .upsert(true)
                    .metadata(json!({ "v": 2 }));
                c.storage()
                    .from("avatars")
                    .update("/u1//me.png", &b"x"[..], options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Id": "id-2", "Key": "avatars/u1/me.png" })),
    ]
}

/// Signed upload URLs.
fn signed_upload_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "create a signed upload URL",
            "avatars",
            "createSignedUploadUrl",
            json!(["u1/new.png"]),
            |c| async move {
                let signed = c
                    .storage()
                    .from("avatars")
                    .create_signed_upload_url("u1/new.png", false)
                    .await?;
                Ok(Some(json!({
                    "signedUrl": signed.signed_url,
                    "token": signed.token,
                    "path": signed.path,
                })))
            },
        )
        .answer_json(&json!({ "url": "/object/upload/sign/avatars/u1/new.png?token=up.tok" }))
        .result("$data"),
        Case::bucket(
            "create a signed upload URL that may replace the file",
            "avatars",
            "createSignedUploadUrl",
            json!(["u1/my pic.png", { "upsert": true }]),
            |c| async move {
                let signed = c
                    .storage()
                    .from("avatars")
                    .create_signed_upload_url("u1/my pic.png", true)
                    .await?;
                Ok(Some(Value::from(signed.signed_url)))
            },
        )
        .answer_json(&json!({ "url": "/object/upload/sign/avatars/u1/my%20pic.png?token=up.tok2" }))
        .result("signedUrl"),
        Case::bucket(
            "upload to a signed URL",
            "avatars",
            "uploadToSignedUrl",
            json!(["u1/new.png", "up.tok", js_bytes(b"\x89PNG"), { "contentType": "image/png" }]),
            |c| async move {
                let uploaded = c
                    .storage()
                    .from("avatars")
                    .upload_to_signed_url(
                        "u1/new.png",
                        "up.tok",
                        &b"\x89PNG"[..],
                        UploadOptions::new("image/png"),
                    )
                    .await?;
                Ok(Some(
                    json!({ "path": uploaded.path, "fullPath": uploaded.full_path }),
                ))
            },
        )
        .answer_json(&json!({ "Key": "avatars/u1/new.png" }))
        .result("$data"),
        Case::bucket(
            "upload to a signed URL with upsert, cache control, encoding and metadata",
            "avatars",
            "uploadToSignedUrl",
            json!([
                "/u1/new.svg",
                "tok/with+chars=",
                js_bytes(b"<svg/>"),
                {
                    "contentType": "image/svg+xml",
                    "upsert": true,
                    "cacheControl": "86400",
                    "contentEncoding": "identity",
                    "metadata": { "from": "browser" }
                }
            ]),
            |c| async move {
                let options = UploadOptions::new("image/svg+xml")
                    .upsert(true)
                    .cache_control(86400)
                    .content_encoding("identity")
                    .metadata(json!({ "from": "browser" }));
                c.storage()
                    .from("avatars")
                    .upload_to_signed_url("/u1/new.svg", "tok/with+chars=", &b"<svg/>"[..], options)
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "avatars/u1/new.svg" })),
    ]
}

fn thumbnail() -> Transform {
    Transform::default()
        .width(200)
        .height(100)
        .resize(Resize::Contain)
        .quality(75)
        .format(Format::Origin)
}

fn js_thumbnail() -> Value {
    json!({ "width": 200, "height": 100, "resize": "contain", "quality": 75, "format": "origin" })
}

/// Downloads with options, streams, info and exists.
fn download_option_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "download a transformed image",
            "public-images",
            "download",
            json!(["cats/tom.png", { "transform": js_thumbnail() }]),
            |c| async move {
                let options = DownloadOptions::default().transform(thumbnail());
                c.storage()
                    .from("public-images")
                    .download("cats/tom.png", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer(Answer::raw("image/png", b"\x89PNG")),
        Case::bucket(
            "download a version with a cache nonce",
            "docs",
            "download",
            json!(["a b.txt", { "cacheNonce": "n 1", "versionId": "v/2" }]),
            |c| async move {
                let options = DownloadOptions::default()
                    .cache_nonce("n 1")
                    .version_id("v/2");
                c.storage()
                    .from("docs")
                    .download("a b.txt", &options)
                    .await?;
                Ok(None)
            },
        )
        .answer(Answer::raw("text/plain", b"old")),
        Case::bucket(
            "download as a stream",
            "videos",
            "download",
            json!(["clips/a.mp4"]),
            |c| async move {
                use futures_util::TryStreamExt as _;
                let file = c
                    .storage()
                    .from("videos")
                    .download_stream("clips/a.mp4", &DownloadOptions::default())
                    .await?;
                assert_eq!(file.headers.content_type.as_deref(), Some("video/mp4"));
                let chunks: Vec<bytes::Bytes> = file.try_collect().await?;
                assert_eq!(chunks.concat(), b"video bytes");
                Ok(None)
            },
        )
        .chain(&["asStream"])
        .answer(Answer::raw("video/mp4", b"video bytes")),
        Case::bucket(
            "download a transformed image as a stream",
            "public-images",
            "download",
            json!(["cats/tom.png", { "transform": { "width": 64 } }]),
            |c| async move {
                use futures_util::TryStreamExt as _;
                let options = DownloadOptions::default().transform(Transform::default().width(64));
                let _: Vec<bytes::Bytes> = c
                    .storage()
                    .from("public-images")
                    .download_stream("cats/tom.png", &options)
                    .await?
                    .try_collect()
                    .await?;
                Ok(None)
            },
        )
        .chain(&["asStream"])
        .answer(Answer::raw("image/png", b"\x89PNG")),
    ]
}

/// `info` and `exists`.
fn info_cases() -> Vec<Case> {
    vec![
        Case::bucket("file info", "docs", "info", json!(["reports/q1.pdf"]), |c| async move {
            let info = c.storage().from("docs").info("reports/q1.pdf").await?;
            Ok(Some(json!({ "id": info.id, "name": info.name, "size": info.size })))
        })
        .answer_json(&json!({
            "id": "id-9",
            "name": "reports/q1.pdf",
            "bucket_id": "docs",
            "version": "v1",
            "size": 1234,
            "content_type": "application/pdf",
            "cache_control": "max-age=3600",
            "etag": "\"abc\"",
            "metadata": {},
            "created_at": "2024-01-01T00:00:00Z"
        }))
        .result("$info"),
        Case::bucket("a file exists", "docs", "exists", json!(["reports/q1.pdf"]), |c| async move {
            Ok(Some(Value::from(
                c.storage().from("docs").exists("reports/q1.pdf").await?,
            )))
        })
        .answer_json(&json!({ "id": "id-9", "name": "reports/q1.pdf", "bucket_id": "docs" }))
        .result("$data"),
        Case::bucket(
            "a file does not exist",
            "docs",
            "exists",
            json!(["reports/none.pdf"]),
            |c| async move {
                Ok(Some(Value::from(
                    c.storage().from("docs").exists("reports/none.pdf").await?,
                )))
            },
        )
        .answer(Answer {
            status: 404,
            headers: vec![("content-type", "application/json".to_owned())],
            body: br#"{"statusCode":"404","code":"NoSuchKey","error":"not_found","message":"Object not found"}"#.to_vec(),
        })
        .js_error_expected("Object not found")
        .result("$data"),
    ]
}

/// Signed and public URL options.
fn url_option_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "create a signed download URL",
            "docs",
            "createSignedUrl",
            json!(["reports/q1.pdf", 60, { "download": true }]),
            |c| async move {
                let options = SignedUrlOptions::default().download(true);
                let url = c
                    .storage()
                    .from("docs")
                    .create_signed_url("reports/q1.pdf", 60, &options)
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&signed("docs/reports/q1.pdf"))
        .result("signedUrl"),
        Case::bucket(
            "create a signed URL downloading under another name",
            "docs",
            "createSignedUrl",
            json!(["reports/q1.pdf", 60, { "download": "Q1 report-final_v2.pdf", "cacheNonce": "7" }]),
            |c| async move {
                let options = SignedUrlOptions::default()
                    .download_as("Q1 report-final_v2.pdf")
                    .cache_nonce("7");
                let url = c
                    .storage()
                    .from("docs")
                    .create_signed_url("reports/q1.pdf", 60, &options)
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&signed("docs/reports/q1.pdf"))
        .result("signedUrl"),
        Case::bucket(
            "create a signed URL downloading under a non-ASCII name",
            "docs",
            "createSignedUrl",
            json!(["reports/q1.pdf", 60, { "download": "Q1 report é.pdf", "cacheNonce": "7" }]),
            |c| async move {
                let options = SignedUrlOptions::default()
                    .download_as("Q1 report é.pdf")
                    .cache_nonce("7");
                let url = c
                    .storage()
                    .from("docs")
                    .create_signed_url("reports/q1.pdf", 60, &options)
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&signed("docs/reports/q1.pdf"))
        .result("signedUrl")
        .result_differs(
            "storage-js passes the form-encoded query through encodeURI again: %C3%A9 becomes \
             %25C3%25A9 and the name arrives mangled",
            Value::from(format!(
                "{}/storage/v1/object/sign/docs/reports/q1.pdf?token=t0k.en&download=Q1+report+%C3%A9.pdf&cacheNonce=7",
                server().url
            )),
        ),
        Case::bucket(
            "create a signed URL of a transformed version",
            "public-images",
            "createSignedUrl",
            json!(["cats/tom.png", 600, { "transform": js_thumbnail(), "versionId": "v3" }]),
            |c| async move {
                let options = SignedUrlOptions::default()
                    .transform(thumbnail())
                    .version_id("v3");
                let url = c
                    .storage()
                    .from("public-images")
                    .create_signed_url("cats/tom.png", 600, &options)
                    .await?;
                Ok(Some(Value::from(url)))
            },
        )
        .answer_json(&json!({ "signedURL": "/render/image/sign/public-images/cats/tom.png?token=t0k" }))
        .result("signedUrl"),
    ]
}

/// Signed URLs of many files, public URLs with options.
fn public_url_option_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "create signed download URLs",
            "docs",
            "createSignedUrls",
            json!([["a.txt", "b.txt"], 30, { "download": true, "cacheNonce": "x" }]),
            |c| async move {
                let options = SignedUrlOptions::default().download(true).cache_nonce("x");
                let urls = c
                    .storage()
                    .from("docs")
                    .create_signed_urls(["a.txt", "b.txt"], 30, &options)
                    .await?;
                Ok(Some(
                    urls.into_iter()
                        .map(|u| json!({ "path": u.path, "signedUrl": u.signed_url, "error": u.error }))
                        .collect(),
                ))
            },
        )
        .answer_json(&json!([
            { "path": "a.txt", "signedURL": "/object/sign/docs/a.txt?token=t1", "error": null },
            { "path": "b.txt", "signedURL": "/object/sign/docs/b.txt?token=t2", "error": null }
        ]))
        .result("$signedUrls"),
        Case::bucket(
            "public URL downloading",
            "public-images",
            "getPublicUrl",
            json!(["cats/tom.png", { "download": true }]),
            |c| async move {
                let options = SignedUrlOptions::default().download(true);
                Ok(Some(Value::from(
                    c.storage().from("public-images").public_url("cats/tom.png", &options)?,
                )))
            },
        )
        .result("publicUrl"),
        Case::bucket(
            "public URL of a transformed image",
            "public-images",
            "getPublicUrl",
            json!(["cats/tom 1.png", { "transform": js_thumbnail() }]),
            |c| async move {
                let options = SignedUrlOptions::default().transform(thumbnail());
                Ok(Some(Value::from(
                    c.storage().from("public-images").public_url("cats/tom 1.png", &options)?,
                )))
            },
        )
        .result("publicUrl"),
        Case::bucket(
            "public URL with every option",
            "public-images",
            "getPublicUrl",
            json!(["cats/tom.png", {
                "download": "tom & jerry.png",
                "transform": { "width": 10, "resize": "fill" },
                "cacheNonce": "n",
                "versionId": "v1"
            }]),
            |c| async move {
                let options = SignedUrlOptions::default()
                    .download_as("tom & jerry.png")
                    .transform(Transform::default().width(10).resize(Resize::Fill))
                    .cache_nonce("n")
                    .version_id("v1");
                Ok(Some(Value::from(
                    c.storage().from("public-images").public_url("cats/tom.png", &options)?,
                )))
            },
        )
        .result("publicUrl"),
    ]
}

/// More paths leaving the bucket, through the file API of part 1.
fn more_refused_path_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "copy to `..` is refused",
            "avatars",
            "copy",
            json!(["u1/me.png", "../private/me.png"]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .copy(
                        "u1/me.png",
                        "../private/me.png",
                        &DestinationOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "Key": "private/me.png" }))
        .refused(IN_BODY, invalid_path),
        Case::bucket(
            "move from `..` is refused",
            "avatars",
            "move",
            json!(["u1/../../private/keys.txt", "u1/keys.txt"]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .move_object(
                        "u1/../../private/keys.txt",
                        "u1/keys.txt",
                        &DestinationOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "Successfully moved" }))
        .refused(IN_BODY, invalid_path),
        Case::bucket(
            "signed URLs with one `..` path are refused",
            "avatars",
            "createSignedUrls",
            json!([["u1/me.png", "../private/keys.txt"], 60]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .create_signed_urls(
                        ["u1/me.png", "../private/keys.txt"],
                        60,
                        &SignedUrlOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([]))
        .refused(IN_BODY, invalid_path),
    ]
}

/// Bucket ids and cache purges that would leave their place, refused before any request.
fn refused_bucket_cases() -> Vec<Case> {
    vec![
        Case::bucket(
            "purge the cache of `..` is refused",
            "avatars",
            "purgeCache",
            json!(["../private/keys.txt"]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .purge_cache("../private/keys.txt", &PurgeCacheOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "message": "success" }))
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "a `..` bucket id is refused",
            "..",
            "download",
            json!(["auth/v1/admin/users"]),
            |c| async move {
                c.storage()
                    .from("..")
                    .download("auth/v1/admin/users", &DownloadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .refused(
            "the bucket id `..`: fetch resolves it to /storage/v1/auth/v1/admin/users",
            invalid_path,
        ),
        Case::storage(
            "a bucket id with `/` is refused",
            "getBucket",
            json!(["avatars/../../../rest/v1/users"]),
            |c| async move {
                c.storage()
                    .get_bucket("avatars/../../../rest/v1/users")
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&bucket_answer())
        .refused(
            "a bucket id is one segment: storage-js pastes it and fetch resolves it to /rest/v1/users",
            invalid_path,
        ),
        Case::bucket(
            "update with `..` is refused",
            "avatars",
            "update",
            json!(["../private/keys.txt", js_bytes(b"x")]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .update("../private/keys.txt", &b"x"[..], UploadOptions::default())
                    .await?;
                Ok(None)
            },
        )
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "upload to a signed URL with `..` is refused",
            "avatars",
            "uploadToSignedUrl",
            json!(["a/../../private/x", "tok", js_bytes(b"x")]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .upload_to_signed_url(
                        "a/../../private/x",
                        "tok",
                        &b"x"[..],
                        UploadOptions::default(),
                    )
                    .await?;
                Ok(None)
            },
        )
        .refused(LEAVES_BUCKET, invalid_path),
        Case::bucket(
            "file info with `..` is refused",
            "avatars",
            "info",
            json!(["../private/keys.txt"]),
            |c| async move {
                c.storage()
                    .from("avatars")
                    .info("../private/keys.txt")
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "id": "x", "name": "keys.txt", "bucket_id": "private" }))
        .refused(LEAVES_BUCKET, invalid_path),
    ]
}

fn function_cases() -> Vec<Case> {
    [
        function_body_cases(),
        function_other_body_cases(),
        function_method_cases(),
        function_header_cases(),
        function_region_cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

fn function_body_cases() -> Vec<Case> {
    vec![
        Case::invoke(
            "invoke with a JSON body",
            json!(["hello", { "body": { "name": "Ada", "n": 1, "nested": { "z": true, "a": [1, 2] } } }]),
            |c| async move {
                let response = c
                    .functions()
                    .invoke("hello")
                    .json(&json!({ "name": "Ada", "n": 1, "nested": { "z": true, "a": [1, 2] } }))
                    .send()
                    .await?;
                Ok(Some(response.json::<Value>().await?))
            },
        )
        .answer_json(&json!({ "greeting": "Hello Ada" }))
        .result("$data"),
        Case::invoke(
            "invoke without a body",
            json!(["ping"]),
            |c| async move {
                let response = c.functions().invoke("ping").send().await?;
                Ok(Some(Value::from(response.text().await?)))
            },
        )
        .answer(Answer::raw("text/plain", b"pong"))
        .result("$data"),
        Case::invoke(
            "invoke with a text body",
            json!(["echo", { "body": "plain text, é" }]),
            |c| async move {
                let response = c
                    .functions()
                    .invoke("echo")
                    .text("plain text, é")
                    .send()
                    .await?;
                Ok(Some(Value::from(response.text().await?)))
            },
        )
        .answer(Answer::raw("text/plain;charset=utf-8", "plain text, é".as_bytes()))
        .result("$data"),
        Case::invoke(
            "invoke with bytes",
            json!(["resize", { "body": js_array_buffer(b"\0\x01\x02\xff") }]),
            |c| async move {
                c.functions()
                    .invoke("resize")
                    .bytes(&b"\0\x01\x02\xff"[..])
                    .send()
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!({ "ok": true })),
        Case::invoke(
            "invoke with a legacy anon key: the key is the bearer",
            json!(["hello", { "body": { "name": "Ada" } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .json(&json!({ "name": "Ada" }))
                    .send()
                    .await?;
                Ok(None)
            },
        )
        .key(&legacy_anon_key()),
        Case::invoke(
            "invoke with global headers, the call's own header winning",
            json!(["hello", { "headers": { "x-app": "call" }, "body": { "n": 1 } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .header("x-app", "call")
                    .json(&json!({ "n": 1 }))
                    .send()
                    .await?;
                Ok(None)
            },
        )
        .global_headers(&[("x-app", "global"), ("x-tenant", "acme")]),
        Case::invoke(
            "invoke signed in: the user's token is the bearer",
            json!(["hello", { "body": { "name": "Ada" } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .json(&json!({ "name": "Ada" }))
                    .send()
                    .await?;
                Ok(None)
            },
        )
        .signed_in(),
    ]
}

/// Bodies beyond JSON, text and bytes.
fn function_other_body_cases() -> Vec<Case> {
    vec![
        Case::invoke(
            "invoke with an empty text",
            json!(["echo", { "body": "" }]),
            |c| async move {
                c.functions().invoke("echo").text("").send().await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with a typed blob",
            json!(["thumbnail", { "body": { "$blob": B64.encode(b"\x89PNG"), "type": "image/png" } }]),
            |c| async move {
                c.functions()
                    .invoke("thumbnail")
                    .header("content-type", "image/png")
                    .bytes(&b"\x89PNG"[..])
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with a form",
            json!(["subscribe", {
                "body": "email=ada%40example.com&name=Ada+Lovelace&tags=a%26b",
                "headers": { "Content-Type": "application/x-www-form-urlencoded" }
            }]),
            |c| async move {
                c.functions()
                    .invoke("subscribe")
                    .form(&[
                        ("email", "ada@example.com"),
                        ("name", "Ada Lovelace"),
                        ("tags", "a&b"),
                    ])
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with a multipart form",
            json!(["upload", { "body": { "$form": [
                ["title", "Report é"],
                ["file", { "$blob": B64.encode(b"\0\x01hello"), "filename": "report.bin" }]
            ] } }]),
            |c| async move {
                let file = reqwest::multipart::Part::bytes(b"\0\x01hello".to_vec())
                    .file_name("report.bin")
                    .mime_str("application/octet-stream")
                    .unwrap();
                let form = reqwest::multipart::Form::new()
                    .text("title", "Report é")
                    .part("file", file);
                c.functions()
                    .invoke("upload")
                    .multipart(form)
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with a streamed body, the bytes functions-js sends whole",
            json!(["ingest", { "body": js_array_buffer(b"chunk one, chunk two") }]),
            |c| async move {
                let chunks = futures_util::stream::iter([
                    Ok::<_, std::io::Error>(bytes::Bytes::from_static(b"chunk one, ")),
                    Ok(bytes::Bytes::from_static(b"chunk two")),
                ]);
                c.functions()
                    .invoke("ingest")
                    .body_stream(chunks)
                    .send()
                    .await?;
                Ok(None)
            },
        ),
    ]
}

/// Methods, and names that make other URLs.
fn function_method_cases() -> Vec<Case> {
    vec![
        Case::invoke(
            "invoke with GET",
            json!(["reports", { "method": "GET" }]),
            |c| async move {
                c.functions()
                    .invoke("reports")
                    .method(http::Method::GET)
                    .send()
                    .await?;
                Ok(None)
            },
        )
        .answer_json(&json!([])),
        Case::invoke(
            "invoke with PUT and JSON",
            json!(["settings", { "method": "PUT", "body": { "theme": "dark", "beta": false } }]),
            |c| async move {
                c.functions()
                    .invoke("settings")
                    .method(http::Method::PUT)
                    .json(&json!({ "theme": "dark", "beta": false }))
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with PATCH and text",
            json!(["notes/42", { "method": "PATCH", "body": "new text" }]),
            |c| async move {
                c.functions()
                    .invoke("notes/42")
                    .method(http::Method::PATCH)
                    .text("new text")
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with DELETE",
            json!(["notes/42", { "method": "DELETE" }]),
            |c| async move {
                c.functions()
                    .invoke("notes/42")
                    .method(http::Method::DELETE)
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke a name with a space and non-ASCII letters",
            json!(["héllo wörld"]),
            |c| async move {
                c.functions().invoke("héllo wörld").send().await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke a name with `..` is refused",
            json!(["../admin/users"]),
            |c| async move {
                c.functions().invoke("../admin/users").send().await?;
                Ok(None)
            },
        )
        .refused(
            "a `..` segment: fetch resolves it and functions-js reaches /functions/admin/users",
            invalid_name,
        ),
        Case::invoke(
            "invoke a name with `?` is refused",
            json!(["hello?admin=true"]),
            |c| async move {
                c.functions().invoke("hello?admin=true").send().await?;
                Ok(None)
            },
        )
        .refused(
            "a `?` would start a query string under the function's name",
            invalid_name,
        ),
    ]
}

fn invalid_name(error: &CallError) -> bool {
    matches!(
        error,
        CallError::Functions(FunctionsError::InvalidName { .. })
    )
}

/// The caller's headers, which win over the library's.
fn function_header_cases() -> Vec<Case> {
    vec![
        Case::invoke(
            "invoke with custom headers",
            json!(["hello", { "headers": { "X-Report-Format": "summary", "x-trace": "a, b" }, "body": { "n": 1 } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .header("X-Report-Format", "summary")
                    .header("x-trace", "a, b")
                    .json(&json!({ "n": 1 }))
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with the caller's Content-Type over JSON's",
            json!(["hello", { "headers": { "Content-Type": "application/vnd.api+json" }, "body": { "data": [] } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .json(&json!({ "data": [] }))
                    .header("Content-Type", "application/vnd.api+json")
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with the caller's Authorization",
            json!(["hello", { "headers": { "Authorization": "Bearer caller-token" } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .header("authorization", "Bearer caller-token")
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with the caller's apikey",
            json!(["hello", { "headers": { "apikey": "sb_publishable_other" } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .header("apikey", "sb_publishable_other")
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke with a timeout",
            json!(["slow", { "timeout": 5000, "body": { "wait": 1 } }]),
            |c| async move {
                c.functions()
                    .invoke("slow")
                    .timeout(std::time::Duration::from_secs(5))
                    .json(&json!({ "wait": 1 }))
                    .send()
                    .await?;
                Ok(None)
            },
        ),
    ]
}

fn function_region_cases() -> Vec<Case> {
    vec![
        Case::invoke(
            "invoke in a region",
            json!(["hello", { "region": "eu-west-1", "body": { "n": 1 } }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .region(FunctionRegion::EuWest1)
                    .json(&json!({ "n": 1 }))
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke in any region: nothing sent",
            json!(["hello", { "region": "any" }]),
            |c| async move {
                c.functions()
                    .invoke("hello")
                    .region(FunctionRegion::Any)
                    .send()
                    .await?;
                Ok(None)
            },
        ),
        Case::invoke(
            "invoke a sub-path with GET in a region not in the list",
            json!(["api/users/1", { "method": "GET", "region": "me-central-1" }]),
            |c| async move {
                c.functions()
                    .invoke("api/users/1")
                    .method(http::Method::GET)
                    .region("me-central-1")
                    .send()
                    .await?;
                Ok(None)
            },
        ),
    ]
}

/// The access token of the signed-in cases: a user's JWT, valid for an hour (its signature is
/// not checked by either client).
fn user_access_token() -> String {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN
        .get_or_init(|| {
            let part = |value: Value| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
            };
            let exp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs()
                + 3600;
            format!(
                "{}.{}.c2lnbmF0dXJl",
                part(json!({ "alg": "HS256", "typ": "JWT" })),
                part(json!({
                    "sub": "8f2e5a3c-1111-4222-8333-944455556666",
                    "aud": "authenticated",
                    "role": "authenticated",
                    "exp": exp,
                    "session_id": "5b0e8b1c-aaaa-4bbb-8ccc-ddddeeeeffff"
                }))
            )
        })
        .clone()
}

/// The `Cookie` header of a signed-in user's session, as our cookie writer writes it (read alike
/// by @supabase/ssr).
fn session_cookie_header() -> String {
    let token = user_access_token();
    let expires_at = token_expiry(&token);
    let session = Session::from_value(json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": 3600,
        "expires_at": expires_at,
        "refresh_token": "refresh-1",
        "user": {
            "id": "8f2e5a3c-1111-4222-8333-944455556666",
            "aud": "authenticated",
            "role": "authenticated",
            "email": "ada@example.com",
            "app_metadata": { "provider": "email" },
            "user_metadata": {},
            "created_at": "2024-01-01T00:00:00Z"
        }
    }))
    .unwrap();
    let config = Config::new(server().url.as_str(), KEY).unwrap();
    let mut state = CookieState::new(Arc::new(config), []);
    state.set_session(&session);
    state
        .response_cookies()
        .set_cookies()
        .iter()
        .map(|c| c.split(';').next().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("; ")
}

fn token_expiry(token: &str) -> u64 {
    let payload = token.split('.').nth(1).unwrap();
    let payload: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    payload["exp"].as_u64().unwrap()
}

/// A legacy anon key: a JWT whose `role` is `anon` (its signature is not checked here).
fn legacy_anon_key() -> String {
    let part =
        |value: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    format!(
        "{}.{}.c2lnbmF0dXJl",
        part(json!({ "alg": "HS256", "typ": "JWT" })),
        part(json!({ "iss": "supabase", "ref": "abcdefghijklmnop", "role": "anon" }))
    )
}

// ---- the comparison ----

/// A request as compared: headers filtered, body normalized (see the module's documentation).
fn normalized(request: &Recorded) -> Value {
    let mut headers = serde_json::Map::new();
    let content_type = request.headers.get("content-type").cloned();
    for (name, value) in &request.headers {
        if IGNORED_HEADERS.contains(&name.as_str()) || (name == "accept" && value == "*/*") {
            continue;
        }
        let value = if name == "content-type" && value.starts_with("multipart/form-data") {
            // The boundary is random on both sides.
            "multipart/form-data; boundary=<boundary>".to_owned()
        } else {
            value.clone()
        };
        headers.insert(name.clone(), Value::from(value));
    }
    json!({
        "method": request.method,
        "url": request.url,
        "headers": headers,
        "body": request.body.as_deref().map(|b| body(content_type.as_deref(), b)),
    })
}

fn body(content_type: Option<&str>, bytes: &[u8]) -> Value {
    let media = content_type
        .and_then(|c| c.split(';').next())
        .map(|c| c.trim().to_ascii_lowercase());
    match media.as_deref() {
        Some("application/json") => match serde_json::from_slice::<Value>(bytes) {
            // `preserve_order` (a dev-dependency feature): re-serialized, keys keep their order.
            Ok(json) => json!({ "json": json.to_string() }),
            Err(_) => json!({ "invalid json": String::from_utf8_lossy(bytes) }),
        },
        Some("multipart/form-data") => {
            let boundary = content_type
                .and_then(|c| c.split("boundary=").nth(1))
                .map(|b| b.trim_matches('"'))
                .unwrap_or_default();
            json!({ "multipart": multipart_parts(boundary, bytes) })
        }
        _ => match std::str::from_utf8(bytes) {
            Ok(text) => json!({ "text": text }),
            Err(_) => json!({ "base64": B64.encode(bytes) }),
        },
    }
}

/// The parts of a multipart body: each part's headers (lower-case names) and content.
fn multipart_parts(boundary: &str, bytes: &[u8]) -> Value {
    let delimiter = format!("--{boundary}");
    let text = bytes;
    let mut parts = Vec::new();
    let mut chunks = split(text, delimiter.as_bytes()).into_iter();
    let preamble = chunks.next().unwrap_or_default();
    if !preamble.is_empty() {
        parts.push(json!({ "preamble": B64.encode(preamble) }));
    }
    for chunk in chunks {
        if chunk.starts_with(b"--") {
            // The closing delimiter; what follows it is the epilogue (a CRLF).
            let epilogue = &chunk[2..];
            if epilogue != b"\r\n" && !epilogue.is_empty() {
                parts.push(json!({ "epilogue": B64.encode(epilogue) }));
            }
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let (head, content) = match find(chunk, b"\r\n\r\n") {
            Some(at) => (&chunk[..at], &chunk[at + 4..]),
            None => (chunk, &[][..]),
        };
        let headers: Vec<Value> = String::from_utf8_lossy(head)
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|line| match line.split_once(':') {
                Some((name, value)) => {
                    Value::from(format!("{}: {}", name.to_ascii_lowercase(), value.trim()))
                }
                None => Value::from(line),
            })
            .collect();
        let content = match std::str::from_utf8(content) {
            Ok(text) => json!({ "text": text }),
            Err(_) => json!({ "base64": B64.encode(content) }),
        };
        parts.push(json!({ "headers": headers, "content": content }));
    }
    Value::from(parts)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split<'a>(mut haystack: &'a [u8], delimiter: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(at) = find(haystack, delimiter) {
        out.push(&haystack[..at]);
        haystack = &haystack[at + delimiter.len()..];
    }
    out.push(haystack);
    out
}

fn js_recorded(value: &Value) -> Recorded {
    Recorded {
        method: value["method"].as_str().unwrap().to_owned(),
        url: value["url"].as_str().unwrap().to_owned(),
        headers: value["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
        // An empty body is no bytes on the wire, as the server records it.
        body: value["body"]
            .as_str()
            .map(|b| B64.decode(b).unwrap())
            .filter(|b| !b.is_empty()),
    }
}

/// Runs every case through supabase-js and through ours, and lists each difference.
async fn compare(cases: Vec<Case>, minimum: usize) {
    assert!(
        cases.len() >= minimum,
        "the comparison needs at least {minimum} calls, has {}",
        cases.len()
    );
    let mut names: Vec<_> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names must be unique");

    let _turn = TURN.lock().await;
    let server = server();
    let input = json!({
        "url": server.url,
        "key": KEY,
        "cases": cases
            .iter()
            .map(|case| {
                let mut js = case.js.clone();
                js["name"] = Value::from(case.name);
                js["answer"] = case.answer.to_js();
                js["result"] = case.result.map_or(Value::Null, Value::from);
                js
            })
            .collect::<Vec<_>>(),
    });
    let node = NodeScripts::for_test();
    let js: Vec<Value> = serde_json::from_str(
        &node
            .run("storage-functions-requests.mjs", &[], &input.to_string())
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap();
    assert_eq!(js.len(), cases.len(), "JavaScript did not run every case");

    let client = |case: &Case| {
        let key = case.js["key"].as_str().unwrap_or(KEY);
        let mut builder = Supabase::builder(server.url.as_str(), key);
        if let Some(headers) = case.js["global_headers"].as_object() {
            let mut map = http::HeaderMap::new();
            for (name, value) in headers {
                map.insert(
                    http::HeaderName::try_from(name.as_str()).unwrap(),
                    http::HeaderValue::try_from(value.as_str().unwrap()).unwrap(),
                );
            }
            builder = builder.global_headers(map);
        }
        let supabase = builder.build().unwrap();
        match case.js["cookie_header"].as_str() {
            Some(cookies) => supabase.client([cookies]),
            None => supabase.client([]),
        }
    };
    let mut failures = Vec::new();
    for (case, js) in cases.iter().zip(&js) {
        assert_eq!(js["name"], case.name);
        {
            let mut state = server.state.lock().unwrap();
            state.recorded.clear();
            state.answer = Some(case.answer.clone());
        }
        let outcome = (case.rust)(client(case)).await;
        let ours = std::mem::take(&mut server.state.lock().unwrap().recorded);
        check(case, js, &ours, outcome, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The JavaScript result a case compares: as printed, but for `$signedUrls` (createSignedUrls)
/// each entry's path, signed URL and error only (not the server's `signedURL`).
fn js_result(path: &str, result: &Value) -> Value {
    if path == "$info" {
        // info: a few of its (camelCased) fields.
        return json!({ "id": result["id"], "name": result["name"], "size": result["size"] });
    }
    if path == "$page" {
        // listV2: the cursor and whether a page follows.
        return json!({ "nextCursor": result["nextCursor"], "hasNext": result["hasNext"] });
    }
    if path != "$signedUrls" {
        return result.clone();
    }
    let entry =
        |i: &Value| json!({ "path": i["path"], "signedUrl": i["signedUrl"], "error": i["error"] });
    Value::from(
        result
            .as_array()
            .map(|items| items.iter().map(entry).collect::<Vec<_>>())
            .unwrap_or_default(),
    )
}

/// Why the JavaScript call's error (or its absence) is not what the case expects.
fn js_error_failure(case: &Case, js: &Value) -> Option<String> {
    let js_error = js["error"].as_str().unwrap_or_default();
    let as_expected = match case.js_error_expected {
        None => js["ok"] == Value::Bool(true),
        Some(text) => {
            js["ok"] == Value::Bool(false)
                && !js_error.starts_with("threw:")
                && js_error.contains(text)
        }
    };
    (!as_expected).then(|| {
        format!(
            "{}: the JavaScript call {}: {}",
            case.name,
            match case.js_error_expected {
                Some(text) => format!("should have answered an error with `{text}`"),
                None => "failed".to_owned(),
            },
            js["error"]
        )
    })
}

/// Compares one case's requests and result on both sides; adds each difference to `failures`.
fn check(case: &Case, js: &Value, ours: &[Recorded], outcome: Outcome, failures: &mut Vec<String>) {
    let name = case.name;
    let js_requests: Vec<Recorded> = js["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(js_recorded)
        .collect();

    if let Some(failure) = js_error_failure(case, js) {
        failures.push(failure);
        return;
    }
    if let Some(refusal) = &case.refusal {
        match &outcome {
            Err(error) if (refusal.expected)(error) => {}
            other => failures.push(format!(
                "{name}: ours should refuse ({}), got {other:?}",
                refusal.why
            )),
        }
        if !ours.is_empty() {
            failures.push(format!("{name}: ours refused but sent {ours:?}"));
        }
        if js_requests.is_empty() {
            failures.push(format!(
                "{name}: marked refused, but the JavaScript library sent nothing either"
            ));
        }
        return;
    }
    let value = match outcome {
        Ok(value) => value,
        Err(error) => {
            failures.push(format!("{name}: our call failed: {error:?}"));
            return;
        }
    };
    if case.js["cookie_header"].is_string() {
        // Signed in, the bearer is the user's token on both sides (compared below), not the key.
        let bearer = format!("Bearer {}", user_access_token());
        if ours
            .iter()
            .any(|r| r.headers.get("authorization") != Some(&bearer))
        {
            failures.push(format!(
                "{name}: signed in, but the user's token was not the bearer"
            ));
        }
    }
    let mut theirs: Vec<Value> = js_requests.iter().map(normalized).collect();
    let ours: Vec<Value> = ours.iter().map(normalized).collect();
    if let Some((why, url)) = case.url_differs {
        let (js_url, our_url) = (
            theirs.first().map(|r| &r["url"]),
            ours.first().map(|r| &r["url"]),
        );
        if our_url != Some(&Value::from(url)) || js_url == Some(&Value::from(url)) {
            failures.push(format!(
                "{name}: ours should send {url} on purpose ({why}); js sent {js_url:?}, ours {our_url:?}"
            ));
        }
        // The rest of the request must still match.
        for request in &mut theirs {
            request["url"] = Value::from(url);
        }
    }
    if theirs != ours {
        failures.push(format!(
            "{name}: the requests differ\n  js:   {}\n  rust: {}",
            Value::from(theirs),
            Value::from(ours)
        ));
    }
    if let Some(path) = case.result {
        let expected = js_result(path, &js["result"]);
        let got = value.unwrap_or(Value::Null);
        if let Some((why, ours)) = &case.result_differs {
            if &got != ours || &expected == ours {
                failures.push(format!(
                    "{name}: ours should differ on purpose ({why})\n  js:   {expected}\n  rust: {got}\n  \
                     expected rust: {ours}"
                ));
            }
        } else if got != expected {
            failures.push(format!(
                "{name}: the results differ\n  js:   {expected}\n  rust: {got}"
            ));
        }
    }
}

#[tokio::test]
async fn storage_calls_send_what_storage_js_sends() {
    compare(storage_cases(), 40).await;
}

#[tokio::test]
async fn function_calls_send_what_functions_js_sends() {
    compare(function_cases(), 15).await;
}

/// The multipart reader the comparison relies on: parts, their headers and contents, whatever
/// the boundary.
#[test]
fn multipart_bodies_compare_part_by_part_whatever_the_boundary() {
    let body = |boundary: &str, value: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n{value}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.bin\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n\0\x01\r\n--{boundary}--\r\n"
        )
        .into_bytes()
    };
    let one = multipart_parts("AaB03x", &body("AaB03x", "1"));
    assert_eq!(one, multipart_parts("----b", &body("----b", "1")));
    assert_eq!(one.as_array().unwrap().len(), 2);
    assert_eq!(one[0]["content"]["text"], "1");
    assert_eq!(
        one[1]["headers"][1],
        "content-type: application/octet-stream"
    );
    let other = multipart_parts("AaB03x", &body("AaB03x", "2"));
    assert_ne!(one, other);
}
