//! The conformance suite against plain hyper 1 serving the tower layer
//! (`hyper_util::service::TowerToHyperService`) over real TCP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::convert::Infallible;
use std::net::SocketAddr;

use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use supabase_ssr_testing::conformance::{App, TestRequest, TestResponse, handlers, routes};
use supabase_ssr_tower::core::proxy::{Aal2Policy, CsrfGuard, http_headers};
use supabase_ssr_tower::{Supabase, SupabaseLayer, request_client};
use tower::ServiceBuilder;

type Body = Full<Bytes>;

fn respond(status: u16, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap();
    response
}

/// What a tower service without a JSON responder answers: a JSON body.
fn json(body: String) -> Response<Body> {
    let mut response = respond(200, body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    response
}

async fn route(request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    let client = request_client(&request);
    let accept = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path = request.uri().path().to_owned();
    let cookie_header = http_headers::cookie_headers(request.headers())
        .collect::<Vec<_>>()
        .join("; ");
    let body = request.into_body().collect().await.unwrap().to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    let response = match (path.as_str(), client) {
        (routes::STATIC_ASSET, client) => respond(
            200,
            if client.is_ok() {
                "client"
            } else {
                "no client"
            },
        ),
        // The tower crate's `Option<Authenticated>`: the client, if the layer put one there.
        (routes::OPTION_UNHANDLED, Err(_)) => respond(200, handlers::optional_body(None)),
        (_, Err(missing)) => missing.into_response(),
        (routes::CLAIMS, Ok(client)) => match client.require_claims(accept.as_deref()).await {
            Ok(claims) => respond(200, handlers::claims_body(&claims)),
            Err(rejection) => http_headers::rejection_response(rejection),
        },
        (routes::CLAIMS_JSON, Ok(client)) => match client.require_claims(accept.as_deref()).await {
            Ok(claims) => json(handlers::json_body(&claims)),
            Err(rejection) => http_headers::rejection_response(rejection),
        },
        (routes::MAYBE_JSON, Ok(client)) => {
            json(handlers::json_body(&client.optional_claims().await))
        }
        (routes::AAL2 | routes::STRICT_AAL2, Ok(client)) => {
            let policy = if path == routes::AAL2 {
                Aal2Policy::NextLevel
            } else {
                Aal2Policy::Strict
            };
            match client.require_aal2(accept.as_deref(), policy).await {
                Ok(claims) => respond(200, handlers::aal_body(&claims)),
                Err(rejection) => http_headers::rejection_response(rejection),
            }
        }
        (routes::OPTIONAL | routes::OPTIONAL_UNHANDLED | routes::OPTION_UNHANDLED, Ok(client)) => {
            respond(
                200,
                handlers::optional_body(client.optional_claims().await.as_ref()),
            )
        }
        (routes::CLAIMS_OWN_CACHE, Ok(client)) => {
            let body = handlers::optional_body(client.optional_claims().await.as_ref());
            let mut response = respond(200, body);
            let headers = response.headers_mut();
            headers.insert(
                header::CACHE_CONTROL,
                handlers::OWN_CACHE_CONTROL.parse().unwrap(),
            );
            headers.insert(header::VARY, handlers::OWN_VARY.parse().unwrap());
            response
        }
        (routes::COOKIE_HEADER, Ok(_)) => respond(200, cookie_header),
        (routes::PUBLIC_CACHE, Ok(_)) => {
            let mut response = respond(200, "ok");
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                handlers::PUBLIC_CACHE_CONTROL.parse().unwrap(),
            );
            response
        }
        (routes::FAIL, Ok(_)) => respond(500, "failed"),
        (routes::SIGN_IN, Ok(client)) => {
            let (status, text) = handlers::sign_in(&client, &body).await;
            respond(status, text)
        }
        (routes::SIGN_OUT, Ok(client)) => {
            let (status, text) = handlers::sign_out(&client).await;
            respond(status, text)
        }
        _ => respond(404, "not found"),
    };
    Ok(response)
}

struct HyperApp {
    addr: SocketAddr,
    http: reqwest::Client,
}

fn app(supabase: Supabase) -> HyperApp {
    app_with(supabase, CsrfGuard::default())
}

fn app_with(supabase: Supabase, guard: CsrfGuard) -> HyperApp {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let service = ServiceBuilder::new()
        .layer(SupabaseLayer::new(supabase).with_csrf(guard))
        .service_fn(route);
    tokio::spawn(async move {
        let listener = tokio::net::TcpListener::from_std(listener).unwrap();
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    HyperApp {
        addr,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    }
}

impl App for HyperApp {
    async fn send(&self, request: TestRequest) -> TestResponse {
        let method = Method::from_bytes(request.method.as_bytes()).unwrap();
        let url = format!("http://{}{}", self.addr, request.path);
        let mut builder = self.http.request(method, url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = request.body {
            builder = builder
                .header(header::CONTENT_TYPE, "application/json")
                .body(body);
        }
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .collect();
        TestResponse {
            status,
            headers,
            body: response.text().await.unwrap(),
        }
    }
}

supabase_ssr_testing::conformance_tests!(app, app_with, tokio::test);

/// No `Debug` output of this adapter's public types holds a token, a cookie value or the JWT
/// secret (the core's types are checked in `supabase-ssr-core/tests/debug_redaction.rs`).
#[tokio::test]
async fn debug_output_holds_no_secret() {
    let fixture = supabase_ssr_testing::conformance::redaction::SecretFixture::start().await;
    let layer = SupabaseLayer::new(fixture.supabase.clone());
    fixture.assert_redacted("SupabaseService", &tower::Layer::layer(&layer, ()));
    fixture.assert_redacted("SupabaseLayer", &layer);
    fixture.assert_redacted("SupabaseClient", &fixture.client);
}
