//! The fairing's CSRF guard cannot answer from `on_request`: it re-routes a refused request to
//! its own top-rank route. No app route runs for it, catch-alls included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};

use rocket::http::{Accept, ContentType, Header, Status};
use rocket::local::asynchronous::Client as LocalClient;
use rocket::{State, get, post, routes};
use supabase_ssr_rocket::core::proxy::CsrfGuard;
use supabase_ssr_rocket::{REFUSED_PATH, Supabase, SupabaseFairing};

/// How many times an app route ran.
#[derive(Default)]
struct Runs(AtomicUsize);

#[post("/<_path..>")]
fn catch_all(_path: std::path::PathBuf, runs: &State<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "the handler ran"
}

#[get("/<_path..>")]
fn any_page(_path: std::path::PathBuf) -> &'static str {
    "page"
}

async fn client(guard: CsrfGuard) -> LocalClient {
    let supabase =
        Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x").build();
    let config = rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    let rocket = rocket::custom(config)
        .manage(Runs::default())
        .mount("/", routes![catch_all, any_page])
        .attach(SupabaseFairing::new(supabase.unwrap()).with_csrf(guard));
    LocalClient::untracked(rocket).await.unwrap()
}

fn runs(client: &LocalClient) -> usize {
    client
        .rocket()
        .state::<Runs>()
        .unwrap()
        .0
        .load(Ordering::SeqCst)
}

#[tokio::test]
async fn a_catch_all_post_route_does_not_run_for_a_refused_request() {
    let client = client(CsrfGuard::default()).await;
    for path in ["/login", "/", REFUSED_PATH, "/logo.png"] {
        let response = client
            .post(path)
            .header(Header::new("Sec-Fetch-Site", "cross-site"))
            .header(Accept::JSON)
            .dispatch()
            .await;
        assert_eq!(response.status(), Status::Forbidden, "{path}");
        assert_eq!(response.content_type(), Some(ContentType::JSON));
        assert_eq!(
            response.into_string().await.unwrap(),
            r#"{"error":"cross-site request refused"}"#
        );
    }
    // Rocket's `_method` override runs before fairings: a `PUT` is refused like a `POST`.
    let response = client
        .post("/account")
        .header(ContentType::Form)
        .header(Header::new("Origin", "https://evil.test"))
        .header(Header::new("Host", "app.test"))
        .body("_method=put&email=x")
        .dispatch()
        .await;
    assert_eq!(response.status(), Status::Forbidden);
    assert_eq!(
        response.into_string().await.unwrap(),
        "cross-site request refused"
    );
    assert_eq!(runs(&client), 0);
}

#[tokio::test]
async fn served_requests_reach_the_app_and_the_reserved_path_is_not_a_route_of_its_own() {
    let client = client(CsrfGuard::default()).await;
    let same_origin = client
        .post("/login")
        .header(Header::new("Sec-Fetch-Site", "same-origin"))
        .dispatch()
        .await;
    assert_eq!(same_origin.into_string().await.unwrap(), "the handler ran");
    // Asked for directly, without a refusal, the reserved route forwards to the app's.
    let direct = client.post(REFUSED_PATH).dispatch().await;
    assert_eq!(direct.into_string().await.unwrap(), "the handler ran");
    let page = client
        .get("/login")
        .header(Header::new("Sec-Fetch-Site", "cross-site"))
        .dispatch()
        .await;
    assert_eq!(page.into_string().await.unwrap(), "page");
    assert_eq!(runs(&client), 2);

    let off = self::client(CsrfGuard::off()).await;
    let cross_site = off
        .post("/login")
        .header(Header::new("Sec-Fetch-Site", "cross-site"))
        .dispatch()
        .await;
    assert_eq!(cross_site.into_string().await.unwrap(), "the handler ran");
}
