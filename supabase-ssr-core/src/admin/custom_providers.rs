//! Custom OAuth 2.0 and OIDC identity providers of a project (auth-js
//! `auth.admin.customProviders`): users then sign in with
//! [`OAuthSignIn`](crate::auth::OAuthSignIn) and the provider's `custom:…` identifier.

use std::collections::BTreeMap;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::request_body;
use crate::auth::AuthError;
use crate::auth::http::{AuthHttp, AuthRequest};
use crate::json::Json;
use crate::redact;

/// The kind of a custom provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CustomProviderType {
    /// A plain OAuth 2.0 provider: its authorization, token and userinfo URLs are given.
    OAuth2,
    /// An `OpenID` Connect provider: the Auth server reads its discovery document from the issuer.
    Oidc,
}

impl CustomProviderType {
    /// The Auth API's name: `oauth2` or `oidc`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OAuth2 => "oauth2",
            Self::Oidc => "oidc",
        }
    }
}

/// The settings a custom provider may have besides its identity, shared by
/// [`CreateCustomProvider`] and [`UpdateCustomProvider`]; only those set are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct CustomProviderOptions {
    /// Other client ids accepted in the provider's ID tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acceptable_client_ids: Option<Vec<String>>,
    /// The scopes asked for (an OIDC provider always gets `openid` too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    /// Claims of the provider copied as they are into the identity's `custom_claims`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_claims_allowlist: Option<Vec<String>>,
    /// Whether the Auth server uses PKCE with the provider (the server's default: yes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkce_enabled: Option<bool>,
    /// Which provider claims become which user attributes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_mapping: Option<Map<String, Value>>,
    /// Extra query parameters of the authorization request (`prompt`, `hd`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_params: Option<BTreeMap<String, String>>,
    /// Whether users may sign in with it (the server's default: yes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether users without an email address are accepted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_optional: Option<bool>,
    /// The OIDC issuer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The OIDC discovery document's URL, when it is not under the issuer's `.well-known`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// Skips the OIDC nonce check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skip_nonce_check: Option<bool>,
    /// The OAuth 2.0 authorization endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// The OAuth 2.0 token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The OAuth 2.0 userinfo endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
    /// The provider's JWKS, for verifying its tokens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
}

/// A new custom provider, for [`AdminCustomProviders::create_provider`] (auth-js
/// `CreateCustomProviderParams`).
///
/// `Debug` redacts the client secret.
///
/// ```
/// use supabase_ssr_core::admin::CreateCustomProvider;
///
/// let provider = CreateCustomProvider::oidc(
///     "custom:acme",
///     "Acme",
///     "client-id",
///     "client-secret",
///     "https://id.acme.example",
/// )
/// .with_scopes(["email", "profile"]);
/// assert!(!format!("{provider:?}").contains("client-secret"));
/// ```
#[derive(Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct CreateCustomProvider {
    /// `oauth2` or `oidc`.
    #[serde(serialize_with = "provider_type_name")]
    pub provider_type: CustomProviderType,
    /// Its identifier, `custom:` and a name (what sign-in names as the provider).
    pub identifier: String,
    /// The name shown to people.
    pub name: String,
    /// The client id the project has at the provider.
    pub client_id: String,
    /// The client secret the project has at the provider (never returned by the server).
    pub client_secret: String,
    /// Every other setting.
    #[serde(flatten)]
    pub options: CustomProviderOptions,
}

/// Changes to a custom provider, for [`AdminCustomProviders::update_provider`] (auth-js
/// `UpdateCustomProviderParams`): only what is set changes; the type and identifier never do.
///
/// `Debug` redacts the client secret.
#[derive(Clone, PartialEq, Default, Serialize)]
#[non_exhaustive]
pub struct UpdateCustomProvider {
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A new client id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// A new client secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// Every other setting.
    #[serde(flatten)]
    pub options: CustomProviderOptions,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's serialize_with signature
fn provider_type_name<S: serde::Serializer>(
    kind: &CustomProviderType,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(kind.as_str())
}

impl CreateCustomProvider {
    /// An `OpenID` Connect provider whose discovery document is at `issuer`.
    pub fn oidc(
        identifier: impl Into<String>,
        name: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        issuer: impl Into<String>,
    ) -> Self {
        let mut provider = Self::new(
            CustomProviderType::Oidc,
            identifier,
            name,
            client_id,
            client_secret,
        );
        provider.options.issuer = Some(issuer.into());
        provider
    }

    /// A plain OAuth 2.0 provider with its three endpoints.
    pub fn oauth2(
        identifier: impl Into<String>,
        name: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        endpoints: OAuth2Endpoints,
    ) -> Self {
        let mut provider = Self::new(
            CustomProviderType::OAuth2,
            identifier,
            name,
            client_id,
            client_secret,
        );
        provider.options.authorization_url = Some(endpoints.authorization_url);
        provider.options.token_url = Some(endpoints.token_url);
        provider.options.userinfo_url = Some(endpoints.userinfo_url);
        provider
    }

    fn new(
        provider_type: CustomProviderType,
        identifier: impl Into<String>,
        name: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        Self {
            provider_type,
            identifier: identifier.into(),
            name: name.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            options: CustomProviderOptions::default(),
        }
    }
}

/// The endpoints of a plain OAuth 2.0 provider, for [`CreateCustomProvider::oauth2`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuth2Endpoints {
    /// Where the browser is sent to sign in.
    pub authorization_url: String,
    /// Where the Auth server exchanges the code.
    pub token_url: String,
    /// Where the Auth server reads the user.
    pub userinfo_url: String,
}

impl UpdateCustomProvider {
    /// A new name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A new client id.
    #[must_use]
    pub fn with_client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// A new client secret.
    #[must_use]
    pub fn with_client_secret(mut self, client_secret: impl Into<String>) -> Self {
        self.client_secret = Some(client_secret.into());
        self
    }
}

/// The setters of [`CustomProviderOptions`] on both request types (they hold it as `options`).
macro_rules! option_setters {
    ($($ty:ty),+) => {$(
        impl $ty {
            /// Other client ids accepted in the provider's ID tokens.
            #[must_use]
            pub fn with_acceptable_client_ids<S: Into<String>>(
                mut self,
                ids: impl IntoIterator<Item = S>,
            ) -> Self {
                self.options.acceptable_client_ids = Some(ids.into_iter().map(Into::into).collect());
                self
            }

            /// The scopes asked for.
            #[must_use]
            pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
                self.options.scopes = Some(scopes.into_iter().map(Into::into).collect());
                self
            }

            /// Claims copied as they are into the identity's `custom_claims`.
            #[must_use]
            pub fn with_custom_claims_allowlist<S: Into<String>>(
                mut self,
                claims: impl IntoIterator<Item = S>,
            ) -> Self {
                self.options.custom_claims_allowlist =
                    Some(claims.into_iter().map(Into::into).collect());
                self
            }

            /// Whether the Auth server uses PKCE with the provider.
            #[must_use]
            pub fn with_pkce_enabled(mut self, enabled: bool) -> Self {
                self.options.pkce_enabled = Some(enabled);
                self
            }

            /// Which provider claims become which user attributes.
            #[must_use]
            pub fn with_attribute_mapping(mut self, mapping: Map<String, Value>) -> Self {
                self.options.attribute_mapping = Some(mapping);
                self
            }

            /// One extra query parameter of the authorization request.
            #[must_use]
            pub fn with_authorization_param(
                mut self,
                name: impl Into<String>,
                value: impl Into<String>,
            ) -> Self {
                self.options
                    .authorization_params
                    .get_or_insert_with(BTreeMap::new)
                    .insert(name.into(), value.into());
                self
            }

            /// Whether users may sign in with it.
            #[must_use]
            pub fn with_enabled(mut self, enabled: bool) -> Self {
                self.options.enabled = Some(enabled);
                self
            }

            /// Whether users without an email address are accepted.
            #[must_use]
            pub fn with_email_optional(mut self, optional: bool) -> Self {
                self.options.email_optional = Some(optional);
                self
            }

            /// The OIDC issuer.
            #[must_use]
            pub fn with_issuer(mut self, issuer: impl Into<String>) -> Self {
                self.options.issuer = Some(issuer.into());
                self
            }

            /// The OIDC discovery document's URL.
            #[must_use]
            pub fn with_discovery_url(mut self, url: impl Into<String>) -> Self {
                self.options.discovery_url = Some(url.into());
                self
            }

            /// Skips the OIDC nonce check.
            #[must_use]
            pub fn with_skip_nonce_check(mut self, skip: bool) -> Self {
                self.options.skip_nonce_check = Some(skip);
                self
            }

            /// The OAuth 2.0 authorization endpoint.
            #[must_use]
            pub fn with_authorization_url(mut self, url: impl Into<String>) -> Self {
                self.options.authorization_url = Some(url.into());
                self
            }

            /// The OAuth 2.0 token endpoint.
            #[must_use]
            pub fn with_token_url(mut self, url: impl Into<String>) -> Self {
                self.options.token_url = Some(url.into());
                self
            }

            /// The OAuth 2.0 userinfo endpoint.
            #[must_use]
            pub fn with_userinfo_url(mut self, url: impl Into<String>) -> Self {
                self.options.userinfo_url = Some(url.into());
                self
            }

            /// The provider's JWKS URL.
            #[must_use]
            pub fn with_jwks_uri(mut self, url: impl Into<String>) -> Self {
                self.options.jwks_uri = Some(url.into());
                self
            }
        }
    )+};
}

option_setters!(CreateCustomProvider, UpdateCustomProvider);

impl std::fmt::Debug for CreateCustomProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateCustomProvider")
            .field("provider_type", &self.provider_type)
            .field("identifier", &self.identifier)
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field("client_secret", &redact::Redacted)
            .field("options", &self.options)
            .finish()
    }
}

impl std::fmt::Debug for UpdateCustomProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UpdateCustomProvider")
            .field("name", &self.name)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &redact::optional(self.client_secret.as_ref()),
            )
            .field("options", &self.options)
            .finish()
    }
}

/// A custom provider as the Auth server shows it (auth-js `CustomOAuthProvider`); the client
/// secret is never part of it. Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
#[allow(clippy::struct_excessive_bools)] // the server's own flags, one field each
pub struct CustomProvider {
    /// Its id (a UUID).
    pub id: String,
    /// `oauth2` or `oidc`.
    pub provider_type: String,
    /// `custom:…`: what the other calls and sign-in name it by.
    pub identifier: String,
    /// The name shown to people.
    pub name: String,
    /// The client id the project has at the provider.
    pub client_id: String,
    /// Other client ids accepted in its ID tokens.
    #[serde(default)]
    pub acceptable_client_ids: Option<Vec<String>>,
    /// The scopes asked for.
    #[serde(default)]
    pub scopes: Option<Vec<String>>,
    /// Claims copied into the identity's `custom_claims`.
    #[serde(default)]
    pub custom_claims_allowlist: Option<Vec<String>>,
    /// Whether PKCE is used with the provider.
    #[serde(default)]
    pub pkce_enabled: bool,
    /// Which provider claims become which user attributes.
    #[serde(default)]
    pub attribute_mapping: Option<Map<String, Value>>,
    /// Extra query parameters of the authorization request.
    #[serde(default)]
    pub authorization_params: Option<Map<String, Value>>,
    /// Whether users may sign in with it.
    #[serde(default)]
    pub enabled: bool,
    /// Whether users without an email address are accepted.
    #[serde(default)]
    pub email_optional: bool,
    /// The OIDC issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The OIDC discovery document's URL, when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery_url: Option<String>,
    /// Whether the OIDC nonce check is skipped.
    #[serde(default)]
    pub skip_nonce_check: bool,
    /// The OAuth 2.0 authorization endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    /// The OAuth 2.0 token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    /// The OAuth 2.0 userinfo endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
    /// The provider's JWKS URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// When it was created (RFC 3339).
    #[serde(default)]
    pub created_at: String,
    /// When it last changed (RFC 3339).
    #[serde(default)]
    pub updated_at: String,
    /// Every other field the Auth server sent (`discovery_document` of an OIDC provider…).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The custom providers API; from [`AdminAuth::custom_providers`](super::AdminAuth::custom_providers).
#[derive(Debug, Clone, Copy)]
pub struct AdminCustomProviders<'a> {
    pub(super) http: &'a AuthHttp,
}

impl AdminCustomProviders<'_> {
    /// Every custom provider, or those of one type (`GET /admin/custom-providers`).
    pub async fn list_providers(
        &self,
        provider_type: Option<CustomProviderType>,
    ) -> Result<Vec<CustomProvider>, AuthError> {
        let query: Vec<(&str, &str)> = provider_type
            .map(|kind| ("type", kind.as_str()))
            .into_iter()
            .collect();
        let mut request = AuthRequest::new(Method::GET, "admin/custom-providers");
        request.query = &query;
        let body = self.http.send(request).await?;
        // auth-js reads a missing or null `providers` as none.
        match body.as_object().and_then(|o| o.get("providers")) {
            None | Some(Json::Null) => Ok(Vec::new()),
            Some(providers) => decode(providers, "the providers are not a list of providers"),
        }
    }

    /// Creates a provider (`POST /admin/custom-providers`). The server checks an OIDC
    /// provider's discovery document now, and refuses it (`validation_failed`) if it cannot.
    pub async fn create_provider(
        &self,
        provider: &CreateCustomProvider,
    ) -> Result<CustomProvider, AuthError> {
        let body = request_body(provider)?;
        let mut request = AuthRequest::new(Method::POST, "admin/custom-providers");
        request.body = Some(&body);
        decode(
            &self.http.send(request).await?,
            "the answer is not a provider",
        )
    }

    /// A provider by its `custom:…` identifier (`GET /admin/custom-providers/{identifier}`).
    pub async fn get_provider(&self, identifier: &str) -> Result<CustomProvider, AuthError> {
        let path = provider_path(identifier)?;
        let mut request = AuthRequest::new(Method::GET, &path);
        request.endpoint = Some("admin/custom-providers/{identifier}");
        decode(
            &self.http.send(request).await?,
            "the answer is not a provider",
        )
    }

    /// Changes a provider (`PUT /admin/custom-providers/{identifier}`).
    pub async fn update_provider(
        &self,
        identifier: &str,
        changes: &UpdateCustomProvider,
    ) -> Result<CustomProvider, AuthError> {
        let path = provider_path(identifier)?;
        let body = request_body(changes)?;
        let mut request = AuthRequest::new(Method::PUT, &path);
        request.endpoint = Some("admin/custom-providers/{identifier}");
        request.body = Some(&body);
        decode(
            &self.http.send(request).await?,
            "the answer is not a provider",
        )
    }

    /// Deletes a provider (`DELETE /admin/custom-providers/{identifier}`).
    pub async fn delete_provider(&self, identifier: &str) -> Result<(), AuthError> {
        let path = provider_path(identifier)?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.endpoint = Some("admin/custom-providers/{identifier}");
        self.http.send(request).await.map(drop)
    }
}

/// `admin/custom-providers/{identifier}`. auth-js puts the identifier in the path as it is;
/// here one that would change the path (`/`, `?`, `#`, `%`, dots alone) is refused before it is
/// sent, so a name read from elsewhere cannot reach another endpoint.
fn provider_path(identifier: &str) -> Result<String, AuthError> {
    let name = identifier.strip_prefix("custom:").unwrap_or_default();
    let safe = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        && !name.bytes().all(|b| b == b'.');
    if safe {
        Ok(format!("admin/custom-providers/{identifier}"))
    } else {
        Err(AuthError::InvalidArgument(
            "expected a custom provider identifier such as `custom:acme`".to_owned(),
        ))
    }
}

fn decode<T: serde::de::DeserializeOwned>(body: &Json, what: &str) -> Result<T, AuthError> {
    serde_json::from_value(body.to_value())
        .map_err(|error| AuthError::InvalidResponse(format!("{what}: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_send_only_what_is_set() {
        let create = CreateCustomProvider::oauth2(
            "custom:acme",
            "Acme",
            "cid",
            "secret-1",
            OAuth2Endpoints {
                authorization_url: "https://acme.example/authorize".into(),
                token_url: "https://acme.example/token".into(),
                userinfo_url: "https://acme.example/userinfo".into(),
            },
        )
        .with_scopes(["email"])
        .with_authorization_param("prompt", "login");
        let body = serde_json::to_value(&create).unwrap();
        assert_eq!(
            body,
            serde_json::json!({
                "provider_type": "oauth2",
                "identifier": "custom:acme",
                "name": "Acme",
                "client_id": "cid",
                "client_secret": "secret-1",
                "scopes": ["email"],
                "authorization_params": {"prompt": "login"},
                "authorization_url": "https://acme.example/authorize",
                "token_url": "https://acme.example/token",
                "userinfo_url": "https://acme.example/userinfo",
            })
        );
        let update = UpdateCustomProvider::default()
            .with_client_secret("secret-2")
            .with_enabled(false);
        assert_eq!(
            serde_json::to_value(&update).unwrap(),
            serde_json::json!({"client_secret": "secret-2", "enabled": false})
        );
        for debug in [format!("{create:?}"), format!("{update:?}")] {
            assert!(!debug.contains("secret-"), "{debug}");
        }
    }

    #[test]
    fn identifiers_cannot_change_the_path() {
        assert!(provider_path("custom:acme").is_ok());
        assert!(provider_path("custom:acme.corp_1-2").is_ok());
        for bad in [
            "",
            "acme",
            "custom:",
            "custom:..",
            "custom:a/b",
            "custom:a?x=1",
            "custom:a#b",
            "custom:a%2F",
            "custom:a b",
        ] {
            assert!(
                matches!(provider_path(bad), Err(AuthError::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_provider_keeps_unknown_fields() {
        let provider: CustomProvider = serde_json::from_value(serde_json::json!({
            "id": "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f",
            "provider_type": "oidc",
            "identifier": "custom:acme",
            "name": "Acme",
            "client_id": "cid",
            "acceptable_client_ids": null,
            "scopes": ["openid"],
            "pkce_enabled": true,
            "enabled": true,
            "issuer": "https://id.acme.example",
            "discovery_document": {"issuer": "https://id.acme.example"},
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
        }))
        .unwrap();
        assert_eq!(provider.acceptable_client_ids, None);
        assert_eq!(provider.scopes.as_deref(), Some(&["openid".to_owned()][..]));
        assert_eq!(
            provider.extra["discovery_document"]["issuer"],
            "https://id.acme.example"
        );
    }
}
