//! A verified token is a signed-in user only when it names one: a token signed by the project
//! but without a `sub` (or with an empty one) gets `401` on protected routes and is anonymous on
//! open ones, and its cookies are left alone.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use supabase_ssr_core::{Session, Supabase};

use super::harness::{App, EMAIL, Harness, TestRequest, jar_holding};
use super::routes;
use crate::jar::BrowserJar;

/// A jar whose session is a fresh one of the seeded user with its access token re-signed by the
/// project's key after `edit` changed its claims.
fn jar_with_claims(
    harness: &Harness,
    supabase: &Supabase,
    edit: impl Fn(&mut Value),
) -> BrowserJar {
    let issued = harness
        .auth
        .mint_session(EMAIL, 3600)
        .unwrap_or_else(|e| panic!("{e}"));
    let payload = issued.access_token.split('.').nth(1).unwrap_or_default();
    let bytes = URL_SAFE_NO_PAD
        .decode(payload)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut claims: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{e}"));
    edit(&mut claims);
    let token = harness
        .auth
        .sign_jwt(&claims)
        .unwrap_or_else(|e| panic!("{e}"));
    let mut body = issued.body;
    body["access_token"] = Value::String(token);
    let session = Session::from_value(body).unwrap_or_else(|e| panic!("{e}"));
    jar_holding(supabase, &session)
}

/// No `sub`, or `sub: ""`: `401` and anonymous, nothing written. The same token with its `sub`
/// is a user (so the refusal is the `sub`'s doing).
pub async fn a_token_without_sub_is_not_a_user<A: App>(make: fn(Supabase) -> A) {
    let harness = Harness::start().await;
    let supabase = harness.supabase();
    let missing = jar_with_claims(&harness, &supabase, |claims| {
        claims.as_object_mut().map(|c| c.remove("sub"));
    });
    let empty = jar_with_claims(&harness, &supabase, |claims| claims["sub"] = "".into());
    let control = jar_with_claims(&harness, &supabase, |_| {});
    let app = make(supabase);
    for jar in [&missing, &empty] {
        let response = app
            .send(
                TestRequest::get(routes::CLAIMS)
                    .header("Accept", "application/json")
                    .cookies(jar),
            )
            .await;
        assert_eq!(response.status, 401, "{response:?}");
        assert!(response.set_cookies().is_empty(), "{response:?}");
        let response = app
            .send(TestRequest::get(routes::OPTIONAL).cookies(jar))
            .await;
        assert_eq!(
            (response.status, response.body.as_str()),
            (200, "anonymous"),
            "{response:?}"
        );
        assert!(response.set_cookies().is_empty(), "{response:?}");
    }
    let response = app
        .send(TestRequest::get(routes::CLAIMS).cookies(&control))
        .await;
    assert_eq!(response.status, 200, "{response:?}");
}
