//! Filters and transforms of [`FilterBuilder`], each one query-string pair written exactly as
//! postgrest-js writes it (values are not escaped beyond what its methods do: a value holding
//! `PostgREST` syntax, like a comma inside `or`, is the caller's to quote).

use std::fmt::Display;

use crate::json::Json as Value;
use serde::Serialize;

use super::builder::{FilterBuilder, join_js, js_string};

/// Characters that end a value inside `in.(…)`; postgrest-js double-quotes values holding them.
const RESERVED_IN_LISTS: [char; 3] = [',', '(', ')'];

/// The parser [`FilterBuilder::text_search`] asks Postgres to use on the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextSearchType {
    /// `to_tsquery` (`fts`): the query is tsquery syntax.
    #[default]
    Tsquery,
    /// `plainto_tsquery` (`plfts`).
    Plain,
    /// `phraseto_tsquery` (`phfts`).
    Phrase,
    /// `websearch_to_tsquery` (`wfts`).
    Websearch,
}

/// How [`FilterBuilder::order`] sorts a column.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Order {
    ascending: bool,
    nulls_first: Option<bool>,
    referenced_table: Option<String>,
}

impl Order {
    /// Ascending, nulls where Postgres puts them (last).
    pub fn asc() -> Self {
        Self {
            ascending: true,
            nulls_first: None,
            referenced_table: None,
        }
    }

    /// Descending, nulls where Postgres puts them (first).
    pub fn desc() -> Self {
        Self {
            ascending: false,
            ..Self::asc()
        }
    }

    /// Nulls before other values.
    pub fn nulls_first(mut self) -> Self {
        self.nulls_first = Some(true);
        self
    }

    /// Nulls after other values.
    pub fn nulls_last(mut self) -> Self {
        self.nulls_first = Some(false);
        self
    }

    /// Orders the rows of an embedded (referenced) table instead of the top-level ones.
    pub fn referenced_table(mut self, table: impl Into<String>) -> Self {
        self.referenced_table = Some(table.into());
        self
    }
}

/// A value compared by `contains`, `contained_by` and `overlaps`, rendered like postgrest-js:
/// a string as is, a sequence as a Postgres array literal `{a,b}`, anything else as JSON.
fn containment(value: &impl Serialize) -> String {
    match Value::from_serialize(value) {
        Ok(Value::String(s)) => s,
        Ok(Value::Array(items)) => format!("{{{}}}", join_js(&items)),
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// The values of `in.(…)`: duplicates dropped, values holding `,`, `(` or `)` double-quoted.
fn in_list<V: Display>(values: impl IntoIterator<Item = V>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        let value = value.to_string();
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen.iter()
        .map(|v| {
            if v.contains(RESERVED_IN_LISTS) {
                format!("\"{v}\"")
            } else {
                v.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

impl FilterBuilder {
    fn op(mut self, column: &str, value: String) -> Self {
        self.params.append(column, value);
        self
    }

    /// `column = value`.
    pub fn eq(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("eq.{value}"))
    }

    /// `column <> value`.
    pub fn neq(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("neq.{value}"))
    }

    /// `column > value`.
    pub fn gt(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("gt.{value}"))
    }

    /// `column >= value`.
    pub fn gte(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("gte.{value}"))
    }

    /// `column < value`.
    pub fn lt(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("lt.{value}"))
    }

    /// `column <= value`.
    pub fn lte(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("lte.{value}"))
    }

    /// `column LIKE pattern` (case-sensitive; `%` matches any run of characters).
    pub fn like(self, column: &str, pattern: &str) -> Self {
        self.op(column, format!("like.{pattern}"))
    }

    /// `column ILIKE pattern` (case-insensitive).
    pub fn ilike(self, column: &str, pattern: &str) -> Self {
        self.op(column, format!("ilike.{pattern}"))
    }

    /// `column IS value`, for `null`, `true`, `false` and `unknown`.
    pub fn is(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("is.{value}"))
    }

    /// `column IN (values…)`. Duplicates are dropped and values holding `,`, `(` or `)` are
    /// double-quoted, as postgrest-js does.
    pub fn in_<V: Display>(self, column: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list = in_list(values);
        self.op(column, format!("in.({list})"))
    }

    /// `column NOT IN (values…)`; `values` as in [`in_`](Self::in_).
    pub fn not_in<V: Display>(self, column: &str, values: impl IntoIterator<Item = V>) -> Self {
        let list = in_list(values);
        self.op(column, format!("not.in.({list})"))
    }

    /// `column LIKE ALL (patterns)`: the value matches every pattern (case-sensitive).
    pub fn like_all_of<P: AsRef<str>>(
        self,
        column: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Self {
        self.pattern_list(column, "like(all)", patterns)
    }

    /// `column LIKE ANY (patterns)`: the value matches at least one pattern (case-sensitive).
    pub fn like_any_of<P: AsRef<str>>(
        self,
        column: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Self {
        self.pattern_list(column, "like(any)", patterns)
    }

    /// `column ILIKE ALL (patterns)`: the value matches every pattern (case-insensitive).
    pub fn ilike_all_of<P: AsRef<str>>(
        self,
        column: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Self {
        self.pattern_list(column, "ilike(all)", patterns)
    }

    /// `column ILIKE ANY (patterns)`: the value matches at least one pattern
    /// (case-insensitive).
    pub fn ilike_any_of<P: AsRef<str>>(
        self,
        column: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Self {
        self.pattern_list(column, "ilike(any)", patterns)
    }

    /// The patterns joined as postgrest-js joins them (`{a,b}`, nothing quoted).
    fn pattern_list<P: AsRef<str>>(
        self,
        column: &str,
        operator: &str,
        patterns: impl IntoIterator<Item = P>,
    ) -> Self {
        let list = patterns
            .into_iter()
            .map(|p| p.as_ref().to_owned())
            .collect::<Vec<_>>()
            .join(",");
        self.op(column, format!("{operator}.{{{list}}}"))
    }

    /// `column ~ pattern`: a POSIX regular expression, case-sensitive (`match`).
    pub fn regex_match(self, column: &str, pattern: &str) -> Self {
        self.op(column, format!("match.{pattern}"))
    }

    /// `column ~* pattern`: a POSIX regular expression, case-insensitive (`imatch`).
    pub fn regex_i_match(self, column: &str, pattern: &str) -> Self {
        self.op(column, format!("imatch.{pattern}"))
    }

    /// `column IS DISTINCT FROM value`: `<>` where `NULL` is a value like any other.
    pub fn is_distinct(self, column: &str, value: impl Display) -> Self {
        self.op(column, format!("isdistinct.{value}"))
    }

    /// The array, range or `jsonb` column contains every element of `value` (`cs`): a string
    /// is sent as is (a range like `[1,5)`), a sequence as an array, a map as JSON.
    pub fn contains(self, column: &str, value: impl Serialize) -> Self {
        let value = containment(&value);
        self.op(column, format!("cs.{value}"))
    }

    /// Every element of the column is in `value` (`cd`); `value` as in
    /// [`contains`](Self::contains).
    pub fn contained_by(self, column: &str, value: impl Serialize) -> Self {
        let value = containment(&value);
        self.op(column, format!("cd.{value}"))
    }

    /// The range column is strictly left of `range` (`sl`).
    pub fn range_lt(self, column: &str, range: &str) -> Self {
        self.op(column, format!("sl.{range}"))
    }

    /// The range column is strictly right of `range` (`sr`).
    pub fn range_gt(self, column: &str, range: &str) -> Self {
        self.op(column, format!("sr.{range}"))
    }

    /// The range column does not extend left of `range` (`nxl`).
    pub fn range_gte(self, column: &str, range: &str) -> Self {
        self.op(column, format!("nxl.{range}"))
    }

    /// The range column does not extend right of `range` (`nxr`).
    pub fn range_lte(self, column: &str, range: &str) -> Self {
        self.op(column, format!("nxr.{range}"))
    }

    /// The range column is adjacent to `range` (`adj`).
    pub fn range_adjacent(self, column: &str, range: &str) -> Self {
        self.op(column, format!("adj.{range}"))
    }

    /// The array or range column shares an element with `value` (`ov`); `value` as in
    /// [`contains`](Self::contains).
    pub fn overlaps(self, column: &str, value: impl Serialize) -> Self {
        let value = containment(&value);
        self.op(column, format!("ov.{value}"))
    }

    /// Full-text search of a `tsvector` column, with an optional text search configuration
    /// (`english`, …).
    pub fn text_search(
        self,
        column: &str,
        query: &str,
        kind: TextSearchType,
        config: Option<&str>,
    ) -> Self {
        let kind = match kind {
            TextSearchType::Tsquery => "",
            TextSearchType::Plain => "pl",
            TextSearchType::Phrase => "ph",
            TextSearchType::Websearch => "w",
        };
        let config = config.map(|c| format!("({c})")).unwrap_or_default();
        self.op(column, format!("{kind}fts{config}.{query}"))
    }

    /// `column = value` for every pair (JavaScript's `match`): a map or struct, each field a
    /// column. `null` fields are kept (`eq.null`); leave fields out to skip them.
    pub fn matches(mut self, query: impl Serialize) -> Self {
        if let Ok(Value::Object(pairs)) = Value::from_serialize(&query) {
            for (column, value) in pairs {
                self.params
                    .append(column, format!("eq.{}", js_string(&value)));
            }
        }
        self
    }

    /// Negates a filter: `not(column, "is", "null")` is `column=not.is.null`.
    pub fn not(self, column: &str, operator: &str, value: impl Display) -> Self {
        self.op(column, format!("not.{operator}.{value}"))
    }

    /// Rows matching any of `filters`, written in `PostgREST` syntax:
    /// `"id.eq.1,title.ilike.*rust*"`.
    pub fn or(self, filters: &str) -> Self {
        self.op("or", format!("({filters})"))
    }

    /// [`or`](Self::or) on the rows of an embedded (referenced) table.
    pub fn or_referenced(self, table: &str, filters: &str) -> Self {
        self.op(&format!("{table}.or"), format!("({filters})"))
    }

    /// Any `PostgREST` filter, written as it appears in the URL: `filter("id", "in", "(1,2)")`.
    pub fn filter(self, column: &str, operator: &str, value: impl Display) -> Self {
        self.op(column, format!("{operator}.{value}"))
    }

    /// Sorts by `column`; call again to sort by more columns.
    pub fn order(mut self, column: &str, order: Order) -> Self {
        let key = match order.referenced_table {
            Some(table) => format!("{table}.order"),
            None => "order".to_owned(),
        };
        let direction = if order.ascending { "asc" } else { "desc" };
        let nulls = match order.nulls_first {
            None => "",
            Some(true) => ".nullsfirst",
            Some(false) => ".nullslast",
        };
        let previous = self
            .params
            .get(&key)
            .filter(|p| !p.is_empty())
            .map(|p| format!("{p},"))
            .unwrap_or_default();
        self.params
            .set(&key, format!("{previous}{column}.{direction}{nulls}"));
        self
    }

    /// At most `rows` rows.
    pub fn limit(mut self, rows: u64) -> Self {
        self.params.set("limit", rows.to_string());
        self
    }

    /// At most `rows` rows of an embedded (referenced) table.
    pub fn limit_referenced(mut self, table: &str, rows: u64) -> Self {
        self.params.set(&format!("{table}.limit"), rows.to_string());
        self
    }

    /// Rows `from` to `to`, both included, counting from 0.
    pub fn range(self, from: u64, to: u64) -> Self {
        self.range_keys("offset", "limit", from, to)
    }

    /// [`range`](Self::range) on the rows of an embedded (referenced) table.
    pub fn range_referenced(self, table: &str, from: u64, to: u64) -> Self {
        self.range_keys(
            &format!("{table}.offset"),
            &format!("{table}.limit"),
            from,
            to,
        )
    }

    fn range_keys(mut self, offset: &str, limit: &str, from: u64, to: u64) -> Self {
        self.params.set(offset, from.to_string());
        // `to < from` asks for nothing; JavaScript would send a negative limit.
        self.params
            .set(limit, (to + 1).saturating_sub(from).to_string());
        self
    }

    /// Exactly one row: the response is an object, and zero or many rows is an error
    /// (`PostgREST`'s `PGRST116`).
    pub fn single(mut self) -> Self {
        self.accept = Some(super::transform::OBJECT.to_owned());
        self
    }

    /// At most one row: zero rows is `null` (deserialize into an `Option`), many an error.
    pub fn maybe_single(mut self) -> Self {
        self.maybe_single = true;
        self
    }

    /// The rows as CSV; read them with [`execute_text`](Self::execute_text).
    pub fn csv(mut self) -> Self {
        self.accept = Some(super::transform::CSV.to_owned());
        self
    }
}
