//! The local Auth server for development (`supabase_ssr_actix_web::dev`, feature `dev`) started
//! from an actix-web `System`, as `#[actix_web::main]` runs `main`: the demo user signs in through the app, the protected route
//! sees them, and dropping the handle inside the `System` stops the server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::TcpStream;

use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, SET_COOKIE};
use actix_web::test::{TestRequest, call_service, init_service, read_body};
use actix_web::{App, HttpResponse, web};
use supabase_ssr_actix_web::core::auth::PasswordCredentials;
use supabase_ssr_actix_web::{Authenticated, Client, SupabaseMiddleware};
// The feature is on in every test build (the crate's dev-dependency on itself).
use supabase_ssr_actix_web::dev;

#[test]
fn the_dev_server_runs_under_an_actix_system() {
    actix_web::rt::System::new().block_on(async {
        let local = dev::start().unwrap();
        let supabase = local.builder().login_path("/login").build().unwrap();
        let app = init_service(
            App::new()
                .route(
                    "/login",
                    web::post().to(|client: Client| async move {
                        client
                            .auth()
                            .sign_in_with_password(&PasswordCredentials::email(
                                dev::DEMO_EMAIL,
                                dev::DEMO_PASSWORD,
                            ))
                            .await
                            .map_or_else(
                                |_| HttpResponse::Unauthorized().finish(),
                                |_| {
                                    HttpResponse::SeeOther()
                                        .insert_header(("Location", "/me"))
                                        .finish()
                                },
                            )
                    }),
                )
                .route(
                    "/me",
                    web::get().to(|user: Authenticated| async move {
                        user.email().unwrap_or_default().to_owned()
                    }),
                )
                .wrap(SupabaseMiddleware::new(supabase)),
        )
        .await;

        let signed_in = call_service(&app, TestRequest::post().uri("/login").to_request()).await;
        assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
        // What a browser sends back: each cookie's `name=value`.
        let cookies: Vec<String> = signed_in
            .headers()
            .get_all(SET_COOKIE)
            .map(|value| {
                let value = value.to_str().unwrap();
                value.split(';').next().unwrap().to_owned()
            })
            .collect();
        assert!(!cookies.is_empty(), "the sign-in sets the session cookies");

        let me = TestRequest::get()
            .uri("/me")
            .insert_header((COOKIE, cookies.join("; ")))
            .to_request();
        let me = call_service(&app, me).await;
        assert_eq!(me.status(), StatusCode::OK);
        assert_eq!(read_body(me).await, dev::DEMO_EMAIL);

        let addr = local.server().addr();
        drop(local);
        assert!(
            TcpStream::connect(addr).is_err(),
            "the server stopped on drop"
        );
    });
}
