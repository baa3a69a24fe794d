//! The example site on Rocket: `cargo run -p example-rocket`, then open <http://127.0.0.1:3000>.
#![expect(clippy::needless_pass_by_value, reason = "Rocket guards come by value")]

use std::net::SocketAddr;

use example_site::{
    CallbackQuery, ConfirmQuery, Credentials, FactorForm, IdentityForm, LinkForm, LoginQuery,
    MagicLinkForm, MfaCodeForm, MfaQuery, OAuthQuery, PasswordForm, Reply, ResendForm, Site,
    routes,
};
use rocket::config::{Config, LogLevel};
use rocket::data::{self, Data, FromData, Limits};
use rocket::fairing::AdHoc;
use rocket::http::{ContentType, Status};
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use rocket::response::{self, Responder};
use rocket::{State, get, post};
use serde::de::DeserializeOwned;
use supabase_ssr_rocket::{Aal2, Client, SupabaseFairing};

type Shared<'r> = &'r State<Site>;

/// A [`Reply`] as a Rocket response.
struct Respond(Reply);

impl<'r> Responder<'r, 'static> for Respond {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let parts = self.0.into_parts();
        let mut response = rocket::Response::build();
        response.status(Status::from_code(parts.status).unwrap_or(Status::InternalServerError));
        for (name, value) in parts.headers {
            response.raw_header(name, value);
        }
        response.sized_body(parts.body.len(), std::io::Cursor::new(parts.body));
        Ok(response.finalize())
    }
}

/// A query string (request guard) or form body (data guard), parsed with serde as the other
/// frameworks do: the site's form and query types are serde types, not Rocket `FromForm`s.
struct Urlencoded<T>(T);

impl<T: DeserializeOwned> Urlencoded<T> {
    fn parse<F>(text: &str) -> Outcome<Self, (Status, String), F> {
        match serde_urlencoded::from_str(text) {
            Ok(value) => Outcome::Success(Self(value)),
            Err(error) => Outcome::Error((Status::UnprocessableEntity, error.to_string())),
        }
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromRequest<'r> for Urlencoded<T> {
    type Error = String;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, String> {
        Self::parse(request.uri().query().map_or("", |query| query.as_str()))
    }
}

#[rocket::async_trait]
impl<'r, T: DeserializeOwned> FromData<'r> for Urlencoded<T> {
    type Error = String;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        if request.content_type() != Some(&ContentType::Form) {
            return Outcome::Error((Status::UnsupportedMediaType, "expected a form".into()));
        }
        let limit = request.limits().get("form").unwrap_or(Limits::FORM);
        match data.open(limit).into_string().await {
            Ok(body) if body.is_complete() => Self::parse(&body),
            Ok(_) => Outcome::Error((Status::PayloadTooLarge, "form too large".into())),
            Err(error) => Outcome::Error((Status::BadRequest, error.to_string())),
        }
    }
}

// Each route is mounted at its path from `routes` (see `main`), hence the `/` here.

#[get("/")]
async fn home(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.home(&client).await)
}

#[get("/")]
fn login_page(site: Shared<'_>, query: Urlencoded<LoginQuery>) -> Respond {
    Respond(site.login_page(&query.0))
}

#[post("/", data = "<form>")]
async fn login(site: Shared<'_>, client: Client, form: Urlencoded<Credentials>) -> Respond {
    Respond(site.login(&client, &form.0).await)
}

#[post("/", data = "<form>")]
async fn signup(site: Shared<'_>, client: Client, form: Urlencoded<Credentials>) -> Respond {
    Respond(site.signup(&client, &form.0).await)
}

#[post("/", data = "<form>")]
async fn resend(site: Shared<'_>, client: Client, form: Urlencoded<ResendForm>) -> Respond {
    Respond(site.resend_signup(&client, &form.0).await)
}

#[post("/", data = "<form>")]
async fn magic_link(site: Shared<'_>, client: Client, form: Urlencoded<MagicLinkForm>) -> Respond {
    Respond(site.magic_link(&client, &form.0).await)
}

#[get("/")]
async fn private(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.private(&client).await)
}

#[get("/")]
async fn whoami(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.whoami(&client).await)
}

#[get("/")]
fn health(site: Shared<'_>) -> Respond {
    Respond(site.health())
}

#[post("/")]
async fn logout(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.logout(&client).await)
}

#[get("/")]
async fn confirm(site: Shared<'_>, client: Client, query: Urlencoded<ConfirmQuery>) -> Respond {
    Respond(site.confirm(&client, &query.0).await)
}

#[get("/")]
async fn callback(site: Shared<'_>, client: Client, query: Urlencoded<CallbackQuery>) -> Respond {
    Respond(site.callback(&client, &query.0).await)
}

#[get("/")]
fn oauth(site: Shared<'_>, client: Client, query: Urlencoded<OAuthQuery>) -> Respond {
    Respond(site.oauth(&client, &query.0))
}

#[get("/")]
async fn mfa_page(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.mfa_page(&client).await)
}

#[post("/", data = "<form>")]
async fn mfa_verify(site: Shared<'_>, client: Client, form: Urlencoded<MfaCodeForm>) -> Respond {
    Respond(site.mfa_verify(&client, &form.0).await)
}

#[get("/")]
async fn challenge_page(site: Shared<'_>, client: Client, query: Urlencoded<MfaQuery>) -> Respond {
    Respond(site.mfa_challenge_page(&client, &query.0).await)
}

#[post("/", data = "<form>")]
async fn challenge(site: Shared<'_>, client: Client, form: Urlencoded<MfaCodeForm>) -> Respond {
    Respond(site.mfa_challenge(&client, &form.0).await)
}

#[get("/")]
async fn security(site: Shared<'_>, client: Client, aal2: Aal2) -> Respond {
    Respond(site.security(&client, &aal2.0).await)
}

#[post("/", data = "<form>")]
async fn unenroll(
    site: Shared<'_>,
    client: Client,
    aal2: Aal2,
    form: Urlencoded<FactorForm>,
) -> Respond {
    Respond(site.mfa_unenroll(&client, &aal2.0, &form.0).await)
}

#[post("/")]
async fn api_enroll(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.api_mfa_enroll(&client).await)
}

#[post("/", data = "<body>")]
async fn api_verify(site: Shared<'_>, client: Client, body: Vec<u8>) -> Respond {
    Respond(site.api_mfa_verify(&client, &body).await)
}

#[get("/")]
fn api_aal2(site: Shared<'_>, aal2: Aal2) -> Respond {
    Respond(site.api_aal2(&aal2.0))
}

#[get("/")]
async fn account(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.account(&client).await)
}

#[post("/", data = "<form>")]
async fn link(site: Shared<'_>, client: Client, form: Urlencoded<LinkForm>) -> Respond {
    Respond(site.account_link(&client, &form.0).await)
}

#[post("/", data = "<form>")]
async fn unlink(site: Shared<'_>, client: Client, form: Urlencoded<IdentityForm>) -> Respond {
    Respond(site.account_unlink(&client, &form.0).await)
}

#[post("/")]
async fn reauthenticate(site: Shared<'_>, client: Client) -> Respond {
    Respond(site.account_reauthenticate(&client).await)
}

#[post("/", data = "<form>")]
async fn password(site: Shared<'_>, client: Client, form: Urlencoded<PasswordForm>) -> Respond {
    Respond(site.account_password(&client, &form.0).await)
}

#[rocket::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let site = Site::from_env().await?;
    let addr = site.listen_addr();
    // Rocket logs to stdout: only warnings and errors, so the address is the first line.
    let config = Config {
        address: addr.ip(),
        port: addr.port(),
        log_level: LogLevel::Critical,
        cli_colors: false,
        ..Config::default()
    };
    rocket::custom(config)
        // Attached first: its `on_request` refreshes the session before anything reads it.
        .attach(SupabaseFairing::new(site.supabase.clone()).with_filter(Site::filter()))
        // PORT=0: the configuration holds the bound port by liftoff.
        .attach(AdHoc::on_liftoff("announce", |rocket| {
            Box::pin(async move {
                if let Some(site) = rocket.state::<Site>() {
                    let config = rocket.config();
                    site.announce(SocketAddr::new(config.address, config.port));
                }
            })
        }))
        .manage(site)
        .mount(routes::HOME, rocket::routes![home])
        .mount(routes::LOGIN, rocket::routes![login_page, login])
        .mount(routes::SIGNUP, rocket::routes![signup])
        .mount(routes::SIGNUP_RESEND, rocket::routes![resend])
        .mount(routes::MAGIC_LINK, rocket::routes![magic_link])
        .mount(routes::PRIVATE, rocket::routes![private])
        .mount(routes::WHOAMI, rocket::routes![whoami])
        .mount(routes::LOGOUT, rocket::routes![logout])
        .mount(routes::CONFIRM, rocket::routes![confirm])
        .mount(routes::CALLBACK, rocket::routes![callback])
        .mount(routes::OAUTH, rocket::routes![oauth])
        .mount(routes::HEALTH, rocket::routes![health])
        .mount(routes::MFA, rocket::routes![mfa_page, mfa_verify])
        .mount(
            routes::MFA_CHALLENGE,
            rocket::routes![challenge_page, challenge],
        )
        .mount(routes::MFA_UNENROLL, rocket::routes![unenroll])
        .mount(routes::SECURITY, rocket::routes![security])
        .mount(routes::API_MFA_ENROLL, rocket::routes![api_enroll])
        .mount(routes::API_MFA_VERIFY, rocket::routes![api_verify])
        .mount(routes::API_AAL2, rocket::routes![api_aal2])
        .mount(routes::ACCOUNT, rocket::routes![account])
        .mount(routes::ACCOUNT_LINK, rocket::routes![link])
        .mount(routes::ACCOUNT_UNLINK, rocket::routes![unlink])
        .mount(
            routes::ACCOUNT_REAUTHENTICATE,
            rocket::routes![reauthenticate],
        )
        .mount(routes::ACCOUNT_PASSWORD, rocket::routes![password])
        .launch()
        .await?;
    Ok(())
}
