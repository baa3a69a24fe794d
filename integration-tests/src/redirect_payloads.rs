//! The open-redirect payload table (`js/redirect-payloads.json`): untrusted `next` values and
//! what `supabase_ssr_core::redirect::same_origin_path` must make of them. Read by the core's
//! tests, the example site's tests and the browser suite (every example server), so all of
//! them check the same payloads.

use serde::Deserialize;

/// The table, compiled in.
const TABLE: &str = include_str!("../js/redirect-payloads.json");

/// One untrusted `next` value and its expected fate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectPayload {
    /// The value, as the query-string parser hands it to the application.
    pub next: String,
    /// `Ok(path)`: the path returned; `Err(reason)`: the `UnsafeRedirect` variant's name.
    pub expected: Result<String, String>,
    /// Why the case is there, when it is not obvious.
    pub note: Option<String>,
}

impl RedirectPayload {
    /// Where a route that defaults to `default` must redirect for this value.
    pub fn location(&self, default: &str) -> String {
        self.expected.clone().unwrap_or_else(|_| default.to_owned())
    }
}

#[derive(Deserialize)]
struct Table {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    next: String,
    /// Appends this many `a` (for inputs too long to write out).
    #[serde(default)]
    pad: usize,
    expect: Option<String>,
    refused: Option<String>,
    note: Option<String>,
}

/// Every case of the table. A malformed table (or a case with both or neither of `expect` and
/// `refused`) is an error.
pub fn redirect_payloads() -> Result<Vec<RedirectPayload>, serde_json::Error> {
    use serde::de::Error as _;
    let table: Table = serde_json::from_str(TABLE)?;
    table
        .cases
        .into_iter()
        .map(|case| {
            let expected = match (case.expect, case.refused) {
                (Some(path), None) => Ok(path),
                (None, Some(reason)) => Err(reason),
                _ => {
                    let why = format!("{:?} needs exactly one of expect, refused", case.next);
                    return Err(serde_json::Error::custom(why));
                }
            };
            Ok(RedirectPayload {
                next: format!("{}{}", case.next, "a".repeat(case.pad)),
                expected,
                note: case.note,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_table_parses_and_is_mostly_hostile() {
        let cases = super::redirect_payloads().unwrap();
        let hostile = cases.iter().filter(|c| c.expected.is_err()).count();
        assert!(hostile >= 30, "{hostile} hostile payloads");
        assert!(cases.iter().any(|c| c.next.len() > 2048));
    }
}
