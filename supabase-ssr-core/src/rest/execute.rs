//! Sending a [`FilterBuilder`] as the request's user and reading `PostgREST`'s answer the way
//! postgrest-js does (`PostgrestBuilder.processResponse`).

use http::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::builder::FilterBuilder;
use super::error::{PostgrestError, RestError};
use super::retry;
use crate::as_user;
use crate::json::Json;

/// A successful answer with its metadata.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RestResponse<T> {
    /// The rows (or the function's result), deserialized.
    pub data: T,
    /// The total from `Content-Range` when a [`Count`](super::Count) was asked for.
    pub count: Option<u64>,
    /// The HTTP status.
    pub status: u16,
}

impl FilterBuilder {
    /// Sends the request as the user and deserializes the result into `T`: `Vec<Row>` for
    /// rows, `Row` after [`single`](Self::single), `Option<Row>` after
    /// [`maybe_single`](Self::maybe_single), `()` or `Option<…>` when there is no body (a
    /// write without [`select`](Self::select), a `HEAD`), `String` after [`csv`](Self::csv)
    /// or a text [`explain`](Self::explain) (their body is text, as postgrest-js gives it).
    pub async fn execute<T: DeserializeOwned>(self) -> Result<T, RestError> {
        Ok(self.execute_response().await?.data)
    }

    /// Like [`execute`](Self::execute), with the row count and the status.
    pub async fn execute_response<T: DeserializeOwned>(self) -> Result<RestResponse<T>, RestError> {
        let maybe_single = self.maybe_single;
        // postgrest-js gives CSV and text plans as the body's text, not parsed.
        let text_answer = self
            .accept_sent()
            .is_some_and(|a| a == "text/csv" || a.contains("application/vnd.pgrst.plan+text"));
        let (status, count, text) = self.send().await?;
        // `T` is read from the text itself, so a map type that keeps key order (an
        // `IndexMap`, say) sees the server's order.
        let data: T = if text_answer && !text.is_empty() {
            decode(&serde_json::Value::String(text).to_string())?
        } else if maybe_single {
            let data = if text.is_empty() {
                Json::Null
            } else {
                Json::parse(&text).map_err(|e| not_json(&e))?
            };
            let row = match data {
                Json::Array(mut rows) if rows.len() <= 1 => rows.pop().unwrap_or(Json::Null),
                // The same error PostgREST gives `single()` (postgrest-js builds it too).
                Json::Array(rows) => {
                    return Err(RestError::Api {
                        status: 406,
                        error: PostgrestError {
                            code: "PGRST116".to_owned(),
                            message: "JSON object requested, multiple (or no) rows returned"
                                .to_owned(),
                            details: Some(format!(
                                "Results contain {} rows, application/vnd.pgrst.object+json requires 1 row",
                                rows.len()
                            )),
                            hint: None,
                        },
                    });
                }
                other => other,
            };
            decode(&row.to_string())?
        } else if text.is_empty() {
            decode("null")?
        } else {
            decode(&text)?
        };
        Ok(RestResponse {
            data,
            count,
            status,
        })
    }

    /// Sends the request as the user and returns the body as text (for
    /// [`csv`](Self::csv)).
    pub async fn execute_text(self) -> Result<String, RestError> {
        Ok(self.send().await?.2)
    }

    /// Sends the request; returns the status, the count and the body of a success.
    async fn send(self) -> Result<(u16, Option<u64>, String), RestError> {
        let (status, count, text) = self.send_raw().await?;
        if (200..300).contains(&status) {
            return Ok((status, count, text));
        }
        error_answer(status, count, text)
    }

    /// Sends the `OpenAPI` request ([`RestClient::open_api_spec`](super::RestClient::open_api_spec))
    /// and reads the answer as postgrest-js `getOpenApiSpec` does: any non-2xx status is an
    /// error (none of the 404 rewrites of table reads), and so is a body that is not JSON.
    pub(crate) async fn send_open_api(self) -> Result<Value, RestError> {
        let (status, _, text) = self.send_raw().await?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| not_json(&e));
        }
        let error = match serde_json::from_str::<Value>(&text) {
            Ok(value @ Value::Object(_)) => serde_json::from_value(value).unwrap_or_default(),
            _ => PostgrestError {
                message: if text.is_empty() {
                    http::StatusCode::from_u16(status)
                        .ok()
                        .and_then(|s| s.canonical_reason())
                        .unwrap_or_default()
                        .to_owned()
                } else {
                    text
                },
                ..PostgrestError::default()
            },
        };
        Err(RestError::Api { status, error })
    }

    /// Sends the request; returns the status, the count (when asked for) and the body (empty
    /// for a `HEAD`), whatever the status.
    async fn send_raw(self) -> Result<(u16, Option<u64>, String), RestError> {
        let prepared = self.to_request()?;
        let (http, request) = as_user::request(
            &self.client,
            prepared.method().clone(),
            prepared.url().clone(),
        )
        .await?
        .build_split();
        let mut request = request.map_err(|e| RestError::Transport(crate::ErrorSource::http(e)))?;
        let mut own = http::HeaderMap::new();
        for (name, value) in prepared.headers() {
            let (name, value) =
                as_user::caller_header(name.as_str(), value.as_str()).map_err(|_| {
                    RestError::InvalidRequest(format!("the header `{name}` is not valid"))
                })?;
            own.insert(name, value);
        }
        // Over the client's: a `set_header("Authorization", …)` replaces the user's token.
        as_user::lay_over(request.headers_mut(), own);
        if let Some(body) = prepared.body() {
            *request.body_mut() = Some(body.to_owned().into());
        }
        tracing::debug!(method = %prepared.method(), path = prepared.url().path(), "Data API request");
        let retry = self.retry.unwrap_or(self.client.shared.db_retry);
        let response = retry::send(&http, request, retry)
            .await
            .map_err(|e| RestError::Transport(crate::ErrorSource::http(e)))?;
        let status = response.status().as_u16();
        // postgrest-js reads the count when the `Prefer` sent asks for one.
        let counted = prepared.header("Prefer").is_some_and(|prefer| {
            ["count=exact", "count=planned", "count=estimated"]
                .iter()
                .any(|c| prefer.contains(c))
        });
        let count = response
            .headers()
            .get("content-range")
            .filter(|_| counted)
            .and_then(|v| v.to_str().ok())
            .and_then(|range| range.split('/').nth(1))
            .and_then(|total| total.parse().ok());
        let text = response
            .text()
            .await
            .map_err(|e| RestError::Transport(crate::ErrorSource::http(e)))?;
        if prepared.method() == Method::HEAD {
            return Ok((status, count, String::new()));
        }
        Ok((status, count, text))
    }
}

fn not_json(error: &serde_json::Error) -> RestError {
    RestError::Decode(format!("the body is not JSON: {error}"))
}

/// `T` from JSON text: a type mismatch and text that is not JSON are told apart.
fn decode<T: DeserializeOwned>(text: &str) -> Result<T, RestError> {
    serde_json::from_str(text).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => {
            RestError::Decode(format!("the rows do not match the type: {e}"))
        }
        _ => not_json(&e),
    })
}

/// A non-2xx answer: `PostgREST`'s error, except the two 404s postgrest-js reads as success
/// (a JSON array body, an empty body).
fn error_answer(
    status: u16,
    count: Option<u64>,
    text: String,
) -> Result<(u16, Option<u64>, String), RestError> {
    match serde_json::from_str::<Value>(&text) {
        Ok(Value::Array(_)) if status == 404 => Ok((200, count, text)),
        Ok(value @ Value::Object(_)) => Err(RestError::Api {
            status,
            error: serde_json::from_value(value).unwrap_or_default(),
        }),
        Err(_) if status == 404 && text.is_empty() => Ok((204, count, text)),
        _ => Err(RestError::Api {
            status,
            error: PostgrestError {
                message: text,
                ..PostgrestError::default()
            },
        }),
    }
}
