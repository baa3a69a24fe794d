//! The conformance suite every framework adapter passes: one set of scenarios, written once
//! against a tiny "send this request, give me the response" trait ([`App`]), run against an app
//! built with each adapter and the local Auth server.
//!
//! An adapter's test builds a small app serving the routes of [`routes`] with the shared
//! handler logic of [`handlers`] behind its middleware with a given CSRF guard, implements
//! [`App`] for it (about 30 lines), and instantiates every scenario with
//! [`conformance_tests!`](crate::conformance_tests).
#![allow(
    clippy::missing_panics_doc,
    reason = "scenarios report failures by panicking"
)]

pub mod caching;
pub mod csrf;
pub mod faults;
pub mod flood;
pub mod handlers;
mod harness;
pub mod hostile;
pub mod json;
pub mod mfa;
pub mod next_param;
pub mod redaction;
pub mod scenarios;
pub mod signed_out;
pub mod soak;
pub mod spans;
pub mod subject;

pub use harness::{App, EMAIL, Harness, TestRequest, TestResponse, jar_holding};

/// The routes a conformance app serves, with the handler logic each one runs.
pub mod routes {
    /// `GET`: requires verified claims (the adapter's claims extractor); answers
    /// [`claims_body`](super::handlers::claims_body).
    pub const CLAIMS: &str = "/claims";
    /// `GET`: optional claims; answers [`optional_body`](super::handlers::optional_body).
    pub const OPTIONAL: &str = "/optional";
    /// `GET`: answers the `Cookie` header(s) the handler sees, joined with `; `.
    pub const COOKIE_HEADER: &str = "/cookie-header";
    /// `GET`: sets `Cache-Control: public, max-age=600` and answers `ok`.
    pub const PUBLIC_CACHE: &str = "/public-cache";
    /// `GET`: optional claims, answered like [`OPTIONAL`], with the handler's own
    /// `Cache-Control` ([`OWN_CACHE_CONTROL`](super::handlers::OWN_CACHE_CONTROL)) and `Vary`
    /// ([`OWN_VARY`](super::handlers::OWN_VARY)).
    pub const CLAIMS_OWN_CACHE: &str = "/claims-own-cache";
    /// `GET`: goes through the framework's error path with status 500 (an `Err` where the
    /// framework has one).
    pub const FAIL: &str = "/fail";
    /// `POST` JSON `{"email","password"}`: [`sign_in`](super::handlers::sign_in).
    pub const SIGN_IN: &str = "/sign-in";
    /// `POST`: [`sign_out`](super::handlers::sign_out).
    pub const SIGN_OUT: &str = "/sign-out";
    /// `GET`: a static asset the default path filter skips; answers `client` or `no client`
    /// depending on whether the adapter's per-request client is present.
    pub const STATIC_ASSET: &str = "/static/logo.png";
    /// `GET`: a path the default path filter skips (so the middleware does not handle it),
    /// served with the adapter's optional-claims extractor for pages open to everyone
    /// (`MaybeAuthenticated`; the tower app reads the client with `request_client`). It must
    /// answer `500` with [`MISSING_MIDDLEWARE`](supabase_ssr_core::proxy::MISSING_MIDDLEWARE),
    /// never treat the visitor as anonymous; handlers answer
    /// [`optional_body`](super::handlers::optional_body) otherwise.
    pub const OPTIONAL_UNHANDLED: &str = "/unhandled/optional.js";
    /// `GET`: like [`OPTIONAL_UNHANDLED`], served with `Option<Authenticated>` (the tower app:
    /// `request_client(..).ok()`). The frameworks' `Option<T>` extractors turn every failure
    /// into `None`, so every adapter answers the same: `anonymous` (the mistake is logged).
    pub const OPTION_UNHANDLED: &str = "/unhandled/option.js";
    /// `GET`: requires `aal2` under auth-js's rule (the adapter's `Aal2`; the tower app:
    /// `require_aal2(accept, Aal2Policy::NextLevel)`); answers
    /// [`aal_body`](super::handlers::aal_body).
    pub const AAL2: &str = "/aal2";
    /// `GET`: requires `aal2` of every user (the adapter's `StrictAal2`; the tower app:
    /// `Aal2Policy::Strict`); answers [`aal_body`](super::handlers::aal_body).
    pub const STRICT_AAL2: &str = "/aal2/strict";
    /// `GET`: the adapter's `Authenticated` given to the framework's JSON responder as it is
    /// (axum `Json(user)`); answers the claims object.
    pub const CLAIMS_JSON: &str = "/claims.json";
    /// `GET`: the adapter's `MaybeAuthenticated` given to the framework's JSON responder;
    /// answers the claims object, or `null` for an anonymous visitor.
    pub const MAYBE_JSON: &str = "/maybe.json";
}

/// Instantiates every conformance scenario as its own test.
///
/// `$make` is a `fn(supabase_ssr_core::Supabase) -> impl App` (the middleware with its default
/// CSRF guard), `$make_guarded` a `fn(Supabase, supabase_ssr_core::proxy::CsrfGuard) -> impl
/// App` (the middleware with that guard); `$attr` the test attribute of the framework's runtime
/// (e.g. `tokio::test`, `actix_web::test`).
#[macro_export]
macro_rules! conformance_tests {
    ($make:path, $make_guarded:path, $attr:meta) => {
        $crate::conformance_tests!(@each $make, $attr,
            no_cookie,
            valid_plain_session,
            valid_chunked_session_written_by_js,
            expiring_session_is_refreshed_before_the_handler,
            no_store_wins_over_the_handlers_cache_control,
            cookies_survive_an_error_response,
            terminal_refresh_error_deletes_every_chunk,
            transient_refresh_error_deletes_nothing,
            refresh_timeout_deletes_nothing,
            tampered_signature_is_401_and_deletes_nothing,
            sign_in_in_a_handler_sets_cookies,
            sign_out_deletes_every_chunk_at_both_scopes,
            concurrent_requests_share_one_refresh,
            two_cookie_header_lines,
            skipped_path_does_no_auth_work,
            optional_claims_without_the_middleware_are_a_500,
            option_claims_without_the_middleware_are_none,
            hostile_input_catalogue,
        );
        $crate::conformance_tests!(@each_in faults, $make, $attr,
            token_endpoint_faults,
            jwks_endpoint_faults,
            token_endpoint_rate_limit,
        );
        $crate::conformance_tests!(@each_in flood, $make, $attr, failure_flood);
        $crate::conformance_tests!(@each_in soak, $make, $attr, soak);
        $crate::conformance_tests!(@each_in csrf, $make_guarded, $attr,
            cross_site_posts_are_refused_before_the_handler,
            same_origin_and_non_browser_posts_are_served,
            allow_listed_origins_are_served,
            guard_off_and_safe_methods_are_served,
        );
        $crate::conformance_tests!(@each_in caching, $make, $attr,
            reading_claims_makes_the_response_private,
            the_handlers_cache_control_is_kept_and_vary_merged,
            a_handler_that_reads_nothing_gets_no_cache_headers,
            signing_in_is_still_no_store,
        );
        $crate::conformance_tests!(@each_in subject, $make, $attr, a_token_without_sub_is_not_a_user);
        $crate::conformance_tests!(@each_in signed_out, $make, $attr,
            copied_cookies_are_refused_after_signing_out,
        );
        $crate::conformance_tests!(@each_in mfa, $make, $attr,
            aal1_with_a_verified_factor_must_step_up,
            aal2_sessions_pass,
            aal1_without_a_factor_passes_aal2_only,
            no_session_is_answered_as_by_authenticated,
            an_expired_aal2_token_refreshed_in_the_request_stays_aal2,
            unenrolling_a_factor_drops_the_session_to_aal1,
            a_cookie_without_its_factors_does_not_pass,
        );
        $crate::conformance_tests!(@each_in json, $make, $attr,
            the_extractors_serialize_as_the_claims_object,
        );
        $crate::conformance_tests!(@each_in next_param, $make, $attr,
            a_refused_navigation_carries_the_way_back,
            without_the_option_the_login_page_gets_no_parameter,
        );
        $crate::conformance_tests!(@each_in spans, $make, $attr,
            request_spans_record_the_session_and_nest_the_auth_calls,
        );
        $crate::conformance_tests!(@each_in spans, $make_guarded, $attr,
            a_refused_cross_site_request_is_recorded,
        );
    };
    (@each_in $module:ident, $make:path, $attr:meta, $($scenario:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $scenario() {
                $crate::conformance::$module::$scenario($make).await;
            }
        )*
    };
    (@each $make:path, $attr:meta, $($scenario:ident),* $(,)?) => {
        $(
            #[$attr]
            async fn $scenario() {
                $crate::conformance::scenarios::$scenario($make).await;
            }
        )*
    };
}
