//! A recording server standing in for a whole Supabase project on 127.0.0.1:0: `/auth/v1/*` is
//! proxied to a `LocalAuth` server (real sessions, refresh and counters), everything else is
//! recorded and answered by a scripted fake of `PostgREST`, Storage and Functions.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Session, Supabase, SupabaseBuilder};
use supabase_ssr_testing::server::{LocalAuth, LocalAuthOptions, SeedUser};

pub const EMAIL: &str = "ada@example.com";

/// One request the fake services received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    /// Path and query string.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn bearer(&self) -> Option<&str> {
        self.header("authorization")?.strip_prefix("Bearer ")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct Shared {
    auth_url: String,
    records: Arc<Mutex<Vec<Recorded>>>,
    /// Requests to `/auth/v1/*`, recorded before they are proxied.
    auth_records: Arc<Mutex<Vec<Recorded>>>,
    /// When set, `/rest/v1/todos` answers 401 to any other bearer.
    required_bearer: Arc<Mutex<Option<String>>>,
    /// Answers set by a test ([`Project::answer_with`]), before the built-in ones.
    scripted: Arc<Mutex<Vec<Scripted>>>,
    /// Bytes of the request body being received so far (streaming tests watch it).
    received: Arc<tokio::sync::watch::Sender<usize>>,
    /// Holds back the second chunk of `/storage/v1/object/avatars/stream.bin` until opened.
    gate: Arc<tokio::sync::Notify>,
}

impl Default for Shared {
    fn default() -> Self {
        Self {
            auth_url: String::new(),
            records: Arc::default(),
            auth_records: Arc::default(),
            required_bearer: Arc::default(),
            scripted: Arc::default(),
            received: Arc::new(tokio::sync::watch::Sender::new(0)),
            gate: Arc::default(),
        }
    }
}

/// An answer a test set for one method and path (without the query string).
#[derive(Clone)]
struct Scripted {
    method: Method,
    path: String,
    status: StatusCode,
    body: serde_json::Value,
}

pub struct Project {
    pub auth: LocalAuth,
    pub url: String,
    shared: Shared,
}

impl Project {
    pub async fn start() -> Self {
        let auth =
            LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(EMAIL, "password123")))
                .await
                .unwrap();
        let shared = Shared {
            auth_url: auth.url(),
            ..Shared::default()
        };
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { auth, url, shared }
    }

    pub fn supabase(&self) -> Supabase {
        self.builder().build().unwrap()
    }

    /// A builder for this project, to add client options to.
    pub fn builder(&self) -> SupabaseBuilder {
        Supabase::builder(&self.url, self.auth.publishable_key())
    }

    /// The `Cookie` header of a browser holding a session minted for `EMAIL` that expires in
    /// `expires_in` seconds, and that session.
    pub fn signed_in_cookie(&self, expires_in: i64) -> (String, Session) {
        let issued = self.auth.mint_session(EMAIL, expires_in).unwrap();
        let session = Session::from_value(issued.body).unwrap();
        let mut state = CookieState::new(std::sync::Arc::new(self.supabase().config().clone()), []);
        state.set_session(&session);
        let header = state
            .response_cookies()
            .set_cookies()
            .iter()
            .map(|c| c.split(';').next().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        (header, session)
    }

    /// Requests received by the fake services (not the Auth ones), oldest first.
    pub fn records(&self) -> Vec<Recorded> {
        self.shared.records.lock().unwrap().clone()
    }

    /// Requests to the Auth API (proxied to the local Auth server), oldest first.
    pub fn auth_records(&self) -> Vec<Recorded> {
        self.shared.auth_records.lock().unwrap().clone()
    }

    pub fn last(&self) -> Recorded {
        self.records().pop().expect("a request was recorded")
    }

    /// Waits until the body of the request being received has at least `bytes` bytes.
    pub async fn received_at_least(&self, bytes: usize) {
        let mut watch = self.shared.received.subscribe();
        watch.wait_for(|n| *n >= bytes).await.unwrap();
    }

    /// Lets `/storage/v1/object/avatars/stream.bin` send its second chunk.
    pub fn open_gate(&self) {
        self.shared.gate.notify_one();
    }

    /// From now on, `method path` (the path without its query) answers `status` with the JSON
    /// `body`; a later call for the same method and path replaces it.
    pub fn answer_with(&self, method: Method, path: &str, status: u16, body: serde_json::Value) {
        let mut scripted = self.shared.scripted.lock().unwrap();
        scripted.retain(|s| !(s.method == method && s.path == path));
        scripted.push(Scripted {
            method,
            path: path.to_owned(),
            status: StatusCode::from_u16(status).unwrap(),
            body,
        });
    }

    pub fn require_bearer(&self, token: &str) {
        *self.shared.required_bearer.lock().unwrap() = Some(token.to_owned());
    }
}

async fn handle(State(shared): State<Shared>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    // Read chunk by chunk, publishing progress, so tests can see a body arrive as it is sent.
    let mut chunks = body.into_data_stream();
    let mut received = Vec::new();
    shared.received.send_replace(0);
    while let Some(chunk) = futures_util::StreamExt::next(&mut chunks).await {
        received.extend_from_slice(&chunk.unwrap());
        shared.received.send_replace(received.len());
    }
    let body = Bytes::from(received);
    let uri = parts
        .uri
        .path_and_query()
        .map(ToString::to_string)
        .unwrap_or_default();
    if parts.uri.path().starts_with("/auth/v1/") {
        shared.auth_records.lock().unwrap().push(Recorded {
            method: parts.method.clone(),
            uri: uri.clone(),
            headers: parts.headers.clone(),
            body: body.clone(),
        });
        return proxy(&shared.auth_url, parts.method, &uri, &parts.headers, body).await;
    }
    // A slow endpoint in every area (`/rest/v1/slow`, `/storage/v1/object/list/slow`,
    // `/functions/v1/slow`): it answers after far longer than any test's timeout.
    if parts.uri.path().split('/').any(|segment| segment == "slow") {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    let recorded = Recorded {
        method: parts.method,
        uri,
        headers: parts.headers,
        body,
    };
    shared.records.lock().unwrap().push(recorded.clone());
    if let Some(response) = slow_or_streamed(&recorded).await {
        return response;
    }
    let path = recorded.uri.split('?').next().unwrap_or_default();
    let scripted = shared
        .scripted
        .lock()
        .unwrap()
        .iter()
        .find(|s| s.method == recorded.method && s.path == path)
        .cloned();
    if let Some(scripted) = scripted {
        return json(scripted.status, &scripted.body);
    }
    let required = shared.required_bearer.lock().unwrap().clone();
    if let Some(response) = storage_files(&recorded, &shared.gate) {
        return response;
    }
    answer(&recorded, required.as_deref())
}

/// The scripted answers of Storage's file API beyond `answer`'s: uploads anywhere in
/// `avatars`, signed uploads (token `t-up`), info/exists, image rendering and a download
/// streamed in two chunks.
fn storage_files(request: &Recorded, gate: &Arc<tokio::sync::Notify>) -> Option<Response> {
    use serde_json::json;
    let path = request.uri.split('?').next().unwrap_or_default();
    let query = request
        .uri
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or_default();
    let not_found = || {
        json(
            StatusCode::BAD_REQUEST,
            &json!({"statusCode": "404", "code": "NoSuchKey", "error": "not_found", "message": "Object not found"}),
        )
    };
    let response = if let Some(key) = path.strip_prefix("/storage/v1/object/upload/sign/avatars/") {
        match request.method {
            Method::POST => json(
                StatusCode::OK,
                &json!({"url": format!("/object/upload/sign/avatars/{key}?token=t-up")}),
            ),
            Method::PUT if query == "token=t-up" => {
                json(StatusCode::OK, &json!({"Key": format!("avatars/{key}")}))
            }
            _ => json(
                StatusCode::BAD_REQUEST,
                &json!({"statusCode": "403", "error": "Unauthorized", "message": "invalid signature"}),
            ),
        }
    } else if let Some(key) = path.strip_prefix("/storage/v1/object/info/avatars/") {
        match key {
            "u1/me.png" => json(
                StatusCode::OK,
                &json!({"id": "obj-1", "name": "u1/me.png", "version": "v1", "bucket_id": "avatars", "size": 4, "content_type": "image/png", "cache_control": "max-age=3600", "etag": "\"e1\"", "metadata": {"owner": "u1"}, "last_modified": "2026-01-01T00:00:00Z", "created_at": "2026-01-01T00:00:00Z", "is_versioned": false}),
            ),
            "gone.png" => not_found(),
            "old.png" => json(StatusCode::NOT_FOUND, &json!({"message": "Not Found"})),
            _ => json(
                StatusCode::FORBIDDEN,
                &json!({"statusCode": "403", "code": "AccessDenied", "error": "Unauthorized", "message": "denied"}),
            ),
        }
    } else if path.starts_with("/storage/v1/render/image/authenticated/avatars/") {
        (StatusCode::OK, [("content-type", "image/webp")], "thumb").into_response()
    } else if path == "/storage/v1/object/avatars/stream.bin" {
        let gate = Arc::clone(gate);
        let first = futures_util::stream::once(async {
            Ok::<_, std::io::Error>(Bytes::from_static(b"first chunk|"))
        });
        let second = futures_util::stream::once(async move {
            gate.notified().await;
            Ok(Bytes::from_static(b"second chunk"))
        });
        Response::new(Body::from_stream(futures_util::StreamExt::chain(
            first, second,
        )))
    } else if let Some(key) = path.strip_prefix("/storage/v1/object/avatars/")
        && (request.method == Method::POST || request.method == Method::PUT)
    {
        if key == "exists.png" && request.method == Method::POST {
            json(
                StatusCode::BAD_REQUEST,
                &json!({"statusCode": "409", "error": "Duplicate", "message": "The resource already exists"}),
            )
        } else {
            json(
                StatusCode::OK,
                &json!({"Id": "obj-1", "Key": format!("avatars/{key}")}),
            )
        }
    } else if path == "/storage/v1/object/avatars/gone.png" {
        not_found()
    } else {
        return None;
    };
    Some(response)
}

async fn proxy(
    base: &str,
    method: Method,
    uri: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = reqwest::Client::new().request(method, format!("{base}{uri}"));
    for (name, value) in headers {
        if name != "host" && name != "content-length" {
            request = request.header(name, value);
        }
    }
    let response = request.body(body).send().await.unwrap();
    let mut out = Response::builder().status(response.status().as_u16());
    for (name, value) in response.headers() {
        if name != "content-length" && name != "transfer-encoding" {
            out = out.header(name, value);
        }
    }
    out.body(Body::from(response.bytes().await.unwrap()))
        .unwrap()
}

/// The fake functions that take their time: `slow` answers after 5 s (for timeouts), `stream`
/// sends three server-sent events 50 ms apart (for streamed answers).
async fn slow_or_streamed(request: &Recorded) -> Option<Response> {
    match request.uri.split('?').next().unwrap_or_default() {
        "/functions/v1/slow" => {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            Some("too late".into_response())
        }
        "/functions/v1/stream" => {
            let events = futures_util::stream::unfold(0, |n| async move {
                if n == 3 {
                    return None;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                Some((Ok::<_, std::io::Error>(format!("data: {n}\n\n")), n + 1))
            });
            Some(
                (
                    [("content-type", "text/event-stream")],
                    Body::from_stream(events),
                )
                    .into_response(),
            )
        }
        _ => None,
    }
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The scripted answers of the fake `PostgREST`, Storage and Functions.
fn answer(request: &Recorded, required_bearer: Option<&str>) -> Response {
    use serde_json::json;
    let path = request.uri.split('?').next().unwrap_or_default();
    match path {
        "/rest/v1/todos" => {
            if let Some(required) = required_bearer
                && request.bearer() != Some(required)
            {
                return json(
                    StatusCode::UNAUTHORIZED,
                    &json!({"code": "PGRST301", "message": "JWT is not the user's", "details": null, "hint": null}),
                );
            }
            if request.method == Method::POST {
                return StatusCode::CREATED.into_response();
            }
            let mut response = json(
                StatusCode::OK,
                &json!([{"id": 1, "title": "Write tests", "done": false}, {"id": 2, "title": "Ship", "done": true}]),
            );
            response
                .headers_mut()
                .insert("content-range", HeaderValue::from_static("0-1/42"));
            response
        }
        "/rest/v1/one" => json(
            StatusCode::OK,
            &json!([{"id": 7, "title": "only", "done": false}]),
        ),
        "/rest/v1/none" => json(StatusCode::OK, &json!([])),
        "/rest/v1/export" => (
            StatusCode::OK,
            [("content-type", "text/csv")],
            "id,title\n1,a",
        )
            .into_response(),
        "/rest/v1/forbidden" => json(
            StatusCode::FORBIDDEN,
            &json!({"code": "42501", "message": "permission denied for table forbidden", "details": "RLS", "hint": "Grant select"}),
        ),
        "/rest/v1/broken" => (StatusCode::BAD_GATEWAY, "upstream down").into_response(),
        "/rest/v1/rpc/add" => json(StatusCode::OK, &json!(3)),
        "/storage/v1/object/avatars/missing.png" => json(
            StatusCode::BAD_REQUEST,
            &json!({"statusCode": "404", "error": "not_found", "message": "Object not found"}),
        ),
        "/storage/v1/object/avatars/u1/me.png" if request.method == Method::POST => json(
            StatusCode::OK,
            &json!({"Id": "obj-1", "Key": "avatars/u1/me.png"}),
        ),
        "/storage/v1/object/avatars/u1/me.png" => (
            StatusCode::OK,
            [
                ("content-type", "image/png"),
                ("etag", "\"e1\""),
                ("cache-control", "max-age=3600"),
                ("last-modified", "Thu, 01 Jan 2026 00:00:00 GMT"),
            ],
            &b"\x89PNG"[..],
        )
            .into_response(),
        "/storage/v1/object/list/avatars" | "/storage/v1/object/avatars" => json(
            StatusCode::OK,
            &json!([{"name": "me.png", "id": "obj-1", "updated_at": "2026-01-01T00:00:00Z", "metadata": {"size": 4}}, {"name": "folder", "id": null}]),
        ),
        "/storage/v1/object/move" => {
            json(StatusCode::OK, &json!({"message": "Successfully moved"}))
        }
        "/storage/v1/object/sign/avatars/u1/me.png" => json(
            StatusCode::OK,
            &json!({"signedURL": "/object/sign/avatars/u1/me.png?token=t1"}),
        ),
        "/storage/v1/object/sign/avatars" => json(
            StatusCode::OK,
            &json!([{"path": "a.png", "signedURL": "/object/sign/avatars/a.png?token=ta", "error": null}, {"path": "b.png", "signedURL": null, "error": "Either the object does not exist or you do not have access to it"}]),
        ),
        "/functions/v1/echo" => {
            let content_type = request.header("content-type").unwrap_or("none").to_owned();
            (
                StatusCode::OK,
                [("content-type", content_type)],
                request.body.clone(),
            )
                .into_response()
        }
        "/functions/v1/relay" => (
            StatusCode::BAD_GATEWAY,
            [("x-relay-error", "true")],
            "relay failed",
        )
            .into_response(),
        "/functions/v1/fail" => json(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"error": "bad input"}),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
