//! The example site on axum: `cargo run -p example-axum`, then open <http://127.0.0.1:3000>.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use example_site::{
    CallbackQuery, ConfirmQuery, Credentials, LoginQuery, MagicLinkForm, OAuthQuery, Reply, Site,
    routes,
};
use supabase_ssr_axum::{Client, SupabaseLayer};

type Shared = State<Arc<Site>>;

fn respond(reply: Reply) -> Response {
    let status = |code| StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match reply {
        Reply::Page { status: code, html } => (status(code), Html(html)).into_response(),
        Reply::Redirect(to) => Redirect::to(&to).into_response(),
        Reply::Json { status: code, body } => (
            status(code),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response(),
    }
}

async fn home(State(site): Shared, client: Client) -> Response {
    respond(site.home(&client).await)
}

async fn login_page(State(site): Shared, Query(query): Query<LoginQuery>) -> Response {
    respond(site.login_page(query.error.as_deref()))
}

async fn login(State(site): Shared, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.login(&client, &form).await)
}

async fn signup(State(site): Shared, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.signup(&client, &form).await)
}

async fn magic_link(
    State(site): Shared,
    client: Client,
    Form(form): Form<MagicLinkForm>,
) -> Response {
    respond(site.magic_link(&client, &form).await)
}

async fn private(State(site): Shared, client: Client) -> Response {
    respond(site.private(&client).await)
}

async fn whoami(State(site): Shared, client: Client) -> Response {
    respond(site.whoami(&client).await)
}

async fn health(State(site): Shared) -> Response {
    respond(site.health())
}

async fn logout(State(site): Shared, client: Client) -> Response {
    respond(site.logout(&client).await)
}

async fn confirm(
    State(site): Shared,
    client: Client,
    Query(query): Query<ConfirmQuery>,
) -> Response {
    respond(site.confirm(&client, &query).await)
}

async fn callback(State(site): Shared, client: Client, Query(q): Query<CallbackQuery>) -> Response {
    respond(site.callback(&client, &q).await)
}

async fn oauth(State(site): Shared, client: Client, Query(query): Query<OAuthQuery>) -> Response {
    respond(site.oauth(&client, &query))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Arc::new(Site::from_env().await?);
    let app = Router::new()
        .route(routes::HOME, get(home))
        .route(routes::LOGIN, get(login_page).post(login))
        .route(routes::SIGNUP, post(signup))
        .route(routes::MAGIC_LINK, post(magic_link))
        .route(routes::PRIVATE, get(private))
        .route(routes::WHOAMI, get(whoami))
        .route(routes::LOGOUT, post(logout))
        .route(routes::CONFIRM, get(confirm))
        .route(routes::CALLBACK, get(callback))
        .route(routes::OAUTH, get(oauth))
        .route(routes::HEALTH, get(health))
        .layer(SupabaseLayer::new(site.supabase.clone()).with_filter(Site::filter()))
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind(site.listen_addr()).await?;
    site.announce(listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
