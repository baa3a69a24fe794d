//! End to end through the axum adapter: a handler reads a table as the signed-in user, and the
//! fake `PostgREST` refuses any other bearer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use recording::Project;
use serde::{Deserialize, Serialize};
use supabase_ssr_axum::{Client, SupabaseLayer};
use supabase_ssr_testing::server::Endpoint;
use tower::ServiceExt;

#[derive(Debug, Deserialize, Serialize)]
struct Todo {
    id: i64,
    title: String,
}

async fn todos(client: Client) -> Result<axum::Json<Vec<Todo>>, (StatusCode, String)> {
    client
        .from("todos")
        .select("*")
        .execute::<Vec<Todo>>()
        .await
        .map(axum::Json)
        .map_err(|e| {
            (
                StatusCode::from_u16(e.status().unwrap_or(500)).unwrap(),
                e.to_string(),
            )
        })
}

fn app(project: &Project) -> Router {
    Router::new()
        .route("/todos", get(todos))
        .layer(SupabaseLayer::new(project.supabase()))
}

async fn get_todos(app: Router, cookie: Option<&str>) -> (StatusCode, String, Vec<String>) {
    let mut request = Request::get("/todos");
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let response = app
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let set_cookies = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        String::from_utf8(body.to_vec()).unwrap(),
        set_cookies,
    )
}

#[tokio::test]
async fn a_handler_reads_the_table_as_the_signed_in_user() {
    let project = Project::start().await;
    let (cookie, session) = project.signed_in_cookie(3600);
    project.require_bearer(session.access_token());
    let (status, body, _) = get_todos(app(&project), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("Write tests"));
    assert_eq!(project.last().bearer(), Some(session.access_token()));
}

#[tokio::test]
async fn without_a_session_the_fake_postgrest_refuses_the_anonymous_bearer() {
    let project = Project::start().await;
    let (_, session) = project.signed_in_cookie(3600);
    project.require_bearer(session.access_token());
    let (status, _, _) = get_todos(app(&project), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expiring_session_is_refreshed_once_and_the_query_uses_the_new_token() {
    let project = Project::start().await;
    let (cookie, old) = project.signed_in_cookie(30);
    let (status, body, set_cookies) = get_todos(app(&project), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(project.auth.count(Endpoint::TokenRefresh), 1);
    assert!(
        !set_cookies.is_empty(),
        "the refreshed session goes back to the browser"
    );
    let bearer = project.last().bearer().unwrap().to_owned();
    assert_ne!(bearer, old.access_token());
}
