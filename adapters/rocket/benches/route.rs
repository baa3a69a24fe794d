//! The authenticated route (`SupabaseFairing` + `Authenticated`, verified-claims cache on)
//! against the same handler as a bare Rocket route, over real HTTP on loopback in the same run.
//! `cargo bench -p supabase-ssr-rocket --bench route`.

use criterion::{Criterion, criterion_group, criterion_main};
use rocket::fairing::AdHoc;
use rocket::{Build, Rocket, get, routes};
use supabase_ssr_rocket::{Authenticated, SupabaseFairing};
use supabase_ssr_testing::bench::{Fixture, compare_routes};

#[get("/")]
fn bare() -> &'static str {
    "hello"
}

#[get("/")]
#[allow(
    clippy::needless_pass_by_value,
    reason = "Rocket hands guards by value"
)]
fn authenticated(_user: Authenticated) -> &'static str {
    "hello"
}

/// Launches `rocket` on an ephemeral port and returns its URL once it listens.
async fn serve(rocket: Rocket<Build>) -> String {
    let config = rocket::Config {
        port: 0,
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    };
    let (tx, rx) = tokio::sync::oneshot::channel();
    let tx = std::sync::Mutex::new(Some(tx));
    let rocket = rocket
        .configure(config)
        .attach(AdHoc::on_liftoff("port", move |rocket| {
            let port = rocket.config().port;
            Box::pin(async move {
                if let Some(tx) = tx.lock().ok().and_then(|mut tx| tx.take()) {
                    let _ = tx.send(port);
                }
            })
        }));
    tokio::spawn(rocket.launch());
    format!(
        "http://127.0.0.1:{}/",
        rx.await.unwrap_or_else(|e| panic!("{e}"))
    )
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let (fixture, bare_url, authenticated_url) = rt.block_on(async {
        let fixture = Fixture::start().await;
        let bare_url = serve(rocket::build().mount("/", routes![bare])).await;
        let authenticated_url = serve(
            rocket::build()
                .attach(SupabaseFairing::new(fixture.supabase.clone()))
                .mount("/", routes![authenticated]),
        )
        .await;
        (fixture, bare_url, authenticated_url)
    });
    compare_routes(
        c,
        &rt,
        "rocket",
        &bare_url,
        &authenticated_url,
        &fixture.cookie,
    );
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
