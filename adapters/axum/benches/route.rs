//! An authenticated route against the same framework's bare route, over real HTTP on loopback
//! (keep-alive connection, client and server in this process), in the same run:
//! - `bare`: a handler returning a constant, no Supabase layer;
//! - `authenticated`: the same handler behind `SupabaseLayer` with the `Authenticated`
//!   extractor, for a request carrying a valid session (verified-claims cache on).
//!
//! Run with `cargo bench -p supabase-ssr-axum --bench route`; the ratio bare/authenticated is
//! the throughput ratio of one connection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use axum::Router;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use supabase_ssr_axum::core::cookies::CookieState;
use supabase_ssr_axum::core::Session;
use supabase_ssr_axum::{Authenticated, Supabase, SupabaseLayer};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser};

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    url
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (auth, supabase, bare, authenticated, cookie) = rt.block_on(async {
        let auth = LocalAuth::start(
            LocalAuthOptions::default().user(SeedUser::new("bench@example.com", "password123")),
        )
        .await
        .unwrap();
        let supabase = Supabase::builder(auth.url(), auth.publishable_key()).build().unwrap();
        supabase.prefetch_jwks().await.unwrap();
        let bare = serve(Router::new().route("/", get(|| async { "hello" }))).await;
        let authenticated = serve(
            Router::new()
                .route("/", get(|_user: Authenticated| async { "hello" }))
                .layer(SupabaseLayer::new(supabase.clone())),
        )
        .await;
        let issued = auth.mint_session("bench@example.com", 3600).unwrap();
        let mut state = CookieState::new(Arc::new(supabase.config().clone()), []);
        state.set_session(&Session::from_value(issued.body).unwrap());
        let cookie = state.response_cookies().set_cookies()[0]
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        (auth, supabase, bare, authenticated, cookie)
    });
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group("axum route over loopback");
    for (label, url) in [("bare", &bare), ("authenticated", &authenticated)] {
        group.bench_function(label, |b| {
            b.to_async(&rt).iter(|| async {
                let response = http.get(url).header("cookie", &cookie).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.bytes().await.unwrap()
            });
        });
    }
    group.finish();
    drop((auth, supabase));
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
