//! The conformance suite against an actix-web app (driven in-process through `actix_web::test`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, VARY};
use actix_web::http::{Method, StatusCode};
use actix_web::{App as ActixApp, HttpMessage, HttpRequest, HttpResponse, test, web};
use supabase_ssr_actix_web::core::proxy::CsrfGuard;
use supabase_ssr_actix_web::{
    Aal2, AuthRejection, Authenticated, Client, MaybeAuthenticated, StrictAal2, Supabase,
    SupabaseClient, SupabaseMiddleware,
};
use supabase_ssr_testing::conformance::{App, TestRequest, TestResponse, handlers, routes};

/// The conformance app: every route of `routes`, behind the middleware with `guard`.
fn routes_app(
    supabase: Supabase,
    guard: CsrfGuard,
) -> ActixApp<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    ActixApp::new()
        .route(
            routes::CLAIMS,
            web::get().to(|user: Authenticated| async move { handlers::claims_body(&user) }),
        )
        .route(
            routes::CLAIMS_JSON,
            web::get().to(|user: Authenticated| async move { web::Json(user) }),
        )
        .route(
            routes::MAYBE_JSON,
            web::get().to(|user: MaybeAuthenticated| async move { web::Json(user) }),
        )
        .route(
            routes::AAL2,
            web::get().to(|user: Aal2| async move { handlers::aal_body(&user) }),
        )
        .route(
            routes::STRICT_AAL2,
            web::get().to(|user: StrictAal2| async move { handlers::aal_body(&user) }),
        )
        .route(
            routes::OPTIONAL,
            web::get().to(|user: Option<Authenticated>| async move {
                handlers::optional_body(user.as_deref())
            }),
        )
        .route(
            routes::COOKIE_HEADER,
            web::get().to(|request: HttpRequest| async move { cookie_header(&request) }),
        )
        .route(
            routes::PUBLIC_CACHE,
            web::get().to(|| async {
                HttpResponse::Ok()
                    .insert_header((CACHE_CONTROL, handlers::PUBLIC_CACHE_CONTROL))
                    .body("ok")
            }),
        )
        .route(
            routes::CLAIMS_OWN_CACHE,
            web::get().to(|user: Option<Authenticated>| async move {
                HttpResponse::Ok()
                    .insert_header((CACHE_CONTROL, handlers::OWN_CACHE_CONTROL))
                    .insert_header((VARY, handlers::OWN_VARY))
                    .body(handlers::optional_body(user.as_deref()))
            }),
        )
        .route(
            routes::FAIL,
            web::get().to(|| async {
                Err::<String, _>(actix_web::error::ErrorInternalServerError("failed"))
            }),
        )
        .route(
            routes::SIGN_IN,
            web::post().to(|client: Client, body: String| async move {
                reply(handlers::sign_in(&client, &body).await)
            }),
        )
        .route(
            routes::SIGN_OUT,
            web::post()
                .to(|client: Client| async move { reply(handlers::sign_out(&client).await) }),
        )
        .route(
            routes::OPTIONAL_UNHANDLED,
            web::get().to(|user: MaybeAuthenticated| async move {
                handlers::optional_body(user.0.as_ref())
            }),
        )
        .route(
            routes::OPTION_UNHANDLED,
            web::get().to(|user: Option<Authenticated>| async move {
                handlers::optional_body(user.as_deref())
            }),
        )
        .route(
            routes::STATIC_ASSET,
            web::get().to(|request: HttpRequest| async move {
                if request.extensions().get::<SupabaseClient>().is_some() {
                    "client"
                } else {
                    "no client"
                }
            }),
        )
        .wrap(SupabaseMiddleware::new(supabase).with_csrf(guard))
}

fn cookie_header(request: &HttpRequest) -> String {
    request
        .headers()
        .get_all(COOKIE)
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join("; ")
}

fn reply((status, body): (u16, String)) -> HttpResponse {
    HttpResponse::build(StatusCode::from_u16(status).unwrap()).body(body)
}

fn app(supabase: Supabase) -> ActixWebApp {
    app_with(supabase, CsrfGuard::default())
}

fn app_with(supabase: Supabase, guard: CsrfGuard) -> ActixWebApp {
    ActixWebApp(supabase, guard)
}

/// `App::send` is called from a sync constructor, so the service is initialised per request
/// (cheap: every instance shares the `Supabase` handle and so its refresh coordination).
struct ActixWebApp(Supabase, CsrfGuard);

impl App for ActixWebApp {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let service = test::init_service(routes_app(self.0.clone(), self.1.clone())).await;
        let mut builder = test::TestRequest::default()
            .method(Method::from_bytes(request.method.as_bytes()).unwrap())
            .uri(&request.path);
        for (name, value) in request.headers {
            builder = builder.append_header((name, value));
        }
        if let Some(body) = request.body {
            builder = builder
                .insert_header((CONTENT_TYPE, "application/json"))
                .set_payload(body);
        }
        // A middleware's `Err` becomes its response in the server, as here.
        let response = match test::try_call_service(&service, builder.to_request()).await {
            Ok(response) => response.into_parts().1.map_into_boxed_body(),
            Err(error) => error.error_response(),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        let body = actix_web::body::to_bytes(response.into_body())
            .await
            .unwrap();
        TestResponse {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).unwrap(),
        }
    }
}

supabase_ssr_testing::conformance_tests!(app, app_with, actix_web::test);

/// An `Err` out of an inner middleware (not a handler error, which actix turns into a response
/// inside the route) still carries the refreshed cookies once it becomes a response.
#[actix_web::test]
async fn cookies_survive_an_error_from_an_inner_middleware() {
    use actix_web::middleware::{Next, from_fn};

    async fn fail(
        _: actix_web::dev::ServiceRequest,
        _: Next<impl MessageBody>,
    ) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
        Err::<ServiceResponse, _>(actix_web::error::ErrorBadGateway("inner middleware failed"))
    }

    let harness = supabase_ssr_testing::conformance::Harness::start().await;
    let supabase = harness.supabase();
    // The seeded user of the conformance harness.
    let jar = harness.jar_with_session(&supabase, "conformance@example.com", 30);
    let service = test::init_service(
        ActixApp::new()
            .route("/", web::get().to(|| async { "unreachable" }))
            .wrap(from_fn(fail))
            .wrap(SupabaseMiddleware::new(supabase)),
    )
    .await;
    let request = test::TestRequest::get()
        .uri("/")
        .insert_header((COOKIE, jar.header()))
        .to_request();
    let error = match service.call(request).await {
        Ok(response) => panic!("expected an error, got {}", response.status()),
        Err(error) => error,
    };
    let response = error.error_response();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(response.headers().get_all("set-cookie").count(), 1);
    assert_eq!(
        response.headers().get(CACHE_CONTROL).unwrap(),
        "private, no-cache, no-store, must-revalidate, max-age=0"
    );
}

/// No `Debug` output of this adapter's public types holds a token, a cookie value or the JWT
/// secret (the core's types are checked in `supabase-ssr-core/tests/debug_redaction.rs`).
#[actix_web::test]
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
