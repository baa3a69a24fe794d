//! Edge Function invocations as the user (functions-js's `invoke`): each body kind, method,
//! region, headers, timeout, streams both ways and each error kind, against the recording
//! server (`/functions/v1/echo` answers the body it got with the `Content-Type` it got).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use recording::Project;
use supabase_ssr_core::functions::{FunctionData, FunctionRegion, FunctionsError};

#[tokio::test]
async fn a_json_body_is_posted_as_the_user_and_read_back() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);

    let answer: serde_json::Value = client
        .functions()
        .invoke("echo")
        .json(&serde_json::json!({"name": "Ada", "n": 1}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer, serde_json::json!({"name": "Ada", "n": 1}));
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("POST", "/functions/v1/echo")
    );
    assert_eq!(sent.bearer(), Some(session.access_token()));
    assert_eq!(sent.header("apikey"), Some(project.auth.publishable_key()));
    assert!(
        sent.header("x-client-info")
            .unwrap()
            .starts_with("supabase-ssr-rs/")
    );
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(&sent.body[..], br#"{"name":"Ada","n":1}"#);
    assert_eq!(sent.header("x-region"), None);
}

#[tokio::test]
async fn each_body_kind_gets_the_content_type_functions_js_gives_it() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let functions = client.functions();

    let response = functions.invoke("echo").text("héllo").send().await.unwrap();
    assert_eq!(response.content_type(), Some("text/plain"));
    assert_eq!(response.text().await.unwrap(), "héllo");

    // An empty string is falsy in JavaScript: functions-js leaves it to fetch, which types it.
    functions.invoke("echo").text("").send().await.unwrap();
    let sent = project.last();
    assert_eq!(
        sent.header("content-type"),
        Some("text/plain;charset=UTF-8")
    );
    assert_eq!(
        (sent.header("content-length"), sent.body.len()),
        (Some("0"), 0)
    );

    let response = functions
        .invoke("echo")
        .bytes(vec![0u8, 159, 255])
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_type(), Some("application/octet-stream"));
    assert_eq!(&response.bytes().await.unwrap()[..], [0, 159, 255]);

    functions
        .invoke("echo")
        .form(&[("name", "Ada Lovelace"), ("q", "a&b=c")])
        .send()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(&sent.body[..], b"name=Ada+Lovelace&q=a%26b%3Dc");

    let form = reqwest::multipart::Form::new()
        .text("title", "avatar")
        .part(
            "file",
            reqwest::multipart::Part::bytes(&b"\x89PNG"[..])
                .file_name("me.png")
                .mime_str("image/png")
                .unwrap(),
        );
    functions
        .invoke("echo")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let sent = project.last();
    let content_type = sent.header("content-type").unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap();
    let body = String::from_utf8_lossy(&sent.body);
    assert!(body.starts_with(&format!("--{boundary}\r\n")), "{body}");
    assert!(body.contains("Content-Disposition: form-data; name=\"title\"\r\n\r\navatar\r\n"));
    assert!(body.contains(
        "Content-Disposition: form-data; name=\"file\"; filename=\"me.png\"\r\nContent-Type: image/png\r\n\r\n"
    ));
    assert!(body.ends_with(&format!("--{boundary}--\r\n")), "{body}");

    // No body: no Content-Type, and `content-length: 0` on a POST as fetch sends it.
    functions.invoke("echo").send().await.unwrap();
    let sent = project.last();
    assert_eq!((sent.header("content-type"), sent.body.len()), (None, 0));
    assert_eq!(sent.header("content-length"), Some("0"));
}

#[tokio::test]
async fn the_method_is_post_unless_set_and_get_cannot_carry_a_body() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let functions = client.functions();

    functions
        .invoke("echo")
        .method(http::Method::GET)
        .send()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(sent.method, http::Method::GET);
    assert_eq!(sent.header("content-length"), None);
    functions
        .invoke("echo")
        .method(http::Method::DELETE)
        .json(&serde_json::json!({"id": 7}))
        .send()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(sent.method, http::Method::DELETE);
    assert_eq!(sent.json(), serde_json::json!({"id": 7}));

    let before = project.records().len();
    let error = functions
        .invoke("echo")
        .method(http::Method::GET)
        .text("x")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, FunctionsError::BodyNotAllowed(ref m) if m == http::Method::GET),
        "{error:?}"
    );
    assert_eq!(project.records().len(), before, "nothing was sent");
}

#[tokio::test]
async fn a_region_is_sent_as_header_and_query_parameter_unless_any() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let functions = client.functions();

    for (region, name) in [
        (FunctionRegion::EuWest1, "eu-west-1"),
        (FunctionRegion::from("me-central-1"), "me-central-1"),
    ] {
        functions
            .invoke("echo")
            .region(region)
            .text("x")
            .send()
            .await
            .unwrap();
        let sent = project.last();
        assert_eq!(
            sent.uri,
            format!("/functions/v1/echo?forceFunctionRegion={name}")
        );
        assert_eq!(sent.header("x-region"), Some(name));
    }

    functions
        .invoke("echo")
        .region(FunctionRegion::Any)
        .send()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(
        (sent.uri.as_str(), sent.header("x-region")),
        ("/functions/v1/echo", None)
    );

    // Sub-paths reach the function's own routes, encoded as `new URL` encodes them.
    functions
        .invoke("echo/a b")
        .region(FunctionRegion::UsEast1)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        project.last().uri,
        "/functions/v1/echo/a%20b?forceFunctionRegion=us-east-1"
    );
}

#[tokio::test]
async fn the_callers_headers_win_over_the_defaults() {
    let project = Project::start().await;
    let client = project.supabase().client([]);

    let response = client
        .functions()
        .invoke("echo")
        .json(&serde_json::json!({"a": 1}))
        .region(FunctionRegion::EuWest1)
        .header("Content-Type", "application/vnd.api+json")
        .header("X-Region", "us-west-2")
        .header("authorization", "Bearer custom-token")
        .headers(http::HeaderMap::from_iter([(
            http::HeaderName::from_static("x-custom"),
            http::HeaderValue::from_static("yes"),
        )]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.content_type(), Some("application/vnd.api+json"));
    let sent = project.last();
    // One value each: replaced, not repeated.
    for (name, value) in [
        ("content-type", "application/vnd.api+json"),
        ("x-region", "us-west-2"),
        ("authorization", "Bearer custom-token"),
        ("x-custom", "yes"),
    ] {
        let values: Vec<_> = sent.headers.get_all(name).iter().collect();
        assert_eq!(values, [value], "{name}");
    }
    // The body is still JSON, as functions-js stringifies it whatever the Content-Type.
    assert_eq!(&sent.body[..], br#"{"a":1}"#);
    assert_eq!(sent.uri, "/functions/v1/echo?forceFunctionRegion=eu-west-1");
}

#[tokio::test]
async fn an_invocations_headers_win_over_the_global_ones() {
    let project = Project::start().await;
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .global_headers(http::HeaderMap::from_iter([
                (
                    http::HeaderName::from_static("x-app"),
                    http::HeaderValue::from_static("global"),
                ),
                (
                    http::HeaderName::from_static("x-tenant"),
                    http::HeaderValue::from_static("t1"),
                ),
            ]))
            .build()
            .unwrap();
    let client = supabase.client([]);
    client
        .functions()
        .invoke("echo")
        .header("x-app", "mine")
        .send()
        .await
        .unwrap();
    let sent = project.last();
    let app: Vec<_> = sent.headers.get_all("x-app").iter().collect();
    assert_eq!(app, ["mine"]);
    assert_eq!(sent.header("x-tenant"), Some("t1"));
}

#[tokio::test]
async fn signed_out_a_new_format_key_is_not_sent_as_the_bearer() {
    let project = Project::start().await;
    assert!(
        project
            .auth
            .publishable_key()
            .starts_with("sb_publishable_")
    );
    let client = project.supabase().client([]);
    client.functions().invoke("echo").send().await.unwrap();
    let sent = project.last();
    assert_eq!(sent.header("apikey"), Some(project.auth.publishable_key()));
    assert_eq!(sent.header("authorization"), None);
}

#[tokio::test]
async fn a_timeout_ends_a_slow_invocation_fast_with_a_fetch_error() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let started = Instant::now();
    let error = client
        .functions()
        .invoke("slow")
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(matches!(error, FunctionsError::Fetch(_)), "{error:?}");
    assert!(error.is_timeout(), "{error:?}");
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
}

#[tokio::test]
async fn the_timeout_keeps_running_while_the_body_is_read_whole() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    // The headers come at once, the three events over 150 ms.
    let response = client
        .functions()
        .invoke("stream")
        .timeout(Duration::from_millis(80))
        .send()
        .await
        .unwrap();
    let error = response.text().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn an_invocations_timeout_replaces_the_client_wide_one() {
    let project = Project::start().await;
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .api_timeout(Duration::from_millis(80))
            .build()
            .unwrap();
    let client = supabase.client([]);
    // The client-wide timeout cuts the 150 ms of events...
    let response = client.functions().invoke("stream").send().await.unwrap();
    let error = response.text().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    // ...this call's own longer one lets them through, and a stream is never cut by it.
    let response = client
        .functions()
        .invoke("stream")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "data: 0\n\ndata: 1\n\ndata: 2\n\n"
    );
    let response = client
        .functions()
        .invoke("stream")
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap();
    let streamed: Vec<_> = response.bytes_stream().collect().await;
    assert!(streamed.iter().all(Result::is_ok), "{streamed:?}");
}

#[tokio::test]
async fn a_request_body_can_be_streamed_and_an_answer_read_as_a_stream() {
    let project = Project::start().await;
    let client = project.supabase().client([]);

    let chunks = futures_util::stream::iter(
        ["first,", "second,", "third"].map(|chunk| Ok::<_, std::io::Error>(chunk.as_bytes())),
    );
    let response = client
        .functions()
        .invoke("echo")
        .body_stream(chunks)
        .send()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(
        sent.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(sent.header("transfer-encoding"), Some("chunked"));
    assert_eq!(sent.header("content-length"), None);
    assert_eq!(&sent.body[..], b"first,second,third");
    assert_eq!(response.text().await.unwrap(), "first,second,third");

    // Server-sent events arrive one by one, and a timeout does not cut the stream.
    let response = client
        .functions()
        .invoke("stream")
        .timeout(Duration::from_millis(500))
        .send()
        .await
        .unwrap();
    let FunctionData::Stream(response) = response.data().await.unwrap() else {
        panic!("text/event-stream is a stream")
    };
    let mut stream = Box::pin(response.bytes_stream());
    let mut events = String::new();
    let mut chunks = 0;
    while let Some(chunk) = stream.next().await {
        events.push_str(std::str::from_utf8(&chunk.unwrap()).unwrap());
        chunks += 1;
    }
    assert_eq!(events, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    assert!(chunks >= 2, "{chunks} chunks");
}

#[tokio::test]
async fn answers_are_read_by_content_type_as_functions_js_does() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let data = |content_type: &'static str, body: &'static str| {
        let client = client.clone();
        async move {
            client
                .functions()
                .invoke("echo")
                .text(body)
                .header("content-type", content_type)
                .send()
                .await
                .unwrap()
                .data()
                .await
                .unwrap()
        }
    };
    assert!(matches!(
        data("Application/JSON; charset=utf-8", "[1]").await,
        FunctionData::Json(value) if value == serde_json::json!([1])
    ));
    assert!(matches!(
        data("application/pdf", "%PDF").await,
        FunctionData::Bytes(bytes) if &bytes[..] == b"%PDF"
    ));
    assert!(matches!(
        data("text/html", "<p>hi</p>").await,
        FunctionData::Text(text) if text == "<p>hi</p>"
    ));
    assert!(matches!(
        data("multipart/form-data; boundary=x", "--x--").await,
        FunctionData::Multipart { content_type, body } if content_type == "multipart/form-data; boundary=x" && &body[..] == b"--x--"
    ));
}

#[tokio::test]
async fn relay_and_http_errors_keep_the_answer_readable() {
    let project = Project::start().await;
    let client = project.supabase().client([]);

    let relay = client.functions().invoke("relay").send().await.unwrap_err();
    let FunctionsError::Relay { status, response } = relay else {
        panic!("{relay:?}")
    };
    assert_eq!(status, 502);
    assert_eq!(response.headers()["x-relay-error"], "true");
    assert_eq!(response.text().await.unwrap(), "relay failed");

    let http = client.functions().invoke("fail").send().await.unwrap_err();
    assert_eq!(
        http.to_string(),
        "Edge Function returned a non-2xx status code (422)"
    );
    assert_eq!(http.response().unwrap().status(), 422);
    let answer: serde_json::Value = http.into_response().unwrap().json().await.unwrap();
    assert_eq!(answer["error"], "bad input");

    let missing = client
        .functions()
        .invoke("missing")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(missing, FunctionsError::Http { status: 404, .. }));
    assert!(missing.response().is_some());
}

#[tokio::test]
async fn names_leaving_the_functions_path_and_bad_headers_are_refused_before_sending() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    for name in [
        "../rest/v1/todos",
        "echo/%2e%2e/x",
        "echo?admin=1",
        "echo#x",
        "",
    ] {
        let error = client.functions().invoke(name).send().await.unwrap_err();
        assert!(
            matches!(error, FunctionsError::InvalidName { .. }),
            "{name}: {error:?}"
        );
    }
    let error = client
        .functions()
        .invoke("echo")
        .header("x-bad", "line\nbreak")
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, FunctionsError::InvalidHeader(_)),
        "{error:?}"
    );
    assert!(!error.to_string().contains("line"), "{error}");
    let error = client
        .functions()
        .invoke("echo")
        .region(FunctionRegion::Other("eu\nwest".into()))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(error, FunctionsError::InvalidHeader(_)),
        "{error:?}"
    );
    let error = client
        .functions()
        .invoke("echo")
        .json(&std::collections::HashMap::from([((1, 2), 3)]))
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, FunctionsError::Serialize(_)), "{error:?}");
    assert!(project.records().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn debug_output_names_headers_but_never_their_values() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let invoke = client
        .functions()
        .invoke("echo")
        .header("authorization", "Bearer do-not-print")
        .text("secret body");
    let debug = format!("{invoke:?}");
    assert!(debug.contains("authorization"), "{debug}");
    assert!(
        !debug.contains("do-not-print") && !debug.contains("secret body"),
        "{debug}"
    );
}

#[tokio::test]
async fn the_client_wide_timeout_never_cuts_a_stream_but_cuts_a_whole_body_read() {
    let project = Project::start().await;
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .api_timeout(Duration::from_millis(80))
            .build()
            .unwrap();
    let client = supabase.client([]);
    // The three events take 150 ms, longer than `api_timeout`: streamed, they all arrive.
    let response = client.functions().invoke("stream").send().await.unwrap();
    let FunctionData::Stream(response) = response.data().await.unwrap() else {
        panic!("text/event-stream is a stream")
    };
    let streamed: Vec<_> = response.bytes_stream().collect().await;
    let events: Vec<u8> = streamed
        .into_iter()
        .flat_map(|chunk| chunk.unwrap().to_vec())
        .collect();
    assert_eq!(events, b"data: 0\n\ndata: 1\n\ndata: 2\n\n");
    // Read whole, the same slow body is cut by it.
    let response = client.functions().invoke("stream").send().await.unwrap();
    let error = response.json::<serde_json::Value>().await.unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
}

#[tokio::test]
async fn a_multi_valued_global_header_keeps_its_values_and_replaces_the_inferred_ones() {
    let project = Project::start().await;
    let mut global = http::HeaderMap::new();
    global.append("x-tag", http::HeaderValue::from_static("one"));
    global.append("x-tag", http::HeaderValue::from_static("two"));
    global.insert(
        "content-type",
        http::HeaderValue::from_static("application/vnd.app+json"),
    );
    global.insert("x-region", http::HeaderValue::from_static("ap-south-1"));
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .global_headers(global)
            .build()
            .unwrap();
    let client = supabase.client([]);
    client
        .functions()
        .invoke("echo")
        .region(FunctionRegion::EuWest1)
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    let sent = project.last();
    let all = |name: &str| -> Vec<String> {
        sent.headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(all("x-tag"), ["one", "two"]);
    assert_eq!(all("content-type"), ["application/vnd.app+json"]);
    assert_eq!(all("x-region"), ["ap-south-1"]);
    // The query parameter is still the call's region, as functions-js adds it.
    assert_eq!(sent.uri, "/functions/v1/echo?forceFunctionRegion=eu-west-1");
}
