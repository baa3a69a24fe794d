//! The accept loop. Hand-rolled over hyper (rather than `axum::serve`) so that a fault can drop
//! one connection without answering, and `stop` can end hanging requests.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tower::Service as _;

/// Put in every request's extensions: notifying it closes the request's connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// Serves `router` on `listener` until `shutdown` changes; then every open connection is closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                connections.spawn(connection(stream, router.clone(), shutdown.clone()));
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn connection(
    stream: tokio::net::TcpStream,
    router: Router,
    mut shutdown: watch::Receiver<bool>,
) {
    let kill = Arc::new(Notify::new());
    let for_requests = Arc::clone(&kill);
    let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let mut req: Request = req.map(Body::new);
        req.extensions_mut()
            .insert(ConnectionKill(Arc::clone(&for_requests)));
        let mut router = router.clone();
        async move { Ok::<Response, Infallible>(router.call(req).await.unwrap_or_else(|e| match e {})) }
    });
    let conn =
        hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = conn => {}
        () = kill.notified() => tracing::debug!("connection dropped by a fault"),
        _ = shutdown.changed() => {}
    }
}
