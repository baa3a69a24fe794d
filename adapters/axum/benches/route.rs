//! The authenticated route (`SupabaseLayer` + `Authenticated`, verified-claims cache on)
//! against the same handler as a bare axum route, over real HTTP on loopback in the same run.
//! `cargo bench -p supabase-ssr-axum --bench route`.

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use supabase_ssr_axum::{Authenticated, SupabaseLayer};
use supabase_ssr_testing::bench::{Fixture, compare_routes};

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}/",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(async move { axum::serve(listener, router).await });
    url
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let (fixture, bare, authenticated) = rt.block_on(async {
        let fixture = Fixture::start().await;
        let bare = serve(Router::new().route("/", get(|| async { "hello" }))).await;
        let authenticated = serve(
            Router::new()
                .route("/", get(|_user: Authenticated| async { "hello" }))
                .layer(SupabaseLayer::new(fixture.supabase.clone())),
        )
        .await;
        (fixture, bare, authenticated)
    });
    compare_routes(c, &rt, "axum", &bare, &authenticated, &fixture.cookie);
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
