//! With no subscriber in the process, the request span costs a level check: it is
//! `Span::none()` (nothing allocated) and recording into it does nothing.
//!
//! Its own test binary: a subscriber installed by any other test of the process (even on
//! another thread, even scoped) changes what the span's callsite is interested in.

use supabase_ssr_core::proxy::RequestSpan;

#[test]
fn without_a_subscriber_the_request_span_is_disabled() {
    let span = RequestSpan::new("GET", "/");
    assert!(span.span().is_disabled());
    assert!(span.span().id().is_none());
    span.record_skipped();
    assert!(span.span().is_disabled());
}
