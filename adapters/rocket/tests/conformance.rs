//! The conformance suite against a Rocket app (driven in-process by Rocket's local client).
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(
    clippy::needless_pass_by_value,
    reason = "Rocket guards are taken by value"
)]

use std::sync::Mutex;

use rocket::http::{ContentType, Header, Method, Status};
use rocket::local::asynchronous::Client as LocalClient;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Build, Rocket, get, post, routes};
use supabase_ssr_rocket::core::proxy::CsrfGuard;
use supabase_ssr_rocket::{
    Aal2, AuthRejection, Authenticated, Client, MaybeAuthenticated, StrictAal2, Supabase,
    SupabaseFairing,
};
use supabase_ssr_testing::conformance::{App, TestRequest, TestResponse, handlers, routes};
use tokio::sync::OnceCell;

#[get("/claims")]
fn claims(user: Authenticated) -> String {
    handlers::claims_body(&user)
}

#[get("/claims.json")]
fn claims_json(user: Authenticated) -> rocket::serde::json::Json<Authenticated> {
    rocket::serde::json::Json(user)
}

#[get("/maybe.json")]
fn maybe_json(user: MaybeAuthenticated) -> rocket::serde::json::Json<MaybeAuthenticated> {
    rocket::serde::json::Json(user)
}

#[get("/aal2")]
fn aal2(user: Aal2) -> String {
    handlers::aal_body(&user)
}

#[get("/aal2/strict")]
fn strict_aal2(user: StrictAal2) -> String {
    handlers::aal_body(&user)
}

#[get("/optional")]
fn optional(user: Option<Authenticated>) -> String {
    handlers::optional_body(user.as_deref())
}

/// The raw `Cookie` header lines the handler sees.
struct CookieHeader(String);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for CookieHeader {
    type Error = ();

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, ()> {
        let lines: Vec<&str> = request.headers().get("Cookie").collect();
        Outcome::Success(CookieHeader(lines.join("; ")))
    }
}

#[get("/cookie-header")]
fn cookie_header(header: CookieHeader) -> String {
    header.0
}

#[derive(rocket::Responder)]
#[response(status = 200)]
struct PublicCache(&'static str, Header<'static>);

#[get("/public-cache")]
fn public_cache() -> PublicCache {
    PublicCache(
        "ok",
        Header::new("Cache-Control", handlers::PUBLIC_CACHE_CONTROL),
    )
}

#[derive(rocket::Responder)]
#[response(status = 200)]
struct OwnCache(String, Header<'static>, Header<'static>);

#[get("/claims-own-cache")]
fn claims_own_cache(user: Option<Authenticated>) -> OwnCache {
    OwnCache(
        handlers::optional_body(user.as_deref()),
        Header::new("Cache-Control", handlers::OWN_CACHE_CONTROL),
        Header::new("Vary", handlers::OWN_VARY),
    )
}

/// Rocket's error path: an `Err(Status)` goes to the 500 catcher.
#[get("/fail")]
fn fail() -> Result<String, Status> {
    Err(Status::InternalServerError)
}

#[post("/sign-in", data = "<body>")]
async fn sign_in(client: Client, body: String) -> (Status, String) {
    reply(handlers::sign_in(&client, &body).await)
}

#[post("/sign-out")]
async fn sign_out(client: Client) -> (Status, String) {
    reply(handlers::sign_out(&client).await)
}

#[get("/unhandled/optional.js")]
fn optional_unhandled(user: MaybeAuthenticated) -> String {
    handlers::optional_body(user.0.as_ref())
}

#[get("/unhandled/option.js")]
fn option_unhandled(user: Option<Authenticated>) -> String {
    handlers::optional_body(user.as_deref())
}

#[get("/static/logo.png")]
fn static_asset(client: Option<Client>) -> &'static str {
    if client.is_some() {
        "client"
    } else {
        "no client"
    }
}

fn reply((status, body): (u16, String)) -> (Status, String) {
    (Status::new(status), body)
}

fn app(supabase: Supabase) -> RocketApp {
    app_with(supabase, CsrfGuard::default())
}

fn app_with(supabase: Supabase, guard: CsrfGuard) -> RocketApp {
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    let rocket = rocket::custom(config)
        .attach(SupabaseFairing::new(supabase).with_csrf(guard))
        .mount(
            "/",
            routes![
                claims,
                optional,
                cookie_header,
                public_cache,
                claims_own_cache,
                fail,
                sign_in,
                sign_out,
                optional_unhandled,
                option_unhandled,
                static_asset,
                aal2,
                strict_aal2,
                claims_json,
                maybe_json
            ],
        );
    // The route attributes need literals: check they are the suite's paths.
    let paths: Vec<String> = rocket.routes().map(|r| r.uri.to_string()).collect();
    for path in [
        routes::CLAIMS,
        routes::CLAIMS_JSON,
        routes::MAYBE_JSON,
        routes::OPTIONAL,
        routes::COOKIE_HEADER,
        routes::PUBLIC_CACHE,
        routes::CLAIMS_OWN_CACHE,
        routes::FAIL,
        routes::SIGN_IN,
        routes::SIGN_OUT,
        routes::STATIC_ASSET,
        routes::OPTIONAL_UNHANDLED,
        routes::OPTION_UNHANDLED,
        routes::AAL2,
        routes::STRICT_AAL2,
    ] {
        assert!(paths.iter().any(|p| p == path), "{path} not in {paths:?}");
    }
    RocketApp {
        rocket: Mutex::new(Some(rocket)),
        client: OnceCell::new(),
    }
}

/// The local client launches the app, which is async, while `app` is not: launch on first use.
struct RocketApp {
    rocket: Mutex<Option<Rocket<Build>>>,
    client: OnceCell<LocalClient>,
}

impl App for RocketApp {
    // A fairing cannot wrap the handler (see `SupabaseFairing`, "Tracing").
    const HANDLER_IN_REQUEST_SPAN: bool = false;

    async fn send(&self, request: TestRequest) -> TestResponse {
        let client = self
            .client
            .get_or_init(|| async {
                let rocket = self.rocket.lock().unwrap().take().unwrap();
                LocalClient::tracked(rocket).await.unwrap()
            })
            .await;
        let method = if request.method == "POST" {
            Method::Post
        } else {
            Method::Get
        };
        let mut local = client.req(method, request.path);
        for (name, value) in request.headers {
            // Added, not replaced: repeated names become separate header lines.
            local = local.header(Header::new(name, value));
        }
        if let Some(body) = request.body {
            local = local.header(ContentType::JSON).body(body);
        }
        let response = local.dispatch().await;
        let status = response.status().code;
        let headers = response
            .headers()
            .iter()
            .map(|h| (h.name().as_str().to_ascii_lowercase(), h.value().to_owned()))
            .collect();
        TestResponse {
            status,
            headers,
            body: response.into_string().await.unwrap_or_default(),
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
        "SupabaseFairing",
        &SupabaseFairing::new(fixture.supabase.clone()),
    );
}
