//! The example site on poem: `cargo run -p example-poem`, then open <http://127.0.0.1:3000>.

use std::sync::Arc;

use example_site::{
    CallbackQuery, ConfirmQuery, Credentials, FactorForm, IdentityForm, LinkForm, LoginQuery,
    MagicLinkForm, MfaCodeForm, MfaQuery, OAuthQuery, PasswordForm, Reply, ResendForm, Site,
    routes,
};
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::{Data, Form, Query};
use poem::{EndpointExt, Response, Route, Server, get, handler, post};
use supabase_ssr_poem::{Aal2, Client, SupabaseMiddleware};

type Shared<'a> = Data<&'a Arc<Site>>;

fn respond(reply: Reply) -> Response {
    let parts = reply.into_parts();
    let status = StatusCode::from_u16(parts.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = Response::builder().status(status);
    for (name, value) in parts.headers {
        response = response.header(name, value);
    }
    response.body(parts.body)
}

#[handler]
async fn home(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.home(&client).await)
}

#[handler]
fn login_page(Data(site): Shared<'_>, Query(query): Query<LoginQuery>) -> Response {
    respond(site.login_page(&query))
}

#[handler]
async fn login(Data(site): Shared<'_>, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.login(&client, &form).await)
}

#[handler]
async fn signup(Data(site): Shared<'_>, client: Client, Form(form): Form<Credentials>) -> Response {
    respond(site.signup(&client, &form).await)
}

#[handler]
async fn resend(Data(site): Shared<'_>, client: Client, Form(f): Form<ResendForm>) -> Response {
    respond(site.resend_signup(&client, &f).await)
}

#[handler]
async fn magic_link(
    Data(site): Shared<'_>,
    client: Client,
    Form(f): Form<MagicLinkForm>,
) -> Response {
    respond(site.magic_link(&client, &f).await)
}

#[handler]
async fn private(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.private(&client).await)
}

#[handler]
async fn whoami(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.whoami(&client).await)
}

#[handler]
fn health(Data(site): Shared<'_>) -> Response {
    respond(site.health())
}

#[handler]
async fn logout(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.logout(&client).await)
}

#[handler]
async fn confirm(
    Data(site): Shared<'_>,
    client: Client,
    Query(q): Query<ConfirmQuery>,
) -> Response {
    respond(site.confirm(&client, &q).await)
}

#[handler]
async fn callback(
    Data(site): Shared<'_>,
    client: Client,
    Query(q): Query<CallbackQuery>,
) -> Response {
    respond(site.callback(&client, &q).await)
}

#[handler]
fn oauth(Data(site): Shared<'_>, Client(client): Client, Query(q): Query<OAuthQuery>) -> Response {
    respond(site.oauth(&client, &q))
}

#[handler]
async fn mfa_page(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.mfa_page(&client).await)
}

#[handler]
async fn mfa_verify(
    Data(site): Shared<'_>,
    client: Client,
    Form(f): Form<MfaCodeForm>,
) -> Response {
    respond(site.mfa_verify(&client, &f).await)
}

#[handler]
async fn challenge_page(
    Data(site): Shared<'_>,
    client: Client,
    Query(q): Query<MfaQuery>,
) -> Response {
    respond(site.mfa_challenge_page(&client, &q).await)
}

#[handler]
async fn challenge(Data(site): Shared<'_>, client: Client, Form(f): Form<MfaCodeForm>) -> Response {
    respond(site.mfa_challenge(&client, &f).await)
}

#[handler]
async fn security(Data(site): Shared<'_>, client: Client, Aal2(claims): Aal2) -> Response {
    respond(site.security(&client, &claims).await)
}

#[handler]
async fn unenroll(
    Data(site): Shared<'_>,
    client: Client,
    Aal2(claims): Aal2,
    Form(form): Form<FactorForm>,
) -> Response {
    respond(site.mfa_unenroll(&client, &claims, &form).await)
}

#[handler]
async fn api_enroll(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.api_mfa_enroll(&client).await)
}

#[handler]
async fn api_verify(Data(site): Shared<'_>, client: Client, body: Vec<u8>) -> Response {
    respond(site.api_mfa_verify(&client, &body).await)
}

#[handler]
fn api_aal2(Data(site): Shared<'_>, Aal2(claims): Aal2) -> Response {
    respond(site.api_aal2(&claims))
}

#[handler]
async fn account(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.account(&client).await)
}

#[handler]
async fn link(Data(site): Shared<'_>, client: Client, Form(form): Form<LinkForm>) -> Response {
    respond(site.account_link(&client, &form).await)
}

#[handler]
async fn unlink(Data(site): Shared<'_>, client: Client, Form(f): Form<IdentityForm>) -> Response {
    respond(site.account_unlink(&client, &f).await)
}

#[handler]
async fn reauthenticate(Data(site): Shared<'_>, client: Client) -> Response {
    respond(site.account_reauthenticate(&client).await)
}

#[handler]
async fn password(Data(site): Shared<'_>, client: Client, Form(f): Form<PasswordForm>) -> Response {
    respond(site.account_password(&client, &f).await)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Arc::new(Site::from_env().await?);
    let app = Route::new()
        .at(routes::HOME, get(home))
        .at(routes::LOGIN, get(login_page).post(login))
        .at(routes::SIGNUP, post(signup))
        .at(routes::SIGNUP_RESEND, post(resend))
        .at(routes::MAGIC_LINK, post(magic_link))
        .at(routes::PRIVATE, get(private))
        .at(routes::WHOAMI, get(whoami))
        .at(routes::LOGOUT, post(logout))
        .at(routes::CONFIRM, get(confirm))
        .at(routes::CALLBACK, get(callback))
        .at(routes::OAUTH, get(oauth))
        .at(routes::HEALTH, get(health))
        .at(routes::MFA, get(mfa_page).post(mfa_verify))
        .at(routes::MFA_CHALLENGE, get(challenge_page).post(challenge))
        .at(routes::MFA_UNENROLL, post(unenroll))
        .at(routes::SECURITY, get(security))
        .at(routes::API_MFA_ENROLL, post(api_enroll))
        .at(routes::API_MFA_VERIFY, post(api_verify))
        .at(routes::API_AAL2, get(api_aal2))
        .at(routes::ACCOUNT, get(account))
        .at(routes::ACCOUNT_LINK, post(link))
        .at(routes::ACCOUNT_UNLINK, post(unlink))
        .at(routes::ACCOUNT_REAUTHENTICATE, post(reauthenticate))
        .at(routes::ACCOUNT_PASSWORD, post(password))
        .data(site.clone())
        .with(SupabaseMiddleware::new(site.supabase.clone()).with_filter(Site::filter()));
    let acceptor = TcpListener::bind(site.listen_addr())
        .into_acceptor()
        .await?;
    let bound = acceptor
        .local_addr()
        .first()
        .and_then(|addr| addr.as_socket_addr().copied());
    site.announce(bound.ok_or("the listener has no TCP address")?);
    Server::new_with_acceptor(acceptor).run(app).await?;
    Ok(())
}
