//! The project as an OAuth 2.1 server for third-party apps (`gotrue:internal/api/oauthserver`):
//! registered clients, pending authorizations, the user's consents (grants), and the
//! authorization codes the apps exchange at `/oauth/token`.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::pkce::ChallengeMethod;
use super::random;
use super::state::Inner;

/// Where the Auth server sends the browser to consent, under the site URL (the Go server's
/// `GOTRUE_OAUTH_SERVER_AUTHORIZATION_PATH`).
pub const OAUTH_CONSENT_PATH: &str = "/oauth/consent";

/// How long an authorization (and its code) lives (the Go server's default `AuthorizationTTL`).
const AUTHORIZATION_TTL_MS: i64 = 10 * 60 * 1000;

/// The scopes the Go server knows (`models.IsSupportedScope`).
const SUPPORTED_SCOPES: [&str; 4] = ["openid", "email", "profile", "phone"];

/// Everything the OAuth server holds.
#[derive(Debug, Default)]
pub(crate) struct OAuthServerState {
    clients: Vec<Client>,
    authorizations: HashMap<String, Authorization>,
    consents: Vec<Consent>,
}

#[derive(Debug, Clone)]
struct Client {
    id: String,
    name: String,
    uri: String,
    logo_uri: String,
    redirect_uris: Vec<String>,
    grant_types: Vec<String>,
    auth_method: String,
    secret: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Client {
    fn is_confidential(&self) -> bool {
        self.auth_method != "none"
    }

    /// `OAuthServerClientResponse`, without the secret.
    fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("client_id".into(), json!(self.id));
        body.insert(
            "client_type".into(),
            json!(if self.is_confidential() {
                "confidential"
            } else {
                "public"
            }),
        );
        body.insert("redirect_uris".into(), json!(self.redirect_uris));
        body.insert("token_endpoint_auth_method".into(), json!(self.auth_method));
        body.insert("grant_types".into(), json!(self.grant_types));
        body.insert("response_types".into(), json!(["code"]));
        for (key, value) in [
            ("client_name", &self.name),
            ("client_uri", &self.uri),
            ("logo_uri", &self.logo_uri),
        ] {
            if !value.is_empty() {
                body.insert(key.into(), json!(value));
            }
        }
        body.insert("registration_type".into(), json!("manual"));
        body.insert("created_at".into(), json!(rfc3339(self.created_at)));
        body.insert("updated_at".into(), json!(rfc3339(self.updated_at)));
        Value::Object(body)
    }

    fn with_secret(&self) -> Value {
        let mut body = self.to_json();
        if let (Some(secret), Some(object)) = (&self.secret, body.as_object_mut()) {
            object.insert("client_secret".into(), json!(secret));
        }
        body
    }

    /// `ClientDetailsResponse` (consent page, grants).
    fn details(&self) -> Value {
        let mut body = Map::new();
        body.insert("id".into(), json!(self.id));
        for (key, value) in [
            ("name", &self.name),
            ("uri", &self.uri),
            ("logo_uri", &self.logo_uri),
        ] {
            if !value.is_empty() {
                body.insert(key.into(), json!(value));
            }
        }
        Value::Object(body)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Pending,
    Approved,
    Denied,
}

#[derive(Debug, Clone)]
struct Authorization {
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    challenge: String,
    method: ChallengeMethod,
    user_id: Option<String>,
    status: Status,
    code: Option<String>,
    expires_at: i64,
}

#[derive(Debug, Clone)]
struct Consent {
    user_id: String,
    client_id: String,
    scopes: Vec<String>,
    granted_at: i64,
}

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("validation_failed", message)
}

fn client_not_found() -> ApiError {
    ApiError::new(404, "oauth_client_not_found", "OAuth client not found")
}

fn authorization_not_found() -> ApiError {
    ApiError::new(
        404,
        "oauth_authorization_not_found",
        "authorization not found",
    )
}

fn strings(body: &Value, key: &str) -> Result<Option<Vec<String>>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| ApiError::bad_request("bad_json", "Invalid JSON body"))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(ApiError::bad_request("bad_json", "Invalid JSON body")),
    }
}

fn string(body: &Value, key: &str) -> Result<Option<String>, ApiError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::bad_request("bad_json", "Invalid JSON body")),
    }
}

/// `validateRedirectURI`: absolute, with a host, no fragment, plain HTTP only for localhost.
fn check_redirect_uris(uris: &[String]) -> Result<(), ApiError> {
    if uris.is_empty() {
        return Err(validation("redirect_uris cannot be empty"));
    }
    if uris.len() > 10 {
        return Err(validation("redirect_uris cannot exceed 10 items"));
    }
    for uri in uris {
        let reason = match url::Url::parse(uri) {
            Err(_) => Some("invalid URL format"),
            Ok(url) if url.host_str().is_none() => Some("must have scheme and host"),
            Ok(url) if url.fragment().is_some() => Some("fragment not allowed in redirect URI"),
            Ok(url)
                if url.scheme() == "http"
                    && !matches!(url.host_str(), Some("localhost" | "127.0.0.1")) =>
            {
                Some("HTTP scheme only allowed for localhost")
            }
            Ok(_) => None,
        };
        if let Some(reason) = reason {
            return Err(validation(format!(
                "invalid redirect_uri '{uri}': {reason}"
            )));
        }
    }
    Ok(())
}

fn check_grant_types(grant_types: &[String]) -> Result<(), ApiError> {
    if grant_types.is_empty() {
        return Err(validation("grant_types cannot be empty"));
    }
    if grant_types
        .iter()
        .any(|g| !matches!(g.as_str(), "authorization_code" | "refresh_token"))
    {
        return Err(validation(
            "grant_types must only contain 'authorization_code' and/or 'refresh_token'",
        ));
    }
    Ok(())
}

fn check_auth_method(method: &str) -> Result<(), ApiError> {
    if matches!(
        method,
        "none" | "client_secret_basic" | "client_secret_post"
    ) {
        Ok(())
    } else {
        Err(validation(
            "token_endpoint_auth_method must be one of: [none client_secret_basic client_secret_post]",
        ))
    }
}

impl Inner {
    /// `POST /admin/oauth/clients`: the new client with its secret when confidential.
    pub(crate) fn oauth_register_client(&mut self, body: &Value) -> Result<Value, ApiError> {
        let redirect_uris = strings(body, "redirect_uris")?
            .ok_or_else(|| validation("redirect_uris is required"))?;
        check_redirect_uris(&redirect_uris)?;
        let grant_types = strings(body, "grant_types")?
            .unwrap_or_else(|| vec!["authorization_code".into(), "refresh_token".into()]);
        check_grant_types(&grant_types)?;
        let client_type = string(body, "client_type")?.unwrap_or_default();
        if !matches!(client_type.as_str(), "" | "public" | "confidential") {
            return Err(validation("client_type must be 'public' or 'confidential'"));
        }
        let auth_method = match string(body, "token_endpoint_auth_method")? {
            Some(method) if !method.is_empty() => {
                check_auth_method(&method)?;
                method
            }
            _ if client_type == "public" => "none".to_owned(),
            _ => "client_secret_basic".to_owned(),
        };
        let now = self.clock.now_ms();
        let mut client = Client {
            id: random::uuid(),
            name: string(body, "client_name")?.unwrap_or_default(),
            uri: string(body, "client_uri")?.unwrap_or_default(),
            logo_uri: string(body, "logo_uri")?.unwrap_or_default(),
            redirect_uris,
            grant_types,
            auth_method,
            secret: None,
            created_at: now,
            updated_at: now,
        };
        if client.is_confidential() {
            client.secret = Some(random::token());
        }
        let answer = client.with_secret();
        self.oauth_server.clients.push(client);
        Ok(answer)
    }

    /// `GET /admin/oauth/clients`: every client, newest first.
    pub(crate) fn oauth_list_clients(&self) -> Value {
        let clients: Vec<Value> = self
            .oauth_server
            .clients
            .iter()
            .rev()
            .map(Client::to_json)
            .collect();
        if clients.is_empty() {
            // `omitempty` on the list.
            json!({})
        } else {
            json!({ "clients": clients })
        }
    }

    fn oauth_client_index(&self, client_id: &str) -> Result<usize, ApiError> {
        if uuid::Uuid::parse_str(client_id).is_err() {
            return Err(validation("invalid client_id format"));
        }
        self.oauth_server
            .clients
            .iter()
            .position(|c| c.id.eq_ignore_ascii_case(client_id))
            .ok_or_else(client_not_found)
    }

    /// `GET /admin/oauth/clients/{client_id}`.
    pub(crate) fn oauth_get_client(&self, client_id: &str) -> Result<Value, ApiError> {
        let index = self.oauth_client_index(client_id)?;
        Ok(self.oauth_server.clients[index].to_json())
    }

    /// `PUT /admin/oauth/clients/{client_id}`: only the fields given change.
    pub(crate) fn oauth_update_client(
        &mut self,
        client_id: &str,
        body: &Value,
    ) -> Result<Value, ApiError> {
        let index = self.oauth_client_index(client_id)?;
        let name = string(body, "client_name")?;
        let client_uri = string(body, "client_uri")?;
        let logo_uri = string(body, "logo_uri")?;
        let redirect_uris = strings(body, "redirect_uris")?;
        let grant_types = strings(body, "grant_types")?;
        let auth_method = string(body, "token_endpoint_auth_method")?;
        if name.is_none()
            && client_uri.is_none()
            && logo_uri.is_none()
            && redirect_uris.is_none()
            && grant_types.is_none()
            && auth_method.is_none()
        {
            return Err(validation("No fields provided for update"));
        }
        if let Some(uris) = &redirect_uris {
            check_redirect_uris(uris)?;
        }
        if let Some(grants) = &grant_types {
            check_grant_types(grants)?;
        }
        if let Some(method) = &auth_method {
            check_auth_method(method)?;
        }
        let now = self.clock.now_ms();
        let client = &mut self.oauth_server.clients[index];
        if let Some(name) = name {
            client.name = name;
        }
        if let Some(uri) = client_uri {
            client.uri = uri;
        }
        if let Some(uri) = logo_uri {
            client.logo_uri = uri;
        }
        if let Some(uris) = redirect_uris {
            client.redirect_uris = uris;
        }
        if let Some(grants) = grant_types {
            client.grant_types = grants;
        }
        if let Some(method) = auth_method {
            client.auth_method = method;
        }
        client.updated_at = now;
        Ok(client.to_json())
    }

    /// `DELETE /admin/oauth/clients/{client_id}`: its pending authorizations go with it.
    pub(crate) fn oauth_delete_client(&mut self, client_id: &str) -> Result<(), ApiError> {
        let index = self.oauth_client_index(client_id)?;
        let client = self.oauth_server.clients.remove(index);
        self.oauth_server
            .authorizations
            .retain(|_, a| a.client_id != client.id);
        Ok(())
    }

    /// `POST /admin/oauth/clients/{client_id}/regenerate_secret`.
    pub(crate) fn oauth_regenerate_secret(&mut self, client_id: &str) -> Result<Value, ApiError> {
        let index = self.oauth_client_index(client_id)?;
        let now = self.clock.now_ms();
        let client = &mut self.oauth_server.clients[index];
        if !client.is_confidential() {
            return Err(validation("Cannot regenerate secret for public client"));
        }
        client.secret = Some(random::token());
        client.updated_at = now;
        Ok(client.with_secret())
    }

    /// `GET /oauth/authorize`: `Ok(consent page URL)` for a new pending authorization,
    /// `Err(Ok(url))` for an error sent back to the app's (valid) redirect URI, `Err(Err(_))`
    /// for an error answered as JSON (no client or redirect URI to trust).
    pub(crate) fn oauth_authorize(
        &mut self,
        query: &HashMap<String, String>,
    ) -> Result<String, Result<String, ApiError>> {
        let get = |k: &str| query.get(k).map_or("", String::as_str);
        let (client_id, redirect_uri, state) =
            (get("client_id"), get("redirect_uri"), get("state"));
        if client_id.is_empty() {
            return Err(Err(validation("client_id is required")));
        }
        if redirect_uri.is_empty() {
            return Err(Err(validation("redirect_uri is required")));
        }
        let client = match self.oauth_client_index(client_id) {
            Ok(index) => self.oauth_server.clients[index].clone(),
            Err(_) => {
                return Err(Err(ApiError::bad_request(
                    "oauth_client_not_found",
                    "invalid client_id",
                )));
            }
        };
        if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
            return Err(Err(validation("invalid redirect_uri")));
        }
        let back = |error: &str, description: &str| {
            Err(Ok(error_redirect(redirect_uri, error, description, state)))
        };
        let response_type = match get("response_type") {
            "" => "code",
            other => other,
        };
        if response_type != "code" {
            return back("invalid_request", "only response_type=code is supported");
        }
        let scope = match get("scope") {
            "" => "email",
            other => other,
        };
        if let Some(unknown) = scope
            .split_whitespace()
            .find(|s| !SUPPORTED_SCOPES.contains(s))
        {
            return back("invalid_request", &format!("unsupported scope: {unknown}"));
        }
        let (challenge, method) = (get("code_challenge"), get("code_challenge_method"));
        if challenge.is_empty() || method.is_empty() {
            return back(
                "invalid_request",
                "PKCE flow requires both code_challenge and code_challenge_method",
            );
        }
        let Ok(method) = ChallengeMethod::parse(Some(method)) else {
            return back(
                "invalid_request",
                "code_challenge_method must be 'S256' or 'plain'",
            );
        };
        if !(43..=128).contains(&challenge.len()) {
            return back(
                "invalid_request",
                "code_challenge must be between 43 and 128 characters",
            );
        }
        // Letters and digits, as the Go server's `crypto.SecureAlphanumeric(32)`.
        let id = uuid::Uuid::new_v4().simple().to_string();
        self.oauth_server.authorizations.insert(
            id.clone(),
            Authorization {
                client_id: client.id,
                redirect_uri: redirect_uri.to_owned(),
                scope: scope.to_owned(),
                state: state.to_owned(),
                challenge: challenge.to_owned(),
                method,
                user_id: None,
                status: Status::Pending,
                code: None,
                expires_at: self.clock.now_ms() + AUTHORIZATION_TTL_MS,
            },
        );
        let site = self.settings.site_url.trim_end_matches('/');
        Ok(format!("{site}{OAUTH_CONSENT_PATH}?authorization_id={id}"))
    }

    /// A pending, unexpired authorization (expired ones are forgotten).
    fn pending_authorization(&mut self, id: &str) -> Result<&mut Authorization, ApiError> {
        let now = self.clock.now_ms();
        if self
            .oauth_server
            .authorizations
            .get(id)
            .is_some_and(|a| now >= a.expires_at)
        {
            self.oauth_server.authorizations.remove(id);
        }
        let authorization = self
            .oauth_server
            .authorizations
            .get_mut(id)
            .ok_or_else(authorization_not_found)?;
        if authorization.status != Status::Pending {
            return Err(validation("authorization request cannot be processed"));
        }
        Ok(authorization)
    }

    /// `GET /oauth/authorizations/{id}`: binds the authorization to the user; approves it at
    /// once (`{redirect_url}`) when the user's consent already covers its scopes.
    pub(crate) fn oauth_authorization_details(
        &mut self,
        user_id: &str,
        id: &str,
    ) -> Result<Value, ApiError> {
        let covered = {
            let authorization = self.pending_authorization(id)?;
            match &authorization.user_id {
                Some(owner) if owner != user_id => return Err(authorization_not_found()),
                Some(_) => false,
                None => {
                    authorization.user_id = Some(user_id.to_owned());
                    let (client_id, scope) =
                        (authorization.client_id.clone(), authorization.scope.clone());
                    self.oauth_server.consents.iter().any(|c| {
                        c.user_id == user_id
                            && c.client_id == client_id
                            && scope
                                .split_whitespace()
                                .all(|s| c.scopes.iter().any(|g| g == s))
                    })
                }
            }
        };
        if covered {
            return Ok(json!({ "redirect_url": self.oauth_approve(id)? }));
        }
        let authorization = &self.oauth_server.authorizations[id];
        let client = self
            .oauth_server
            .clients
            .iter()
            .find(|c| c.id == authorization.client_id)
            .ok_or_else(authorization_not_found)?;
        let email = self
            .user(user_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        Ok(json!({
            "authorization_id": id,
            "redirect_uri": authorization.redirect_uri,
            "client": client.details(),
            "user": { "id": user_id, "email": email },
            "scope": authorization.scope,
        }))
    }

    /// `POST /oauth/authorizations/{id}/consent`: `{redirect_url}` with a code, or with
    /// `error=access_denied`.
    pub(crate) fn oauth_consent(
        &mut self,
        user_id: &str,
        id: &str,
        action: &str,
    ) -> Result<Value, ApiError> {
        if !matches!(action, "approve" | "deny") {
            return Err(validation("action must be 'approve' or 'deny'"));
        }
        let authorization = self.pending_authorization(id).map_err(|e| {
            if e.code == "validation_failed" {
                validation("authorization request is no longer pending")
            } else {
                e
            }
        })?;
        if authorization.user_id.as_deref() != Some(user_id) {
            return Err(authorization_not_found());
        }
        let url = if action == "approve" {
            let (client_id, scopes) = (
                authorization.client_id.clone(),
                authorization
                    .scope
                    .split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            );
            let url = self.oauth_approve(id)?;
            let now = self.clock.now_ms();
            match self
                .oauth_server
                .consents
                .iter_mut()
                .find(|c| c.user_id == user_id && c.client_id == client_id)
            {
                Some(consent) => {
                    for scope in scopes {
                        if !consent.scopes.contains(&scope) {
                            consent.scopes.push(scope);
                        }
                    }
                    consent.granted_at = now;
                }
                None => self.oauth_server.consents.push(Consent {
                    user_id: user_id.to_owned(),
                    client_id,
                    scopes,
                    granted_at: now,
                }),
            }
            url
        } else {
            authorization.status = Status::Denied;
            error_redirect(
                &authorization.redirect_uri,
                "access_denied",
                "User denied the request",
                &authorization.state,
            )
        };
        Ok(json!({ "redirect_url": url }))
    }

    /// Marks the authorization approved with a fresh code; the app's redirect URL with it.
    fn oauth_approve(&mut self, id: &str) -> Result<String, ApiError> {
        let authorization = self
            .oauth_server
            .authorizations
            .get_mut(id)
            .ok_or_else(authorization_not_found)?;
        let code = random::token();
        authorization.status = Status::Approved;
        authorization.code = Some(code.clone());
        let mut url = url::Url::parse(&authorization.redirect_uri)
            .map_err(|e| ApiError::internal(&e.to_string()))?;
        url.query_pairs_mut().append_pair("code", &code);
        if !authorization.state.is_empty() {
            url.query_pairs_mut()
                .append_pair("state", &authorization.state);
        }
        Ok(url.into())
    }

    /// `GET /user/oauth/grants`.
    pub(crate) fn oauth_grants(&self, user_id: &str) -> Value {
        let grants: Vec<Value> = self
            .oauth_server
            .consents
            .iter()
            .filter(|c| c.user_id == user_id)
            .filter_map(|c| {
                let client = self
                    .oauth_server
                    .clients
                    .iter()
                    .find(|k| k.id == c.client_id)?;
                Some(json!({
                    "client": client.details(),
                    "scopes": c.scopes,
                    "granted_at": rfc3339(c.granted_at),
                }))
            })
            .collect();
        Value::Array(grants)
    }

    /// `DELETE /user/oauth/grants?client_id=`: the consent goes, and the app's sessions of the
    /// user with it.
    pub(crate) fn oauth_revoke_grant(
        &mut self,
        user_id: &str,
        client_id: Option<&str>,
    ) -> Result<(), ApiError> {
        let client_id = client_id
            .filter(|c| !c.is_empty())
            .ok_or_else(|| validation("client_id query parameter is required"))?;
        if uuid::Uuid::parse_str(client_id).is_err() {
            return Err(validation("invalid client_id format"));
        }
        let before = self.oauth_server.consents.len();
        self.oauth_server
            .consents
            .retain(|c| !(c.user_id == user_id && c.client_id.eq_ignore_ascii_case(client_id)));
        if self.oauth_server.consents.len() == before {
            return Err(ApiError::new(
                404,
                "oauth_consent_not_found",
                "No active grant found for this client",
            ));
        }
        let ended: Vec<String> = self
            .sessions
            .values()
            .filter(|s| {
                s.user_id == user_id
                    && s.oauth_client
                        .as_ref()
                        .is_some_and(|(id, _)| id.eq_ignore_ascii_case(client_id))
            })
            .map(|s| s.id.clone())
            .collect();
        for session in ended {
            self.delete_session(&session);
        }
        Ok(())
    }

    /// `requireOAuthClientAuth`: the client named by HTTP Basic or the body, its credentials
    /// checked the way it registered (`None` when no client id was sent at all).
    fn oauth_client_auth(
        &self,
        form: &HashMap<String, String>,
        basic: Option<&(String, String)>,
    ) -> Result<Option<Client>, ApiError> {
        let refused = |message: &str| ApiError::bad_request("invalid_credentials", message);
        let get = |k: &str| form.get(k).map_or("", String::as_str);
        let (client_id, secret, method) = match basic {
            Some((id, secret)) => (id.as_str(), secret.as_str(), "client_secret_basic"),
            None if !get("client_secret").is_empty() => {
                (get("client_id"), get("client_secret"), "client_secret_post")
            }
            None => (get("client_id"), "", "none"),
        };
        if client_id.is_empty() {
            return Ok(None);
        }
        if uuid::Uuid::parse_str(client_id).is_err() {
            return Err(refused("Invalid client_id format"));
        }
        let client = self
            .oauth_client_index(client_id)
            .map(|i| self.oauth_server.clients[i].clone())
            .map_err(|_| refused("Invalid client credentials"))?;
        if method != client.auth_method {
            return Err(refused(&format!(
                "invalid authentication method: client is registered for '{}' but '{method}' was used",
                client.auth_method
            )));
        }
        if client.is_confidential() && client.secret.as_deref() != Some(secret) {
            return Err(refused("invalid client credentials"));
        }
        Ok(Some(client))
    }

    /// `POST /oauth/token`: `authorization_code` (with PKCE) or `refresh_token`, for an
    /// authenticated client; the OAuth token response (no `user`).
    pub(crate) fn oauth_token(
        &mut self,
        form: &HashMap<String, String>,
        basic: Option<&(String, String)>,
    ) -> Result<Value, ApiError> {
        let client = self.oauth_client_auth(form, basic)?;
        let get = |k: &str| form.get(k).map_or("", String::as_str);
        let grant_type = get("grant_type");
        if grant_type.is_empty() {
            return Err(ApiError::oauth("invalid_request", "grant_type is required"));
        }
        let client = client
            .ok_or_else(|| ApiError::oauth("invalid_client", "Client authentication required"))?;
        if !client.grant_types.iter().any(|g| g == grant_type) {
            return Err(ApiError::oauth(
                "unsupported_grant_type",
                format!("Client is not allowed to use grant type: {grant_type}"),
            ));
        }
        let session = match grant_type {
            "authorization_code" => self.oauth_code_grant(form, &client)?,
            "refresh_token" => self.oauth_refresh_grant(get("refresh_token"), &client)?,
            other => {
                return Err(ApiError::oauth(
                    "unsupported_grant_type",
                    format!("Unsupported grant type: {other}"),
                ));
            }
        };
        let mut answer = Map::new();
        for key in ["access_token", "token_type", "expires_in", "refresh_token"] {
            answer.insert(key.into(), session[key].clone());
        }
        Ok(Value::Object(answer))
    }

    /// `RefreshTokenGrant` without a client (`POST /token?grant_type=refresh_token`): a session
    /// issued to a third-party app refreshes only at `/oauth/token`, as that app.
    pub(crate) fn refuse_oauth_session_refresh(&self, token: &str) -> Result<(), ApiError> {
        let oauth_session = self
            .refresh_tokens
            .get(token)
            .and_then(|t| self.sessions.get(&t.session_id))
            .is_some_and(|s| s.oauth_client.is_some());
        if oauth_session {
            Err(ApiError::oauth(
                "invalid_client",
                "Client authentication required for OAuth session",
            ))
        } else {
            Ok(())
        }
    }

    /// The refresh of a session issued to `client` (the usual rotation rules).
    fn oauth_refresh_grant(&mut self, token: &str, client: &Client) -> Result<Value, ApiError> {
        if token.is_empty() {
            return Err(ApiError::oauth(
                "invalid_request",
                "refresh_token is required for refresh_token grant",
            ));
        }
        // `RefreshTokenGrant`'s check that the session and the request name the same client
        // (an unknown token is left to the refresh itself).
        let session_client = self
            .refresh_tokens
            .get(token)
            .and_then(|t| self.sessions.get(&t.session_id))
            .map(|s| s.oauth_client.as_ref().map(|(id, _)| id.clone()));
        match session_client {
            Some(None) => {
                return Err(ApiError::oauth(
                    "invalid_client",
                    "Client authentication not allowed for non-OAuth session",
                ));
            }
            Some(Some(id)) if id != client.id => {
                return Err(ApiError::oauth(
                    "invalid_client",
                    "Client does not match the session's OAuth client",
                ));
            }
            _ => {}
        }
        self.refresh_grant(token)
    }

    /// `authorization_code`: the code's authorization, for this client, with its PKCE verifier;
    /// single use whatever the outcome.
    fn oauth_code_grant(
        &mut self,
        form: &HashMap<String, String>,
        client: &Client,
    ) -> Result<Value, ApiError> {
        let get = |k: &str| form.get(k).map_or("", String::as_str);
        let code = get("code");
        if code.is_empty() {
            return Err(ApiError::oauth(
                "invalid_request",
                "code is required for authorization_code grant",
            ));
        }
        let invalid = || ApiError::oauth("invalid_grant", "Invalid authorization code");
        let id = self
            .oauth_server
            .authorizations
            .iter()
            .find(|(_, a)| a.code.as_deref() == Some(code))
            .map(|(id, _)| id.clone())
            .ok_or_else(invalid)?;
        // Single use, whatever the outcome.
        let authorization = self
            .oauth_server
            .authorizations
            .remove(&id)
            .ok_or_else(invalid)?;
        if self.clock.now_ms() >= authorization.expires_at {
            return Err(ApiError::oauth(
                "invalid_grant",
                "Authorization code has expired",
            ));
        }
        if authorization.client_id != client.id {
            return Err(ApiError::oauth(
                "invalid_grant",
                "Authorization code was not issued for this client",
            ));
        }
        let redirect_uri = get("redirect_uri");
        if !redirect_uri.is_empty() && redirect_uri != authorization.redirect_uri {
            return Err(ApiError::oauth("invalid_grant", "Invalid redirect_uri"));
        }
        if !authorization
            .method
            .matches(&authorization.challenge, get("code_verifier"))
        {
            return Err(ApiError::oauth(
                "invalid_grant",
                "PKCE verification failed: code verifier does not match",
            ));
        }
        let user_id = authorization.user_id.ok_or_else(invalid)?;
        // `IssueRefreshToken` with the client and the authorization's scopes on the session.
        let now = self.clock.now_ms();
        self.user_mut(&user_id).ok_or_else(invalid)?.last_sign_in_at = Some(now);
        let session_id = self.new_session(&user_id, "oauth_provider/authorization_code");
        if let Some(session) = self.sessions.get_mut(&session_id) {
            session.oauth_client = Some((client.id.clone(), authorization.scope.clone()));
        }
        let refresh = self.new_refresh_token(&session_id, None);
        let ttl = self.ttl_secs();
        self.token_response(&session_id, &refresh, ttl, None)
    }
}

/// `buildErrorRedirectURL`.
fn error_redirect(redirect_uri: &str, error: &str, description: &str, state: &str) -> String {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return redirect_uri.to_owned();
    };
    {
        let mut pairs = url.query_pairs_mut();
        pairs.append_pair("error", error);
        pairs.append_pair("error_description", description);
        if !state.is_empty() {
            pairs.append_pair("state", state);
        }
    }
    url.into()
}
