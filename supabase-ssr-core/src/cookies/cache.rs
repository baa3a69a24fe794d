//! Which caching headers a response gets, so no shared cache (CDN, proxy) stores one user's
//! session or page and serves it to another.
//!
//! - A response that writes an auth cookie gets the three no-store headers, replacing whatever
//!   the handler set (spec §7, as `@supabase/ssr`).
//! - A response that writes none, but was rendered from the user's session (the handler read
//!   the session or claims, or called the Data API, Storage or Functions as the user), gets
//!   `Cache-Control: private` unless the handler chose its own `Cache-Control`, and `Cookie` in
//!   its `Vary`.
//! - Any other response is left alone.

use std::borrow::Cow;

/// The cache headers every response that writes an auth cookie must carry, so no shared cache
/// stores one user's session and hands it to another (spec §7).
pub const CACHE_HEADERS: [(&str, &str); 3] = [
    (
        "Cache-Control",
        "private, no-cache, no-store, must-revalidate, max-age=0",
    ),
    ("Expires", "0"),
    ("Pragma", "no-cache"),
];

/// The `Cache-Control` of a response rendered from the user's session that writes no cookie
/// and set none of its own.
pub const PRIVATE_CACHE_CONTROL: &str = "private";

/// The headers to set, each replacing the response's header of that name.
pub(super) fn cache_headers(
    writes_cookies: bool,
    session_read: bool,
    cache_control: Option<&str>,
    vary: &[&str],
) -> Vec<(&'static str, Cow<'static, str>)> {
    if writes_cookies {
        return CACHE_HEADERS
            .iter()
            .map(|&(name, value)| (name, Cow::Borrowed(value)))
            .collect();
    }
    let mut headers = Vec::new();
    if !session_read {
        return headers;
    }
    if cache_control.is_none() {
        headers.push(("Cache-Control", Cow::Borrowed(PRIVATE_CACHE_CONTROL)));
    }
    if let Some(merged) = vary_with_cookie(vary) {
        headers.push(("Vary", Cow::Owned(merged)));
    }
    headers
}

/// The handler's `Vary` values (one per header line) with `Cookie` added, or `None` when it is
/// already there or the handler set `Vary: *` (which already varies on everything).
fn vary_with_cookie(vary: &[&str]) -> Option<String> {
    let fields: Vec<&str> = vary
        .iter()
        .flat_map(|line| line.split(','))
        .map(str::trim)
        .filter(|field| !field.is_empty())
        .collect();
    if fields
        .iter()
        .any(|f| *f == "*" || f.eq_ignore_ascii_case("cookie"))
    {
        return None;
    }
    let mut merged = fields.join(", ");
    if !merged.is_empty() {
        merged.push_str(", ");
    }
    merged.push_str("Cookie");
    Some(merged)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(
        writes: bool,
        read: bool,
        cache_control: Option<&str>,
        vary: &[&str],
    ) -> Vec<(&'static str, String)> {
        cache_headers(writes, read, cache_control, vary)
            .into_iter()
            .map(|(n, v)| (n, v.into_owned()))
            .collect()
    }

    #[test]
    fn cookies_written_means_no_store_whatever_the_handler_set() {
        let set = headers(true, true, Some("public, max-age=600"), &["Cookie"]);
        assert_eq!(set.len(), 3);
        assert_eq!(set[0], ("Cache-Control", CACHE_HEADERS[0].1.to_owned()));
        assert_eq!(headers(true, false, None, &[]).len(), 3);
    }

    #[test]
    fn a_response_that_read_nothing_is_left_alone() {
        assert!(headers(false, false, None, &[]).is_empty());
        assert!(headers(false, false, Some("public"), &["Accept"]).is_empty());
    }

    #[test]
    fn a_personalised_response_is_private_and_varies_on_cookie() {
        assert_eq!(
            headers(false, true, None, &[]),
            [
                ("Cache-Control", "private".to_owned()),
                ("Vary", "Cookie".to_owned())
            ]
        );
    }

    #[test]
    fn the_handlers_cache_control_is_kept_and_its_vary_merged() {
        assert_eq!(
            headers(
                false,
                true,
                Some("max-age=60"),
                &["Accept-Encoding", " Accept-Language ,"]
            ),
            [(
                "Vary",
                "Accept-Encoding, Accept-Language, Cookie".to_owned()
            )]
        );
        // Already there (any case), or `*`: nothing to add.
        for vary in [
            &["accept, cookie"][..],
            &["Accept", "COOKIE"],
            &["*"],
            &["Accept, *"],
        ] {
            assert_eq!(
                headers(false, true, None, vary),
                [("Cache-Control", "private".to_owned())],
                "{vary:?}"
            );
        }
        // An empty Cache-Control is still the handler's choice.
        assert_eq!(
            headers(false, true, Some(""), &[""]),
            [("Vary", "Cookie".to_owned())]
        );
    }
}
