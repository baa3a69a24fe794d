//! `GET /authorize?provider=…`: a built-in test OAuth provider that consents at once.
//!
//! The real flow goes server → provider → `/callback` → `redirect_to`; here the provider step
//! is skipped and the browser goes straight to `redirect_to` with `?code=` (PKCE, when the
//! request carried `code_challenge`) or the session in the fragment (implicit). The account is
//! `login_hint` if given, else `Settings::oauth_email`; it is created on first use.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::{fragment_of, redirect, redirect_target};
use crate::server::errors::ApiError;
use crate::server::options::SeedUser;
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
    let mut target = redirect_target(&inner, get("redirect_to"))?;
    let email =
        get("login_hint").map_or_else(|| inner.settings.oauth_email.clone(), str::to_lowercase);
    let user_id = oauth_user(&mut inner, &email, provider)?;
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

/// The account for `email`, created confirmed on first use; the provider joins its
/// `app_metadata.providers`.
fn oauth_user(inner: &mut Inner, email: &str, provider: &str) -> Result<String, ApiError> {
    let existing = inner.user_by_email(email).map(|u| u.id.clone());
    let id = if let Some(id) = existing {
        id
    } else {
        let seed = SeedUser::new(email, "").user_metadata(json!({
            "email": email,
            "full_name": "Test Provider User",
            "provider_id": random::uuid(),
        }));
        inner.create_user(&seed, provider)?
    };
    if let Some(user) = inner.user_mut(&id)
        && let Some(providers) = user
            .app_metadata
            .get_mut("providers")
            .and_then(|p| p.as_array_mut())
        && !providers.iter().any(|p| p == provider)
    {
        providers.push(json!(provider));
    }
    Ok(id)
}
