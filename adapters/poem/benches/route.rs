//! The authenticated route (`SupabaseMiddleware` + `Authenticated`, verified-claims cache on)
//! against the same handler as a bare Poem route, over real HTTP on loopback in the same run.
//! `cargo bench -p supabase-ssr-poem --bench route`.

use criterion::{Criterion, criterion_group, criterion_main};
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::{Endpoint, EndpointExt, Route, Server, get, handler};
use supabase_ssr_poem::{Authenticated, SupabaseMiddleware};
use supabase_ssr_testing::bench::{Fixture, compare_routes};

#[handler]
fn bare() -> &'static str {
    "hello"
}

#[handler]
#[allow(
    clippy::needless_pass_by_value,
    reason = "poem hands extractors by value"
)]
fn authenticated(_user: Authenticated) -> &'static str {
    "hello"
}

async fn serve(app: impl Endpoint + 'static) -> String {
    let acceptor = TcpListener::bind("127.0.0.1:0")
        .into_acceptor()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let addr = acceptor.local_addr()[0].to_string();
    tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
    format!("http://{}/", addr.trim_start_matches("socket://"))
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let (fixture, bare_url, authenticated_url) = rt.block_on(async {
        let fixture = Fixture::start().await;
        let bare_url = serve(Route::new().at("/", get(bare))).await;
        let authenticated_url = serve(
            Route::new()
                .at("/", get(authenticated))
                .with(SupabaseMiddleware::new(fixture.supabase.clone())),
        )
        .await;
        (fixture, bare_url, authenticated_url)
    });
    compare_routes(
        c,
        &rt,
        "poem",
        &bare_url,
        &authenticated_url,
        &fixture.cookie,
    );
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
