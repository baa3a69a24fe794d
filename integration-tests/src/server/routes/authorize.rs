//! `GET /authorize?provider=…`: a built-in test OAuth provider that consents at once.
//!
//! The real flow goes server → provider → `/callback` → `redirect_to`; here the provider step
//! is skipped and the browser goes straight to `redirect_to` with `?code=` (PKCE, when the
//! request carried `code_challenge`) or the session in the fragment (implicit). The account is
//! `login_hint` if given, else `Settings::oauth_email`; its user is created on first use. A
//! `state` from `GET /user/identities/authorize` links the account to that user instead. A
//! `custom:…` provider must exist (`/admin/custom-providers`) and be enabled.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{fragment_of, redirect, redirect_target};
use crate::server::errors::ApiError;
use crate::server::identities::{ProviderAccount, test_subject};
use crate::server::random;
use crate::server::state::{Inner, Shared};
use crate::server::tokens::ProviderTokens;

pub(crate) async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let get = |k: &str| query.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let provider = get("provider").ok_or_else(|| {
        ApiError::bad_request(
            "validation_failed",
            "Unsupported provider: missing provider",
        )
    })?;
    let mut inner = shared.lock();
    check_custom_provider(&inner, provider)?;
    let mut target = redirect_target(&inner, get("redirect_to"))?;
    let email =
        get("login_hint").map_or_else(|| inner.settings.oauth_email.clone(), str::to_lowercase);
    let account = test_account(&inner, provider, &email);
    let user_id = match get("state") {
        Some(state) => match link(&mut inner, state, &account) {
            Ok(id) => id,
            Err(error) => {
                redirect_error(&mut target, &error);
                return Ok(redirect(StatusCode::FOUND, &target));
            }
        },
        None => inner.external_user(&account)?,
    };
    let tokens = ProviderTokens {
        access: format!("test-provider-token-{}", random::token()),
        refresh: format!("test-provider-refresh-{}", random::token()),
    };
    let code = inner.start_flow(
        get("code_challenge"),
        get("code_challenge_method"),
        "oauth",
        Some(user_id.clone()),
    )?;
    if let Some(code) = code {
        if let Some(flow) = inner.flows.get_mut(&code) {
            flow.provider_tokens = Some(tokens);
        }
        target.query_pairs_mut().append_pair("code", &code);
    } else {
        let session = inner.sign_in(&user_id, "oauth", Some(&tokens))?;
        target.set_fragment(Some(&fragment_of(&session, "")));
    }
    tracing::info!(provider, "test provider consented");
    Ok(redirect(StatusCode::FOUND, &target))
}

/// A `custom:…` provider must be one the admin API created, and enabled (the Go server's
/// `loadCustomProvider`); any other name stands for a configured provider.
fn check_custom_provider(inner: &Inner, provider: &str) -> Result<(), ApiError> {
    let name = provider.to_lowercase();
    if !name.starts_with("custom:") {
        return Ok(());
    }
    let problem = match inner.custom_provider(&name) {
        None => "not found",
        Some(p) if !p.enabled() => "is disabled",
        Some(_) => return Ok(()),
    };
    Err(ApiError::bad_request(
        "validation_failed",
        format!("Unsupported provider: custom provider {name} {problem}"),
    ))
}

/// The test provider's account for `email`: a stable subject, a verified email.
fn test_account(inner: &Inner, provider: &str, email: &str) -> ProviderAccount {
    ProviderAccount {
        provider: provider.to_owned(),
        subject: test_subject(email),
        email: email.to_owned(),
        email_verified: true,
        extra: json!({
            "full_name": "Test Provider User",
            "iss": format!("{}/__provider/{provider}", inner.base_url),
            "name": "Test Provider User",
        }),
    }
}

/// Links the account to the user the `state` names (the callback's `linkIdentityToUser`).
fn link(inner: &mut Inner, state: &str, account: &ProviderAccount) -> Result<String, ApiError> {
    let user_id = inner.take_link(state).ok_or_else(|| {
        ApiError::new(
            404,
            "flow_state_not_found",
            "OAuth state not found or expired",
        )
    })?;
    inner.link_account(&user_id, account)?;
    Ok(user_id)
}

/// A failed callback: the error in the query and (deprecated, still sent) the fragment, as the
/// Go server's `redirectErrors` writes it.
fn redirect_error(target: &mut url::Url, error: &ApiError) {
    let kind = match error.status {
        400 => "invalid_request",
        401 => "unauthorized_client",
        403 => "access_denied",
        503 => "temporarily_unavailable",
        _ => "server_error",
    };
    target
        .query_pairs_mut()
        .append_pair("error", kind)
        .append_pair("error_code", &error.code)
        .append_pair("error_description", &error.message);
    let fragment = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("error", kind)
        .append_pair("error_description", &error.message)
        .append_pair("error_code", &error.code)
        .append_pair("sb", "")
        .finish();
    target.set_fragment(Some(&fragment));
}
