//! The query string as `URLSearchParams` keeps it: an ordered list of pairs where `set`
//! replaces the first pair of a name in place and drops the others, and `append` adds at the
//! end. postgrest-js builds its URLs this way, so the order of pairs (and the bytes sent) only
//! match it if the same rules apply here.

/// Ordered name/value pairs of a query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    /// Adds a pair at the end (`URLSearchParams.append`).
    pub(crate) fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Replaces the value of the first pair named `name` and removes the others, or appends
    /// (`URLSearchParams.set`).
    pub(crate) fn set(&mut self, name: &str, value: impl Into<String>) {
        let value = value.into();
        match self.0.iter().position(|(n, _)| n == name) {
            Some(first) => {
                self.0[first].1 = value;
                let mut index = 0;
                self.0.retain(|(n, _)| {
                    let keep = index <= first || n != name;
                    index += 1;
                    keep
                });
            }
            None => self.0.push((name.to_owned(), value)),
        }
    }

    /// The value of the first pair named `name` (`URLSearchParams.get`).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Puts `other`'s pairs before these ones.
    pub(crate) fn prepend(&mut self, other: Params) {
        let mut all = other.0;
        all.append(&mut self.0);
        self.0 = all;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_keeps_the_position_of_the_first_pair_and_drops_the_rest() {
        let mut params = Params::default();
        params.append("limit", "5");
        params.append("a", "1");
        params.append("limit", "6");
        params.set("limit", "10");
        let pairs: Vec<_> = params.pairs().collect();
        assert_eq!(pairs, [("limit", "10"), ("a", "1")]);
        params.set("offset", "0");
        assert_eq!(params.get("offset"), Some("0"));
    }
}
