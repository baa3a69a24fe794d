//! Data API, Storage and Functions calls as the user, against a recording server that proxies
//! `/auth/v1` to a local Auth server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use recording::Project;
use serde::{Deserialize, Serialize};
use supabase_ssr_core::rest::{Count, Order, RestError};
use supabase_ssr_core::storage::{
    DownloadOptions, ListOptions, SignedUrlOptions, StorageError, UploadOptions,
};
use supabase_ssr_testing::server::Endpoint;

#[derive(Debug, Deserialize, Serialize, PartialEq)]
struct Todo {
    id: i64,
    title: String,
    done: bool,
}

#[tokio::test]
async fn a_select_is_sent_with_the_users_token_and_the_key() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let todos = client
        .from("todos")
        .select("id, title, done")
        .eq("done", false)
        .order("id", Order::desc())
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(todos.len(), 2);
    let sent = project.last();
    assert_eq!(
        sent.uri,
        "/rest/v1/todos?select=id%2Ctitle%2Cdone&done=eq.false&order=id.desc"
    );
    assert_eq!(sent.bearer(), Some(session.access_token()));
    assert_eq!(sent.header("apikey"), Some(project.auth.publishable_key()));
    assert_eq!(sent.header("accept-profile"), Some("public"));
    assert!(
        client.response_cookies().is_empty(),
        "a valid session writes no cookie"
    );
}

#[tokio::test]
async fn signed_out_requests_use_the_publishable_key_as_bearer() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    client
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(
        project.last().bearer(),
        Some(project.auth.publishable_key())
    );
}

#[tokio::test]
async fn an_expiring_session_is_refreshed_before_the_query_and_its_cookies_written() {
    let project = Project::start().await;
    let (cookie, old) = project.signed_in_cookie(30);
    let client = project.supabase().client([cookie.as_str()]);
    client
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(project.auth.count(Endpoint::TokenRefresh), 1);
    let current = client.auth().get_session().await.unwrap().unwrap();
    assert_ne!(current.access_token(), old.access_token());
    assert_eq!(project.last().bearer(), Some(current.access_token()));
    assert!(
        !client.response_cookies().is_empty(),
        "the refreshed session is written"
    );
    assert_eq!(project.auth.count(Endpoint::TokenRefresh), 1);
}

#[tokio::test]
async fn rest_headers_carry_the_key_and_the_users_token() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let headers = client.rest_headers().await.unwrap();
    assert_eq!(headers["apikey"], project.auth.publishable_key());
    assert_eq!(
        headers["authorization"].to_str().unwrap(),
        format!("Bearer {}", session.access_token())
    );
}

#[tokio::test]
async fn postgrest_errors_keep_code_message_details_and_hint() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let error = client
        .from("forbidden")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(403));
    let postgrest = error.postgrest().unwrap();
    assert_eq!(postgrest.code, "42501");
    assert_eq!(postgrest.message, "permission denied for table forbidden");
    assert_eq!(postgrest.details.as_deref(), Some("RLS"));
    assert_eq!(postgrest.hint.as_deref(), Some("Grant select"));
}

#[tokio::test]
async fn a_non_json_error_body_becomes_the_message() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let error = client
        .from("broken")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap_err();
    assert!(
        matches!(&error, RestError::Api { status: 502, error } if error.message == "upstream down")
    );
}

#[tokio::test]
async fn the_count_is_read_from_content_range() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let response = client
        .from("todos")
        .select("*")
        .count(Count::Exact)
        .execute_response::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(response.count, Some(42));
    assert_eq!(response.status, 200);
    assert_eq!(project.last().header("prefer"), Some("count=exact"));
}

#[tokio::test]
async fn a_head_request_returns_no_rows_only_the_count() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let response = client
        .from("todos")
        .select("*")
        .count(Count::Planned)
        .head()
        .execute_response::<()>()
        .await
        .unwrap();
    assert_eq!(response.count, Some(42));
    assert_eq!(project.last().method, "HEAD");
}

#[tokio::test]
async fn maybe_single_gives_one_row_none_or_the_pgrst116_error() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let one: Option<Todo> = client
        .from("one")
        .select("*")
        .maybe_single()
        .execute()
        .await
        .unwrap();
    assert_eq!(one.unwrap().id, 7);
    let none: Option<Todo> = client
        .from("none")
        .select("*")
        .maybe_single()
        .execute()
        .await
        .unwrap();
    assert!(none.is_none());
    let many = client
        .from("todos")
        .select("*")
        .maybe_single()
        .execute::<Option<Todo>>()
        .await
        .unwrap_err();
    assert_eq!(many.status(), Some(406));
    assert_eq!(many.postgrest().unwrap().code, "PGRST116");
}

#[tokio::test]
async fn rows_that_do_not_match_the_type_are_a_decode_error() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let error = client
        .from("todos")
        .select("*")
        .execute::<Vec<String>>()
        .await
        .unwrap_err();
    assert!(matches!(error, RestError::Decode(_)));
}

#[tokio::test]
async fn an_insert_sends_the_rows_as_json_as_the_user() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let todo = Todo {
        id: 3,
        title: "naïve, (quoted) \"title\"".into(),
        done: false,
    };
    client
        .from("todos")
        .insert(&todo)
        .execute::<()>()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.json(), serde_json::to_value(&todo).unwrap());
    assert_eq!(sent.header("content-type"), Some("application/json"));
    assert_eq!(sent.header("content-profile"), Some("public"));
    assert_eq!(sent.bearer(), Some(session.access_token()));
}

#[tokio::test]
async fn csv_is_read_as_text() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let csv = client
        .from("export")
        .select("*")
        .csv()
        .execute_text()
        .await
        .unwrap();
    assert_eq!(csv, "id,title\n1,a");
    assert_eq!(project.last().header("accept"), Some("text/csv"));
    // As postgrest-js's `data`: the text itself, not parsed as JSON.
    let csv: String = client
        .from("export")
        .select("*")
        .csv()
        .execute()
        .await
        .unwrap();
    assert_eq!(csv, "id,title\n1,a");
}

#[tokio::test]
async fn a_text_plan_is_read_as_text_and_its_accept_names_the_plan() {
    use supabase_ssr_core::rest::ExplainOptions;
    let project = Project::start().await;
    let client = project.supabase().client([]);
    // The fake answers this path with text whatever is asked: it stands for the plan.
    let plan: String = client
        .from("export")
        .select("*")
        .explain(ExplainOptions::default().analyze(true))
        .execute()
        .await
        .unwrap();
    assert_eq!(plan, "id,title\n1,a");
    assert_eq!(
        project.last().header("accept"),
        Some("application/vnd.pgrst.plan+text; for=\"application/json\"; options=analyze;")
    );
}

#[tokio::test]
async fn rpc_posts_its_arguments_and_get_puts_them_in_the_query() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let sum: i64 = client
        .rpc("add", serde_json::json!({"a": 1, "b": 2}))
        .execute()
        .await
        .unwrap();
    assert_eq!(sum, 3);
    assert_eq!(project.last().json(), serde_json::json!({"a": 1, "b": 2}));
    let sum: i64 = client
        .rpc("add", serde_json::json!({"a": 1, "b": 2}))
        .get()
        .execute()
        .await
        .unwrap();
    assert_eq!(sum, 3);
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("GET", "/rest/v1/rpc/add?a=1&b=2")
    );
}

#[tokio::test]
async fn storage_calls_are_made_as_the_user() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    let avatars = client.storage().from("avatars");

    let uploaded = avatars
        .upload(
            "/u1//me.png",
            b"\x89PNG".to_vec(),
            UploadOptions::new("image/png").upsert(true),
        )
        .await
        .unwrap();
    assert_eq!(uploaded.path, "u1/me.png");
    assert_eq!(uploaded.full_path.as_deref(), Some("avatars/u1/me.png"));
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.uri.as_str()),
        ("POST", "/storage/v1/object/avatars/u1/me.png")
    );
    assert_eq!(sent.header("x-upsert"), Some("true"));
    assert_eq!(sent.header("content-type"), Some("image/png"));
    assert_eq!(sent.header("cache-control"), Some("max-age=3600"));
    assert_eq!(&sent.body[..], b"\x89PNG");
    assert_eq!(sent.bearer(), Some(session.access_token()));

    let png = avatars
        .download("u1/me.png", &DownloadOptions::default())
        .await;
    assert_eq!(&png.unwrap().body[..], b"\x89PNG");
    assert_eq!(project.last().method, "GET");

    let listed = avatars
        .list("u1", ListOptions::default().page(10, 0).search("me"))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1].id, None);
    assert_eq!(
        project.last().json(),
        serde_json::json!({"limit": 10, "offset": 0, "sortBy": {"column": "name", "order": "asc"}, "search": "me", "prefix": "u1"})
    );

    let removed = avatars.remove(["u1/me.png"]).await.unwrap();
    assert_eq!(removed[0].name, "me.png");
    let sent = project.last();
    assert_eq!(
        (sent.method.as_str(), sent.json()),
        ("DELETE", serde_json::json!({"prefixes": ["u1/me.png"]}))
    );

    avatars
        .move_object(
            "u1/me.png",
            "u1/old.png",
            &supabase_ssr_core::storage::DestinationOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        project.last().json(),
        serde_json::json!({"bucketId": "avatars", "sourceKey": "u1/me.png", "destinationKey": "u1/old.png"})
    );

    let none = SignedUrlOptions::default();
    let signed = avatars.create_signed_url("u1/me.png", 60, &none);
    let signed = signed.await.unwrap();
    assert_eq!(
        signed,
        format!(
            "{}/storage/v1/object/sign/avatars/u1/me.png?token=t1",
            project.url
        )
    );
    assert_eq!(project.last().json(), serde_json::json!({"expiresIn": 60}));

    let many = avatars
        .create_signed_urls(["a.png", "b.png"], 60, &none)
        .await
        .unwrap();
    let a = format!(
        "{}/storage/v1/object/sign/avatars/a.png?token=ta",
        project.url
    );
    assert_eq!(many[0].signed_url.as_deref(), Some(a.as_str()));
    assert!(many[1].signed_url.is_none() && many[1].error.is_some());
    assert_eq!(
        project.last().json(),
        serde_json::json!({"expiresIn": 60, "paths": ["a.png", "b.png"]})
    );

    assert_eq!(
        avatars.public_url("u1/my photo.png", &none).unwrap(),
        format!(
            "{}/storage/v1/object/public/avatars/u1/my%20photo.png",
            project.url
        )
    );
    assert!(
        project
            .records()
            .iter()
            .all(|r| r.header("apikey") == Some(project.auth.publishable_key()))
    );
}

#[tokio::test]
async fn storage_errors_carry_status_code_and_message() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    let error = client
        .storage()
        .from("avatars")
        .download("missing.png", &DownloadOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        StorageError::Api { status: 400, code: None, error: Some(ref name), ref message } if name == "not_found" && message == "Object not found"
    ));
}

#[tokio::test]
async fn the_default_schema_names_the_profile_of_reads_writes_and_the_openapi_spec() {
    let project = Project::start().await;
    let supabase =
        supabase_ssr_core::Supabase::builder(&project.url, project.auth.publishable_key())
            .db_schema("api")
            .build()
            .unwrap();
    let client = supabase.client([]);
    client
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(project.last().header("accept-profile"), Some("api"));
    client
        .from("todos")
        .insert(serde_json::json!({"title": "a"}))
        .execute::<()>()
        .await
        .unwrap();
    let sent = project.last();
    assert_eq!(sent.header("content-profile"), Some("api"));
    assert_eq!(sent.header("accept-profile"), None);
    client
        .schema("billing")
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(project.last().header("accept-profile"), Some("billing"));
    let _ = client.get_open_api_spec().await;
    let sent = project.last();
    assert_eq!(sent.uri, "/rest/v1/");
    assert_eq!(sent.header("accept"), Some("application/openapi+json"));
    assert_eq!(sent.header("accept-profile"), Some("api"));
}

#[tokio::test]
async fn set_header_replaces_the_users_authorization_for_one_request() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = project.supabase().client([cookie.as_str()]);
    client
        .from("todos")
        .select("*")
        .set_header("Authorization", "Bearer other")
        .set_header("X-Trace", "t1")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    let sent = project.last();
    let bearers: Vec<_> = sent.headers.get_all("authorization").iter().collect();
    assert_eq!(
        bearers,
        ["Bearer other"],
        "one Authorization, the given one"
    );
    assert_eq!(sent.header("x-trace"), Some("t1"));
    client
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .unwrap();
    assert_eq!(project.last().bearer(), Some(session.access_token()));
}
