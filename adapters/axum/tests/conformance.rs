//! The conformance suite against an axum app (driven in-process through `tower::ServiceExt`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use supabase_ssr_axum::core::proxy::CsrfGuard;
use supabase_ssr_axum::{
    Aal2, AuthRejection, Authenticated, Client, MaybeAuthenticated, StrictAal2, Supabase,
    SupabaseClient, SupabaseLayer,
};
use supabase_ssr_testing::conformance::{App, TestRequest, TestResponse, handlers, routes};
use tower::ServiceExt;

fn app(supabase: Supabase) -> AxumApp {
    app_with(supabase, CsrfGuard::default())
}

fn app_with(supabase: Supabase, guard: CsrfGuard) -> AxumApp {
    let router =
        Router::new()
            .route(
                routes::CLAIMS,
                get(|user: Authenticated| async move { handlers::claims_body(&user) }),
            )
            .route(
                routes::CLAIMS_JSON,
                get(|user: Authenticated| async move { axum::Json(user) }),
            )
            .route(
                routes::MAYBE_JSON,
                get(|user: MaybeAuthenticated| async move { axum::Json(user) }),
            )
            .route(
                routes::AAL2,
                get(|user: Aal2| async move { handlers::aal_body(&user) }),
            )
            .route(
                routes::STRICT_AAL2,
                get(|user: StrictAal2| async move { handlers::aal_body(&user) }),
            )
            .route(
                routes::OPTIONAL,
                get(|user: Option<Authenticated>| async move {
                    handlers::optional_body(user.as_deref())
                }),
            )
            .route(
                routes::COOKIE_HEADER,
                get(|headers: HeaderMap| async move { cookie_header(&headers) }),
            )
            .route(
                routes::PUBLIC_CACHE,
                get(|| async {
                    (
                        [(header::CACHE_CONTROL, handlers::PUBLIC_CACHE_CONTROL)],
                        "ok",
                    )
                }),
            )
            .route(
                routes::CLAIMS_OWN_CACHE,
                get(|user: Option<Authenticated>| async move {
                    (
                        [
                            (header::CACHE_CONTROL, handlers::OWN_CACHE_CONTROL),
                            (header::VARY, handlers::OWN_VARY),
                        ],
                        handlers::optional_body(user.as_deref()),
                    )
                }),
            )
            .route(
                routes::FAIL,
                get(|| async { Err::<String, _>((StatusCode::INTERNAL_SERVER_ERROR, "failed")) }),
            )
            .route(
                routes::SIGN_IN,
                post(|client: Client, body: String| async move {
                    reply(handlers::sign_in(&client, &body).await)
                }),
            )
            .route(
                routes::SIGN_OUT,
                post(|client: Client| async move { reply(handlers::sign_out(&client).await) }),
            )
            .route(
                routes::OPTIONAL_UNHANDLED,
                get(|user: MaybeAuthenticated| async move {
                    handlers::optional_body(user.0.as_ref())
                }),
            )
            .route(
                routes::OPTION_UNHANDLED,
                get(|user: Option<Authenticated>| async move {
                    handlers::optional_body(user.as_deref())
                }),
            )
            .route(
                routes::STATIC_ASSET,
                get(|request: Request<Body>| async move {
                    if request.extensions().get::<SupabaseClient>().is_some() {
                        "client"
                    } else {
                        "no client"
                    }
                }),
            )
            .layer(SupabaseLayer::new(supabase).with_csrf(guard));
    AxumApp(router)
}

fn cookie_header(headers: &HeaderMap) -> String {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

fn reply((status, body): (u16, String)) -> impl IntoResponse {
    (StatusCode::from_u16(status).unwrap(), body)
}

struct AxumApp(Router);

impl App for AxumApp {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let mut builder = Request::builder().method(request.method).uri(&request.path);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if request.body.is_some() {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(Body::from(request.body.unwrap_or_default()))
            .unwrap();
        let response = self.0.clone().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        TestResponse {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }
}

supabase_ssr_testing::conformance_tests!(app, app_with, tokio::test);

/// No `Debug` output of this adapter's public types holds a token, a cookie value or the JWT
/// secret (the core's types are checked in `supabase-ssr-core/tests/debug_redaction.rs`).
#[tokio::test]
async fn debug_output_holds_no_secret() {
    let fixture = supabase_ssr_testing::conformance::redaction::SecretFixture::start().await;
    fixture.assert_redacted("Client", &Client(fixture.client.clone()));
    fixture.assert_redacted("Authenticated", &Authenticated(fixture.claims.clone()));
    fixture.assert_redacted(
        "AuthRejection",
        &AuthRejection::Denied(fixture.rejection.clone()),
    );
    fixture.assert_redacted(
        "SupabaseLayer",
        &SupabaseLayer::new(fixture.supabase.clone()),
    );
}
