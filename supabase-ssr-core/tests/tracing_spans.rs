//! The core's spans: `supabase_ssr.refresh` (where a refresh's answer came from) and
//! `supabase_ssr.auth_call` (one per HTTP call to Auth) nest in the `supabase_ssr.request` span
//! an adapter opens, carry the documented fields, and no field holds a token or a cookie value.
//!
//! Each test runs on a current-thread runtime: the recorder is the thread's default subscriber.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use supabase_ssr_core::proxy::RequestSpan;
use supabase_ssr_core::{ProxyOutcome, Supabase, SupabaseClient};
use supabase_ssr_testing::conformance::flood::forged_refresh_session;
use supabase_ssr_testing::conformance::{EMAIL, Harness};
use supabase_ssr_testing::trace::{RecordedSpan, Recorder};
use supabase_ssr_testing::{Endpoint, Fault};

/// Runs the proxy step of `client` the way an adapter does, inside a request span.
async fn proxied(client: &SupabaseClient, path: &str) -> ProxyOutcome {
    let span = RequestSpan::new("GET", path);
    let outcome = span.instrument(client.proxy()).await;
    span.record_outcome(&outcome);
    outcome
}

fn only(spans: Vec<RecordedSpan>) -> RecordedSpan {
    assert_eq!(spans.len(), 1, "{spans:#?}");
    spans.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_refresh_records_its_call_inside_the_request_span() {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 30);
    let (recorder, _guard) = Recorder::install();
    let cookie = jar.header();
    let client = supabase.client([cookie.as_str()]);
    let outcome = proxied(&client, "/account").await;
    let new_header = outcome.request_cookie_header.clone().unwrap();

    let request = only(recorder.named("supabase_ssr.request"));
    assert_eq!(request.level, tracing::Level::INFO);
    assert_eq!(request.field("http.method"), Some("GET"));
    assert_eq!(request.field("http.path"), Some("/account"));
    assert_eq!(request.field("session"), Some("refreshed"));
    assert_eq!(request.field("refreshed"), Some("true"));

    let refresh = only(recorder.named_within("supabase_ssr.refresh", &request));
    assert_eq!(refresh.level, tracing::Level::DEBUG);
    assert_eq!(refresh.field("source"), Some("call"));
    assert_eq!(refresh.field("outcome"), Some("ok"));

    // The call runs in a spawned task, still inside the refresh span.
    let call = only(recorder.named_within("supabase_ssr.auth_call", &refresh));
    assert_eq!(call.level, tracing::Level::DEBUG);
    assert_eq!(call.field("endpoint"), Some("token"));
    assert_eq!(call.field("grant_type"), Some("refresh_token"));
    assert_eq!(call.field("attempt"), Some("1"));
    assert_eq!(call.field("status"), Some("200"));
    assert_eq!(call.field("outcome"), Some("ok"));

    for value in jar.values() {
        recorder.assert_no_field_contains(value, "a cookie value");
    }
    recorder.assert_no_field_contains(&new_header, "the new Cookie header");
    for secret in harness.minted_secrets() {
        recorder.assert_no_field_contains(&secret, "a refresh token");
    }
    recorder.assert_no_field_contains("eyJ", "a JWT");
}

#[tokio::test]
async fn a_valid_session_and_no_session_make_no_auth_call() {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let jar = harness.jar_with_session(&supabase, EMAIL, 3600);
    let (recorder, _guard) = Recorder::install();
    let cookie = jar.header();
    proxied(&supabase.client([cookie.as_str()]), "/a").await;
    proxied(&supabase.client([]), "/b").await;
    let requests = recorder.named("supabase_ssr.request");
    let fields: Vec<_> = requests
        .iter()
        .map(|r| (r.field("session"), r.field("refreshed")))
        .collect();
    assert_eq!(
        fields,
        [
            (Some("present"), Some("false")),
            (Some("none"), Some("false"))
        ]
    );
    assert!(recorder.named("supabase_ssr.auth_call").is_empty());
    assert!(recorder.named("supabase_ssr.refresh").is_empty());
}

#[tokio::test]
async fn a_joined_refresh_is_shared_and_a_refused_one_is_remembered() {
    let harness = Harness::start().await;
    let supabase: Supabase = harness
        .supabase_builder()
        .failure_memory_window(Duration::from_secs(60))
        .build()
        .unwrap();
    harness.auth.set_fault(
        Endpoint::TokenRefresh,
        Fault::latency(Duration::from_millis(100)),
    );
    let jar = harness.jar_with_session(&supabase, EMAIL, 30);
    let forged = forged_refresh_session(&harness, &supabase).header();
    let (recorder, _guard) = Recorder::install();
    let cookie = jar.header();
    let (a, b) = (
        supabase.client([cookie.as_str()]),
        supabase.client([cookie.as_str()]),
    );
    tokio::join!(proxied(&a, "/one"), proxied(&b, "/two"));
    let refreshes = recorder.named("supabase_ssr.refresh");
    let mut sources: Vec<_> = refreshes
        .iter()
        .map(|r| r.field("source").unwrap().to_owned())
        .collect();
    sources.sort();
    assert_eq!(sources, ["call", "shared"]);
    assert_eq!(recorder.named("supabase_ssr.auth_call").len(), 1);

    for path in ["/forged-1", "/forged-2"] {
        proxied(&supabase.client([forged.as_str()]), path).await;
    }
    let refreshes = recorder.named("supabase_ssr.refresh");
    let last: Vec<_> = refreshes[2..]
        .iter()
        .map(|r| (r.field("source"), r.field("outcome")))
        .collect();
    assert_eq!(
        last,
        [
            (Some("call"), Some("refused")),
            (Some("failure_memory"), Some("refused"))
        ]
    );
    let calls = recorder.named("supabase_ssr.auth_call");
    assert_eq!(calls.len(), 2, "the remembered refusal makes no call");
    assert_eq!(calls[1].field("status"), Some("400"));
    assert_eq!(calls[1].field("outcome"), Some("refused"));
    let signed_out = recorder.named("supabase_ssr.request");
    assert_eq!(signed_out[2].field("session"), Some("signed_out"));
    assert_eq!(signed_out[3].field("session"), Some("signed_out"));
}

#[tokio::test]
async fn retries_are_numbered_and_an_outage_is_auth_unavailable() {
    let harness = Harness::start().await;
    let supabase = harness
        .supabase_builder()
        .refresh_budget(Duration::from_millis(1500))
        .build()
        .unwrap();
    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503).times(1));
    let expired = harness.jar_with_session(&supabase, EMAIL, -10).header();
    let (recorder, _guard) = Recorder::install();
    proxied(&supabase.client([expired.as_str()]), "/retried").await;
    let calls = recorder.named("supabase_ssr.auth_call");
    let calls: Vec<_> = calls
        .iter()
        .map(|c| (c.field("attempt"), c.field("status"), c.field("outcome")))
        .collect();
    assert_eq!(
        calls,
        [
            (Some("1"), Some("503"), Some("transient")),
            (Some("2"), Some("200"), Some("ok"))
        ]
    );

    harness
        .auth
        .set_fault(Endpoint::TokenRefresh, Fault::status(503));
    let expired = harness.jar_with_session(&supabase, EMAIL, -10).header();
    proxied(&supabase.client([expired.as_str()]), "/down").await;
    let request = recorder.named("supabase_ssr.request").pop().unwrap();
    assert_eq!(request.field("session"), Some("auth_unavailable"));
    assert_eq!(request.field("refreshed"), Some("false"));
}

/// Admin calls are spans like any Auth call, but a path holding a user's id is recorded as its
/// template: ids identify users and never go in traces (nor does the secret key).
#[tokio::test]
async fn admin_calls_record_endpoint_templates_never_ids() {
    use supabase_ssr_core::SupabaseAdmin;
    let harness = Harness::start().await;
    let user_id = harness.auth.user(EMAIL).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = SupabaseAdmin::new(&harness.auth.url(), harness.auth.secret_key()).unwrap();
    let (recorder, _guard) = Recorder::install();
    admin.auth().get_user_by_id(&user_id).await.unwrap();
    admin.auth().mfa().list_factors(&user_id).await.unwrap();

    let calls = recorder.named("supabase_ssr.auth_call");
    let endpoints: Vec<_> = calls.iter().map(|c| c.field("endpoint")).collect();
    assert_eq!(
        endpoints,
        [Some("admin/users/{id}"), Some("admin/users/{id}/factors")]
    );
    assert!(calls.iter().all(|c| c.field("status") == Some("200")));
    recorder.assert_no_field_contains(&user_id, "a user id");
    recorder.assert_no_field_contains(harness.auth.secret_key(), "the secret key");
}
