//! A function's URL from its name. functions-js pastes the name after `/functions/v1/`, so a
//! name with `..` segments, a `?` or a `#` reaches another endpoint; here such a name is refused
//! before any request. Slashes stay allowed: a function may route sub-paths (`hello/users/1`).

use super::error::FunctionsError;

/// `<project>/functions/v1/<name>`, encoded as functions-js's `new URL(...)` encodes it (the
/// `url` crate follows the same WHATWG URL rules), or why `name` is refused.
pub(crate) fn function_url(base: &url::Url, name: &str) -> Result<url::Url, FunctionsError> {
    let refuse = |reason| {
        Err(FunctionsError::InvalidName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return refuse("it is empty");
    }
    if name.contains(['?', '#']) {
        return refuse("`?` and `#` would start a query or a fragment");
    }
    // WHATWG URLs read `\` as `/` and drop tabs and newlines: what is checked below must be
    // what is sent.
    if name.contains('\\') {
        return refuse("`\\` is read as a path separator");
    }
    if name.chars().any(char::is_control) {
        return refuse("it contains a control character");
    }
    if name.split('/').any(is_dot_segment) {
        return refuse("`.` and `..` segments would leave /functions/v1/");
    }
    let prefix = format!("{}functions/v1/", base.path());
    let url = base
        .join(&format!("functions/v1/{name}"))
        .or_else(|_| refuse("it does not make a valid URL"))?;
    // Belt and braces: whatever the checks above missed must still land under the prefix.
    if !url.path().starts_with(&prefix) || url.query().is_some() || url.fragment().is_some() {
        return refuse("it would leave /functions/v1/");
    }
    Ok(url)
}

/// `.` or `..`, also percent-encoded (`%2e`, `.%2E`…), which URL parsers resolve the same way.
fn is_dot_segment(segment: &str) -> bool {
    let lower = segment.to_ascii_lowercase();
    let dots = lower.replace("%2e", ".");
    dots == "." || dots == ".."
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(name: &str) -> Result<String, &'static str> {
        let base = url::Url::parse("https://abc.supabase.co/").unwrap();
        function_url(&base, name)
            .map(|url| url.to_string())
            .map_err(|error| match error {
                FunctionsError::InvalidName { reason, .. } => reason,
                other => panic!("{other:?}"),
            })
    }

    #[test]
    fn names_and_sub_paths_are_encoded_as_urls_are() {
        assert_eq!(
            url("hello").unwrap(),
            "https://abc.supabase.co/functions/v1/hello"
        );
        assert_eq!(
            url("hello/users/1").unwrap(),
            "https://abc.supabase.co/functions/v1/hello/users/1"
        );
        // As `new URL` encodes them (space, quote, `<>`, backtick, `{}`), `%` kept.
        assert_eq!(
            url("a b\"<>`{}%41é").unwrap(),
            "https://abc.supabase.co/functions/v1/a%20b%22%3C%3E%60%7B%7D%41%C3%A9"
        );
        assert_eq!(
            url("..hidden/a.b").unwrap(),
            "https://abc.supabase.co/functions/v1/..hidden/a.b"
        );
    }

    #[test]
    fn names_leaving_the_functions_path_are_refused() {
        for name in [
            "..",
            "../rest/v1/todos",
            "a/../../auth/v1/user",
            "a/.",
            "./a",
            "%2e%2E/x",
            ".%2e",
            "%2E",
            "a?b=1",
            "a#frag",
            "a\\..\\b",
            "a\tb",
            "a\nb",
            "",
        ] {
            assert!(url(name).is_err(), "{name:?} was accepted");
        }
    }

    #[test]
    fn a_project_url_with_a_path_keeps_it() {
        let base = url::Url::parse("http://localhost:54321/project/").unwrap();
        assert_eq!(
            function_url(&base, "hello").unwrap().as_str(),
            "http://localhost:54321/project/functions/v1/hello"
        );
    }
}
