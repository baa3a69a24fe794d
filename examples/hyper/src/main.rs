//! The example site on plain hyper 1, with the tower layer served through
//! `hyper_util::service::TowerToHyperService`: `cargo run -p example-hyper`, then open
//! <http://127.0.0.1:3000>.

use std::convert::Infallible;
use std::sync::Arc;

use example_site::{LoginQuery, Reply, Site, routes};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use serde_urlencoded::{from_bytes, from_str};
use supabase_ssr_tower::core::auth::Claims;
use supabase_ssr_tower::core::proxy::Aal2Policy;
use supabase_ssr_tower::{SupabaseClient, SupabaseLayer};
use tower::ServiceBuilder;

type Body = Full<Bytes>;
type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The largest form body read (the site's forms are an email and a password).
const FORM_LIMIT: usize = 16 * 1024;

fn text(status: StatusCode, body: String) -> Response<Body> {
    let mut response = Response::new(Full::from(body));
    *response.status_mut() = status;
    let plain = HeaderValue::from_static("text/plain; charset=utf-8");
    response.headers_mut().insert(CONTENT_TYPE, plain);
    response
}

fn respond(reply: Reply) -> Response<Body> {
    let parts = reply.into_parts();
    let mut response = Response::builder().status(parts.status);
    for (name, value) in parts.headers {
        response = response.header(name, value);
    }
    let response = response.body(Full::from(parts.body));
    response.unwrap_or_else(|error| text(StatusCode::INTERNAL_SERVER_ERROR, error.to_string()))
}

/// The verified `aal2` claims (the auth-js rule other frameworks' `Aal2` extractor applies), or
/// what to answer instead: `303 /mfa/challenge` for a browser, `403`/`401` JSON otherwise.
async fn aal2(client: &SupabaseClient, accept: Option<&str>) -> Result<Claims, Reply> {
    let required = client.require_aal2(accept, Aal2Policy::NextLevel).await;
    required.map_err(Reply::from)
}

/// Maps the request to the site's flow; the query string and the form body
/// (`application/x-www-form-urlencoded`) are parsed into the type that flow takes.
async fn dispatch(
    site: &Site,
    client: &SupabaseClient,
    request: Request<Incoming>,
) -> Result<Reply, BoxError> {
    let (parts, body) = request.into_parts();
    let query = parts.uri.query().unwrap_or_default();
    let accept = parts.headers.get(ACCEPT).and_then(|v| v.to_str().ok());
    let form = Limited::new(body, FORM_LIMIT).collect().await?.to_bytes();
    Ok(match (&parts.method, parts.uri.path()) {
        (&Method::GET, routes::HOME) => site.home(client).await,
        (&Method::GET, routes::LOGIN) => site.login_page(&from_str::<LoginQuery>(query)?),
        (&Method::POST, routes::LOGIN) => site.login(client, &from_bytes(&form)?).await,
        (&Method::POST, routes::SIGNUP) => site.signup(client, &from_bytes(&form)?).await,
        (&Method::POST, routes::SIGNUP_RESEND) => {
            site.resend_signup(client, &from_bytes(&form)?).await
        }
        (&Method::POST, routes::MAGIC_LINK) => site.magic_link(client, &from_bytes(&form)?).await,
        (&Method::GET, routes::PRIVATE) => site.private(client).await,
        (&Method::GET, routes::WHOAMI) => site.whoami(client).await,
        (&Method::POST, routes::LOGOUT) => site.logout(client).await,
        (&Method::GET, routes::CONFIRM) => site.confirm(client, &from_str(query)?).await,
        (&Method::GET, routes::CALLBACK) => site.callback(client, &from_str(query)?).await,
        (&Method::GET, routes::OAUTH) => site.oauth(client, &from_str(query)?),
        (&Method::GET, routes::MFA) => site.mfa_page(client).await,
        (&Method::POST, routes::MFA) => site.mfa_verify(client, &from_bytes(&form)?).await,
        (&Method::GET, routes::MFA_CHALLENGE) => {
            site.mfa_challenge_page(client, &from_str(query)?).await
        }
        (&Method::POST, routes::MFA_CHALLENGE) => {
            site.mfa_challenge(client, &from_bytes(&form)?).await
        }
        (&Method::POST, routes::MFA_UNENROLL) => match aal2(client, accept).await {
            Ok(claims) => {
                site.mfa_unenroll(client, &claims, &from_bytes(&form)?)
                    .await
            }
            Err(reply) => reply,
        },
        (&Method::GET, routes::SECURITY) => match aal2(client, accept).await {
            Ok(claims) => site.security(client, &claims).await,
            Err(reply) => reply,
        },
        (&Method::POST, routes::API_MFA_ENROLL) => site.api_mfa_enroll(client).await,
        (&Method::POST, routes::API_MFA_VERIFY) => site.api_mfa_verify(client, &form).await,
        (&Method::GET, routes::API_AAL2) => match aal2(client, accept).await {
            Ok(claims) => site.api_aal2(&claims),
            Err(reply) => reply,
        },
        (&Method::GET, routes::ACCOUNT) => site.account(client).await,
        (&Method::POST, routes::ACCOUNT_LINK) => {
            site.account_link(client, &from_bytes(&form)?).await
        }
        (&Method::POST, routes::ACCOUNT_UNLINK) => {
            site.account_unlink(client, &from_bytes(&form)?).await
        }
        (&Method::POST, routes::ACCOUNT_REAUTHENTICATE) => {
            site.account_reauthenticate(client).await
        }
        (&Method::POST, routes::ACCOUNT_PASSWORD) => {
            site.account_password(client, &from_bytes(&form)?).await
        }
        _ => Reply::Page {
            status: 404,
            html: "<h1>Not found</h1>".into(),
        },
    })
}

async fn route(site: Arc<Site>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
    // The layer skips this path (`Site::filter`): no client, no session work.
    if request.uri().path() == routes::HEALTH {
        return Ok(respond(site.health()));
    }
    // The layer puts the request's client in the extensions.
    let Some(client) = request.extensions().get::<SupabaseClient>().cloned() else {
        let message = "SupabaseLayer is not installed".to_owned();
        return Ok(text(StatusCode::INTERNAL_SERVER_ERROR, message));
    };
    Ok(match dispatch(&site, &client, request).await {
        Ok(reply) => respond(reply),
        Err(error) => text(StatusCode::BAD_REQUEST, format!("bad request: {error}")),
    })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Arc::new(Site::from_env().await?);
    let listener = tokio::net::TcpListener::bind(site.listen_addr()).await?;
    site.announce(listener.local_addr()?);
    let service = ServiceBuilder::new()
        .layer(SupabaseLayer::new(site.supabase.clone()).with_filter(Site::filter()))
        .service_fn(move |request| route(site.clone(), request));
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("accept failed: {error}");
                continue;
            }
        };
        let service = TowerToHyperService::new(service.clone());
        tokio::spawn(async move {
            let connection = auto::Builder::new(TokioExecutor::new());
            if let Err(error) = connection
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection error: {error}");
            }
        });
    }
}
