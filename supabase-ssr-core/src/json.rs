//! JSON values whose objects keep their keys in document order.
//!
//! A session is stored as the JSON text the JavaScript library would write: the server's key
//! order, `expires_at` appended, the user replaced in place. Request bodies and Data API query
//! strings follow the order of the caller's object too, like `JSON.stringify`. `serde_json::Map`
//! keeps that order only with `serde_json`'s `preserve_order` feature, and a library enabling it
//! would change every `serde_json::Map` of the application (Cargo unifies features), so the
//! order-sensitive paths use this small tree instead. Parsing and writing go through `serde_json`,
//! so the text is exactly what `serde_json::Value` with `preserve_order` produced: numbers and
//! string escapes are `serde_json`'s.

use std::fmt;

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Number;

/// A JSON value; objects keep their key order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Json>),
    Object(Object),
}

/// A JSON object in key order. A repeated key keeps its first place and its last value, like
/// `JSON.parse` (and `IndexMap::insert`).
///
/// An `IndexMap`, not a list of pairs: a hostile token payload or user metadata with many
/// keys must not make a lookup per key cost a scan of the keys before it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Object(IndexMap<String, Json>);

impl Object {
    /// An empty object.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&Json> {
        self.0.get(key)
    }

    /// Whether `key` is present.
    pub(crate) fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Sets `key`: in place when present (like a JavaScript property), appended otherwise.
    pub(crate) fn insert(&mut self, key: impl Into<String>, value: impl Into<Json>) {
        self.0.insert(key.into(), value.into());
    }

    /// Removes `key`, keeping the order of the others (like `delete` in JavaScript).
    pub(crate) fn remove(&mut self, key: &str) -> Option<Json> {
        self.0.shift_remove(key)
    }

    /// The pairs, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Json)> {
        self.0.iter()
    }

    #[cfg(feature = "rest")]
    /// The keys, in order.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.keys()
    }

    #[cfg(feature = "rest")]
    /// The values, in order.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Json> {
        self.0.values()
    }

    /// The object as a `serde_json::Map` (in that map's own order).
    pub(crate) fn to_map(&self) -> serde_json::Map<String, serde_json::Value> {
        self.0
            .iter()
            .map(|(k, v)| (k.clone(), v.to_value()))
            .collect()
    }
}

impl<K: Into<String>> FromIterator<(K, Json)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Json)>>(pairs: I) -> Self {
        let mut object = Self::new();
        for (key, value) in pairs {
            object.insert(key, value);
        }
        object
    }
}

impl IntoIterator for Object {
    type Item = (String, Json);
    type IntoIter = indexmap::map::IntoIter<String, Json>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl Json {
    /// Parses JSON text.
    pub(crate) fn parse(text: &str) -> serde_json::Result<Self> {
        serde_json::from_str(text)
    }

    /// Any serializable value, keeping the key order its `Serialize` writes (struct field
    /// order, a map's iteration order).
    pub(crate) fn from_serialize(value: &impl Serialize) -> serde_json::Result<Self> {
        // Through text: serde_json's writer keeps the order; its `Value` would not.
        Self::parse(&serde_json::to_string(value)?)
    }

    /// A `serde_json::Map` (in its own order).
    pub(crate) fn from_map(map: &serde_json::Map<String, serde_json::Value>) -> Self {
        Self::Object(Object(
            map.iter()
                .map(|(k, v)| (k.clone(), Self::from_value(v)))
                .collect(),
        ))
    }

    /// A `serde_json::Value` (its maps in their own order).
    pub(crate) fn from_value(value: &serde_json::Value) -> Self {
        use serde_json::Value;
        match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(*b),
            Value::Number(n) => Self::Number(n.clone()),
            Value::String(s) => Self::String(s.clone()),
            Value::Array(items) => Self::Array(items.iter().map(Self::from_value).collect()),
            Value::Object(map) => Self::from_map(map),
        }
    }

    /// The value as a `serde_json::Value` (objects in `serde_json::Map`'s order).
    pub(crate) fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Self::Null => Value::Null,
            Self::Bool(b) => Value::Bool(*b),
            Self::Number(n) => Value::Number(n.clone()),
            Self::String(s) => Value::String(s.clone()),
            Self::Array(items) => Value::Array(items.iter().map(Self::to_value).collect()),
            Self::Object(object) => Value::Object(object.to_map()),
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Number(n) => n.as_f64(),
            _ => None,
        }
    }

    // Used by the rest module, and by auth code on and off: allowed unused without `rest` so
    // neither way breaks builds without it (supabase-ssr-testing's).
    #[cfg_attr(not(feature = "rest"), allow(dead_code))]
    pub(crate) fn as_object(&self) -> Option<&Object> {
        match self {
            Self::Object(object) => Some(object),
            _ => None,
        }
    }

    #[cfg(feature = "rest")]
    pub(crate) fn as_array(&self) -> Option<&Vec<Json>> {
        match self {
            Self::Array(items) => Some(items),
            _ => None,
        }
    }

    #[cfg(feature = "rest")]
    pub(crate) fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    pub(crate) fn is_string(&self) -> bool {
        matches!(self, Self::String(_))
    }
}

impl From<&str> for Json {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<String> for Json {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<bool> for Json {
    fn from(b: bool) -> Self {
        Self::Bool(b)
    }
}

impl From<i64> for Json {
    fn from(n: i64) -> Self {
        Self::Number(n.into())
    }
}

impl From<f64> for Json {
    /// `null` for NaN and the infinities, as `JSON.stringify` writes them.
    fn from(n: f64) -> Self {
        Number::from_f64(n).map_or(Self::Null, Self::Number)
    }
}

impl From<Object> for Json {
    fn from(object: Object) -> Self {
        Self::Object(object)
    }
}

/// Compact JSON text, as `JSON.stringify` without indentation.
impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = serde_json::to_string(self).map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

impl Serialize for Json {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Number(n) => n.serialize(serializer),
            Self::String(s) => serializer.serialize_str(s),
            Self::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Object(object) => object.serialize(serializer),
        }
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

impl<'de> Deserialize<'de> for Object {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Json::deserialize(deserializer)? {
            Json::Object(object) => Ok(object),
            _ => Err(de::Error::custom("expected a JSON object")),
        }
    }
}

/// How `serde_json` hands over a number when an application enables its `arbitrary_precision`
/// feature: a one-entry map with this key and the number's text.
const ARBITRARY_PRECISION_NUMBER: &str = "$serde_json::private::Number";

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(Json::from(n))
    }

    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        Json::deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut object = Object::new();
        while let Some(key) = map.next_key::<String>()? {
            if object.0.is_empty() && key == ARBITRARY_PRECISION_NUMBER {
                let text: String = map.next_value()?;
                let number = text.parse::<Number>().map_err(de::Error::custom)?;
                return Ok(Json::Number(number));
            }
            let value: Json = map.next_value()?;
            object.insert(key, value);
        }
        Ok(Json::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_keep_their_key_order_at_every_depth() {
        let text = r#"{"z":1,"a":{"y":[{"q":true,"b":null}],"c":"é\n"},"m":-2.5,"big":18446744073709551615}"#;
        assert_eq!(Json::parse(text).unwrap().to_string(), text);
    }

    #[test]
    fn a_repeated_key_keeps_its_first_place_and_last_value_like_json_parse() {
        let json = Json::parse(r#"{"a":1,"b":2,"a":3}"#).unwrap();
        assert_eq!(json.to_string(), r#"{"a":3,"b":2}"#);
    }

    #[test]
    fn insert_replaces_in_place_and_appends_new_keys() {
        let Json::Object(mut object) = Json::parse(r#"{"user":1,"x":2}"#).unwrap() else {
            panic!("not an object")
        };
        object.insert("user", "u");
        object.insert("expires_at", 5_i64);
        assert_eq!(
            Json::from(object).to_string(),
            r#"{"user":"u","x":2,"expires_at":5}"#
        );
    }

    #[cfg(feature = "rest")]
    #[test]
    fn serializable_values_keep_their_field_order() {
        #[derive(Serialize)]
        struct Row {
            zeta: u8,
            alpha: &'static str,
        }
        let json = Json::from_serialize(&Row {
            zeta: 1,
            alpha: "a",
        })
        .unwrap();
        assert_eq!(json.to_string(), r#"{"zeta":1,"alpha":"a"}"#);
    }
}
