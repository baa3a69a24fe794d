//! The authenticated route (`SupabaseLayer` + verified claims, cache on) against the same
//! handler as a bare plain-hyper route, over real HTTP on loopback in the same run.
//! `cargo bench -p supabase-ssr-tower --bench route`.

use std::convert::Infallible;

use criterion::{Criterion, criterion_group, criterion_main};
use http::{Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use supabase_ssr_testing::bench::{Fixture, compare_routes};
use supabase_ssr_tower::{SupabaseClient, SupabaseLayer};
use tower::{Service, ServiceBuilder};

async fn bare(_: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    Ok(Response::new(Full::new(Bytes::from_static(b"hello"))))
}

async fn authenticated(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let verified = match request.extensions().get::<SupabaseClient>() {
        Some(client) => client.require_claims(None).await.is_ok(),
        None => false,
    };
    let mut response = Response::new(Full::new(Bytes::from_static(b"hello")));
    if !verified {
        *response.status_mut() = StatusCode::UNAUTHORIZED;
    }
    Ok(response)
}

async fn serve<S>(service: S) -> String
where
    S: Service<Request<Incoming>, Response = Response<Full<Bytes>>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let url = format!(
        "http://{}/",
        listener.local_addr().unwrap_or_else(|e| panic!("{e}"))
    );
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = TowerToHyperService::new(service.clone());
            tokio::spawn(async move {
                let _ = auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    url
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().unwrap_or_else(|e| panic!("{e}"));
    let (fixture, bare_url, authenticated_url) = rt.block_on(async {
        let fixture = Fixture::start().await;
        let bare_url = serve(tower::service_fn(bare)).await;
        let authenticated_url = serve(
            ServiceBuilder::new()
                .layer(SupabaseLayer::new(fixture.supabase.clone()))
                .service_fn(authenticated),
        )
        .await;
        (fixture, bare_url, authenticated_url)
    });
    compare_routes(
        c,
        &rt,
        "hyper",
        &bare_url,
        &authenticated_url,
        &fixture.cookie,
    );
}

criterion_group!(route_benches, benches);
criterion_main!(route_benches);
