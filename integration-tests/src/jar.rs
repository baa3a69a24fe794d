//! A browser's cookie jar, for tests that play several requests in a row.

use std::collections::BTreeMap;

/// Cookies as a browser keeps them for one site: applies `Set-Cookie` values (deletions
/// included) and produces the `Cookie` header of the next request.
///
/// It keys cookies by name, as a browser does for one host and path; the `Domain` attribute is
/// recorded so tests can check it, not used for matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrowserJar {
    cookies: BTreeMap<String, String>,
}

impl BrowserJar {
    /// An empty jar.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies `Set-Cookie` header values in order. A value that does not parse is ignored, as
    /// a browser would.
    pub fn apply<S: AsRef<str>>(&mut self, set_cookies: impl IntoIterator<Item = S>) {
        for set_cookie in set_cookies {
            let Ok(cookie) = cookie::Cookie::parse(set_cookie.as_ref().to_owned()) else {
                continue;
            };
            let expired = cookie
                .max_age()
                .is_some_and(|age| age <= cookie::time::Duration::ZERO);
            if expired || cookie.value().is_empty() {
                self.cookies.remove(cookie.name());
            } else {
                self.cookies
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    /// Sets one cookie as if the browser had received it (raw, already encoded value).
    pub fn insert(&mut self, name: impl Into<String>, raw_value: impl Into<String>) {
        self.cookies.insert(name.into(), raw_value.into());
    }

    /// The `Cookie` header the browser sends (empty when the jar is empty).
    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The raw value of a cookie.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// The raw values of the cookies held, in the order of their names.
    pub fn values(&self) -> Vec<&str> {
        self.cookies.values().map(String::as_str).collect()
    }

    /// The names of the cookies held, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.cookies.keys().map(String::as_str).collect()
    }

    /// Whether the jar holds no cookie whose name starts with `prefix`.
    pub fn has_none_starting_with(&self, prefix: &str) -> bool {
        !self.cookies.keys().any(|name| name.starts_with(prefix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletions_remove_and_sets_replace() {
        let mut jar = BrowserJar::new();
        jar.apply(["a=1; Path=/", "b=2; Max-Age=100"]);
        jar.apply(["a=; Max-Age=0", "b=3"]);
        assert_eq!(jar.header(), "b=3");
    }
}
