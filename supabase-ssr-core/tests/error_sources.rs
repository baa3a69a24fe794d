//! Errors keep the HTTP client's error as their `source()`, without the URL (its query may hold
//! a token), and their messages read as before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::error::Error;

use supabase_ssr_core::auth::{AuthError, PasswordCredentials};
use supabase_ssr_core::cookies::{CookieOptions, CookieOptionsError, SameSite};
use supabase_ssr_core::functions::FunctionsError;
use supabase_ssr_core::rest::RestError;
use supabase_ssr_core::storage::StorageError;
use supabase_ssr_core::{Config, ConfigError, Supabase};

const SECRET: &str = "query-secret-4711";

/// A project on a port nothing listens on: every call fails to connect.
fn unreachable() -> Supabase {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    Supabase::builder(format!("http://127.0.0.1:{port}"), "sb_publishable_x")
        .build()
        .unwrap()
}

fn assert_kept(error: &(dyn Error + 'static), prefix: &str) {
    let source = error.source().expect("the HTTP client's error is kept");
    assert!(
        error.to_string().starts_with(prefix),
        "message changed: {error}"
    );
    // The message still names what happened: the source's text follows the prefix.
    assert!(
        error.to_string().contains(&source.to_string()),
        "{error} / {source}"
    );
    for text in [
        error.to_string(),
        format!("{error:?}"),
        format!("{source:?}"),
    ] {
        // The socket address may appear (the connector names it), the URL's path and query not.
        assert!(!text.contains(SECRET), "the URL leaked: {text}");
    }
}

#[tokio::test]
async fn data_api_storage_and_functions_keep_the_transport_error() {
    let supabase = unreachable();
    let client = supabase.client([]);
    let rest = client
        .from("todos")
        .select("*")
        .eq("token", SECRET)
        .execute::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(rest, RestError::Transport(_)), "{rest:?}");
    assert_kept(&rest, "the Data API could not be reached: ");

    let storage = client
        .storage()
        .from("avatars")
        .download(
            SECRET,
            &supabase_ssr_core::storage::DownloadOptions::default(),
        )
        .await
        .unwrap_err();
    assert!(matches!(storage, StorageError::Transport(_)), "{storage:?}");
    assert_kept(&storage, "Storage could not be reached: ");

    let functions = client.functions().invoke(SECRET).send().await.unwrap_err();
    assert!(
        matches!(functions, FunctionsError::Fetch(_)),
        "{functions:?}"
    );
    assert_kept(
        &functions,
        "Failed to send a request to the Edge Function: ",
    );
}

#[tokio::test]
async fn an_unreachable_auth_server_keeps_the_transport_error() {
    let client = unreachable().client([]);
    let error = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email("a@example.com", SECRET))
        .await
        .unwrap_err();
    assert!(
        matches!(error, AuthError::Transient { status: None, .. }),
        "{error:?}"
    );
    assert!(error.source().is_some());
    assert!(
        error
            .to_string()
            .starts_with("the Auth server is unavailable: could not connect: "),
        "{error}"
    );
    assert!(!format!("{error:?}").contains(SECRET));
}

#[test]
fn invalid_cookie_options_are_kept_as_the_source() {
    let options = CookieOptions::default().with_same_site(Some(SameSite::None));
    let config = Config::new("https://abcdefghijklmnop.supabase.co", "k").unwrap();
    let error = config.with_cookie_options(options).unwrap_err();
    assert_eq!(
        error,
        ConfigError::CookieOptions(CookieOptionsError::SameSiteNoneWithoutSecure)
    );
    assert_eq!(
        error.to_string(),
        "invalid cookie options: SameSite=None requires Secure: browsers drop such cookies"
    );
    assert!(
        error
            .source()
            .unwrap()
            .downcast_ref::<CookieOptionsError>()
            .is_some()
    );
}
