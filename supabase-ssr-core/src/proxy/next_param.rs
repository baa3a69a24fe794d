//! The way back after signing in: the request's own path, carried as a query parameter on the
//! `303` to the login (or MFA) page when
//! [`SupabaseBuilder::login_next_param`](crate::SupabaseBuilder::login_next_param) is set.
//!
//! The request target is the client's: it is put on the page only once
//! [`same_origin_path`](crate::redirect::same_origin_path) accepts it, so a target such as
//! `//evil.example` (or an absolute-form `http://evil.example/`) never becomes a link the login
//! page would follow off the site.

use url::form_urlencoded;

use crate::config::ConfigError;
use crate::redirect::same_origin_path;

/// Checks a parameter name given to the builder: non-empty, and written as it is sent (the
/// characters a query string carries unencoded: ASCII letters, digits, `-`, `.`, `_`, `*`).
pub(crate) fn validate_name(name: &str) -> Result<(), ConfigError> {
    let plain = !name.is_empty()
        && form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>() == name;
    if plain {
        Ok(())
    } else {
        Err(ConfigError::InvalidLoginNextParam {
            name: name.to_owned(),
        })
    }
}

/// `page` with `name=<target>` appended to its query, or `None` when `target` is not a path on
/// this site (it is then dropped, never passed on).
pub(crate) fn page_with_target(page: &str, name: &str, target: &str) -> Option<String> {
    let path = match same_origin_path(target) {
        Ok(path) => path,
        Err(reason) => {
            // The reason only: the target is the client's and may be huge.
            tracing::debug!(%reason, "not carrying the request target to the login page");
            return None;
        }
    };
    let (before_fragment, fragment) = match page.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (page, None),
    };
    let separator = match before_fragment.split_once('?') {
        None => "?",
        Some((_, "")) => "",
        Some((_, query)) if query.ends_with('&') => "",
        Some(_) => "&",
    };
    let value: String = form_urlencoded::byte_serialize(path.as_bytes()).collect();
    let mut location = format!("{before_fragment}{separator}{name}={value}");
    if let Some(fragment) = fragment {
        location.push('#');
        location.push_str(fragment);
    }
    Some(location)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_and_query_are_percent_encoded_onto_the_page() {
        assert_eq!(
            page_with_target("/login", "next", "/private/notes?tab=2&q=a b").as_deref(),
            Some("/login?next=%2Fprivate%2Fnotes%3Ftab%3D2%26q%3Da%2520b")
        );
        assert_eq!(
            page_with_target("/login?lang=fr", "next", "/private").as_deref(),
            Some("/login?lang=fr&next=%2Fprivate")
        );
        assert_eq!(
            page_with_target("/login?", "next", "/private").as_deref(),
            Some("/login?next=%2Fprivate")
        );
        assert_eq!(
            page_with_target("/login#form", "return_to", "/private").as_deref(),
            Some("/login?return_to=%2Fprivate#form")
        );
        // Dot segments are resolved, as the browser would after signing in.
        assert_eq!(
            page_with_target("/login", "next", "/a/../private").as_deref(),
            Some("/login?next=%2Fprivate")
        );
    }

    #[test]
    fn hostile_request_targets_carry_no_parameter() {
        for target in [
            "//evil.example",
            "//evil.example/private",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2F/evil.example",
            "/%5Cevil.example",
            "/.//evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/private\r\nSet-Cookie: x=1",
            "/%0d%0aSet-Cookie:%20x=1",
            "http://evil.example/private",
            "https://evil.example/",
            "HTTP://evil.example",
            "evil.example:443",
            "*",
            "javascript:alert(1)",
            "",
            "/\u{202E}elgoog",
        ] {
            assert_eq!(
                page_with_target("/login", "next", target),
                None,
                "{target:?} must carry no parameter"
            );
        }
        let long = format!("/{}", "a".repeat(crate::redirect::MAX_TARGET_LEN));
        assert_eq!(page_with_target("/login", "next", &long), None);
    }

    #[test]
    fn names_must_be_sent_as_written() {
        for name in ["next", "return_to", "redirect-to", "r.2", "N*"] {
            assert_eq!(validate_name(name), Ok(()), "{name:?}");
        }
        for name in ["", "the next", "next=", "a&b", "café", "a/b", "x\n"] {
            assert!(
                matches!(
                    validate_name(name),
                    Err(ConfigError::InvalidLoginNextParam { .. })
                ),
                "{name:?}"
            );
        }
    }
}
