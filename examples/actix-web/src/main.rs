//! The example site on actix-web: `cargo run -p example-actix-web`, then open
//! <http://127.0.0.1:3000>.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes, Data, Form, Query};
use actix_web::{App, HttpResponse, HttpServer};
use example_site::{
    CallbackQuery, ConfirmQuery, Credentials, FactorForm, IdentityForm, LinkForm, LoginQuery,
    MagicLinkForm, MfaCodeForm, MfaQuery, OAuthQuery, PasswordForm, Reply, ResendForm, Site,
    routes,
};
use supabase_ssr_actix_web::{Aal2, Client, SupabaseMiddleware};

type Shared = Data<Site>;

fn respond(reply: Reply) -> HttpResponse {
    let parts = reply.into_parts();
    let status = StatusCode::from_u16(parts.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    for header in parts.headers {
        response.insert_header(header);
    }
    response.body(parts.body)
}

async fn home(site: Shared, client: Client) -> HttpResponse {
    respond(site.home(&client).await)
}

async fn login_page(site: Shared, query: Query<LoginQuery>) -> HttpResponse {
    respond(site.login_page(&query))
}

async fn login(site: Shared, client: Client, form: Form<Credentials>) -> HttpResponse {
    respond(site.login(&client, &form).await)
}

async fn signup(site: Shared, client: Client, form: Form<Credentials>) -> HttpResponse {
    respond(site.signup(&client, &form).await)
}

async fn resend(site: Shared, client: Client, form: Form<ResendForm>) -> HttpResponse {
    respond(site.resend_signup(&client, &form).await)
}

async fn magic_link(site: Shared, client: Client, form: Form<MagicLinkForm>) -> HttpResponse {
    respond(site.magic_link(&client, &form).await)
}

async fn private(site: Shared, client: Client) -> HttpResponse {
    respond(site.private(&client).await)
}

async fn whoami(site: Shared, client: Client) -> HttpResponse {
    respond(site.whoami(&client).await)
}

async fn health(site: Shared) -> HttpResponse {
    respond(site.health())
}

async fn logout(site: Shared, client: Client) -> HttpResponse {
    respond(site.logout(&client).await)
}

async fn confirm(site: Shared, client: Client, query: Query<ConfirmQuery>) -> HttpResponse {
    respond(site.confirm(&client, &query).await)
}

async fn callback(site: Shared, client: Client, query: Query<CallbackQuery>) -> HttpResponse {
    respond(site.callback(&client, &query).await)
}

async fn oauth(site: Shared, client: Client, query: Query<OAuthQuery>) -> HttpResponse {
    respond(site.oauth(&client, &query))
}

async fn mfa_page(site: Shared, client: Client) -> HttpResponse {
    respond(site.mfa_page(&client).await)
}

async fn mfa_verify(site: Shared, client: Client, form: Form<MfaCodeForm>) -> HttpResponse {
    respond(site.mfa_verify(&client, &form).await)
}

async fn challenge_page(site: Shared, client: Client, query: Query<MfaQuery>) -> HttpResponse {
    respond(site.mfa_challenge_page(&client, &query).await)
}

async fn challenge(site: Shared, client: Client, form: Form<MfaCodeForm>) -> HttpResponse {
    respond(site.mfa_challenge(&client, &form).await)
}

async fn security(site: Shared, client: Client, Aal2(claims): Aal2) -> HttpResponse {
    respond(site.security(&client, &claims).await)
}

async fn unenroll(
    site: Shared,
    client: Client,
    Aal2(claims): Aal2,
    form: Form<FactorForm>,
) -> HttpResponse {
    respond(site.mfa_unenroll(&client, &claims, &form).await)
}

async fn api_enroll(site: Shared, client: Client) -> HttpResponse {
    respond(site.api_mfa_enroll(&client).await)
}

async fn api_verify(site: Shared, client: Client, body: Bytes) -> HttpResponse {
    respond(site.api_mfa_verify(&client, &body).await)
}

async fn api_aal2(site: Shared, Aal2(claims): Aal2) -> HttpResponse {
    respond(site.api_aal2(&claims))
}

async fn account(site: Shared, client: Client) -> HttpResponse {
    respond(site.account(&client).await)
}

async fn link(site: Shared, client: Client, form: Form<LinkForm>) -> HttpResponse {
    respond(site.account_link(&client, &form).await)
}

async fn unlink(site: Shared, client: Client, form: Form<IdentityForm>) -> HttpResponse {
    respond(site.account_unlink(&client, &form).await)
}

async fn reauthenticate(site: Shared, client: Client) -> HttpResponse {
    respond(site.account_reauthenticate(&client).await)
}

async fn password(site: Shared, client: Client, form: Form<PasswordForm>) -> HttpResponse {
    respond(site.account_password(&client, &form).await)
}

#[actix_web::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Data::new(Site::from_env().await?);
    let shared = site.clone();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(shared.clone())
            .route(routes::HOME, web::get().to(home))
            .route(routes::LOGIN, web::get().to(login_page))
            .route(routes::LOGIN, web::post().to(login))
            .route(routes::SIGNUP, web::post().to(signup))
            .route(routes::SIGNUP_RESEND, web::post().to(resend))
            .route(routes::MAGIC_LINK, web::post().to(magic_link))
            .route(routes::PRIVATE, web::get().to(private))
            .route(routes::WHOAMI, web::get().to(whoami))
            .route(routes::LOGOUT, web::post().to(logout))
            .route(routes::CONFIRM, web::get().to(confirm))
            .route(routes::CALLBACK, web::get().to(callback))
            .route(routes::OAUTH, web::get().to(oauth))
            .route(routes::HEALTH, web::get().to(health))
            .route(routes::MFA, web::get().to(mfa_page))
            .route(routes::MFA, web::post().to(mfa_verify))
            .route(routes::MFA_CHALLENGE, web::get().to(challenge_page))
            .route(routes::MFA_CHALLENGE, web::post().to(challenge))
            .route(routes::MFA_UNENROLL, web::post().to(unenroll))
            .route(routes::SECURITY, web::get().to(security))
            .route(routes::API_MFA_ENROLL, web::post().to(api_enroll))
            .route(routes::API_MFA_VERIFY, web::post().to(api_verify))
            .route(routes::API_AAL2, web::get().to(api_aal2))
            .route(routes::ACCOUNT, web::get().to(account))
            .route(routes::ACCOUNT_LINK, web::post().to(link))
            .route(routes::ACCOUNT_UNLINK, web::post().to(unlink))
            .route(
                routes::ACCOUNT_REAUTHENTICATE,
                web::post().to(reauthenticate),
            )
            .route(routes::ACCOUNT_PASSWORD, web::post().to(password))
            // Last `.wrap(..)`: the outermost middleware.
            .wrap(SupabaseMiddleware::new(shared.supabase.clone()).with_filter(Site::filter()))
    })
    .bind(site.listen_addr())?;
    let bound = *server
        .addrs()
        .first()
        .ok_or("the server bound no address")?;
    site.announce(bound);
    server.run().await?;
    Ok(())
}
