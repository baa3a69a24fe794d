//! The example site on axum: `cargo run -p example-axum`, then open <http://127.0.0.1:3000>.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use example_site::{
    CallbackQuery, ConfirmQuery, Credentials, FactorForm, IdentityForm, LinkForm, LoginQuery,
    MagicLinkForm, MfaCodeForm, MfaQuery, OAuthQuery, PasswordForm, Reply, ResendForm, Site,
    routes,
};
use supabase_ssr_axum::{Aal2, Client, SupabaseLayer};

type Shared = State<Arc<Site>>;

fn respond(reply: Reply) -> Response {
    let parts = reply.into_parts();
    let mut response = Response::builder().status(parts.status);
    for (name, value) in parts.headers {
        response = response.header(name, value);
    }
    response
        .body(Body::from(parts.body))
        .unwrap_or_else(|error| {
            (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
        })
}

async fn home(State(site): Shared, client: Client) -> Response {
    respond(site.home(&client).await)
}

async fn login_page(State(site): Shared, Query(query): Query<LoginQuery>) -> Response {
    respond(site.login_page(&query))
}

async fn login(State(site): Shared, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.login(&client, &form).await)
}

async fn signup(State(site): Shared, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.signup(&client, &form).await)
}

async fn resend(State(site): Shared, client: Client, Form(form): Form<ResendForm>) -> Response {
    respond(site.resend_signup(&client, &form).await)
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

async fn mfa_page(State(site): Shared, client: Client) -> Response {
    respond(site.mfa_page(&client).await)
}

async fn mfa_verify(State(site): Shared, client: Client, Form(f): Form<MfaCodeForm>) -> Response {
    respond(site.mfa_verify(&client, &f).await)
}

async fn challenge_page(
    State(site): Shared,
    client: Client,
    Query(q): Query<MfaQuery>,
) -> Response {
    respond(site.mfa_challenge_page(&client, &q).await)
}

async fn challenge(State(site): Shared, client: Client, Form(f): Form<MfaCodeForm>) -> Response {
    respond(site.mfa_challenge(&client, &f).await)
}

async fn security(State(site): Shared, client: Client, Aal2(claims): Aal2) -> Response {
    respond(site.security(&client, &claims).await)
}

async fn unenroll(
    State(site): Shared,
    client: Client,
    Aal2(claims): Aal2,
    Form(form): Form<FactorForm>,
) -> Response {
    respond(site.mfa_unenroll(&client, &claims, &form).await)
}

async fn api_enroll(State(site): Shared, client: Client) -> Response {
    respond(site.api_mfa_enroll(&client).await)
}

async fn api_verify(State(site): Shared, client: Client, body: Bytes) -> Response {
    respond(site.api_mfa_verify(&client, &body).await)
}

async fn api_aal2(State(site): Shared, Aal2(claims): Aal2) -> Response {
    respond(site.api_aal2(&claims))
}

async fn account(State(site): Shared, client: Client) -> Response {
    respond(site.account(&client).await)
}

async fn link(State(site): Shared, client: Client, Form(form): Form<LinkForm>) -> Response {
    respond(site.account_link(&client, &form).await)
}

async fn unlink(State(site): Shared, client: Client, Form(form): Form<IdentityForm>) -> Response {
    respond(site.account_unlink(&client, &form).await)
}

async fn reauthenticate(State(site): Shared, client: Client) -> Response {
    respond(site.account_reauthenticate(&client).await)
}

async fn password(State(site): Shared, client: Client, Form(f): Form<PasswordForm>) -> Response {
    respond(site.account_password(&client, &f).await)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Arc::new(Site::from_env().await?);
    let app = Router::new()
        .route(routes::HOME, get(home))
        .route(routes::LOGIN, get(login_page).post(login))
        .route(routes::SIGNUP, post(signup))
        .route(routes::SIGNUP_RESEND, post(resend))
        .route(routes::MAGIC_LINK, post(magic_link))
        .route(routes::PRIVATE, get(private))
        .route(routes::WHOAMI, get(whoami))
        .route(routes::LOGOUT, post(logout))
        .route(routes::CONFIRM, get(confirm))
        .route(routes::CALLBACK, get(callback))
        .route(routes::OAUTH, get(oauth))
        .route(routes::HEALTH, get(health))
        .route(routes::MFA, get(mfa_page).post(mfa_verify))
        .route(routes::MFA_CHALLENGE, get(challenge_page).post(challenge))
        .route(routes::MFA_UNENROLL, post(unenroll))
        .route(routes::SECURITY, get(security))
        .route(routes::API_MFA_ENROLL, post(api_enroll))
        .route(routes::API_MFA_VERIFY, post(api_verify))
        .route(routes::API_AAL2, get(api_aal2))
        .route(routes::ACCOUNT, get(account))
        .route(routes::ACCOUNT_LINK, post(link))
        .route(routes::ACCOUNT_UNLINK, post(unlink))
        .route(routes::ACCOUNT_REAUTHENTICATE, post(reauthenticate))
        .route(routes::ACCOUNT_PASSWORD, post(password))
        .layer(SupabaseLayer::new(site.supabase.clone()).with_filter(Site::filter()))
        .with_state(site.clone());
    let listener = tokio::net::TcpListener::bind(site.listen_addr()).await?;
    site.announce(listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
