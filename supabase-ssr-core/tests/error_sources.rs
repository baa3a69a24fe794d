//! Errors keep the HTTP client's error as their `source()`, without the URL (its query may hold
//! a token), and their messages name its causes (a refused connection, a refused redirect), each
//! once.
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

/// A server that answers every request with a redirect to an `ftp://` URL carrying a token in
/// its query: the HTTP client refuses to follow it, and its error names that URL.
fn redirecting_to_ftp() -> Supabase {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut request = Vec::new();
            let mut buf = [0; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let answer = format!(
                "HTTP/1.1 302 Found\r\nLocation: ftp://127.0.0.1/x?token={SECRET}#{SECRET}\r\n\
                 Content-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    Supabase::builder(format!("http://127.0.0.1:{port}"), "sb_publishable_x")
        .build()
        .unwrap()
}

/// The messages of `error` and of every error under it.
fn chain(error: &(dyn Error + 'static)) -> Vec<String> {
    std::iter::successors(Some(error), |&e| e.source())
        .map(ToString::to_string)
        .collect()
}

/// `error` says the connection was refused, and the OS error is in its `source()` chain.
fn assert_refused(error: &(dyn Error + 'static)) {
    let message = error.to_string();
    assert!(
        message.ends_with("Connection refused (os error 111)") || message.contains("refused"),
        "the cause is dropped: {message}"
    );
    let io = std::iter::successors(Some(error), |&e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>())
        .unwrap_or_else(|| panic!("no io::Error under {message}: {:?}", chain(error)));
    assert_eq!(io.kind(), std::io::ErrorKind::ConnectionRefused);
    // Each cause once.
    assert_eq!(message.matches("refused").count(), 1, "{message}");
}

fn assert_kept(error: &(dyn Error + 'static), prefix: &str) {
    let source = error.source().expect("the HTTP client's error is kept");
    assert!(
        error.to_string().starts_with(prefix),
        "message changed: {error}"
    );
    assert_refused(error);
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
    assert_refused(&error);
}

#[tokio::test]
async fn an_unreachable_auth_server_keeps_the_cause_for_the_admin_client_too() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let admin = supabase_ssr_core::SupabaseAdmin::new(
        &format!("http://127.0.0.1:{port}"),
        "sb_secret_xxxxxxxxxxxxxxxxxxxxxx",
    )
    .unwrap();
    let error = admin
        .auth()
        .get_user_by_id("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_refused(&error);
}

#[tokio::test]
async fn a_redirect_to_another_scheme_names_the_cause_without_the_urls_query() {
    let supabase = redirecting_to_ftp();
    let client = supabase.client([]);
    let auth = client
        .auth()
        .sign_in_with_password(&PasswordCredentials::email("a@example.com", "pw"))
        .await
        .unwrap_err();
    let rest = client
        .from("todos")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap_err();
    let functions = client.functions().invoke("hello").send().await.unwrap_err();
    let errors: [&(dyn Error + 'static); 3] = [&auth, &rest, &functions];
    for error in errors {
        let message = error.to_string();
        // reqwest's own text is "builder error": the reason is its cause.
        assert!(
            message.ends_with("builder error: URL scheme is not allowed"),
            "{message}"
        );
        for text in chain(error).into_iter().chain([format!("{error:?}")]) {
            assert!(!text.contains(SECRET), "the URL's query leaked: {text}");
        }
    }
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
