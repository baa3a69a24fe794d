//! Headers given with [`FilterBuilder::set_header`](super::FilterBuilder::set_header): kept by
//! name as `Headers.set` keeps them (one value per name, names case-insensitive), and shown in
//! `Debug` without their values, since a per-request `Authorization` or `apikey` is a secret.

use std::fmt;

use crate::redact::RedactedLen;

/// The headers the builder itself writes: their values are the query's shape, never a secret.
const BUILDER_HEADERS: [&str; 5] = [
    "accept",
    "accept-profile",
    "content-profile",
    "content-type",
    "prefer",
];

/// Name/value pairs, one per case-insensitive name, in the order first set.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct ExtraHeaders(Vec<(String, String)>);

impl ExtraHeaders {
    /// Replaces the value of `name`, or adds it (`Headers.set`).
    pub(crate) fn set(&mut self, name: &str, value: &str) {
        match self
            .0
            .iter_mut()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
        {
            Some(pair) => value.clone_into(&mut pair.1),
            None => self.0.push((name.to_owned(), value.to_owned())),
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }
}

impl fmt::Debug for ExtraHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        RedactedHeaders(&self.0).fmt(f)
    }
}

/// Headers in `Debug`: the builder's own with their values, any other with its length only.
pub(crate) struct RedactedHeaders<'a>(pub(crate) &'a [(String, String)]);

impl fmt::Debug for RedactedHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if BUILDER_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                map.entry(name, value);
            } else {
                map.entry(name, &RedactedLen(value.len()));
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_replaces_by_case_insensitive_name_and_debug_hides_other_values() {
        let mut headers = ExtraHeaders::default();
        headers.set("X-Trace", "a");
        headers.set("Authorization", "Bearer secret-token");
        headers.set("x-trace", "b");
        let pairs: Vec<_> = headers.iter().collect();
        assert_eq!(
            pairs,
            [("X-Trace", "b"), ("Authorization", "Bearer secret-token")]
        );
        let shown = format!("{headers:?}");
        assert!(!shown.contains("secret-token"), "{shown}");
        assert!(shown.contains("Authorization"), "{shown}");
    }
}
