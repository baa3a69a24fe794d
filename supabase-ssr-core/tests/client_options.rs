//! Client-wide options (supabase-js `global.headers`, a timeout for the Data API, Storage and
//! Functions, `accessToken`) against the shared recording server: what each area's calls carry,
//! how a slow endpoint ends, and what a third-party auth client does and refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod recording;

use std::error::Error as _;
use std::time::Duration;

use http::{HeaderMap, HeaderValue};
use recording::{EMAIL, Project, Recorded};
use supabase_ssr_core::auth::AuthError;
use supabase_ssr_core::functions::FunctionsError;
use supabase_ssr_core::proxy::{SessionStatus, THIRD_PARTY_AUTH};
use supabase_ssr_core::rest::RestError;
use supabase_ssr_core::storage::{ListOptions, StorageError};
use supabase_ssr_core::{ConfigError, SupabaseAdmin, SupabaseClient};

/// One call in each area besides Auth: the Data API, Storage and Functions.
async fn data_storage_functions(client: &SupabaseClient) {
    client
        .from("todos")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap();
    client
        .storage()
        .from("avatars")
        .list("", ListOptions::default())
        .await
        .unwrap();
    invoke(client, "echo").await.unwrap();
}

/// A function call with an empty body.
async fn invoke(client: &SupabaseClient, name: &str) -> Result<(), FunctionsError> {
    client.functions().invoke(name).send().await.map(drop)
}

fn app_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("x-application-name", HeaderValue::from_static("billing"));
    headers.insert("x-client-info", HeaderValue::from_static("billing-app/2.0"));
    headers
}

/// The paths of `records`, without their query.
fn paths(records: &[Recorded]) -> Vec<String> {
    records
        .iter()
        .map(|r| r.uri.split('?').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn global_headers_go_with_every_auth_data_storage_and_functions_call() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .global_headers(app_headers())
        .build()
        .unwrap();
    let (cookie, session) = project.signed_in_cookie(3600);
    let client = supabase.client([cookie.as_str()]);
    client.auth().get_user().await.unwrap();
    data_storage_functions(&client).await;

    let auth = project.auth_records();
    let records = project.records();
    assert_eq!(paths(&auth), ["/auth/v1/user"]);
    assert_eq!(
        paths(&records),
        [
            "/rest/v1/todos",
            "/storage/v1/object/list/avatars",
            "/functions/v1/echo"
        ]
    );
    for sent in auth.iter().chain(&records) {
        assert_eq!(
            sent.header("x-application-name"),
            Some("billing"),
            "{}",
            sent.uri
        );
        // The client info is the crate's, as @supabase/ssr's createServerClient sets its own
        // over global headers.
        let info = sent
            .headers
            .get_all("x-client-info")
            .iter()
            .collect::<Vec<_>>();
        assert_eq!(info.len(), 1);
        assert!(info[0].to_str().unwrap().starts_with("supabase-ssr-rs/"));
        // The credentials are the client's: the key, and the session's token as the bearer.
        assert_eq!(sent.header("apikey"), Some(project.auth.publishable_key()));
        assert_eq!(sent.bearer(), Some(session.access_token()), "{}", sent.uri);
    }
    // The Auth API's own defaults stay where the application set nothing.
    assert_eq!(auth[0].header("x-supabase-api-version"), Some("2024-01-01"));
}

#[tokio::test]
async fn without_global_headers_the_crate_names_itself() {
    let project = Project::start().await;
    let client = project.supabase().client([]);
    data_storage_functions(&client).await;
    for sent in project.records() {
        let info = sent.header("x-client-info").unwrap();
        assert!(info.starts_with("supabase-ssr-rs/"), "{info}");
        assert_eq!(sent.header("x-application-name"), None);
    }
}

#[tokio::test]
async fn the_admin_client_sends_global_headers_too() {
    let project = Project::start().await;
    let admin = SupabaseAdmin::builder(&project.url, project.auth.secret_key())
        .global_headers(app_headers())
        .build()
        .unwrap();
    admin
        .auth()
        .get_user_by_id(&user_id(&project))
        .await
        .unwrap();
    let sent = project.auth_records().pop().unwrap();
    assert!(
        sent.uri.starts_with("/auth/v1/admin/users/"),
        "{}",
        sent.uri
    );
    assert_eq!(sent.header("x-application-name"), Some("billing"));
    // The admin client stands for supabase-js's createClient: the global X-Client-Info wins.
    assert_eq!(sent.header("x-client-info"), Some("billing-app/2.0"));
    assert_eq!(sent.headers.get_all("x-client-info").iter().count(), 1);
    assert_eq!(sent.header("apikey"), Some(project.auth.secret_key()));
}

fn user_id(project: &Project) -> String {
    project.auth.user(EMAIL).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn credentials_in_global_headers_are_refused_and_values_stay_out_of_debug() {
    let url = "https://abcdefghijklmnop.supabase.co";
    for name in ["authorization", "apikey"] {
        let mut headers = HeaderMap::new();
        headers.insert(name, HeaderValue::from_static("Bearer someone-elses-token"));
        let error = supabase_ssr_core::Supabase::builder(url, "sb_publishable_x")
            .global_headers(headers.clone())
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            ConfigError::ReservedGlobalHeader {
                name: name.to_owned()
            }
        );
        let admin = SupabaseAdmin::builder(url, "sb_secret_x")
            .global_headers(headers)
            .build()
            .unwrap_err();
        assert!(
            matches!(admin, ConfigError::ReservedGlobalHeader { .. }),
            "{admin:?}"
        );
    }
    let mut headers = HeaderMap::new();
    headers.insert("x-gateway-token", HeaderValue::from_static("gw-s3cret"));
    let builder = supabase_ssr_core::Supabase::builder(url, "sb_publishable_x")
        .global_headers(headers.clone());
    let supabase = builder.clone().build().unwrap();
    let admin = SupabaseAdmin::builder(url, "sb_secret_x").global_headers(headers);
    for debug in [
        format!("{builder:?}"),
        format!("{supabase:?}"),
        format!("{:?}", supabase.client([])),
        format!("{admin:?}"),
        format!("{:?}", admin.clone().build().unwrap()),
    ] {
        assert!(!debug.contains("gw-s3cret"), "{debug}");
    }
    assert!(format!("{builder:?}").contains("x-gateway-token"));
}

/// The HTTP client's error under an area's transport error.
fn is_timeout(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        // The crate's errors keep the HTTP client's error in an `ErrorSource`.
        let kept = error
            .downcast_ref::<supabase_ssr_core::ErrorSource>()
            .map_or(error, |source| source.get());
        if kept
            .downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

#[tokio::test]
async fn the_api_timeout_ends_slow_data_storage_and_functions_calls_with_transport_errors() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .api_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let client = supabase.client([]);

    let rest = client
        .from("slow")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap_err();
    assert!(matches!(rest, RestError::Transport(_)), "{rest:?}");
    assert!(is_timeout(&rest), "{rest:?}");

    let storage = client
        .storage()
        .from("slow")
        .list("", ListOptions::default())
        .await
        .unwrap_err();
    assert!(matches!(storage, StorageError::Transport(_)), "{storage:?}");
    assert!(is_timeout(&storage), "{storage:?}");

    let functions = invoke(&client, "slow").await.unwrap_err();
    assert!(
        matches!(functions, FunctionsError::Fetch(_)),
        "{functions:?}"
    );
    // Functions apply the timeout themselves (the HTTP client's would also cut a stream).
    assert!(functions.is_timeout(), "{functions:?}");

    // A call's own timeout replaces the client-wide one.
    let patient = project
        .builder()
        .api_timeout(Duration::from_nanos(1))
        .build()
        .unwrap()
        .client([]);
    patient
        .functions()
        .invoke("echo")
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .unwrap();

    // Fast calls are unaffected, and Auth keeps its own timeout.
    data_storage_functions(&client).await;
    let (cookie, _) = project.signed_in_cookie(3600);
    supabase
        .client([cookie.as_str()])
        .auth()
        .get_user()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_third_party_token_is_the_bearer_of_data_storage_and_functions_calls() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .access_token(|| async { Ok::<_, std::io::Error>(Some("clerk-token-1".to_owned())) })
        .build()
        .unwrap();
    // A browser that also holds an (expiring) Supabase session: it is not used.
    let (cookie, _) = project.signed_in_cookie(5);
    let client = supabase.client([cookie.as_str()]);
    assert!(client.uses_third_party_auth());
    data_storage_functions(&client).await;
    for sent in project.records() {
        assert_eq!(sent.bearer(), Some("clerk-token-1"), "{}", sent.uri);
        assert_eq!(sent.header("apikey"), Some(project.auth.publishable_key()));
    }
    assert!(project.auth_records().is_empty());
    assert!(client.response_cookies().set_cookies().is_empty());
}

#[tokio::test]
async fn a_provider_without_a_token_sends_the_publishable_key() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .access_token(|| async { Ok::<_, std::io::Error>(None) })
        .build()
        .unwrap();
    data_storage_functions(&supabase.client([])).await;
    for sent in project.records() {
        if sent.uri.starts_with("/functions/") {
            // supabase-js's `omitApiKeyAsBearer`: an `sb_publishable_` key is no JWT, so a
            // function gets it in `apikey` only.
            assert_eq!(sent.bearer(), None);
        } else {
            assert_eq!(
                sent.bearer(),
                Some(project.auth.publishable_key()),
                "{}",
                sent.uri
            );
        }
    }
}

#[tokio::test]
async fn a_failing_provider_is_a_typed_error_and_nothing_is_sent() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .access_token(|| async {
            Err::<Option<String>, _>(std::io::Error::other("the token service is down"))
        })
        .build()
        .unwrap();
    let client = supabase.client([]);
    let rest = client
        .from("todos")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap_err();
    let RestError::Auth(AuthError::AccessTokenProvider { source }) = &rest else {
        panic!("{rest:?}");
    };
    assert!(source.get().is::<std::io::Error>());
    assert!(rest.to_string().contains("access token provider"), "{rest}");
    assert!(
        rest.source()
            .unwrap()
            .to_string()
            .contains("the token service is down")
    );
    let storage = client
        .storage()
        .from("avatars")
        .list("", ListOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            storage,
            StorageError::Auth(AuthError::AccessTokenProvider { .. })
        ),
        "{storage:?}"
    );
    let functions = invoke(&client, "echo").await.unwrap_err();
    assert!(
        matches!(
            functions,
            FunctionsError::Auth(AuthError::AccessTokenProvider { .. })
        ),
        "{functions:?}"
    );
    assert!(project.records().is_empty());
}

#[tokio::test]
async fn a_token_no_header_can_carry_is_a_non_transient_argument_error() {
    let project = Project::start().await;
    let supabase = project.builder().build().unwrap();
    // A visitor's token with a line break: the application's input, not a server's answer.
    let client = supabase.client_with_access_token(Some("eyJ\r\nx-evil: 1".to_owned()));
    let rest = client
        .from("todos")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap_err();
    let RestError::Auth(auth) = &rest else {
        panic!("{rest:?}");
    };
    assert!(matches!(auth, AuthError::InvalidArgument(_)), "{auth:?}");
    assert!(!auth.is_transient());
    assert!(rest.to_string().contains("access token"), "{rest}");
    assert!(!rest.to_string().contains("Auth server"), "{rest}");
    assert!(!rest.to_string().contains("x-evil"), "{rest}");
    let storage = client
        .storage()
        .from("avatars")
        .list("", ListOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(storage, StorageError::Auth(AuthError::InvalidArgument(_))),
        "{storage:?}"
    );
    let functions = invoke(&client, "echo").await.unwrap_err();
    assert!(
        matches!(
            functions,
            FunctionsError::Auth(AuthError::InvalidArgument(_))
        ),
        "{functions:?}"
    );
    assert!(project.records().is_empty());
}

#[test]
fn a_publishable_key_no_header_can_carry_is_refused_at_build_time() {
    let error = supabase_ssr_core::Supabase::builder(
        "https://abcdefghijklmnop.supabase.co",
        "sb_publishable_x\n",
    )
    .build()
    .unwrap_err();
    assert_eq!(error, ConfigError::InvalidPublishableKey);
}

#[tokio::test]
async fn every_auth_method_fails_with_third_party_auth_and_writes_no_cookie() {
    use supabase_ssr_core::auth::{OAuthSignIn, PasswordCredentials};

    let project = Project::start().await;
    let supabase = project
        .builder()
        .access_token(|| async { Ok::<_, std::io::Error>(Some("t".to_owned())) })
        .build()
        .unwrap();
    let (cookie, _) = project.signed_in_cookie(3600);
    let client = supabase.client([cookie.as_str()]);
    let auth = client.auth();
    let credentials = PasswordCredentials::email(EMAIL, "password123");
    let results: Vec<(&str, Result<(), AuthError>)> = vec![
        ("get_session", auth.get_session().await.map(drop)),
        ("get_claims", auth.get_claims().await.map(drop)),
        ("get_user", auth.get_user().await.map(drop)),
        ("refresh_session", auth.refresh_session().await.map(drop)),
        (
            "sign_in_with_password",
            auth.sign_in_with_password(&credentials).await.map(drop),
        ),
        (
            "sign_in_with_oauth",
            auth.sign_in_with_oauth(&OAuthSignIn::new("github"))
                .map(drop),
        ),
        ("sign_out", auth.sign_out().await),
        (
            "mfa().list_factors",
            auth.mfa().list_factors().await.map(drop),
        ),
        (
            "oauth().list_grants",
            auth.oauth().list_grants().await.map(drop),
        ),
    ];
    for (method, result) in results {
        let error = result.unwrap_err();
        assert_eq!(error, AuthError::ThirdPartyAuth { method }, "{method}");
        let message = error.to_string();
        assert!(message.contains("third-party"), "{message}");
        assert!(message.contains(&format!("auth().{method}")), "{message}");
        assert!(!error.is_transient());
    }
    assert!(
        project.auth_records().is_empty(),
        "no call reached the Auth server"
    );
    assert!(client.response_cookies().set_cookies().is_empty());
}

#[tokio::test]
async fn the_proxy_step_leaves_auth_cookies_alone_and_protected_routes_name_the_configuration() {
    let project = Project::start().await;
    let supabase = project
        .builder()
        .access_token(|| async { Ok::<_, std::io::Error>(Some("t".to_owned())) })
        .build()
        .unwrap();
    // An expiring session (a first-party client would refresh it) and an invalid one (a
    // first-party client would delete it).
    for cookie in [
        project.signed_in_cookie(5).0,
        format!("{}=garbage", supabase.config().storage_key()),
    ] {
        let client = supabase.client([cookie.as_str()]);
        let outcome = client.proxy().await;
        assert_eq!(outcome.status, SessionStatus::ThirdPartyAuth);
        assert_eq!(outcome.request_cookie_header, None);
        assert!(client.response_cookies().set_cookies().is_empty());
        let rejection = client
            .require_claims(Some("application/json"))
            .await
            .unwrap_err();
        assert_eq!(rejection.status, http::StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(rejection.body, THIRD_PARTY_AUTH);
        assert!(client.optional_claims().await.is_none());
    }
    assert_eq!(project.auth.counters().token_total(), 0);
    assert!(project.auth_records().is_empty());
}

#[tokio::test]
async fn a_per_request_token_is_the_bearer_and_never_printed() {
    let project = Project::start().await;
    let supabase = project.supabase();
    let client = supabase.client_with_access_token(Some("auth0-token-of-this-visitor".to_owned()));
    assert!(client.uses_third_party_auth());
    assert!(!format!("{client:?}").contains("auth0-token-of-this-visitor"));
    data_storage_functions(&client).await;
    let anonymous = supabase.client_with_access_token(None);
    anonymous
        .from("todos")
        .select("*")
        .execute::<serde_json::Value>()
        .await
        .unwrap();
    let records = project.records();
    for sent in &records[..3] {
        assert_eq!(sent.bearer(), Some("auth0-token-of-this-visitor"));
    }
    assert_eq!(records[3].bearer(), Some(project.auth.publishable_key()));
    assert_eq!(
        anonymous.auth().get_user().await.unwrap_err(),
        AuthError::ThirdPartyAuth { method: "get_user" }
    );
    // The handle's other clients keep using Supabase Auth sessions.
    assert!(!supabase.client([]).uses_third_party_auth());
}

#[tokio::test]
async fn a_client_from_the_requests_authorization_header_sends_its_bearer() {
    let project = Project::start().await;
    let supabase = project.supabase();
    let headers = |value: &'static str| {
        HeaderMap::from_iter([(http::header::AUTHORIZATION, HeaderValue::from_static(value))])
    };
    for (request, bearer) in [
        (headers("Bearer clerk-token"), Some("clerk-token")),
        (headers("bearer  clerk-token "), Some("clerk-token")),
        (headers("BEARER clerk-token"), Some("clerk-token")),
        (headers("Bearer "), None),
        (headers("Basic dXNlcjpwYXNz"), None),
        (HeaderMap::new(), None),
    ] {
        let client = supabase.client_from_authorization(&request);
        assert!(client.uses_third_party_auth());
        client
            .from("todos")
            .select("*")
            .execute::<serde_json::Value>()
            .await
            .unwrap();
        let sent = project.last();
        let expected = bearer.unwrap_or(project.auth.publishable_key());
        assert_eq!(sent.bearer(), Some(expected), "{request:?}");
    }
}

#[tokio::test]
async fn a_calls_own_header_replaces_a_global_one_of_the_same_name() {
    let project = Project::start().await;
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("text/x-global"));
    let client = project
        .builder()
        .global_headers(headers)
        .build()
        .unwrap()
        .client([]);
    client
        .storage()
        .from("avatars")
        .list("", ListOptions::default())
        .await
        .unwrap();
    client
        .from("todos")
        .insert(serde_json::json!({"title": "x"}))
        .execute_text()
        .await
        .unwrap();
    // functions-js spreads the global headers over the Content-Type it infers from the body.
    client
        .functions()
        .invoke("echo")
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    let function = project.records().pop().unwrap();
    let types = function
        .headers
        .get_all("content-type")
        .iter()
        .collect::<Vec<_>>();
    assert_eq!(types, ["text/x-global"]);
    let records = &project.records()[..2];
    assert_eq!(
        paths(records),
        ["/storage/v1/object/list/avatars", "/rest/v1/todos"]
    );
    for sent in records {
        let types = sent
            .headers
            .get_all("content-type")
            .iter()
            .collect::<Vec<_>>();
        assert_eq!(types.len(), 1, "{}: {types:?}", sent.uri);
        assert!(
            types[0].to_str().unwrap().starts_with("application/json"),
            "{}: {types:?}",
            sent.uri
        );
    }
}

/// Through the axum adapter's middleware and extractors, with third-party auth for the handle
/// (`/todos`) and per request from the request's bearer (`/per-request`).
#[tokio::test]
async fn through_the_axum_adapter_cookies_are_left_alone_and_authenticated_names_the_configuration()
{
    use axum::body::Body;
    use axum::extract::State;
    use axum::http::{Request, StatusCode, header};
    use axum::routing::get;
    use supabase_ssr_axum::{Authenticated, Client, SupabaseLayer};
    use tower::ServiceExt;

    async fn todos(client: Client) -> StatusCode {
        let read = client
            .from("todos")
            .select("*")
            .execute::<serde_json::Value>()
            .await;
        read.map_or(StatusCode::BAD_GATEWAY, |_| StatusCode::OK)
    }
    async fn me(Authenticated(claims): Authenticated) -> String {
        claims.sub().unwrap_or_default().to_owned()
    }
    async fn per_request(
        State(supabase): State<supabase_ssr_core::Supabase>,
        headers: axum::http::HeaderMap,
    ) -> StatusCode {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_owned);
        let client = supabase.client_with_access_token(bearer);
        let read = client
            .from("todos")
            .select("*")
            .execute::<serde_json::Value>()
            .await;
        read.map_or(StatusCode::BAD_GATEWAY, |_| StatusCode::OK)
    }

    let project = Project::start().await;
    let third_party = project
        .builder()
        .access_token(|| async { Ok::<_, std::io::Error>(Some("clerk-token-2".to_owned())) })
        .build()
        .unwrap();
    let app = axum::Router::new()
        .route("/todos", get(todos))
        .route("/me", get(me))
        .layer(SupabaseLayer::new(third_party));
    let expiring = project.signed_in_cookie(5).0;
    let send = |path: &str, cookie: &str| {
        Request::get(path)
            .header(header::COOKIE, cookie)
            .header(header::ACCEPT, "application/json")
            .body(Body::empty())
            .unwrap()
    };
    let response = app
        .clone()
        .oneshot(send("/todos", &expiring))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(project.last().bearer(), Some("clerk-token-2"));

    let response = app.oneshot(send("/me", &expiring)).await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    assert_eq!(body, THIRD_PARTY_AUTH.as_bytes());

    let per_request_app = axum::Router::new()
        .route("/per-request", get(per_request))
        .with_state(project.supabase());
    let response = per_request_app
        .oneshot(
            Request::get("/per-request")
                .header(header::AUTHORIZATION, "Bearer auth0-token-3")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(project.last().bearer(), Some("auth0-token-3"));
    assert_eq!(project.auth.counters().token_total(), 0);
    assert!(project.auth_records().is_empty());
}
