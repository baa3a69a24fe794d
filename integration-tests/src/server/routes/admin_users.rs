//! `/admin/users[/{id}[/factors[/{factor_id}]]]`: the service-role user API
//! (`gotrue:internal/api/admin.go`). Every handler checks the caller first.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::json_body;
use crate::server::admin_users::{AdminUserParams, check_user_id};
use crate::server::errors::ApiError;
use crate::server::factors::Factor;
use crate::server::state::Shared;

/// The Go server's page size when `per_page` is not given.
const DEFAULT_PER_PAGE: u64 = 50;

/// `GET /admin/users?page=&per_page=&filter=`: `{users, aud}` with `X-Total-Count` and a `Link`
/// header naming the `next` (when there is one) and `last` pages, as the Go server's
/// `addPaginationHeaders` writes them (auth-js reads the page numbers from it).
pub(crate) async fn list(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        params
            .entry(k.into_owned())
            .or_default()
            .push(v.into_owned());
    }
    let number = |key: &str, default: u64| -> Result<u64, ApiError> {
        match params.get(key).and_then(|v| v.first()).map(String::as_str) {
            None | Some("") => Ok(default),
            Some(text) => text.parse().map_err(|_| {
                ApiError::bad_request(
                    "validation_failed",
                    format!(
                        "Bad Pagination Parameters: strconv.ParseUint: parsing \"{text}\": invalid syntax"
                    ),
                )
            }),
        }
    };
    let page = number("page", 1)?;
    let per_page = number("per_page", DEFAULT_PER_PAGE)?;
    if per_page == 0 {
        // GoTrue divides by it when counting pages, and its recoverer answers 500.
        return Err(ApiError::internal("per_page=0"));
    }
    let filter = params
        .get("filter")
        .and_then(|v| v.first())
        .map_or("", String::as_str);
    let (users, total) = inner.admin_list_users(page, per_page, filter);
    let link = pagination_link(&mut params, page, per_page, total);
    let mut response = Json(json!({ "users": users, "aud": "authenticated" })).into_response();
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&link) {
        h.insert("link", v);
    }
    h.insert("x-total-count", HeaderValue::from(total));
    Ok(response)
}

/// `</admin/users?page=2&per_page=1>; rel="next", </admin/users?page=3&per_page=1>; rel="last"`:
/// the request's query with `page` replaced, keys sorted as Go's `url.Values.Encode` sorts them.
fn pagination_link(
    params: &mut BTreeMap<String, Vec<String>>,
    page: u64,
    per_page: u64,
    total: u64,
) -> String {
    let total_pages = total.div_ceil(per_page);
    let mut url_with = |page: u64| {
        params.insert("page".to_owned(), vec![page.to_string()]);
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        for (k, values) in params.iter() {
            for v in values {
                query.append_pair(k, v);
            }
        }
        format!("</admin/users?{}>", query.finish())
    };
    let mut header = String::new();
    if total_pages > page {
        header.push_str(&url_with(page + 1));
        header.push_str("; rel=\"next\", ");
    }
    header.push_str(&url_with(total_pages));
    header.push_str("; rel=\"last\"");
    header
}

/// `POST /admin/users`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    let params = AdminUserParams::from_body(json_body(&body)?)?;
    inner.admin_create_user(&params).map(Json)
}

/// `GET /admin/users/{id}`.
pub(crate) async fn get(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    inner
        .user(&id)
        .map(|u| Json(u.to_json()))
        .ok_or_else(|| ApiError::internal("checked user vanished"))
}

/// `PUT /admin/users/{id}`.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    let params = AdminUserParams::from_body(json_body(&body)?)?;
    inner.admin_update_user(&id, &params).map(Json)
}

/// `DELETE /admin/users/{id}` with an optional `{"should_soft_delete": bool}`: `{}`.
pub(crate) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    let body = json_body(&body)?;
    let soft = match body.get("should_soft_delete") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::bad_request(
                "bad_json",
                "Could not parse request body as JSON: should_soft_delete must be a boolean",
            ));
        }
    };
    inner.admin_delete_user(&id, soft)?;
    Ok(Json(json!({})))
}

/// `GET /admin/users/{id}/factors`: every factor of the user, verified or not.
pub(crate) async fn list_factors(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    let factors: Vec<Value> = inner
        .user(&id)
        .map(|u| u.factors.iter().map(Factor::to_json).collect())
        .unwrap_or_default();
    Ok(Json(Value::Array(factors)))
}

/// `DELETE /admin/users/{id}/factors/{factor_id}`: the deleted factor. No aal2 is needed, unlike
/// a user's own unenroll.
pub(crate) async fn delete_factor(
    State(shared): State<Arc<Shared>>,
    Path((id, factor_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    shared.require_admin(&inner, &headers)?;
    check_user_id(&inner, &id)?;
    if uuid::Uuid::parse_str(&factor_id).is_err() {
        return Err(ApiError::new(
            404,
            "validation_failed",
            "factor_id must be an UUID",
        ));
    }
    inner
        .remove_factor(&id, &factor_id)
        .map(|f| Json(f.to_json()))
}
