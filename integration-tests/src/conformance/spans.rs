//! The `supabase_ssr.request` span every adapter opens (see the core's docs, "Tracing"): one per
//! request, with where the session stands and whether it was refreshed, the Auth calls of the
//! request nested in it, and no token, cookie value, email or query string in any field.

use supabase_ssr_core::Supabase;
use supabase_ssr_core::proxy::CsrfGuard;

use super::harness::{App, EMAIL, Harness, PASSWORD, TestRequest, TestResponse};
use super::routes;
use crate::jar::BrowserJar;
use crate::trace::{RecordedSpan, Recorder};

const REQUEST: &str = "supabase_ssr.request";
const AUTH_CALL: &str = "supabase_ssr.auth_call";

/// A query value the request span must not record (the path is recorded without the query).
const QUERY_SECRET: &str = "query-code-never-recorded";

/// No session, a fresh session, an expiring one (refreshed), a sign-in in a handler and a
/// skipped path: one request span each, with the right fields and the Auth calls inside.
pub async fn request_spans_record_the_session_and_nest_the_auth_calls<A: App>(
    make: fn(Supabase) -> A,
) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let fresh = harness.jar_with_session(&supabase, EMAIL, 3600);
    let expiring = harness.jar_with_session(&supabase, EMAIL, 30);
    let app = make(supabase);
    let (recorder, _guard) = Recorder::install();
    let mut responses = Vec::new();
    let mut send = async |request: TestRequest| {
        let response = app.send(request).await;
        responses.push(response.clone());
        let requests = recorder.named(REQUEST);
        assert_eq!(
            requests.len(),
            responses.len(),
            "one request span per request: {requests:#?}"
        );
        (
            response,
            requests.last().cloned().unwrap_or_else(|| panic!()),
        )
    };

    let (response, span) = send(TestRequest::get(routes::OPTIONAL)).await;
    assert_eq!(response.body, "anonymous");
    assert_fields(&span, "GET", routes::OPTIONAL, "none", false);

    let path = format!("{}?code={QUERY_SECRET}", routes::CLAIMS);
    let (response, span) = send(TestRequest::get(&path).cookies(&fresh)).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_fields(&span, "GET", routes::CLAIMS, "present", false);

    let (response, span) = send(TestRequest::get(routes::COOKIE_HEADER).cookies(&expiring)).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_fields(&span, "GET", routes::COOKIE_HEADER, "refreshed", true);
    let calls = recorder.named_within(AUTH_CALL, &span);
    assert_eq!(
        calls.len(),
        1,
        "the refresh is inside the request span: {calls:#?}"
    );
    assert_eq!(calls[0].field("endpoint"), Some("token"));
    assert_eq!(calls[0].field("grant_type"), Some("refresh_token"));
    assert_eq!(calls[0].field("status"), Some("200"));

    let body = serde_json::json!({ "email": EMAIL, "password": PASSWORD }).to_string();
    let (response, span) = send(TestRequest::post(routes::SIGN_IN, body)).await;
    assert_eq!(response.status, 200, "{response:?}");
    assert_fields(&span, "POST", routes::SIGN_IN, "none", false);
    let sign_in = recorder
        .named(AUTH_CALL)
        .into_iter()
        .find(|call| call.field("grant_type") == Some("password"))
        .unwrap_or_else(|| panic!("no auth_call span for the sign-in"));
    assert_eq!(
        recorder.is_within(&sign_in, &span),
        A::HANDLER_IN_REQUEST_SPAN,
        "the handler's Auth call is inside the request span (except where the adapter cannot \
         wrap the handler)"
    );

    let (response, span) = send(TestRequest::get(routes::STATIC_ASSET)).await;
    assert_eq!(response.body, "no client");
    assert_fields(&span, "GET", routes::STATIC_ASSET, "skipped", false);

    let mut secrets: Vec<String> = harness.minted_secrets();
    for jar in [&fresh, &expiring] {
        secrets.extend(jar.values().into_iter().map(str::to_owned));
    }
    for response in &responses {
        secrets.extend(set_cookie_values(response));
    }
    for secret in &secrets {
        recorder.assert_no_field_contains(secret, "a token or a cookie value");
    }
    recorder.assert_no_field_contains("eyJ", "a JWT");
    recorder.assert_no_field_contains(QUERY_SECRET, "the query string");
    recorder.assert_no_field_contains(EMAIL, "the email");
    recorder.assert_no_field_contains(PASSWORD, "the password");
}

fn assert_fields(span: &RecordedSpan, method: &str, path: &str, session: &str, refreshed: bool) {
    assert_eq!(span.level, tracing::Level::INFO);
    assert_eq!(span.field("http.method"), Some(method), "{span:?}");
    assert_eq!(span.field("http.path"), Some(path), "{span:?}");
    assert_eq!(span.field("session"), Some(session), "{span:?}");
    let refreshed = refreshed.to_string();
    assert_eq!(
        span.field("refreshed"),
        Some(refreshed.as_str()),
        "{span:?}"
    );
}

/// The values of the response's `Set-Cookie` headers (empty ones left out).
fn set_cookie_values(response: &TestResponse) -> Vec<String> {
    let mut jar = BrowserJar::new();
    jar.apply(response.set_cookies());
    jar.values().into_iter().map(str::to_owned).collect()
}

/// A cross-site `POST` the CSRF guard refuses still gets its request span, marked
/// `cross_site_refused`, with no Auth call.
pub async fn a_refused_cross_site_request_is_recorded<A: App>(make: fn(Supabase, CsrfGuard) -> A) {
    let harness = Harness::start().await;
    let app = make(harness.supabase(), CsrfGuard::default());
    let (recorder, _guard) = Recorder::install();
    let body = serde_json::json!({ "email": EMAIL, "password": PASSWORD }).to_string();
    let request = TestRequest::post(routes::SIGN_IN, body)
        .header("Host", "app.test")
        .header("Sec-Fetch-Site", "cross-site")
        .header("Origin", "https://evil.test");
    let response = app.send(request).await;
    assert_eq!(response.status, 403, "{response:?}");
    let requests = recorder.named(REQUEST);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_fields(
        &requests[0],
        "POST",
        routes::SIGN_IN,
        "cross_site_refused",
        false,
    );
    assert!(recorder.named(AUTH_CALL).is_empty());
}
