//! Reading the `Cookie` request header the way `@supabase/ssr`'s `parseCookieHeader` does.
//!
//! This is written out instead of using `cookie::Cookie::split_parse_encoded` because that
//! parser differs from the JS one on inputs the vectors pin (spec §18): it rejects empty names,
//! drops a cookie whose value is not valid percent-encoding (JS keeps the raw text) and trims
//! all Unicode whitespace (JS trims only spaces and tabs). Reading a cookie the JS library would
//! read is the point of this crate, so the JS rules are followed here.

use std::collections::HashSet;

use percent_encoding::percent_decode_str;

/// One cookie of a request: its name and its percent-decoded value.
///
/// `Debug` shows the value's length, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestCookie {
    /// The cookie name, as sent.
    pub name: String,
    /// The value, percent-decoded when it holds a `%` and decodes to UTF-8, else as sent.
    pub value: String,
}

impl std::fmt::Debug for RequestCookie {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestCookie")
            .field("name", &self.name)
            .field("value", &crate::redact::RedactedLen(self.value.len()))
            .finish()
    }
}

/// Parses one `Cookie` header value.
///
/// Pairs are split at `;` and at their first `=`; pairs without `=` are skipped; names and
/// values are trimmed of spaces and tabs only; quotes are kept; the first of duplicate names
/// wins; names that look like array indices (`2`, `10`) come first in numeric order, as the
/// keys of the JS object the library builds do.
///
/// ```
/// use supabase_ssr_core::cookies::parse_cookie_header;
///
/// let cookies = parse_cookie_header("a=b; c=%20hello%20; a=ignored");
/// assert_eq!(cookies[0].name, "a");
/// assert_eq!(cookies[1].value, " hello ");
/// assert_eq!(cookies.len(), 2);
/// ```
pub fn parse_cookie_header(header: &str) -> Vec<RequestCookie> {
    parse_cookie_headers(std::iter::once(header))
}

/// Parses every `Cookie` header line of a request (HTTP/2 may send several) as if they were one
/// header joined with `; `.
pub fn parse_cookie_headers<'a>(headers: impl IntoIterator<Item = &'a str>) -> Vec<RequestCookie> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut cookies = Vec::new();
    for (name, value) in headers.into_iter().flat_map(pairs) {
        if seen.insert(name) {
            cookies.push(RequestCookie {
                name: name.to_owned(),
                value: decode_value(value),
            });
        }
    }
    if cookies.iter().any(|c| is_array_index(&c.name)) {
        order_like_js_object_keys(&mut cookies);
    }
    cookies
}

/// The raw value (trimmed, not percent-decoded) of the first cookie named `name`, read the way
/// [`parse_cookie_headers`] reads them, without parsing the others.
pub(crate) fn find_cookie<'a>(
    headers: impl IntoIterator<Item = &'a str>,
    name: &str,
) -> Option<&'a str> {
    headers
        .into_iter()
        .flat_map(pairs)
        .find_map(|(n, value)| (n == name).then_some(value))
}

/// The `name=value` pairs of one header line, trimmed; pairs without `=` are skipped.
fn pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    // `cookie.parse` returns nothing for strings shorter than a name plus `=`.
    let header = if header.len() < 2 { "" } else { header };
    // memchr's vectorised search: a session cookie is kilobytes long, and `str::split` scans it
    // a word at a time.
    memchr::memchr_iter(b';', header.as_bytes())
        .chain([header.len()])
        .scan(0, move |start, end| {
            let pair = &header[*start..end];
            *start = end + 1;
            Some(pair)
        })
        .filter_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            Some((trim_spaces_and_tabs(name), trim_spaces_and_tabs(value)))
        })
}

fn trim_spaces_and_tabs(s: &str) -> &str {
    s.trim_matches([' ', '\t'])
}

/// `decodeURIComponent` when the value holds a `%`; the raw text when that fails.
fn decode_value(value: &str) -> String {
    if memchr::memchr(b'%', value.as_bytes()).is_none() {
        return value.to_owned();
    }
    match percent_decode_str(value).decode_utf8() {
        Ok(decoded) if !has_malformed_escape(value) => decoded.into_owned(),
        _ => value.to_owned(),
    }
}

/// `decodeURIComponent` throws on a `%` not followed by two hex digits, where the
/// `percent-encoding` crate passes it through.
fn has_malformed_escape(value: &str) -> bool {
    let bytes = value.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| {
        *b == b'%'
            && !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
    })
}

/// A canonical array index: the decimal form of an integer below 2³² − 1 without leading zeros.
fn is_array_index(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_digit())
        && (name == "0" || !name.starts_with('0'))
        && name.parse::<u32>().is_ok_and(|n| n != u32::MAX)
}

fn order_like_js_object_keys(cookies: &mut [RequestCookie]) {
    cookies.sort_by_key(|c| {
        if is_array_index(&c.name) {
            (0, c.name.parse::<u32>().unwrap_or(u32::MAX))
        } else {
            (1, 0)
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(header: &str) -> Vec<(String, String)> {
        parse_cookie_header(header)
            .into_iter()
            .map(|c| (c.name, c.value))
            .collect()
    }

    #[test]
    fn several_header_lines_read_as_one() {
        let cookies = parse_cookie_headers(["a=1; b=2", "c=3; a=4"]);
        let names: Vec<_> = cookies.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(cookies[0].value, "1");
    }

    #[test]
    fn malformed_escapes_keep_the_raw_value() {
        assert_eq!(pairs("a=%zz%41"), [("a".into(), "%zz%41".into())]);
        assert_eq!(pairs("a=%4"), [("a".into(), "%4".into())]);
        assert_eq!(pairs("a=%41"), [("a".into(), "A".into())]);
    }

    proptest::proptest! {
        /// The shortcut the session read takes must see exactly what the full parse sees.
        #[test]
        fn finding_one_cookie_agrees_with_parsing_them_all(
            lines in proptest::collection::vec("[ a-c=;%\t.0-9]{0,24}", 0..4),
            name in "[a-c0-9]{0,2}(\\.[0-9])?",
        ) {
            let parsed = parse_cookie_headers(lines.iter().map(String::as_str));
            let expected = parsed.iter().find(|c| c.name == name).map(|c| c.value.clone());
            match find_cookie(lines.iter().map(String::as_str), &name) {
                Some(raw) if !raw.contains('%') => {
                    proptest::prop_assert_eq!(Some(raw.to_owned()), expected);
                }
                Some(_) => proptest::prop_assert!(expected.is_some()),
                None => proptest::prop_assert_eq!(None, expected),
            }
        }
    }

    #[test]
    fn a_lone_equals_sign_is_not_a_cookie() {
        assert!(pairs("=").is_empty());
        assert_eq!(pairs("=b"), [(String::new(), "b".into())]);
    }
}
