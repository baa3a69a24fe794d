//! Data API reads are retried as postgrest-js 2.119.1 retries them (`fetchWithRetry`): a
//! `GET`/`HEAD` answered 503 or 520, or whose connection fails, is sent again up to 3 times
//! after 1, 2 and 4 seconds (or the answer's `Retry-After`), with `X-Retry-Count`; writes,
//! other statuses and requests with retries turned off are sent once.
//!
//! The waits are measured on tokio's paused clock, so no test sleeps for real. The fake
//! `PostgREST` runs on its own thread and runtime (real time), and the client's connection
//! pool is off, so the only timers of the paused runtime are the retry waits themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use supabase_ssr_core::rest::RestError;
use supabase_ssr_core::{Supabase, SupabaseBuilder};

/// What the fake server saw of one request.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: Method,
    retry_count: Option<String>,
}

/// A status to answer, with the `Retry-After` value to send along.
type Answer = (u16, Option<&'static str>);

#[derive(Clone, Default)]
struct Script {
    /// Statuses (and `Retry-After` values) to answer, in order; then 200 `[]`.
    answers: Arc<Mutex<VecDeque<Answer>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Script {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn retry_counts(&self) -> Vec<Option<String>> {
        self.seen().into_iter().map(|s| s.retry_count).collect()
    }
}

async fn answer(State(script): State<Script>, request: Request) -> Response {
    script.seen.lock().unwrap().push(Seen {
        method: request.method().clone(),
        retry_count: request
            .headers()
            .get("x-retry-count")
            .map(|v| v.to_str().unwrap().to_owned()),
    });
    let next = script.answers.lock().unwrap().pop_front();
    match next {
        Some((status, retry_after)) => {
            let mut response = (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", "application/json")],
                r#"{"code":"PGRST002","message":"Could not query the database for the schema cache. Retrying.","details":null,"hint":null}"#,
            )
                .into_response();
            if let Some(value) = retry_after {
                response
                    .headers_mut()
                    .insert("retry-after", value.parse().unwrap());
            }
            response
        }
        None => (StatusCode::OK, [("content-type", "application/json")], "[]").into_response(),
    }
}

/// Starts the fake on its own thread; returns its URL and script.
fn start(answers: &[Answer]) -> (String, Script) {
    let script = Script::default();
    script
        .answers
        .lock()
        .unwrap()
        .extend(answers.iter().copied());
    let app = Router::new().fallback(answer).with_state(script.clone());
    (serve(app), script)
}

/// Serves `app` on its own thread and runtime (real time); returns its URL.
fn serve(app: Router) -> String {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let address = receiver.recv().unwrap();
    format!("http://{address}")
}

fn builder(url: &str) -> SupabaseBuilder {
    // No pooled connections: their idle timers would be the paused clock's next deadline.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    Supabase::builder(url, "sb_publishable_test").http_client(http)
}

fn client(url: &str) -> supabase_ssr_core::SupabaseClient {
    builder(url).build().unwrap().client([])
}

#[tokio::test(start_paused = true)]
async fn a_read_answered_503_is_retried_after_one_two_and_four_seconds() {
    let (url, script) = start(&[(503, None), (503, None), (520, None)]);
    let started = tokio::time::Instant::now();
    let rows: Vec<serde_json::Value> = client(&url)
        .from("todos")
        .select("*")
        .execute()
        .await
        .unwrap();
    assert!(rows.is_empty());
    assert_eq!(started.elapsed(), Duration::from_secs(1 + 2 + 4));
    assert_eq!(
        script.retry_counts(),
        [None, Some("1".into()), Some("2".into()), Some("3".into())]
    );
}

#[tokio::test(start_paused = true)]
async fn after_three_retries_the_last_answer_is_the_error() {
    let (url, script) = start(&[(503, None); 5]);
    let error = client(&url)
        .from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503), "{error}");
    assert_eq!(error.postgrest().unwrap().code, "PGRST002");
    assert_eq!(script.seen().len(), 4, "one attempt and three retries");
}

#[tokio::test(start_paused = true)]
async fn retry_after_seconds_replace_the_backoff() {
    let (url, script) = start(&[(503, Some("5")), (503, Some("0")), (520, Some("soon"))]);
    let started = tokio::time::Instant::now();
    client(&url)
        .from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap();
    // 5 s, then 0 s, then a value that is not a number of seconds: no wait, as in JavaScript.
    assert_eq!(started.elapsed(), Duration::from_secs(5));
    assert_eq!(script.seen().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn head_and_get_function_calls_and_the_openapi_spec_are_retried() {
    let (url, script) = start(&[(503, None)]);
    client(&url)
        .from("todos")
        .select("*")
        .head()
        .execute::<()>()
        .await
        .unwrap();
    assert_eq!(script.seen().len(), 2);
    assert!(script.seen().iter().all(|s| s.method == Method::HEAD));

    let (url, script) = start(&[(520, None)]);
    client(&url)
        .rpc("list", serde_json::json!({"a": 1}))
        .get()
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap();
    assert_eq!(script.seen().len(), 2);

    let (url, script) = start(&[(503, None), (503, None)]);
    client(&url).get_open_api_spec().await.unwrap();
    assert_eq!(
        script.retry_counts(),
        [None, Some("1".into()), Some("2".into())]
    );
}

#[tokio::test(start_paused = true)]
async fn writes_are_never_retried() {
    type Write = fn(&supabase_ssr_core::SupabaseClient) -> supabase_ssr_core::rest::FilterBuilder;
    let writes: [(&str, Write); 4] = [
        ("insert", |c| {
            c.from("todos").insert(serde_json::json!({"a": 1}))
        }),
        ("update", |c| {
            c.from("todos").update(serde_json::json!({"a": 1}))
        }),
        ("delete", |c| c.from("todos").delete()),
        ("rpc", |c| c.rpc("f", serde_json::json!({}))),
    ];
    for (name, write) in writes {
        let (url, script) = start(&[(503, None), (503, None)]);
        let error = write(&client(&url)).execute::<()>().await.unwrap_err();
        assert_eq!(error.status(), Some(503), "{name}: {error}");
        assert_eq!(script.seen().len(), 1, "{name} was sent once");
    }
}

#[tokio::test(start_paused = true)]
async fn other_error_statuses_are_not_retried() {
    for status in [500, 502, 504, 429, 404] {
        let (url, script) = start(&[(status, None)]);
        let _ = client(&url)
            .from("todos")
            .select("*")
            .execute::<Vec<serde_json::Value>>()
            .await;
        assert_eq!(script.seen().len(), 1, "{status} was sent once");
    }
}

#[tokio::test(start_paused = true)]
async fn retries_can_be_turned_off_per_request_and_per_client() {
    let (url, script) = start(&[(503, None)]);
    let error = client(&url)
        .from("todos")
        .select("*")
        .retry(false)
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert_eq!(script.seen().len(), 1);

    let (url, script) = start(&[(503, None)]);
    let off = builder(&url).db_retry(false).build().unwrap().client([]);
    off.from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert_eq!(script.seen().len(), 1);

    // The request's switch wins over the client's.
    let (url, script) = start(&[(503, None)]);
    let off = builder(&url).db_retry(false).build().unwrap().client([]);
    off.from("todos")
        .select("*")
        .retry(true)
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap();
    assert_eq!(script.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn a_refused_connection_is_retried_for_reads_only() {
    // A port nobody listens on any more.
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let url = format!("http://{address}");
    let started = tokio::time::Instant::now();
    let error = client(&url)
        .from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert!(matches!(error, RestError::Transport(_)), "{error}");
    assert_eq!(started.elapsed(), Duration::from_secs(7), "three retries");

    let started = tokio::time::Instant::now();
    let error = client(&url)
        .from("todos")
        .insert(serde_json::json!({"a": 1}))
        .execute::<()>()
        .await
        .unwrap_err();
    assert!(matches!(error, RestError::Transport(_)), "{error}");
    assert_eq!(started.elapsed(), Duration::ZERO, "a write is not retried");
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_over_thirty_seconds_ends_the_retries() {
    // Read as u64::MAX seconds: waiting would hold the request for ever.
    for huge in ["99999999999999999999", "3600", "31"] {
        let (url, script) = start(&[(503, Some(huge)), (503, None)]);
        let started = tokio::time::Instant::now();
        let error = client(&url)
            .from("todos")
            .select("*")
            .execute::<Vec<serde_json::Value>>()
            .await
            .unwrap_err();
        assert_eq!(error.status(), Some(503), "{huge}: {error}");
        assert_eq!(error.postgrest().unwrap().code, "PGRST002");
        assert_eq!(started.elapsed(), Duration::ZERO, "{huge}: no wait");
        assert_eq!(script.seen().len(), 1, "{huge}: not retried");
    }
    // Thirty seconds (the backoff's cap) is still honoured.
    let (url, script) = start(&[(520, Some("30"))]);
    let started = tokio::time::Instant::now();
    client(&url)
        .from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(30));
    assert_eq!(script.seen().len(), 2);
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test(start_paused = true)]
async fn the_retry_log_leaves_out_the_filter_values() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(capture.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let error = client(&format!("http://{address}"))
        .from("people")
        .select("*")
        .eq("email", "private.person@example.com")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert!(!error.to_string().contains("private.person"), "{error}");
    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "{logs}");
    assert!(!logs.contains("private.person"), "{logs}");
}

/// A connector layer whose connections never complete, so the client's `connect_timeout`
/// ends each attempt.
#[derive(Clone)]
struct NeverConnect;

impl<S> tower::Layer<S> for NeverConnect {
    type Service = NeverConnectService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        NeverConnectService(inner)
    }
}

#[derive(Clone)]
struct NeverConnectService<S>(S);

impl<S: tower::Service<R>, R> tower::Service<R> for NeverConnectService<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = std::future::Pending<Result<S::Response, S::Error>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _: R) -> Self::Future {
        std::future::pending()
    }
}

#[tokio::test(start_paused = true)]
async fn a_connect_timeout_is_retried_like_a_failed_connection() {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .connect_timeout(Duration::from_secs(10))
        .connector_layer(NeverConnect)
        .build()
        .unwrap();
    let client = Supabase::builder("http://127.0.0.1:9", "sb_publishable_test")
        .http_client(http)
        .build()
        .unwrap()
        .client([]);
    let started = tokio::time::Instant::now();
    let error = client
        .from("todos")
        .select("*")
        .execute::<Vec<serde_json::Value>>()
        .await
        .unwrap_err();
    assert!(matches!(error, RestError::Transport(_)), "{error}");
    // Four attempts of 10 s each, and the waits of 1, 2 and 4 s between them.
    assert_eq!(started.elapsed(), Duration::from_secs(4 * 10 + 1 + 2 + 4));
}

// On the real clock: a paused clock would jump to the guard's deadline while the request
// waits for the server. The one retry waits 1 s for real.
#[tokio::test]
async fn a_503_whose_body_never_ends_does_not_stall_the_retry() {
    let calls = Arc::new(Mutex::new(0u32));
    let app = Router::new().fallback({
        let calls = calls.clone();
        move || async move {
            let first = {
                let mut calls = calls.lock().unwrap();
                *calls += 1;
                *calls == 1
            };
            if first {
                let body = axum::body::Body::from_stream(futures_util::stream::pending::<
                    Result<Vec<u8>, std::io::Error>,
                >());
                (StatusCode::SERVICE_UNAVAILABLE, body).into_response()
            } else {
                (StatusCode::OK, [("content-type", "application/json")], "[]").into_response()
            }
        }
    });
    let url = serve(app);
    let started = tokio::time::Instant::now();
    let rows = tokio::time::timeout(
        Duration::from_secs(20),
        client(&url)
            .from("todos")
            .select("*")
            .execute::<Vec<serde_json::Value>>(),
    )
    .await
    .expect("the retry did not wait for the body")
    .unwrap();
    assert!(rows.is_empty());
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(*calls.lock().unwrap(), 2);
}

#[tokio::test(start_paused = true)]
async fn the_openapi_spec_turns_every_non_2xx_answer_into_an_error() {
    // Unlike a table read, whose 404 `[]` is rows and empty 404 is "no content".
    let cases: [(u16, &str, &str); 4] = [
        (404, "", "Not Found"),
        (404, "[]", "[]"),
        (
            404,
            r#"{"code":"PGRST106","message":"Invalid schema: nope","details":null,"hint":null}"#,
            "Invalid schema: nope",
        ),
        (500, "boom", "boom"),
    ];
    for (status, body, message) in cases {
        let app = Router::new().fallback(move || async move {
            (StatusCode::from_u16(status).unwrap(), body).into_response()
        });
        let error = client(&serve(app)).get_open_api_spec().await.unwrap_err();
        let RestError::Api { status: got, error } = &error else {
            panic!("{status} {body:?}: {error:?}");
        };
        assert_eq!(*got, status, "{body:?}");
        assert_eq!(error.message, message, "{status} {body:?}");
    }
    let app = Router::new().fallback(|| async { (StatusCode::OK, "not json").into_response() });
    let error = client(&serve(app)).get_open_api_spec().await.unwrap_err();
    assert!(matches!(error, RestError::Decode(_)), "{error:?}");
    let app = Router::new()
        .fallback(|| async { (StatusCode::OK, r#"{"swagger":"2.0"}"#).into_response() });
    let spec = client(&serve(app)).get_open_api_spec().await.unwrap();
    assert_eq!(spec, serde_json::json!({"swagger": "2.0"}));
}
