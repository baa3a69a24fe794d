//! Where to send the browser after a sign-in: an untrusted `next` parameter made into a path on
//! this site, so confirmation and callback routes cannot be used as open redirects.
//!
//! The Supabase SSR guide's `/auth/confirm` and `/auth/callback` routes redirect to a `next`
//! query parameter once the token is verified. An attacker controls that parameter (it sits in a
//! link they can send), and browsers are lenient about what they follow: they drop tabs and
//! newlines inside a URL, read `\` as `/`, take `//host` as another site and resolve `/.//host`
//! to `//host`. [`same_origin_path`] accepts only what stays on the site after all of that, and
//! returns it in the form the browser will follow; [`safe_redirect_path`] falls back to a
//! default instead.
//!
//! ```
//! use supabase_ssr_core::redirect::{safe_redirect_path, same_origin_path, UnsafeRedirect};
//!
//! // `?next=` as the query parser decoded it.
//! assert_eq!(safe_redirect_path(Some("/private?tab=1#top"), "/"), "/private?tab=1#top");
//! assert_eq!(safe_redirect_path(Some("/\t/evil.example"), "/private"), "/private");
//! assert_eq!(safe_redirect_path(Some("https://evil.example"), "/private"), "/private");
//! assert_eq!(safe_redirect_path(None, "/private"), "/private");
//!
//! // The reason, for callers that want it.
//! assert_eq!(same_origin_path("//evil.example"), Err(UnsafeRedirect::NotAPath));
//! assert_eq!(same_origin_path("/%2F/evil.example"), Err(UnsafeRedirect::NotAPath));
//! assert_eq!(same_origin_path("/.//evil.example"), Err(UnsafeRedirect::LeavesTheSite));
//! // Dot segments are resolved and non-ASCII is percent-encoded, as the browser would.
//! assert_eq!(same_origin_path("/a/../café").as_deref(), Ok("/caf%C3%A9"));
//! ```

use percent_encoding::percent_decode_str;
use url::{Position, Url};

/// The longest `next` accepted, in bytes: far above any real path, far below what servers and
/// browsers start refusing (a longer one is a probe, not a link).
pub const MAX_TARGET_LEN: usize = 2048;

/// How many layers of percent-encoding are looked through (`%2F`, `%252F`, `%25252F`); a target
/// still changing after that is refused.
const MAX_DECODE_ROUNDS: usize = 4;

/// The origin targets are resolved against. `.invalid` is reserved (RFC 2606): it can never be
/// a real site, and only its origin is compared.
const PLACEHOLDER_ORIGIN: &str = "https://same-origin.invalid/";

/// Why a redirect target was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UnsafeRedirect {
    /// The target is empty.
    #[error("the redirect target is empty")]
    Empty,
    /// The target is longer than [`MAX_TARGET_LEN`].
    #[error("the redirect target is longer than {MAX_TARGET_LEN} bytes")]
    TooLong,
    /// The target does not start with exactly one `/` (also once percent-decoded): an absolute
    /// URL (`https:`, `javascript:`), a scheme-relative `//host`, a relative path, `?query` or
    /// `#fragment`, or leading whitespace.
    #[error("the redirect target is not a path starting with a single `/`")]
    NotAPath,
    /// A control character (C0, DEL or C1: tab, CR and LF included), raw or percent-encoded.
    /// Browsers drop tabs and newlines inside URLs, which turns `/\t/host` into `//host`.
    #[error("the redirect target contains a control character")]
    ControlCharacter,
    /// A backslash, raw or percent-encoded: browsers read it as `/` in http(s) URLs.
    #[error("the redirect target contains a backslash")]
    Backslash,
    /// An invisible or bidirectional formatting character (such as U+202E, right-to-left
    /// override), which only serves to disguise where a link goes.
    #[error("the redirect target contains an invisible or bidirectional formatting character")]
    FormattingCharacter,
    /// A percent-encoded sequence that is not UTF-8 (overlong or truncated sequences).
    #[error("the redirect target's percent-encoding is not UTF-8")]
    InvalidEncoding,
    /// Still percent-encoded after several rounds of decoding.
    #[error("the redirect target is percent-encoded too many times")]
    TooDeeplyEncoded,
    /// Resolved as a browser would, the target is on another origin, or it serializes to a
    /// path that, sent alone or percent-decoded, reads as another host (`/.//host` resolves
    /// to `//host`, `/%2E/%2Fhost` to `/%2Fhost`).
    #[error("the redirect target leaves the site once resolved")]
    LeavesTheSite,
}

/// `next` as a path on this site (path, query and fragment), or `default` when `next` is
/// absent or refused by [`same_origin_path`].
///
/// `default` goes through the same check; should it fail too (a configuration mistake), `/` is
/// returned. The result is always a valid `Location` header value that a browser resolves to
/// this site.
///
/// ```
/// use supabase_ssr_core::redirect::safe_redirect_path;
///
/// assert_eq!(safe_redirect_path(Some("/account?tab=2"), "/private"), "/account?tab=2");
/// assert_eq!(safe_redirect_path(Some("/\\evil.example"), "/private"), "/private");
/// assert_eq!(safe_redirect_path(Some(""), "/private"), "/private");
/// assert_eq!(safe_redirect_path(None, "https://evil.example"), "/");
/// ```
pub fn safe_redirect_path(next: Option<&str>, default: &str) -> String {
    if let Some(next) = next {
        match same_origin_path(next) {
            Ok(path) => return path,
            // The reason only: the value is attacker-controlled and may be huge.
            Err(reason) => tracing::debug!(%reason, "refusing a redirect target"),
        }
    }
    same_origin_path(default).unwrap_or_else(|reason| {
        tracing::warn!(%reason, "the default redirect target is not a path on this site; using /");
        "/".to_owned()
    })
}

/// The path, query and fragment a browser follows for `next`, if that stays on this site.
///
/// `next` is the parameter as the query-string parser decoded it. It must start with a single
/// `/`, and neither it nor any percent-decoding of it (up to four layers, so `%252F` counts as
/// `/`) may hold a control character, a backslash, an invisible or bidirectional formatting
/// character, invalid UTF-8 or a leading `//`. It is then resolved against a placeholder origin
/// with the WHATWG URL parser browsers implement; the result must keep that origin and
/// serialize to a path that resolves to itself again. What is returned is that serialization:
/// dot segments resolved, spaces and non-ASCII percent-encoded — pure ASCII, a valid header
/// value.
///
/// ```
/// use supabase_ssr_core::redirect::{same_origin_path, UnsafeRedirect};
///
/// assert_eq!(same_origin_path("/a/b?c=%2F").as_deref(), Ok("/a/b?c=%2F"));
/// assert_eq!(same_origin_path("/%09/evil.example"), Err(UnsafeRedirect::ControlCharacter));
/// assert_eq!(same_origin_path("JaVaScRiPt:alert(1)"), Err(UnsafeRedirect::NotAPath));
/// ```
pub fn same_origin_path(next: &str) -> Result<String, UnsafeRedirect> {
    if next.is_empty() {
        return Err(UnsafeRedirect::Empty);
    }
    if next.len() > MAX_TARGET_LEN {
        return Err(UnsafeRedirect::TooLong);
    }
    check_every_decoding(next)?;
    let base = placeholder();
    let resolved = base.join(next).map_err(|_| UnsafeRedirect::NotAPath)?;
    if resolved.origin() != base.origin() {
        return Err(UnsafeRedirect::LeavesTheSite);
    }
    let path = &resolved[Position::BeforePath..];
    // `/.//host` and `/a/..//host` resolve to the path `//host`, and `/%2E/%2Fhost` (the parser
    // reads `%2E` as `.`) to `/%2Fhost`: fine inside a full URL, another host once sent alone or
    // decoded once more. The result passes every check the input did, and resolves to itself.
    let stable = base.join(path).ok().is_some_and(|again| again == resolved);
    if !stable || check_every_decoding(path).is_err() {
        return Err(UnsafeRedirect::LeavesTheSite);
    }
    // The URL serializer only emits visible ASCII; checked rather than assumed, because a
    // header value a framework rejects is a 500 after the one-time token was spent.
    if http::HeaderValue::from_str(path).is_err() {
        return Err(UnsafeRedirect::ControlCharacter);
    }
    Ok(path.to_owned())
}

fn placeholder() -> Url {
    #[allow(clippy::expect_used, reason = "a constant that parses")]
    Url::parse(PLACEHOLDER_ORIGIN).expect("the placeholder origin is a valid URL")
}

/// Checks `next` and each percent-decoding of it, until decoding changes nothing.
fn check_every_decoding(next: &str) -> Result<(), UnsafeRedirect> {
    let mut layer = std::borrow::Cow::Borrowed(next);
    for _ in 0..=MAX_DECODE_ROUNDS {
        check_layer(&layer)?;
        let decoded = percent_decode_str(&layer)
            .decode_utf8()
            .map_err(|_| UnsafeRedirect::InvalidEncoding)?;
        if decoded == layer {
            return Ok(());
        }
        layer = std::borrow::Cow::Owned(decoded.into_owned());
    }
    Err(UnsafeRedirect::TooDeeplyEncoded)
}

fn check_layer(layer: &str) -> Result<(), UnsafeRedirect> {
    if !is_single_slash_path(layer) {
        return Err(UnsafeRedirect::NotAPath);
    }
    for c in layer.chars() {
        if c.is_control() {
            return Err(UnsafeRedirect::ControlCharacter);
        }
        if c == '\\' {
            return Err(UnsafeRedirect::Backslash);
        }
        if is_formatting(c) {
            return Err(UnsafeRedirect::FormattingCharacter);
        }
    }
    Ok(())
}

/// Starts with `/` not followed by another `/` (or `\`, which browsers read as one).
fn is_single_slash_path(path: &str) -> bool {
    let mut bytes = path.bytes();
    bytes.next() == Some(b'/') && !matches!(bytes.next(), Some(b'/' | b'\\'))
}

/// Invisible and bidirectional formatting characters (Unicode `Cf` that reorder or hide text),
/// the line and paragraph separators, and the byte-order mark.
fn is_formatting(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_decoding_layer_is_checked() {
        assert_eq!(check_every_decoding("/a%252Fb"), Ok(()));
        assert_eq!(
            check_every_decoding("/%252F/evil"),
            Err(UnsafeRedirect::NotAPath)
        );
        assert_eq!(
            check_every_decoding("/x%25250A"),
            Err(UnsafeRedirect::ControlCharacter)
        );
        // `A` percent-encoded `n` times: `%41`, `%2541`, `%252541`, …
        let encoded = |n: usize| format!("/%{}41", "25".repeat(n - 1));
        assert_eq!(check_every_decoding(&encoded(MAX_DECODE_ROUNDS)), Ok(()));
        assert_eq!(
            check_every_decoding(&encoded(MAX_DECODE_ROUNDS + 1)),
            Err(UnsafeRedirect::TooDeeplyEncoded)
        );
    }

    #[test]
    fn a_bad_default_falls_back_to_the_root() {
        assert_eq!(safe_redirect_path(None, "//evil.example"), "/");
        assert_eq!(safe_redirect_path(Some("/\n"), "javascript:x"), "/");
        assert_eq!(safe_redirect_path(None, "/private"), "/private");
    }
}
