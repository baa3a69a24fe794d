//! The project's OAuth 2.1 clients, when Supabase Auth acts as an OAuth server for third-party
//! apps (auth-js `auth.admin.oauth`): register, list, read, update and delete them, and
//! regenerate a confidential client's secret.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{check_uuid, request_body, send_page};
use crate::auth::AuthError;
use crate::auth::http::{AuthHttp, AuthRequest};
use crate::json::Json;
use crate::redact;

/// An OAuth client registered with the project's Auth server: the server's client object, every
/// field kept (serializes as the object itself).
///
/// `client_secret` is only in the answers of [`AdminOAuth::create_client`] (for a confidential
/// client) and [`AdminOAuth::regenerate_client_secret`]; `Debug` shows it as `<redacted>`.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OAuthClient {
    fields: Map<String, Value>,
}

impl OAuthClient {
    /// The client's id (a UUID), what the third-party app sends as `client_id`.
    pub fn client_id(&self) -> &str {
        self.str_field("client_id")
    }

    /// The client's secret, when this answer carries it (shown once: store it then).
    pub fn client_secret(&self) -> Option<&str> {
        self.fields
            .get("client_secret")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    }

    /// The name shown on the consent page.
    pub fn client_name(&self) -> &str {
        self.str_field("client_name")
    }

    /// `confidential` (has a secret) or `public` (PKCE only).
    pub fn client_type(&self) -> &str {
        self.str_field("client_type")
    }

    /// `manual` (registered by an admin) or `dynamic`.
    pub fn registration_type(&self) -> &str {
        self.str_field("registration_type")
    }

    /// The redirect URIs the client may use, exactly as registered.
    pub fn redirect_uris(&self) -> Vec<&str> {
        self.fields
            .get("redirect_uris")
            .and_then(Value::as_array)
            .map(|uris| uris.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// All fields (`grant_types`, `token_endpoint_auth_method`, `client_uri`, `logo_uri`,
    /// `created_at`, … and any newer ones).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    fn str_field(&self, key: &str) -> &str {
        self.fields.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

impl From<Map<String, Value>> for OAuthClient {
    fn from(fields: Map<String, Value>) -> Self {
        Self { fields }
    }
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut fields = self.fields.clone();
        if let Some(secret) = fields.get_mut("client_secret") {
            *secret = Value::String(format!("{:?}", redact::Redacted));
        }
        f.debug_struct("OAuthClient")
            .field("fields", &fields)
            .finish()
    }
}

/// Which page of clients [`AdminOAuth::list_clients`] returns (auth-js `PageParams`); the
/// server's defaults when unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ListOAuthClients {
    /// The page, from 1.
    pub page: Option<u32>,
    /// Clients per page.
    pub per_page: Option<u32>,
}

impl ListOAuthClients {
    /// Page `page` (from 1).
    #[must_use]
    pub fn with_page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// `per_page` clients per page.
    #[must_use]
    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }
}

/// One page of clients, and where the others are (from the `Link` and `X-Total-Count` headers,
/// when the server sends them).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OAuthClientPage {
    /// The clients of this page, newest first.
    pub clients: Vec<OAuthClient>,
    /// The next page, when there is one.
    pub next_page: Option<u32>,
    /// The last page (0 when the server sent no `Link` header).
    pub last_page: u32,
    /// How many clients there are in all (0 when the server sent no `X-Total-Count`).
    pub total: u64,
    /// Every other field of the answer's body.
    pub extra: Map<String, Value>,
}

/// A client to register with [`AdminOAuth::create_client`] (auth-js
/// `CreateOAuthClientParams`); only the fields set are sent.
///
/// ```
/// use supabase_ssr_core::admin::CreateOAuthClient;
///
/// let client = CreateOAuthClient::new("Acme Notes", ["https://notes.example.com/callback"])
///     .with_client_uri("https://notes.example.com");
/// assert_eq!(client.redirect_uris.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CreateOAuthClient {
    /// The name shown on the consent page.
    pub client_name: String,
    /// The client's home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    /// Where the server may send the browser back with a code (exact matches).
    pub redirect_uris: Vec<String>,
    /// `authorization_code` and/or `refresh_token` (the server's default: both).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// `code` (the only one OAuth 2.1 has).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_types: Option<Vec<String>>,
    /// The scopes the client may ask for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// `client_secret_basic`, `client_secret_post` (confidential clients) or `none` (a public
    /// client, PKCE only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

impl CreateOAuthClient {
    /// A client named `client_name` that may redirect to `redirect_uris`.
    pub fn new<S: Into<String>>(
        client_name: impl Into<String>,
        redirect_uris: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            client_name: client_name.into(),
            client_uri: None,
            redirect_uris: redirect_uris.into_iter().map(Into::into).collect(),
            grant_types: None,
            response_types: None,
            scope: None,
            token_endpoint_auth_method: None,
        }
    }

    /// The client's home page.
    #[must_use]
    pub fn with_client_uri(mut self, uri: impl Into<String>) -> Self {
        self.client_uri = Some(uri.into());
        self
    }

    /// The grant types it may use.
    #[must_use]
    pub fn with_grant_types<S: Into<String>>(
        mut self,
        grant_types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.grant_types = Some(grant_types.into_iter().map(Into::into).collect());
        self
    }

    /// The response types it may use.
    #[must_use]
    pub fn with_response_types<S: Into<String>>(
        mut self,
        response_types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.response_types = Some(response_types.into_iter().map(Into::into).collect());
        self
    }

    /// The scopes it may ask for.
    #[must_use]
    pub fn with_scope(mut self, scope: impl Into<String>) -> Self {
        self.scope = Some(scope.into());
        self
    }

    /// How it authenticates at the token endpoint (`none` makes a public client).
    #[must_use]
    pub fn with_token_endpoint_auth_method(mut self, method: impl Into<String>) -> Self {
        self.token_endpoint_auth_method = Some(method.into());
        self
    }
}

/// The changes [`AdminOAuth::update_client`] makes (auth-js `UpdateOAuthClientParams`); only
/// the fields set are sent, and the server refuses an update with none (`validation_failed`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct UpdateOAuthClient {
    /// The name shown on the consent page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    /// The client's home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    /// The client's logo.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    /// The redirect URIs (replacing the registered ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    /// The grant types (replacing the registered ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    /// How it authenticates at the token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

impl UpdateOAuthClient {
    /// Renames the client.
    #[must_use]
    pub fn with_client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }

    /// Sets the client's home page.
    #[must_use]
    pub fn with_client_uri(mut self, uri: impl Into<String>) -> Self {
        self.client_uri = Some(uri.into());
        self
    }

    /// Sets the client's logo.
    #[must_use]
    pub fn with_logo_uri(mut self, uri: impl Into<String>) -> Self {
        self.logo_uri = Some(uri.into());
        self
    }

    /// Replaces the redirect URIs.
    #[must_use]
    pub fn with_redirect_uris<S: Into<String>>(
        mut self,
        uris: impl IntoIterator<Item = S>,
    ) -> Self {
        self.redirect_uris = Some(uris.into_iter().map(Into::into).collect());
        self
    }

    /// Replaces the grant types.
    #[must_use]
    pub fn with_grant_types<S: Into<String>>(
        mut self,
        grant_types: impl IntoIterator<Item = S>,
    ) -> Self {
        self.grant_types = Some(grant_types.into_iter().map(Into::into).collect());
        self
    }

    /// Sets how it authenticates at the token endpoint.
    #[must_use]
    pub fn with_token_endpoint_auth_method(mut self, method: impl Into<String>) -> Self {
        self.token_endpoint_auth_method = Some(method.into());
        self
    }
}

/// The admin OAuth-client API; from [`AdminAuth::oauth`](super::AdminAuth::oauth). The
/// project must have its OAuth 2.1 server turned on (`oauth_server_disabled` otherwise).
#[derive(Debug, Clone, Copy)]
pub struct AdminOAuth<'a> {
    pub(super) http: &'a AuthHttp,
}

impl AdminOAuth<'_> {
    /// One page of the registered clients (`GET /admin/oauth/clients`), newest first.
    pub async fn list_clients(
        &self,
        params: &ListOAuthClients,
    ) -> Result<OAuthClientPage, AuthError> {
        let (body, pages) = send_page(
            self.http,
            "admin/oauth/clients",
            params.page,
            params.per_page,
        )
        .await?;
        let Json::Object(object) = body else {
            return Err(AuthError::InvalidResponse(
                "GET /admin/oauth/clients returned no object".into(),
            ));
        };
        let mut extra = object.to_map();
        // The Go server leaves `clients` out when there are none (`omitempty`).
        let clients = match extra.remove("clients") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .into_iter()
                .map(|item| match item {
                    Value::Object(fields) => Ok(OAuthClient::from(fields)),
                    _ => Err(AuthError::InvalidResponse(
                        "GET /admin/oauth/clients listed something that is not a client".into(),
                    )),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => {
                return Err(AuthError::InvalidResponse(
                    "GET /admin/oauth/clients: clients is not a list".into(),
                ));
            }
        };
        Ok(OAuthClientPage {
            clients,
            next_page: pages.next_page,
            last_page: pages.last_page,
            total: pages.total,
            extra,
        })
    }

    /// Registers a client (`POST /admin/oauth/clients`). A confidential client's answer carries
    /// its secret, this once.
    pub async fn create_client(
        &self,
        client: &CreateOAuthClient,
    ) -> Result<OAuthClient, AuthError> {
        let body = request_body(client)?;
        let mut request = AuthRequest::new(Method::POST, "admin/oauth/clients");
        request.body = Some(&body);
        client_from(self.http.send(request).await?)
    }

    /// A client by id (`GET /admin/oauth/clients/{client_id}`).
    pub async fn get_client(&self, client_id: &str) -> Result<OAuthClient, AuthError> {
        let path = client_path(client_id, "")?;
        let mut request = AuthRequest::new(Method::GET, &path);
        request.endpoint = Some("admin/oauth/clients/{client_id}");
        client_from(self.http.send(request).await?)
    }

    /// Updates a client (`PUT /admin/oauth/clients/{client_id}`): only the fields set change.
    pub async fn update_client(
        &self,
        client_id: &str,
        changes: &UpdateOAuthClient,
    ) -> Result<OAuthClient, AuthError> {
        let path = client_path(client_id, "")?;
        let body = request_body(changes)?;
        let mut request = AuthRequest::new(Method::PUT, &path);
        request.endpoint = Some("admin/oauth/clients/{client_id}");
        request.body = Some(&body);
        client_from(self.http.send(request).await?)
    }

    /// Deletes a client (`DELETE /admin/oauth/clients/{client_id}`); its codes and grants stop
    /// working.
    pub async fn delete_client(&self, client_id: &str) -> Result<(), AuthError> {
        let path = client_path(client_id, "")?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.endpoint = Some("admin/oauth/clients/{client_id}");
        self.http.send(request).await.map(drop)
    }

    /// Gives a confidential client a new secret
    /// (`POST /admin/oauth/clients/{client_id}/regenerate_secret`); the old one stops working.
    /// The answer carries the new secret, this once. A public client has none
    /// (`validation_failed`).
    pub async fn regenerate_client_secret(
        &self,
        client_id: &str,
    ) -> Result<OAuthClient, AuthError> {
        let path = client_path(client_id, "/regenerate_secret")?;
        let mut request = AuthRequest::new(Method::POST, &path);
        request.endpoint = Some("admin/oauth/clients/{client_id}/regenerate_secret");
        client_from(self.http.send(request).await?)
    }
}

/// `admin/oauth/clients/{id}{rest}`, for an id that is a UUID (as the server's client ids are).
fn client_path(client_id: &str, rest: &str) -> Result<String, AuthError> {
    check_uuid(client_id)?;
    Ok(format!("admin/oauth/clients/{client_id}{rest}"))
}

/// The JSON body of `params`, in its fields' order (through text: `serde_json`'s `Value` would
/// sort the keys).
fn client_from(body: Json) -> Result<OAuthClient, AuthError> {
    match body {
        Json::Object(object) if matches!(object.get("client_id"), Some(Json::String(_))) => {
            Ok(OAuthClient::from(object.to_map()))
        }
        _ => Err(AuthError::InvalidResponse(
            "the answer holds no OAuth client".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_the_secret() {
        let client = OAuthClient::from(
            serde_json::json!({"client_id": "c1", "client_secret": "s3cr3t-value"})
                .as_object()
                .cloned()
                .unwrap(),
        );
        let shown = format!("{client:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(shown.contains("c1"), "{shown}");
        assert_eq!(client.client_secret(), Some("s3cr3t-value"));
    }

    #[test]
    fn bodies_hold_only_what_is_set() {
        let create = CreateOAuthClient::new("App", ["https://app.example/cb"]);
        assert_eq!(
            request_body(&create).unwrap().to_value(),
            serde_json::json!({"client_name": "App", "redirect_uris": ["https://app.example/cb"]})
        );
        let update = UpdateOAuthClient::default().with_client_name("New");
        assert_eq!(
            request_body(&update).unwrap().to_value(),
            serde_json::json!({"client_name": "New"})
        );
    }

    #[test]
    fn client_ids_must_be_uuids() {
        assert!(matches!(
            client_path("../users", ""),
            Err(AuthError::InvalidArgument(_))
        ));
    }
}
