//! The request builders: [`QueryBuilder`] (a table or view, before the verb) and
//! [`FilterBuilder`] (a request with its verb, taking filters and transforms).
//!
//! Every method mirrors the postgrest-js method of the same name and produces the same URL,
//! `Prefer` header and body (pinned by the JavaScript comparison test).

use http::Method;
use serde::Serialize;
// In key order, as `JSON.stringify` writes the caller's objects (see `crate::json`).
use crate::json::Json as Value;
use url::Url;

use super::error::RestError;
use super::headers::{ExtraHeaders, RedactedHeaders};
use super::params::Params;
use crate::client::SupabaseClient;

/// Which row count `PostgREST` computes (`Prefer: count=…`), returned by
/// [`FilterBuilder::execute_response`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    /// `COUNT(*)`: exact, slow on big tables.
    Exact,
    /// The planner's estimate: fast, approximate.
    Planned,
    /// Exact below `db-max-rows`, the planner's estimate above.
    Estimated,
}

impl Count {
    fn as_str(self) -> &'static str {
        match self {
            Self::Exact => "exact",
            Self::Planned => "planned",
            Self::Estimated => "estimated",
        }
    }
}

/// A table or view of the Data API; pick the verb next. Made by
/// [`SupabaseClient::from`](crate::SupabaseClient::from).
#[derive(Debug, Clone)]
#[must_use]
pub struct QueryBuilder {
    client: SupabaseClient,
    relation: String,
    schema: Option<String>,
}

impl QueryBuilder {
    pub(crate) fn new(client: SupabaseClient, relation: &str, schema: String) -> Self {
        Self {
            client,
            relation: relation.to_owned(),
            // supabase-js always names the schema (`db.schema`, default `public`), so
            // PostgREST sees the same profile headers from both.
            schema: Some(schema),
        }
    }

    /// Queries a schema other than the project's default one (sent as `Accept-Profile` or
    /// `Content-Profile`; the schema must be exposed by the Data API). An empty name sends no
    /// profile header: the server's default schema, as in postgrest-js.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    fn request(self, method: Method) -> FilterBuilder {
        let invalid = self
            .relation
            .trim()
            .is_empty()
            .then(|| "the relation name is empty".to_owned());
        let mut builder = self.request_unchecked(method);
        if let Some(why) = invalid {
            builder.fail(why);
        }
        builder
    }

    /// [`request`](Self::request) without the relation check: the `OpenAPI` request has none.
    pub(super) fn request_unchecked(self, method: Method) -> FilterBuilder {
        FilterBuilder {
            client: self.client,
            method,
            path: self.relation,
            schema: self.schema,
            params: Params::default(),
            on_conflict: None,
            columns: None,
            resolution: None,
            count: None,
            missing_default: false,
            prefer: Vec::new(),
            prefer_replaced: false,
            accept: None,
            strip_nulls: false,
            headers: ExtraHeaders::default(),
            retry: None,
            maybe_single: false,
            head: false,
            rpc: None,
            body: None,
            invalid: None,
        }
    }

    fn with_body(self, method: Method, values: impl Serialize) -> FilterBuilder {
        let mut builder = self.request(method);
        builder.set_body(values);
        builder
    }

    /// Reads rows: `columns` is `PostgREST`'s select list (`*`, `id,title`, embedded resources
    /// like `id,author:users(name)`); whitespace outside double quotes is removed.
    pub fn select(self, columns: &str) -> FilterBuilder {
        let mut builder = self.request(Method::GET);
        builder.params.set("select", clean_columns(columns));
        builder
    }

    /// Inserts one row (a serialized struct or map) or many (a sequence). For many rows the
    /// `columns` parameter lists every key, so rows missing a column get `NULL` (or its default
    /// with [`FilterBuilder::default_to_null`]`(false)`). Add [`FilterBuilder::select`] to get
    /// the inserted rows back.
    pub fn insert(self, values: impl Serialize) -> FilterBuilder {
        let mut builder = self.with_body(Method::POST, values);
        builder.columns = builder.body.as_ref().and_then(columns_of);
        builder
    }

    /// Inserts rows, or updates those that conflict on the primary key (or on
    /// [`FilterBuilder::on_conflict`]); [`FilterBuilder::ignore_duplicates`] keeps existing rows
    /// instead.
    pub fn upsert(self, values: impl Serialize) -> FilterBuilder {
        let mut builder = self.insert(values);
        builder.resolution = Some("merge-duplicates");
        builder
    }

    /// Updates the rows the filters match with `values` (a serialized struct or map).
    pub fn update(self, values: impl Serialize) -> FilterBuilder {
        self.with_body(Method::PATCH, values)
    }

    /// Deletes the rows the filters match.
    pub fn delete(self) -> FilterBuilder {
        self.request(Method::DELETE)
    }
}

/// `rpc/<function>`'s arguments, kept until the verb is known: a `GET` or `HEAD` call sends them
/// in the query string, a `POST` in the body.
#[derive(Debug, Clone)]
struct Rpc {
    args: Value,
    get: bool,
}

/// A Data API request with its verb: add filters ([`eq`](Self::eq), [`in_`](Self::in_), …) and
/// transforms ([`order`](Self::order), [`limit`](Self::limit), [`single`](Self::single), …),
/// then [`execute`](Self::execute) it.
#[derive(Debug, Clone)]
#[must_use]
#[allow(
    clippy::struct_excessive_bools,
    reason = "independent request options, each mirroring one postgrest-js option"
)]
pub struct FilterBuilder {
    pub(super) client: SupabaseClient,
    pub(super) method: Method,
    /// Under `/rest/v1/`: the relation, or `rpc/<function>`.
    path: String,
    schema: Option<String>,
    pub(super) params: Params,
    on_conflict: Option<String>,
    columns: Option<String>,
    resolution: Option<&'static str>,
    pub(super) count: Option<Count>,
    missing_default: bool,
    /// `Prefer` values appended after the creation options, in call order (`select`'s
    /// `return=representation`, `rollback`, `max_affected`), as postgrest-js appends them.
    pub(super) prefer: Vec<String>,
    /// A [`set_header`](Self::set_header) of `Prefer` replaced everything before it.
    pub(super) prefer_replaced: bool,
    /// The `Accept` header as set so far (`single`, `csv`, `geojson`, `explain`, `set_header`).
    pub(super) accept: Option<String>,
    pub(super) strip_nulls: bool,
    /// Headers given with [`set_header`](Self::set_header) besides `Accept` and `Prefer`.
    pub(super) headers: ExtraHeaders,
    /// Whether an idempotent request is retried on 503/520; `None`: the client's setting.
    pub(super) retry: Option<bool>,
    pub(super) maybe_single: bool,
    head: bool,
    rpc: Option<Rpc>,
    body: Option<Value>,
    /// Why the request cannot be sent (reported by `execute`, so the chain stays infallible).
    pub(super) invalid: Option<String>,
}

impl FilterBuilder {
    pub(crate) fn rpc(
        client: SupabaseClient,
        schema: String,
        function: &str,
        args: impl Serialize,
    ) -> Self {
        let mut builder = QueryBuilder::new(client, function, schema).request(Method::POST);
        builder.path = format!("rpc/{function}");
        builder.set_body(args);
        builder.rpc = Some(Rpc {
            args: builder.body.take().unwrap_or(Value::Null),
            get: false,
        });
        builder
    }

    /// Marks the request as invalid; the first reason is kept (the more basic mistake, e.g. an
    /// empty relation, is the one told).
    pub(super) fn fail(&mut self, why: String) {
        self.invalid.get_or_insert(why);
    }

    fn set_body(&mut self, values: impl Serialize) {
        match Value::from_serialize(&values) {
            Ok(value) => self.body = Some(value),
            Err(error) => self.fail(format!("the body cannot be serialized: {error}")),
        }
    }

    /// Queries a schema other than the project's default one.
    pub fn schema(mut self, schema: impl Into<String>) -> Self {
        self.schema = Some(schema.into());
        self
    }

    /// Asks for a row count (`Prefer: count=…`), read from `Content-Range` by
    /// [`execute_response`](Self::execute_response).
    pub fn count(mut self, count: Count) -> Self {
        self.count = Some(count);
        self
    }

    /// Sends `HEAD` instead of `GET` (for a select or a read-only function call): no rows, only
    /// the count.
    pub fn head(mut self) -> Self {
        self.head = true;
        self
    }

    /// Calls a function with `GET`, its arguments in the query string (read-only functions).
    pub fn get(mut self) -> Self {
        if let Some(rpc) = &mut self.rpc {
            rpc.get = true;
        }
        self
    }

    /// The columns whose unique constraint decides a conflict in an upsert (`on_conflict`).
    pub fn on_conflict(mut self, columns: impl Into<String>) -> Self {
        self.on_conflict = Some(columns.into());
        self
    }

    /// Makes an upsert keep existing rows on conflict instead of merging
    /// (`Prefer: resolution=ignore-duplicates`).
    pub fn ignore_duplicates(mut self) -> Self {
        if self.resolution.is_some() {
            self.resolution = Some("ignore-duplicates");
        }
        self
    }

    /// With `false`, columns missing from some inserted rows take their default value instead
    /// of `NULL` (`Prefer: missing=default`).
    pub fn default_to_null(mut self, default_to_null: bool) -> Self {
        self.missing_default = !default_to_null;
        self
    }

    /// Returns the written rows (`Prefer: return=representation`) with these columns; on a read
    /// it replaces the select list.
    pub fn select(mut self, columns: &str) -> Self {
        self.params.set("select", clean_columns(columns));
        self.prefer.push("return=representation".to_owned());
        self
    }

    /// The request as it will be sent, without its credentials (`apikey`, `Authorization`):
    /// method, URL, headers and body. Handy for logging and tests.
    pub fn to_request(&self) -> Result<PreparedRequest, RestError> {
        if let Some(why) = &self.invalid {
            return Err(RestError::InvalidRequest(why.clone()));
        }
        let invalid_url =
            || RestError::InvalidRequest(format!("`{}` makes an invalid URL", self.path));
        let base = self
            .client
            .config()
            .url()
            .join("rest/v1")
            .map_err(|_| invalid_url())?;
        // Parsed from the joined string as postgrest-js does (`new URL(`${url}/${relation}`)`),
        // so the path is percent-encoded the same way.
        let mut url = Url::parse(&format!("{base}/{}", self.path)).map_err(|_| invalid_url())?;

        let mut method = self.method.clone();
        let mut body = self.body.clone();
        let mut params = Params::default();
        // The creation options first (postgrest-js sets them when the verb is chosen), then
        // what later calls appended.
        let mut prefer: Vec<String> = Vec::new();
        if let Some(conflict) = &self.on_conflict {
            params.set("on_conflict", conflict.clone());
        }
        if let Some(columns) = &self.columns {
            params.set("columns", columns.clone());
        }
        if let Some(resolution) = self.resolution {
            prefer.push(format!("resolution={resolution}"));
        }
        let mut count = self.count.map(|c| format!("count={}", c.as_str()));
        if let Some(rpc) = &self.rpc {
            let object_arg = self.head
                && rpc
                    .args
                    .as_object()
                    .is_some_and(|a| a.values().any(is_object));
            if object_arg {
                // A HEAD cannot carry object arguments in a query string: postgrest-js POSTs
                // them and asks for no body back instead.
                method = Method::POST;
                body = Some(rpc.args.clone());
                count = Some(match count {
                    Some(count) => format!("{count},return=minimal"),
                    None => "return=minimal".to_owned(),
                });
            } else if self.head || rpc.get {
                method = if self.head { Method::HEAD } else { Method::GET };
                body = None;
                if let Some(args) = rpc.args.as_object() {
                    for (name, value) in args.iter() {
                        let value = match value {
                            Value::Array(items) => format!("{{{}}}", join_js(items)),
                            other => js_string(other),
                        };
                        params.append(name.clone(), value);
                    }
                }
            } else {
                body = Some(rpc.args.clone());
            }
        } else if self.head && method == Method::GET {
            method = Method::HEAD;
        }
        prefer.extend(count);
        if self.missing_default {
            prefer.push("missing=default".to_owned());
        }
        if self.prefer_replaced {
            prefer.clear();
        }
        prefer.extend(self.prefer.iter().cloned());
        let mut all = self.params.clone();
        all.prepend(params);
        if !all.is_empty() {
            url.query_pairs_mut().extend_pairs(all.pairs());
        }

        let headers = self.headers_for(&method, &prefer);
        Ok(PreparedRequest {
            method,
            url,
            headers,
            body: body.map(|b| b.to_string()),
        })
    }

    /// The headers of a request sent with `method` and these `Prefer` values.
    fn headers_for(&self, method: &Method, prefer: &[String]) -> Vec<(String, String)> {
        let read = method == Method::GET || method == Method::HEAD;
        let mut headers: Vec<(String, String)> = Vec::new();
        let mut push = |name: &str, value: String| headers.push((name.to_owned(), value));
        if let Some(accept) = self.accept_sent() {
            push("Accept", accept);
        }
        // An empty schema is no profile (postgrest-js tests the name for truth): the server's
        // default schema.
        if let Some(schema) = self.schema.as_ref().filter(|schema| !schema.is_empty()) {
            let name = if read {
                "Accept-Profile"
            } else {
                "Content-Profile"
            };
            push(name, schema.clone());
        }
        if !read {
            push("Content-Type", "application/json".to_owned());
        }
        if !prefer.is_empty() {
            push("Prefer", prefer.join(", "));
        }
        // postgrest-js sets the headers above when the request is sent, over any of the same
        // name given with `setHeader`.
        for (name, value) in self.headers.iter() {
            if !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        headers
    }
}

/// A Data API request ready to send, without its credentials (unless given with
/// [`FilterBuilder::set_header`]; `Debug` redacts those).
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    method: Method,
    url: Url,
    headers: Vec<(String, String)>,
    body: Option<String>,
}

impl std::fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &RedactedHeaders(&self.headers))
            .field("body", &self.body)
            .finish()
    }
}

impl PreparedRequest {
    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The full URL, query string included.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The headers besides the credentials (`Accept`, `Accept-Profile`/`Content-Profile`,
    /// `Content-Type`, `Prefer`, and those given with [`FilterBuilder::set_header`]).
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The value of one of [`headers`](Self::headers), by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The JSON body, if any.
    pub fn body(&self) -> Option<&str> {
        self.body.as_deref()
    }
}

/// Removes whitespace outside double-quoted identifiers, like postgrest-js.
fn clean_columns(columns: &str) -> String {
    let mut quoted = false;
    columns
        .chars()
        .filter(|c| {
            if c.is_whitespace() && !quoted {
                return false;
            }
            if *c == '"' {
                quoted = !quoted;
            }
            true
        })
        .collect()
}

/// The union of the keys of many rows, each quoted (`"a","b"`), or `None` for one row.
fn columns_of(values: &Value) -> Option<String> {
    let rows = values.as_array()?;
    let mut columns: Vec<&str> = Vec::new();
    for key in rows
        .iter()
        .filter_map(Value::as_object)
        .flat_map(crate::json::Object::keys)
    {
        if !columns.contains(&key.as_str()) {
            columns.push(key);
        }
    }
    (!columns.is_empty()).then(|| {
        columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn is_object(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(is_object),
        _ => false,
    }
}

/// `String(value)` in JavaScript for a JSON value: what a template literal puts in a URL.
pub(super) fn js_string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => join_js(items),
        Value::Object(_) => "[object Object]".to_owned(),
        other => other.to_string(),
    }
}

/// `Array.prototype.join(",")`: `null` elements become empty strings.
pub(super) fn join_js(items: &[Value]) -> String {
    items
        .iter()
        .map(|item| {
            if item.is_null() {
                String::new()
            } else {
                js_string(item)
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use crate::Supabase;
    use crate::rest::RestError;

    fn client(schema: &str) -> crate::SupabaseClient {
        Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
            .db_schema(schema)
            .build()
            .unwrap()
            .client([])
    }

    fn why(error: RestError) -> String {
        match error {
            RestError::InvalidRequest(why) => why,
            other => panic!("{other:?}"),
        }
    }

    /// A value serde cannot turn into JSON.
    struct Unserializable;

    impl serde::Serialize for Unserializable {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }

    #[test]
    fn the_first_mistake_is_the_one_told() {
        let client = client("public");
        let error = client
            .from("")
            .select("*")
            .csv()
            .strip_nulls()
            .to_request()
            .unwrap_err();
        assert!(why(error).contains("relation"));
        let error = client
            .from(" ")
            .insert(Unserializable)
            .to_request()
            .unwrap_err();
        assert!(why(error).contains("relation"));
        let error = client
            .from("")
            .select("*")
            .set_header("x-bad\n", "v")
            .to_request()
            .unwrap_err();
        assert!(why(error).contains("relation"));
    }

    #[test]
    fn an_empty_schema_sends_no_profile_header() {
        for client in [client("").rest(), client("public").schema("")] {
            let read = client.from("todos").select("*").to_request().unwrap();
            assert_eq!(read.header("Accept-Profile"), None);
            let write = client
                .from("todos")
                .insert(serde_json::json!({"a": 1}))
                .to_request()
                .unwrap();
            assert_eq!(write.header("Content-Profile"), None);
            let spec = client.open_api_spec().to_request().unwrap();
            assert_eq!(spec.header("Accept-Profile"), None);
        }
        let named = client("api")
            .from("todos")
            .select("*")
            .to_request()
            .unwrap();
        assert_eq!(named.header("Accept-Profile"), Some("api"));
    }
}
