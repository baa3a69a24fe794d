//! The HTTP surface: Auth API routes under `/auth/v1` and the admin routes for tests.

mod admin;
mod admin_links;
mod admin_passkeys;
mod admin_users;
mod authorize;
mod custom_providers;
mod factors;
mod identities;
mod logout;
mod meta;
mod oauth_server;
mod otp;
mod reauthenticate;
mod recover;
mod resend;
mod signup;
mod sso;
mod token;
mod user;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::{delete, get, post};
use serde_json::{Map, Value};

use super::errors::ApiError;
use super::gate::gate;
use super::state::{Inner, Shared};

/// Every route, behind the gate middleware, behind CORS.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let auth = Router::new()
        .route("/token", post(token::token))
        .route("/signup", post(signup::signup))
        .route("/otp", post(otp::otp))
        .route("/verify", post(verify::verify_post).get(verify::verify_get))
        .route("/user", get(user::get_user).put(user::put_user))
        .route("/logout", post(logout::logout))
        .route("/recover", post(recover::recover))
        .route("/authorize", get(authorize::authorize))
        .route("/.well-known/jwks.json", get(meta::jwks))
        .route("/settings", get(meta::settings))
        .route("/health", get(meta::health))
        .route("/factors", post(factors::enroll))
        .route("/factors/", post(factors::enroll))
        .route("/factors/{factor_id}", delete(factors::unenroll))
        .route("/factors/{factor_id}/challenge", post(factors::challenge))
        .route("/factors/{factor_id}/verify", post(factors::verify))
        .route("/resend", post(resend::resend))
        .route("/reauthenticate", get(reauthenticate::reauthenticate))
        .route("/user/identities/authorize", get(identities::authorize))
        .route("/user/identities/{identity_id}", delete(identities::unlink))
        .route("/sso", post(sso::sso))
        .route("/sso/saml/acs", post(sso::acs))
        .route(
            "/admin/users",
            get(admin_users::list).post(admin_users::create),
        )
        .route(
            "/admin/users/{user_id}",
            get(admin_users::get)
                .put(admin_users::update)
                .delete(admin_users::delete),
        )
        .route(
            "/admin/users/{user_id}/factors",
            get(admin_users::list_factors),
        )
        .route(
            "/admin/users/{user_id}/factors/{factor_id}",
            delete(admin_users::delete_factor),
        )
        .route("/admin/users/{user_id}/passkeys", get(admin_passkeys::list))
        .route(
            "/admin/users/{user_id}/passkeys/{passkey_id}",
            delete(admin_passkeys::delete),
        )
        .route(
            "/admin/custom-providers",
            get(custom_providers::list).post(custom_providers::create),
        )
        .route(
            "/admin/custom-providers/{identifier}",
            get(custom_providers::get)
                .put(custom_providers::update)
                .delete(custom_providers::delete),
        )
        .route("/invite", post(admin_links::invite))
        .route("/admin/generate_link", post(admin_links::generate_link))
        .merge(oauth_server_routes());
    Router::new()
        .nest("/auth/v1", auth)
        .route("/__idp/sso", get(sso::idp_page))
        .route("/__outbox", get(admin::outbox).delete(admin::clear_outbox))
        .route("/__faults", get(admin::faults).post(admin::set_faults))
        .route(
            "/__counters",
            get(admin::counters).delete(admin::reset_counters),
        )
        .route("/__clock", post(admin::clock))
        .route("/__settings", post(admin::settings))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&shared),
            gate,
        ))
        // Outermost: preflights never reach the gate.
        .layer(axum::middleware::from_fn(super::cors::cors))
        .with_state(shared)
}

/// The OAuth 2.1 server's routes (`routes/oauth_server.rs`).
fn oauth_server_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/admin/oauth/clients",
            get(oauth_server::list_clients).post(oauth_server::create_client),
        )
        .route(
            "/admin/oauth/clients/{client_id}",
            get(oauth_server::get_client)
                .put(oauth_server::update_client)
                .delete(oauth_server::delete_client),
        )
        .route(
            "/admin/oauth/clients/{client_id}/regenerate_secret",
            post(oauth_server::regenerate_secret),
        )
        .route("/oauth/authorize", get(oauth_server::authorize))
        .route("/oauth/token", post(oauth_server::token))
        .route(
            "/oauth/authorizations/{authorization_id}",
            get(oauth_server::authorization_details),
        )
        .route(
            "/oauth/authorizations/{authorization_id}/consent",
            post(oauth_server::consent),
        )
        .route(
            "/user/oauth/grants",
            get(oauth_server::list_grants).delete(oauth_server::revoke_grant),
        )
}

/// The request body as a JSON object; an empty body is `{}` (`bad_json` otherwise, like the Go
/// server).
pub(crate) fn json_body(body: &Bytes) -> Result<Value, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "bad_json",
            format!("Could not parse request body as JSON: {e}"),
        )
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(ApiError::bad_request(
            "bad_json",
            "Could not parse request body as JSON: expected an object",
        ))
    }
}

/// A string field of a JSON object, if present and a string.
pub(crate) fn field<'a>(body: &'a Value, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

/// Where to send the browser: `redirect_to` if it is an absolute http(s) URL, else the site URL.
/// (The hosted service checks an allow list; a test server accepts any.)
pub(crate) fn redirect_target(
    inner: &Inner,
    redirect_to: Option<&str>,
) -> Result<url::Url, ApiError> {
    redirect_to
        .and_then(|r| url::Url::parse(r).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .or_else(|| url::Url::parse(&inner.settings.site_url).ok())
        .ok_or_else(|| ApiError::internal("site_url is not a valid URL"))
}

/// A token response as URL fragment pairs (implicit flow redirects).
pub(crate) fn fragment_of(session: &Value, kind: &str) -> String {
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for key in [
        "access_token",
        "expires_at",
        "expires_in",
        "provider_refresh_token",
        "provider_token",
        "refresh_token",
        "token_type",
    ] {
        match session.get(key) {
            Some(Value::String(s)) => {
                pairs.append_pair(key, s);
            }
            Some(Value::Number(n)) => {
                pairs.append_pair(key, &n.to_string());
            }
            _ => {}
        }
    }
    pairs.append_pair("type", kind);
    pairs.finish()
}

/// A `303 See Other`/`302 Found` to `location`.
pub(crate) fn redirect(
    status: axum::http::StatusCode,
    location: &url::Url,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    (
        status,
        [(axum::http::header::LOCATION, location.as_str().to_owned())],
    )
        .into_response()
}
