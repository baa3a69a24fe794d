//! The accept loop. Hand-rolled over hyper (rather than `axum::serve`) so that a fault can drop
//! one connection without answering, and `stop` can end hanging requests. Over HTTPS each
//! connection does its TLS handshake in its own task, so a slow client never stalls the loop.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::Service as _;

/// A client that has not finished its TLS handshake by then is dropped.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Put in every request's extensions: notifying it closes the request's connection.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionKill(pub(crate) Arc<Notify>);

/// Serves `router` on `listener` (over TLS when `tls` is given) until `shutdown` changes; then
/// every open connection is closed.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else { continue };
                let (router, shutdown) = (router.clone(), shutdown.clone());
                match tls.clone() {
                    None => connections.spawn(connection(stream, router, shutdown)),
                    Some(acceptor) => connections.spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                            Ok(Ok(stream)) => connection(stream, router, shutdown).await,
                            Ok(Err(error)) => tracing::debug!(%error, "TLS handshake failed"),
                            Err(_) => tracing::debug!("TLS handshake timed out"),
                        }
                    }),
                };
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.abort_all();
}

async fn connection<S>(stream: S, router: Router, mut shutdown: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
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
