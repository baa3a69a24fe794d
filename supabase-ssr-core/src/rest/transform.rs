//! The transforms of [`FilterBuilder`] that change how `PostgREST` answers rather than which
//! rows it picks: plans, transactions that roll back, row limits on writes, `GeoJSON`, stripped
//! nulls, per-request headers and the retry switch. Each writes the header postgrest-js
//! writes, in the same order.

use super::builder::FilterBuilder;

/// The `Accept` of [`FilterBuilder::single`].
pub(super) const OBJECT: &str = "application/vnd.pgrst.object+json";
/// The `Accept` of [`FilterBuilder::csv`].
pub(super) const CSV: &str = "text/csv";

/// The format of the plan [`FilterBuilder::explain`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExplainFormat {
    /// Postgres's text plan; read it as a `String` with [`execute`](FilterBuilder::execute)
    /// or [`execute_text`](FilterBuilder::execute_text).
    #[default]
    Text,
    /// The JSON plan; read it with [`execute`](FilterBuilder::execute) (a
    /// `serde_json::Value`, say).
    Json,
}

/// The options of Postgres's `EXPLAIN` for [`FilterBuilder::explain`] (postgrest-js's
/// `explain({ analyze, verbose, settings, buffers, wal, format })`); all off by default, the
/// plan as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
#[allow(
    clippy::struct_excessive_bools,
    reason = "the independent switches of Postgres's EXPLAIN"
)]
pub struct ExplainOptions {
    analyze: bool,
    verbose: bool,
    settings: bool,
    buffers: bool,
    wal: bool,
    format: ExplainFormat,
}

impl ExplainOptions {
    /// Runs the query and reports actual times and row counts (`ANALYZE`).
    pub fn analyze(mut self, on: bool) -> Self {
        self.analyze = on;
        self
    }

    /// Adds the output columns and more of each node (`VERBOSE`).
    pub fn verbose(mut self, on: bool) -> Self {
        self.verbose = on;
        self
    }

    /// Adds the planner settings that differ from their defaults (`SETTINGS`).
    pub fn settings(mut self, on: bool) -> Self {
        self.settings = on;
        self
    }

    /// Adds buffer usage (`BUFFERS`).
    pub fn buffers(mut self, on: bool) -> Self {
        self.buffers = on;
        self
    }

    /// Adds WAL record generation (`WAL`; with `analyze`).
    pub fn wal(mut self, on: bool) -> Self {
        self.wal = on;
        self
    }

    /// The plan's format.
    pub fn format(mut self, format: ExplainFormat) -> Self {
        self.format = format;
        self
    }
}

impl FilterBuilder {
    /// Returns the query's execution plan instead of its rows (`EXPLAIN`; the Data API's
    /// `db-plan-enabled` must be on, which Supabase leaves off in production). The plan is
    /// of the request as built so far: call it after [`single`](Self::single) or
    /// [`csv`](Self::csv) to see those plans.
    pub fn explain(mut self, options: ExplainOptions) -> Self {
        let switches = [
            (options.analyze, "analyze"),
            (options.verbose, "verbose"),
            (options.settings, "settings"),
            (options.buffers, "buffers"),
            (options.wal, "wal"),
        ];
        let enabled = switches
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, name)| *name)
            .collect::<Vec<_>>()
            .join("|");
        let format = match options.format {
            ExplainFormat::Text => "text",
            ExplainFormat::Json => "json",
        };
        let media_type = self.accept.as_deref().unwrap_or("application/json");
        self.accept = Some(format!(
            "application/vnd.pgrst.plan+{format}; for=\"{media_type}\"; options={enabled};"
        ));
        self
    }

    /// Runs the write (or function) in a transaction that is rolled back at the end
    /// (`Prefer: tx=rollback`; the Data API must allow it, `db-tx-end`): the answer is what it
    /// would have been, and nothing changes.
    pub fn rollback(mut self) -> Self {
        self.prefer.push("tx=rollback".to_owned());
        self
    }

    /// Fails an update, delete or function call that would touch more than `rows` rows, and
    /// changes nothing (`Prefer: handling=strict, max-affected=…`; `PostgREST` 13 or later).
    pub fn max_affected(mut self, rows: u64) -> Self {
        self.prefer.push("handling=strict".to_owned());
        self.prefer.push(format!("max-affected={rows}"));
        self
    }

    /// The rows as a `GeoJSON` feature collection (`Accept: application/geo+json`; the table
    /// needs a `PostGIS` geometry column). Read it with [`execute`](Self::execute).
    pub fn geojson(mut self) -> Self {
        self.accept = Some("application/geo+json".to_owned());
        self
    }

    /// Leaves `null` fields out of the returned rows (`nulls=stripped`; `PostgREST` 11.2 or
    /// later). Not for [`csv`](Self::csv): after it, the request fails with
    /// [`RestError::InvalidRequest`](super::RestError::InvalidRequest), as postgrest-js throws.
    pub fn strip_nulls(mut self) -> Self {
        if self.accept.as_deref() == Some(CSV) {
            self.fail("strip_nulls() cannot be used with csv()".to_owned());
        }
        self.strip_nulls = true;
        self
    }

    /// Sets a header on this request only, over the client's (a tracing header, another
    /// `Authorization` for one call). `Accept` and `Prefer` replace what the builder wrote so
    /// far; the profile headers and `Content-Type` are the builder's and win. An invalid name
    /// or value fails the request with
    /// [`RestError::InvalidRequest`](super::RestError::InvalidRequest).
    pub fn set_header(mut self, name: &str, value: &str) -> Self {
        if crate::as_user::caller_header(name, value).is_err() {
            // The value may be a credential: only the name is told.
            self.fail(format!("the header `{name}` is not a valid header"));
            return self;
        }
        if name.eq_ignore_ascii_case("accept") {
            self.accept = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("prefer") {
            self.prefer_replaced = true;
            self.prefer = vec![value.to_owned()];
        } else {
            self.headers.set(name, value);
        }
        self
    }

    /// Turns the retries of this request on or off. A `GET` or `HEAD` is sent again, up to 3
    /// times, when the connection fails (a connect timeout included; the request's own timeout
    /// is not retried) or `PostgREST` answers 503 (its schema cache is not loaded yet) or 520,
    /// after the server's `Retry-After` seconds or 1, 2 then 4 seconds; the retries carry
    /// `X-Retry-Count`. A `Retry-After` over 30 seconds ends the retries: the 503/520 is the
    /// answer (the waits are not bounded by the client's `api_timeout`). Writes are never
    /// retried. On by default; the client-wide
    /// switch is [`SupabaseBuilder::db_retry`](crate::SupabaseBuilder::db_retry).
    pub fn retry(mut self, enabled: bool) -> Self {
        self.retry = Some(enabled);
        self
    }

    /// The `Accept` header sent: the one set, with `nulls=stripped` when
    /// [`strip_nulls`](Self::strip_nulls) asked for it and the answer is JSON rows.
    pub(super) fn accept_sent(&self) -> Option<String> {
        if !self.strip_nulls {
            return self.accept.clone();
        }
        match self.accept.as_deref() {
            Some(OBJECT) => Some(format!("{OBJECT};nulls=stripped")),
            None | Some("application/json") => {
                Some("application/vnd.pgrst.array+json;nulls=stripped".to_owned())
            }
            Some(other) => Some(other.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::Supabase;
    use crate::rest::RestError;

    fn client() -> crate::SupabaseClient {
        Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
            .build()
            .unwrap()
            .client([])
    }

    #[test]
    fn strip_nulls_after_csv_is_refused_like_postgrest_js_throws() {
        let error = client()
            .from("todos")
            .select("*")
            .csv()
            .strip_nulls()
            .to_request()
            .unwrap_err();
        assert!(matches!(error, RestError::InvalidRequest(ref why) if why.contains("csv")));
    }

    #[test]
    fn an_invalid_header_fails_the_request_without_showing_its_value() {
        let error = client()
            .from("todos")
            .select("*")
            .set_header("Authorization", "Bearer secret\nvalue")
            .to_request()
            .unwrap_err();
        let shown = error.to_string();
        assert!(
            shown.contains("Authorization") && !shown.contains("secret"),
            "{shown}"
        );
        assert!(
            client()
                .from("todos")
                .select("*")
                .set_header("bad name", "x")
                .to_request()
                .is_err()
        );
    }

    #[test]
    fn a_per_request_authorization_is_sent_but_not_debug_printed() {
        let request = client()
            .from("todos")
            .select("*")
            .set_header("Authorization", "Bearer other-token")
            .to_request()
            .unwrap();
        assert_eq!(request.header("authorization"), Some("Bearer other-token"));
        let shown = format!("{request:?}");
        assert!(!shown.contains("other-token"), "{shown}");
    }
}
