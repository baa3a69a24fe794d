//! The conformance suite against a poem app (its endpoint called in-process with built requests).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(
    clippy::needless_pass_by_value,
    reason = "poem handlers take their extractors by value"
)]

use poem::endpoint::BoxEndpoint;
use poem::http::{HeaderMap, Method, StatusCode, header};
use poem::{
    Endpoint, EndpointExt, Error, IntoResponse, Request, Response, Route, get, handler, post,
};
use supabase_ssr_poem::core::proxy::CsrfGuard;
use supabase_ssr_poem::{
    Aal2, AuthRejection, Authenticated, Client, MaybeAuthenticated, StrictAal2, Supabase,
    SupabaseClient, SupabaseMiddleware,
};
use supabase_ssr_testing::conformance::{App, TestRequest, TestResponse, handlers, routes};

#[handler]
fn claims(user: Authenticated) -> String {
    handlers::claims_body(&user)
}

#[handler]
fn claims_json(user: Authenticated) -> poem::web::Json<Authenticated> {
    poem::web::Json(user)
}

#[handler]
fn maybe_json(user: MaybeAuthenticated) -> poem::web::Json<MaybeAuthenticated> {
    poem::web::Json(user)
}

#[handler]
fn aal2(user: Aal2) -> String {
    handlers::aal_body(&user)
}

#[handler]
fn strict_aal2(user: StrictAal2) -> String {
    handlers::aal_body(&user)
}

#[handler]
fn optional(user: Option<Authenticated>) -> String {
    handlers::optional_body(user.as_deref())
}

#[handler]
fn cookie_header(headers: &HeaderMap) -> String {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

#[handler]
fn public_cache() -> impl IntoResponse {
    "ok".with_header(header::CACHE_CONTROL, handlers::PUBLIC_CACHE_CONTROL)
}

#[handler]
fn claims_own_cache(user: Option<Authenticated>) -> impl IntoResponse {
    handlers::optional_body(user.as_deref())
        .with_header(header::CACHE_CONTROL, handlers::OWN_CACHE_CONTROL)
        .with_header(header::VARY, handlers::OWN_VARY)
}

#[handler]
fn fail() -> poem::Result<String> {
    Err(Error::from_string(
        "failed",
        StatusCode::INTERNAL_SERVER_ERROR,
    ))
}

#[handler]
async fn sign_in(client: Client, body: String) -> Response {
    reply(handlers::sign_in(&client, &body).await)
}

#[handler]
async fn sign_out(client: Client) -> Response {
    reply(handlers::sign_out(&client).await)
}

#[handler]
fn optional_unhandled(user: MaybeAuthenticated) -> String {
    handlers::optional_body(user.0.as_ref())
}

#[handler]
fn static_asset(request: &Request) -> &'static str {
    if request.data::<SupabaseClient>().is_some() {
        "client"
    } else {
        "no client"
    }
}

fn reply((status, body): (u16, String)) -> Response {
    (StatusCode::from_u16(status).unwrap(), body).into_response()
}

fn app(supabase: Supabase) -> PoemApp {
    app_with(supabase, CsrfGuard::default())
}

fn app_with(supabase: Supabase, guard: CsrfGuard) -> PoemApp {
    let route = Route::new()
        .at(routes::CLAIMS, get(claims))
        .at(routes::CLAIMS_JSON, get(claims_json))
        .at(routes::MAYBE_JSON, get(maybe_json))
        .at(routes::AAL2, get(aal2))
        .at(routes::STRICT_AAL2, get(strict_aal2))
        .at(routes::OPTIONAL, get(optional))
        .at(routes::COOKIE_HEADER, get(cookie_header))
        .at(routes::PUBLIC_CACHE, get(public_cache))
        .at(routes::CLAIMS_OWN_CACHE, get(claims_own_cache))
        .at(routes::FAIL, get(fail))
        .at(routes::SIGN_IN, post(sign_in))
        .at(routes::SIGN_OUT, post(sign_out))
        .at(routes::OPTIONAL_UNHANDLED, get(optional_unhandled))
        .at(routes::OPTION_UNHANDLED, get(optional))
        .at(routes::STATIC_ASSET, get(static_asset))
        .with(SupabaseMiddleware::new(supabase).with_csrf(guard));
    PoemApp(route.boxed())
}

struct PoemApp(BoxEndpoint<'static>);

impl App for PoemApp {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::from_bytes(request.method.as_bytes()).unwrap())
            .uri_str(&request.path);
        // `header` appends: two `Cookie` entries stay two header lines.
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if request.body.is_some() {
            builder = builder.content_type("application/json");
        }
        let response = self
            .0
            .get_response(builder.body(request.body.unwrap_or_default()))
            .await;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let body = response.into_body().into_string().await.unwrap();
        TestResponse {
            status,
            headers,
            body,
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
        "SupabaseMiddleware",
        &SupabaseMiddleware::new(fixture.supabase.clone()),
    );
}
