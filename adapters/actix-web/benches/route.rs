//! The authenticated route (`SupabaseMiddleware` + `Authenticated`, verified-claims cache on)
//! against the same handler as a bare actix-web route, over real HTTP on loopback in the same
//! run. `cargo bench -p supabase-ssr-actix-web --bench route`.

use std::sync::mpsc;

use actix_web::{App, HttpServer, web};
use criterion::{Criterion, criterion_group, criterion_main};
use supabase_ssr_actix_web::{Authenticated, Supabase, SupabaseMiddleware};
use supabase_ssr_testing::bench::{Fixture, compare_routes};

/// Runs both servers on their own actix system (one worker each) and returns their URLs.
fn serve(supabase: Supabase) -> (String, String) {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let bare =
                HttpServer::new(|| App::new().route("/", web::get().to(|| async { "hello" })))
                    .workers(1)
                    .bind(("127.0.0.1", 0))
                    .unwrap_or_else(|e| panic!("{e}"));
            let authenticated = HttpServer::new(move || {
                App::new()
                    .route("/", web::get().to(|_user: Authenticated| async { "hello" }))
                    .wrap(SupabaseMiddleware::new(supabase.clone()))
            })
            .workers(1)
            .bind(("127.0.0.1", 0))
            .unwrap_or_else(|e| panic!("{e}"));
            let url = |server: &[std::net::SocketAddr]| format!("http://{}/", server[0]);
            let _ = tx.send((url(&bare.addrs()), url(&authenticated.addrs())));
            let _ = futures_util::future::join(bare.run(), authenticated.run()).await;
        });
    });
    rx.recv().unwrap_or_else(|e| panic!("{e}"))
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let fixture = rt.block_on(Fixture::start());
    let (bare, authenticated) = serve(fixture.supabase.clone());
    compare_routes(c, &rt, "actix-web", &bare, &authenticated, &fixture.cookie);
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
