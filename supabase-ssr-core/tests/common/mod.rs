//! Helpers shared by the vector test files (`vectors_cookies.rs`, `vectors_auth.rs`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::Value;
use supabase_ssr_core::cookies::{
    CookieOptions, Priority, SameSite, is_chunk_like, serialize_set_cookie,
};

pub fn vectors() -> &'static Value {
    static VECTORS: OnceLock<Value> = OnceLock::new();
    VECTORS.get_or_init(|| {
        let text = include_str!("../vectors/ssr-vectors.json");
        // serde_json refuses lone surrogate escapes; those vectors are skipped (see above).
        let text = text
            .replace("\\ud800", "\\ufffd")
            .replace("\\udc00", "\\ufffd");
        serde_json::from_str(&text).expect("vectors parse")
    })
}

pub fn section(path: &[&str]) -> &'static Value {
    path.iter().fold(vectors(), |v, key| &v[key])
}

pub fn items(path: &[&str]) -> &'static [Value] {
    section(path).as_array().expect("array section")
}

pub fn s(v: &Value) -> &str {
    v.as_str().expect("string")
}

/// JS `cookie.serialize` options as our typed options; `None` when they cannot be expressed.
pub fn js_options(options: &Value) -> Option<(CookieOptions, Option<i64>)> {
    let mut out = CookieOptions::default()
        .with_path(None)
        .with_same_site(None);
    let mut max_age = None;
    for (key, value) in options.as_object().unwrap() {
        match (key.as_str(), value) {
            ("path", Value::String(p)) => out.path = Some(p.clone()),
            ("domain", Value::String(d)) => out.domain = Some(d.clone()),
            ("httpOnly", Value::Bool(b)) => out.http_only = *b,
            ("secure", Value::Bool(b)) => out.secure = *b,
            ("partitioned", Value::Bool(b)) => out.partitioned = *b,
            ("priority", Value::String(p)) => {
                out.priority = Some(match p.to_ascii_lowercase().as_str() {
                    "low" => Priority::Low,
                    "medium" => Priority::Medium,
                    "high" => Priority::High,
                    _ => return None,
                });
            }
            ("maxAge", Value::Number(n)) => max_age = Some(n.as_i64()?),
            ("sameSite", Value::Bool(true)) => out.same_site = Some(SameSite::Strict),
            ("sameSite", Value::Bool(false)) => out.same_site = None,
            ("sameSite", Value::String(v)) => {
                out.same_site = Some(match v.as_str() {
                    "lax" => SameSite::Lax,
                    "strict" => SameSite::Strict,
                    "none" => SameSite::None,
                    _ => return None,
                });
            }
            _ => return None,
        }
    }
    Some((out, max_age))
}

/// A `Cookie` header carrying these cookies, each value encoded as a browser would send what it
/// was given.
/// A scenario's `cookieOptions`: the storage key it names and the cookie attributes (its
/// `maxAge` is ignored, as the JS library ignores it).
pub fn scenario_cookie_options(scenario: &Value) -> Option<(String, CookieOptions)> {
    let options = scenario.get("cookie_options")?.as_object()?;
    let attributes: serde_json::Map<String, Value> = options
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "name" | "maxAge"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let (cookie_options, _) = js_options(&Value::Object(attributes))?;
    Some((s(&options["name"]).to_owned(), cookie_options))
}

pub fn cookie_header(cookies: &serde_json::Map<String, Value>) -> String {
    cookies
        .iter()
        .map(|(name, value)| {
            let encoded: String =
                url::form_urlencoded::byte_serialize(s(value).as_bytes()).collect();
            format!("{name}={}", encoded.replace('+', "%20"))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn jar_of(value: &Value) -> BTreeMap<String, String> {
    value
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), s(v).to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// The item a cookie belongs to (`k` for `k.3`).
pub fn item_of(name: &str) -> &str {
    match name.rsplit_once('.') {
        Some((base, _)) if is_chunk_like(name, base) => base,
        _ => name,
    }
}

/// The last write the JS library made to each cookie name and scope, as (name, has domain) →
/// `Set-Cookie` reference rendering.
pub fn js_net_writes(step: &Value) -> BTreeMap<(String, bool), String> {
    let mut net = BTreeMap::new();
    for call in step["set_all_calls"].as_array().unwrap() {
        for write in call["cookies"].as_array().unwrap() {
            let has_domain = write["options"].get("domain").is_some();
            let rendered = write["set_cookie_header"].as_str().map_or_else(
                || {
                    let (options, max_age) = js_options(&write["options"]).unwrap();
                    serialize_set_cookie(s(&write["name"]), s(&write["value"]), &options, max_age)
                        .unwrap()
                },
                str::to_owned,
            );
            net.insert((s(&write["name"]).to_owned(), has_domain), rendered);
        }
    }
    net
}

/// For steps recorded without their own request cookies: the jar after the step without the
/// cookies the step wrote. Not possible when the step deleted cookies (their values are gone).
pub fn inferred_request_cookies(step: &Value) -> Option<serde_json::Map<String, Value>> {
    let written = js_net_writes(step);
    if written.values().any(|w| w.contains("Max-Age=0")) {
        return None;
    }
    let jar = step["jar_after"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(name, _)| !written.contains_key(&((*name).clone(), false)))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(jar)
}
