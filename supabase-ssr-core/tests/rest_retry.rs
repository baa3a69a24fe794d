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
    let state = script.clone();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            sender.send(listener.local_addr().unwrap()).unwrap();
            let app = Router::new().fallback(answer).with_state(state);
            axum::serve(listener, app).await.unwrap();
        });
    });
    let address = receiver.recv().unwrap();
    (format!("http://{address}"), script)
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
