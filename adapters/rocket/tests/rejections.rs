//! How a failed guard answers through Rocket's catchers, with and without the fairing.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(
    clippy::needless_pass_by_value,
    reason = "Rocket guards are taken by value"
)]

use rocket::http::{Accept, ContentType, Status};
use rocket::local::asynchronous::Client as LocalClient;
use rocket::{Build, Request, Rocket, catch, catchers, get, routes};
use supabase_ssr_rocket::{AuthRejection, Authenticated, Client, Supabase, SupabaseFairing};

#[get("/private")]
fn private(user: Authenticated) -> String {
    user.sub().unwrap_or_default().to_owned()
}

#[get("/own-answer")]
fn own_answer(user: Result<Client, AuthRejection>) -> Result<&'static str, AuthRejection> {
    user.map(|_| "ok")
}

#[get("/denied")]
fn denied() -> Status {
    Status::Unauthorized
}

#[catch(401)]
fn unauthorized(_: &Request<'_>) -> &'static str {
    "the app's own 401 page"
}

fn rocket() -> Rocket<Build> {
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    rocket::custom(config)
        .mount("/", routes![private, own_answer, denied])
        .register("/", catchers![unauthorized])
}

fn supabase() -> Supabase {
    Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
        .login_path("/login")
        .build()
        .unwrap()
}

async fn with_fairing() -> LocalClient {
    let rocket = rocket().attach(SupabaseFairing::new(supabase()));
    LocalClient::untracked(rocket).await.unwrap()
}

#[tokio::test]
async fn a_browser_navigation_is_redirected_to_the_login_page() {
    let client = with_fairing().await;
    let response = client.get("/private").header(Accept::HTML).dispatch().await;
    assert_eq!(response.status(), Status::SeeOther);
    assert_eq!(response.headers().get_one("Location"), Some("/login"));
    assert_eq!(response.content_type(), None);
    assert_eq!(response.into_string().await.unwrap_or_default(), "");
}

#[tokio::test]
async fn an_api_client_gets_401_json_over_the_apps_own_catcher() {
    let client = with_fairing().await;
    let response = client.get("/private").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(response.content_type(), Some(ContentType::JSON));
    assert_eq!(
        response.into_string().await.unwrap(),
        r#"{"error":"not signed in"}"#
    );
}

#[tokio::test]
async fn the_apps_catcher_still_answers_401s_that_are_not_the_guards() {
    let client = with_fairing().await;
    let response = client.get("/denied").header(Accept::JSON).dispatch().await;
    assert_eq!(response.status(), Status::Unauthorized);
    assert_eq!(
        response.into_string().await.unwrap(),
        "the app's own 401 page"
    );
}

#[tokio::test]
async fn without_the_fairing_the_guards_fail_with_500() {
    let client = LocalClient::untracked(rocket()).await.unwrap();
    let response = client.get("/private").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    let response = client.get("/own-answer").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
    assert!(
        response
            .into_string()
            .await
            .unwrap()
            .contains(supabase_ssr_rocket::core::proxy::MISSING_MIDDLEWARE)
    );
}

#[tokio::test]
async fn a_skipped_path_gets_no_client() {
    let rocket = rocket().attach(
        SupabaseFairing::new(supabase())
            .with_filter(supabase_ssr_rocket::core::proxy::PathFilter::all().skip_prefix("/own")),
    );
    let client = LocalClient::untracked(rocket).await.unwrap();
    let response = client.get("/own-answer").dispatch().await;
    assert_eq!(response.status(), Status::InternalServerError);
}
