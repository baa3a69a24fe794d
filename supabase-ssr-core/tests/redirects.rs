//! `redirect::same_origin_path` against the payload table shared with the example servers'
//! browser suite (`integration-tests/js/redirect-payloads.json`), against the WHATWG URL parser
//! of Node (what a browser follows), and over arbitrary input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::json;
use supabase_ssr_core::redirect::{MAX_TARGET_LEN, UnsafeRedirect, same_origin_path};
use supabase_ssr_core::safe_redirect_path;
use supabase_ssr_testing::node::NodeScripts;
use supabase_ssr_testing::redirect_payloads::{RedirectPayload, redirect_payloads};

/// The page a redirect is answered from; only its origin may be the result's.
const PAGE: &str = "https://site.example/auth/confirm?token_hash=x&type=email";
const ORIGIN: &str = "https://site.example";

fn cases() -> Vec<RedirectPayload> {
    redirect_payloads().unwrap_or_else(|e| panic!("redirect-payloads.json: {e}"))
}

fn is_header_value(path: &str) -> bool {
    http::HeaderValue::from_str(path).is_ok()
}

#[test]
fn the_payload_table() {
    let cases = cases();
    let hostile = cases.iter().filter(|c| c.expected.is_err()).count();
    assert!(hostile >= 30, "only {hostile} hostile payloads");
    let mut failures = Vec::new();
    for case in &cases {
        let got = same_origin_path(&case.next).map_err(|reason| format!("{reason:?}"));
        if got != case.expected {
            failures.push(format!(
                "{:?}: got {got:?}, expected {:?}",
                case.next, case.expected
            ));
        }
        let fallback = safe_redirect_path(Some(&case.next), "/private");
        assert_eq!(fallback, case.location("/private"), "{:?}", case.next);
        assert!(is_header_value(&fallback), "{:?}", case.next);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_length_limit_is_inclusive() {
    let longest = format!("/{}", "a".repeat(MAX_TARGET_LEN - 1));
    assert_eq!(same_origin_path(&longest).as_deref(), Ok(longest.as_str()));
    let longer = format!("{longest}a");
    assert_eq!(same_origin_path(&longer), Err(UnsafeRedirect::TooLong));
}

/// Every `/`-led combination of up to four tokens that browsers treat specially.
fn combinations() -> Vec<String> {
    const TOKENS: [&str; 16] = [
        "/",
        "\\",
        "%2F",
        "%5C",
        ".",
        "..",
        "%2e",
        "%2E%2E",
        "\t",
        " ",
        "%09",
        "%25",
        "?",
        "#",
        "@evil.example",
        "é",
    ];
    let mut all = vec!["/".to_owned()];
    let mut frontier = vec!["/".to_owned()];
    for _ in 0..4 {
        frontier = frontier
            .iter()
            .flat_map(|prefix| TOKENS.iter().map(move |t| format!("{prefix}{t}")))
            .collect();
        all.extend(frontier.iter().cloned());
    }
    all
}

/// Node's `new URL(next, page)` is the WHATWG parser browsers implement: whatever
/// `same_origin_path` accepts, a browser resolves to this site, to exactly the path returned,
/// and the path returned resolves to itself.
#[test]
fn browsers_follow_exactly_the_path_returned() {
    let mut inputs: Vec<String> = cases().into_iter().map(|c| c.next).collect();
    inputs.extend(combinations());
    let accepted: BTreeMap<&str, String> = inputs
        .iter()
        .filter_map(|next| Some((next.as_str(), same_origin_path(next).ok()?)))
        .collect();
    let mut asked: Vec<&str> = inputs.iter().map(String::as_str).collect();
    asked.extend(accepted.values().map(String::as_str));

    // Node is required: without it this test fails saying how to install it, never passes.
    let node = NodeScripts::for_test();
    let stdin = json!({ "base": PAGE, "inputs": asked }).to_string();
    let output = node
        .run("resolve-urls.mjs", &[], &stdin)
        .unwrap_or_else(|e| panic!("{e}"));
    let resolved: Vec<Option<(String, Option<String>)>> = serde_json::from_str(&output).unwrap();
    let browser: BTreeMap<&str, Option<(String, Option<String>)>> =
        asked.iter().copied().zip(resolved).collect();

    let mut off_site_refused = 0;
    let mut failures = Vec::new();
    for next in &inputs {
        let followed = &browser[next.as_str()];
        let Some(path) = accepted.get(next.as_str()) else {
            if followed.as_ref().is_none_or(|(origin, _)| origin != ORIGIN) {
                off_site_refused += 1;
            }
            continue;
        };
        let same_site = Some((ORIGIN.to_owned(), Some(path.clone())));
        if followed != &same_site || browser[path.as_str()] != same_site {
            failures.push(format!(
                "{next:?} -> {path:?}: the browser follows {followed:?}, and {:?} for the path",
                browser[path.as_str()]
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{} targets, {} accepted, {off_site_refused} refused that a browser would follow off the site",
        inputs.len(),
        accepted.len()
    );
    assert!(off_site_refused > 1000, "the combinations lost their teeth");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever comes in, what goes out is a header value, a single-slash path, and accepted
    /// again unchanged.
    #[test]
    fn any_input_gives_a_stable_same_site_path(
        next in "(/|\\\\|%2[fF5]|%5[cC]|%0[9aAdD]|%25|\\.|\\?|#|@|:|[a-z]|[\\x00-\\x20]|\\PC){0,12}"
    ) {
        let path = safe_redirect_path(Some(&next), "/private");
        prop_assert!(is_header_value(&path), "{:?} -> {:?}", next, path);
        prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{:?} -> {:?}", next, path);
        prop_assert_eq!(same_origin_path(&path), Ok(path.clone()), "{:?}", next);
    }
}
