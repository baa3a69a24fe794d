//! The Data API builder sends what `@supabase/postgrest-js` 2.119.1 sends: every case of
//! `integration-tests/js/rest-cases.json` is built by `rest-urls.mjs` (through supabase-js) and
//! here, and method, URL, `Prefer`, `Accept`, profile headers, `Content-Type` and body must be
//! byte for byte equal.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt;

use serde_json::Value;
use serde_json::value::RawValue;
use supabase_ssr_core::rest::{
    Count, ExplainFormat, ExplainOptions, FilterBuilder, Order, PreparedRequest, QueryBuilder,
    RestClient, TextSearchType,
};
use supabase_ssr_core::{Supabase, SupabaseClient};
use supabase_ssr_testing::node::NodeScripts;

const URL: &str = "https://abcdefghijklmnop.supabase.co";

/// A JSON value shown as JavaScript's template literals show it.
struct Js<'a>(&'a Value);

impl fmt::Display for Js<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::String(s) => f.write_str(s),
            other => write!(f, "{other}"),
        }
    }
}

/// The operations of a case as their JSON text: what the library serializes must keep the
/// key order of the file (a `Value` sorts keys, as `serde_json` does without `preserve_order`).
#[derive(serde::Deserialize)]
struct RawCase {
    ops: Vec<Vec<Box<RawValue>>>,
}

fn raw_cases() -> Vec<RawCase> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../integration-tests/js/rest-cases.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../integration-tests/js/rest-cases.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn count(options: Option<&Value>) -> Option<Count> {
    match options?.get("count")?.as_str()? {
        "exact" => Some(Count::Exact),
        "planned" => Some(Count::Planned),
        "estimated" => Some(Count::Estimated),
        other => panic!("unknown count {other}"),
    }
}

fn flag(options: Option<&Value>, name: &str) -> Option<bool> {
    options?.get(name)?.as_bool()
}

fn referenced(options: Option<&Value>) -> Option<&str> {
    options?.get("referencedTable")?.as_str()
}

#[allow(clippy::large_enum_variant, reason = "one per case, moved a few times")]
enum Stage {
    Start(RestClient),
    Query(QueryBuilder),
    Filter(FilterBuilder),
}

fn apply_write_options(mut b: FilterBuilder, options: Option<&Value>) -> FilterBuilder {
    if let Some(c) = count(options) {
        b = b.count(c);
    }
    if flag(options, "defaultToNull") == Some(false) {
        b = b.default_to_null(false);
    }
    b
}

fn build(client: &SupabaseClient, ops: &[Value], raw_ops: &[Vec<Box<RawValue>>]) -> FilterBuilder {
    let mut stage = Stage::Start(client.rest());
    for (op, raw) in ops.iter().zip(raw_ops) {
        let op = op.as_array().unwrap();
        let raw_arg = |i: usize| &*raw[i];
        let name = op[0].as_str().unwrap();
        let arg = |i: usize| op.get(i).unwrap();
        let opt = |i: usize| op.get(i);
        stage = match (stage, name) {
            (Stage::Start(_), "schema") => Stage::Start(client.schema(arg(1).as_str().unwrap())),
            (Stage::Start(rest), "getOpenApiSpec") => Stage::Filter(rest.open_api_spec()),
            (Stage::Start(rest), "from") => Stage::Query(rest.from(arg(1).as_str().unwrap())),
            (Stage::Start(rest), "rpc") => {
                let empty = RawValue::from_string("{}".to_owned()).unwrap();
                let args = raw.get(2).unwrap_or(&empty);
                let mut b = rest.rpc(arg(1).as_str().unwrap(), args);
                if flag(opt(3), "get") == Some(true) {
                    b = b.get();
                }
                if flag(opt(3), "head") == Some(true) {
                    b = b.head();
                }
                if let Some(c) = count(opt(3)) {
                    b = b.count(c);
                }
                Stage::Filter(b)
            }
            (Stage::Query(q), "select") => {
                let mut b = q.select(opt(1).and_then(Value::as_str).unwrap_or("*"));
                if let Some(c) = count(opt(2)) {
                    b = b.count(c);
                }
                if flag(opt(2), "head") == Some(true) {
                    b = b.head();
                }
                Stage::Filter(b)
            }
            (Stage::Query(q), "insert") => {
                Stage::Filter(apply_write_options(q.insert(raw_arg(1)), opt(2)))
            }
            (Stage::Query(q), "upsert") => {
                let mut b = apply_write_options(q.upsert(raw_arg(1)), opt(2));
                if let Some(c) = opt(2)
                    .and_then(|o| o.get("onConflict"))
                    .and_then(Value::as_str)
                {
                    b = b.on_conflict(c);
                }
                if flag(opt(2), "ignoreDuplicates") == Some(true) {
                    b = b.ignore_duplicates();
                }
                Stage::Filter(b)
            }
            (Stage::Query(q), "update") => {
                Stage::Filter(apply_write_options(q.update(raw_arg(1)), opt(2)))
            }
            (Stage::Query(q), "delete") => Stage::Filter(apply_write_options(q.delete(), opt(1))),
            (Stage::Filter(b), _) => Stage::Filter(filter(b, name, op, raw)),
            (_, other) => panic!("operation {other} out of place"),
        };
    }
    match stage {
        Stage::Filter(b) => b,
        _ => panic!("the case does not make a request"),
    }
}

fn filter(b: FilterBuilder, name: &str, op: &[Value], raw: &[Box<RawValue>]) -> FilterBuilder {
    let s = |i: usize| op[i].as_str().unwrap();
    let opt = op.last().filter(|v| v.is_object());
    match name {
        "select" => b.select(op.get(1).and_then(Value::as_str).unwrap_or("*")),
        "eq" => b.eq(s(1), Js(&op[2])),
        "neq" => b.neq(s(1), Js(&op[2])),
        "gt" => b.gt(s(1), Js(&op[2])),
        "gte" => b.gte(s(1), Js(&op[2])),
        "lt" => b.lt(s(1), Js(&op[2])),
        "lte" => b.lte(s(1), Js(&op[2])),
        "like" => b.like(s(1), s(2)),
        "ilike" => b.ilike(s(1), s(2)),
        "is" => b.is(s(1), Js(&op[2])),
        "in" => b.in_(s(1), op[2].as_array().unwrap().iter().map(Js)),
        "notIn" => b.not_in(s(1), op[2].as_array().unwrap().iter().map(Js)),
        "likeAllOf" => b.like_all_of(s(1), strings(&op[2])),
        "likeAnyOf" => b.like_any_of(s(1), strings(&op[2])),
        "ilikeAllOf" => b.ilike_all_of(s(1), strings(&op[2])),
        "ilikeAnyOf" => b.ilike_any_of(s(1), strings(&op[2])),
        "regexMatch" => b.regex_match(s(1), s(2)),
        "regexIMatch" => b.regex_i_match(s(1), s(2)),
        "isDistinct" => b.is_distinct(s(1), Js(&op[2])),
        "explain" => b.explain(explain_options(op.get(1))),
        "rollback" => b.rollback(),
        "maxAffected" => b.max_affected(op[1].as_u64().unwrap()),
        "geojson" => b.geojson(),
        "stripNulls" => b.strip_nulls(),
        "setHeader" => b.set_header(s(1), s(2)),
        "retry" => b.retry(op[1].as_bool().unwrap()),
        "contains" => b.contains(s(1), &raw[2]),
        "containedBy" => b.contained_by(s(1), &raw[2]),
        "overlaps" => b.overlaps(s(1), &raw[2]),
        "rangeGt" => b.range_gt(s(1), s(2)),
        "rangeGte" => b.range_gte(s(1), s(2)),
        "rangeLt" => b.range_lt(s(1), s(2)),
        "rangeLte" => b.range_lte(s(1), s(2)),
        "rangeAdjacent" => b.range_adjacent(s(1), s(2)),
        "textSearch" => {
            let o = op.get(3);
            let kind = match o.and_then(|o| o.get("type")).and_then(Value::as_str) {
                None => TextSearchType::Tsquery,
                Some("plain") => TextSearchType::Plain,
                Some("phrase") => TextSearchType::Phrase,
                Some("websearch") => TextSearchType::Websearch,
                Some(other) => panic!("unknown type {other}"),
            };
            b.text_search(
                s(1),
                s(2),
                kind,
                o.and_then(|o| o.get("config")).and_then(Value::as_str),
            )
        }
        "match" => b.matches(&raw[1]),
        "not" => b.not(s(1), s(2), Js(&op[3])),
        "or" => match referenced(opt.filter(|_| op.len() > 2)) {
            Some(t) => b.or_referenced(t, s(1)),
            None => b.or(s(1)),
        },
        "filter" => b.filter(s(1), s(2), Js(&op[3])),
        "order" => {
            let o = op.get(2);
            let mut order = if flag(o, "ascending") == Some(false) {
                Order::desc()
            } else {
                Order::asc()
            };
            match flag(o, "nullsFirst") {
                Some(true) => order = order.nulls_first(),
                Some(false) => order = order.nulls_last(),
                None => {}
            }
            if let Some(t) = referenced(o) {
                order = order.referenced_table(t);
            }
            b.order(s(1), order)
        }
        "limit" => match referenced(op.get(2)) {
            Some(t) => b.limit_referenced(t, op[1].as_u64().unwrap()),
            None => b.limit(op[1].as_u64().unwrap()),
        },
        "range" => {
            let (from, to) = (op[1].as_u64().unwrap(), op[2].as_u64().unwrap());
            match referenced(op.get(3)) {
                Some(t) => b.range_referenced(t, from, to),
                None => b.range(from, to),
            }
        }
        "single" => b.single(),
        "maybeSingle" => b.maybe_single(),
        "csv" => b.csv(),
        other => panic!("unknown operation {other}"),
    }
}

fn strings(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

fn explain_options(options: Option<&Value>) -> ExplainOptions {
    let on = |name: &str| flag(options, name) == Some(true);
    let format = match options
        .and_then(|o| o.get("format"))
        .and_then(Value::as_str)
    {
        None | Some("text") => ExplainFormat::Text,
        Some("json") => ExplainFormat::Json,
        Some(other) => panic!("unknown format {other}"),
    };
    ExplainOptions::default()
        .analyze(on("analyze"))
        .verbose(on("verbose"))
        .settings(on("settings"))
        .buffers(on("buffers"))
        .wal(on("wal"))
        .format(format)
}

fn recorded(request: &PreparedRequest) -> Value {
    let header = |name: &str| request.header(name).map_or(Value::Null, Value::from);
    serde_json::json!({
        "method": request.method().as_str(),
        "url": request.url().as_str(),
        "prefer": header("Prefer"),
        "accept": header("Accept"),
        "accept_profile": header("Accept-Profile"),
        "content_profile": header("Content-Profile"),
        "content_type": header("Content-Type"),
        "custom": header("X-Custom"),
        "body": request.body().map_or(Value::Null, Value::from),
    })
}

#[test]
fn every_query_matches_postgrest_js_byte_for_byte() {
    let cases = cases();
    assert!(
        cases.len() >= 140,
        "the comparison needs at least 140 queries"
    );
    let node = NodeScripts::for_test();
    let js: Vec<Value> = serde_json::from_str(
        &node
            .run("rest-urls.mjs", &[URL], "")
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap();

    let ids = |list: &[Value]| {
        list.iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&js), ids(&cases), "JavaScript did not build every case");

    let mut mismatches = Vec::new();
    let raw_cases = raw_cases();
    for ((case, raw), js) in cases.iter().zip(&raw_cases).zip(&js) {
        let id = case["id"].as_str().unwrap();
        // A case's `db` is supabase-js's `db` option: the client's default schema.
        let mut builder = Supabase::builder(URL, "sb_publishable_test");
        if let Some(schema) = case.pointer("/db/schema").and_then(Value::as_str) {
            builder = builder.db_schema(schema);
        }
        let client = builder.build().unwrap().client([]);
        let request = build(&client, case["ops"].as_array().unwrap(), &raw.ops)
            .to_request()
            .unwrap();
        let mut ours = recorded(&request);
        ours["id"] = Value::from(id);
        if &ours != js {
            mismatches.push(format!("{id}:\n  js:   {js}\n  rust: {ours}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} differ:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
