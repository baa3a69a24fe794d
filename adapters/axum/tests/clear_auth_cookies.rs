//! A handler that wipes the auth cookies left at old scopes (`clearAuthCookiesAtScopes` of
//! `@supabase/ssr`): the deletions it records on the request's client go out with the response,
//! through the layer, like every other auth cookie.
#![allow(clippy::unwrap_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use axum::routing::post;
use supabase_ssr_axum::core::cookies::CookieOptions;
use supabase_ssr_axum::{Client, Supabase, SupabaseLayer};
use tower::ServiceExt;

/// After moving the cookies from `.example.com` and from `/app` to host-only `/`.
async fn forget_old_scopes(client: Client) -> StatusCode {
    let scopes = [
        CookieOptions::default().with_domain(".example.com"),
        CookieOptions::default().with_path(Some("/app".into())),
    ];
    match client.clear_auth_cookies(&scopes) {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[tokio::test]
async fn the_deletions_a_handler_records_are_sent() {
    // Nothing here calls the Auth server: the cookie holds no session (not JSON), so the
    // layer's proxy step has nothing to refresh or verify.
    let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
        .build()
        .unwrap();
    let app = Router::new()
        .route("/forget", post(forget_old_scopes))
        .layer(SupabaseLayer::new(supabase));
    let request = Request::post("/forget")
        .header(header::HOST, "www.example.com")
        .header(header::ORIGIN, "https://www.example.com")
        .header("sec-fetch-site", "same-origin")
        .header(
            header::COOKIE,
            "sb-abcdefghijklmnop-auth-token.0=old; theme=dark; sb-abcdefghijklmnop-auth-token.1=x",
        )
        .body(Body::empty())
        .unwrap();
    let response = app.oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let set_cookies: Vec<&str> = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(
        set_cookies,
        [
            "sb-abcdefghijklmnop-auth-token.0=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
            "sb-abcdefghijklmnop-auth-token.1=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
            "sb-abcdefghijklmnop-auth-token.0=; Max-Age=0; Path=/app; SameSite=Lax",
            "sb-abcdefghijklmnop-auth-token.1=; Max-Age=0; Path=/app; SameSite=Lax",
        ]
    );
    // Cookies written: no shared cache may keep the response.
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "private, no-cache, no-store, must-revalidate, max-age=0"
    );
}
