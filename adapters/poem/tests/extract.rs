//! The extractors on a route without the middleware.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(
    clippy::needless_pass_by_value,
    reason = "poem handlers take their extractors by value"
)]

use poem::http::StatusCode;
use poem::{Endpoint, Request, Route, get, handler};
use supabase_ssr_poem::{Authenticated, Client};

#[handler]
fn with_client(_client: Client) -> &'static str {
    "unreachable"
}

#[handler]
fn with_claims(_user: Authenticated) -> &'static str {
    "unreachable"
}

#[handler]
fn with_optional(user: Option<Authenticated>) -> &'static str {
    if user.is_some() { "user" } else { "none" }
}

async fn get_path(path: &str) -> (StatusCode, String) {
    let app = Route::new()
        .at("/client", get(with_client))
        .at("/claims", get(with_claims))
        .at("/optional", get(with_optional));
    let response = app
        .get_response(Request::builder().uri_str(path).finish())
        .await;
    let status = response.status();
    (status, response.into_body().into_string().await.unwrap())
}

#[tokio::test]
async fn a_missing_middleware_is_a_500_saying_so() {
    for path in ["/client", "/claims"] {
        let (status, body) = get_path(path).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert_eq!(body, supabase_ssr_poem::core::proxy::MISSING_MIDDLEWARE);
    }
}

#[tokio::test]
async fn optional_claims_without_the_middleware_are_none() {
    // poem's `Option<T>` extractor turns every error into `None` (documented in the README).
    assert_eq!(
        get_path("/optional").await,
        (StatusCode::OK, "none".to_owned())
    );
}
