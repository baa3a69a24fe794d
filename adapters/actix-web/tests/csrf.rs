//! The middleware refuses a cross-site request with an `Err`, which keeps its body type: over a
//! real connection the client still gets the 403 with its body, and the handler never runs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_web::middleware::Logger;
use actix_web::{App, HttpServer, web};
use supabase_ssr_actix_web::{Supabase, SupabaseMiddleware};

/// Sends `request` over a new connection and reads the whole response.
fn exchange(addr: std::net::SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

#[actix_web::test]
async fn the_403_and_its_body_reach_the_client_and_the_handler_never_runs() {
    let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
        .build()
        .unwrap();
    let runs = Arc::new(AtomicUsize::new(0));
    let counter = runs.clone();
    let server = HttpServer::new(move || {
        let counter = counter.clone();
        App::new()
            .route(
                "/login",
                web::post().to(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async { "signed in" }
                }),
            )
            .wrap(SupabaseMiddleware::new(supabase.clone()))
            // An outer middleware sees the refusal as an `Err` and passes it on.
            .wrap(Logger::default())
    })
    .workers(1)
    .disable_signals()
    .bind(("127.0.0.1", 0))
    .unwrap();
    let addr = server.addrs()[0];
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);

    let post = move |headers: &'static str| {
        format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Length: 0\r\nConnection: close\r\n\r\n"
        )
    };
    let refused = actix_web::rt::task::spawn_blocking(move || {
        exchange(
            addr,
            &post("Sec-Fetch-Site: cross-site\r\nAccept: application/json\r\n"),
        )
    });
    let refused = refused.await.unwrap();
    assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
    assert!(
        refused.contains("content-type: application/json"),
        "{refused}"
    );
    assert!(
        refused.ends_with(r#"{"error":"cross-site request refused"}"#),
        "{refused}"
    );
    assert_eq!(runs.load(Ordering::SeqCst), 0);

    let served = actix_web::rt::task::spawn_blocking(move || {
        exchange(addr, &post("Sec-Fetch-Site: same-origin\r\n"))
    });
    let served = served.await.unwrap();
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
    assert!(served.ends_with("signed in"), "{served}");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    handle.stop(true).await;
}
