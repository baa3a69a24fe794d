//! Custom OAuth 2.0 / OIDC providers (`gotrue:internal/api/custom_oauth_admin.go`,
//! `internal/models/custom_oauth_provider.go`): the admin API's validation, defaults and JSON.
//!
//! Two things differ from the Go server, which reaches out to the network: a URL is checked for
//! `https` and a host that is not loopback, and a host under the reserved `.invalid` domain stands
//! for one that does not resolve (no DNS lookup is made); an OIDC provider's discovery document is
//! not fetched but made up from its issuer (`{issuer}/authorize`, `/token`, `/userinfo`,
//! `/.well-known/jwks.json`). Signing in with an enabled provider goes through the built-in test
//! OAuth provider of `GET /authorize`, like any other provider name.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::random;
use super::state::Inner;

/// OAuth parameters the Auth server sets itself (`reservedOAuthParams`).
const RESERVED_PARAMS: [&str; 9] = [
    "client_id",
    "client_secret",
    "redirect_uri",
    "response_type",
    "state",
    "code_challenge",
    "code_challenge_method",
    "code_verifier",
    "nonce",
];

/// User attributes a provider may not set (`validateAttributeMapping`).
const PROTECTED_TARGETS: [&str; 13] = [
    "id",
    "aud",
    "role",
    "app_metadata",
    "created_at",
    "updated_at",
    "confirmed_at",
    "email_confirmed_at",
    "phone_confirmed_at",
    "email_verified",
    "phone_verified",
    "banned_until",
    "is_super_admin",
];

/// A stored provider: its public JSON and its client secret (never shown).
#[derive(Clone)]
pub(crate) struct CustomProvider {
    pub(crate) json: Map<String, Value>,
    client_secret: String,
}

impl std::fmt::Debug for CustomProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomProvider")
            .field("identifier", &self.identifier())
            .finish_non_exhaustive()
    }
}

impl CustomProvider {
    pub(crate) fn identifier(&self) -> &str {
        self.json["identifier"].as_str().unwrap_or_default()
    }

    fn is_oidc(&self) -> bool {
        self.json["provider_type"] == "oidc"
    }

    pub(crate) fn enabled(&self) -> bool {
        self.json["enabled"] == true
    }

    /// The client secret it was given last (tests check that it is kept, never shown).
    pub(crate) fn client_secret(&self) -> &str {
        &self.client_secret
    }
}

/// `AdminCustomOAuthProviderParams`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
#[allow(clippy::struct_field_names)] // the Go server's JSON names
struct Params {
    provider_type: String,
    identifier: String,
    name: String,
    client_id: String,
    client_secret: String,
    acceptable_client_ids: Option<Vec<String>>,
    scopes: Option<Vec<String>>,
    pkce_enabled: Option<bool>,
    attribute_mapping: Option<Map<String, Value>>,
    custom_claims_allowlist: Option<Vec<String>>,
    authorization_params: Option<Map<String, Value>>,
    enabled: Option<bool>,
    email_optional: Option<bool>,
    issuer: String,
    discovery_url: Option<String>,
    skip_nonce_check: Option<bool>,
    authorization_url: String,
    token_url: String,
    userinfo_url: String,
    jwks_uri: Option<String>,
}

impl Params {
    fn parse(body: Value) -> Result<Self, ApiError> {
        serde_json::from_value(body).map_err(|e| {
            ApiError::bad_request(
                "bad_json",
                format!("Could not parse request body as JSON: {e}"),
            )
        })
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("validation_failed", message)
}

fn not_found() -> ApiError {
    ApiError::new(
        404,
        "custom_provider_not_found",
        "Custom OAuth provider not found",
    )
}

/// The path's identifier must carry the `custom:` prefix.
pub(crate) fn check_identifier(identifier: &str) -> Result<(), ApiError> {
    if identifier.is_empty() {
        return Err(invalid("identifier is required"));
    }
    if !identifier.starts_with("custom:") {
        return Err(invalid(format!(
            "identifier must start with 'custom:' prefix, e.g. 'custom:{identifier}'"
        )));
    }
    Ok(())
}

/// The table's `custom_oauth_providers_identifier_format` check:
/// `^[a-z0-9][a-z0-9:-]{0,48}[a-z0-9]$`.
fn identifier_fits_the_table(identifier: &str) -> bool {
    let bytes = identifier.as_bytes();
    let edge = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    (2..=50).contains(&bytes.len())
        && bytes.first().is_some_and(edge)
        && bytes.last().is_some_and(edge)
        && bytes.iter().all(|b| edge(b) || matches!(b, b':' | b'-'))
}

/// `ValidateOAuthURL` without the network (see the module documentation).
fn check_url(text: &str) -> Result<(), ApiError> {
    let url = url::Url::parse(text).map_err(|_| invalid("Invalid URL format"))?;
    if url.scheme() != "https" {
        return Err(invalid("URL must use HTTPS"));
    }
    let host = url
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| invalid("URL must have a valid hostname"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "localhost" | "0.0.0.0" | "::" | "::1")
        || host.ends_with(".localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip.is_unspecified());
    if loopback {
        return Err(invalid(
            "URL cannot point to localhost or loopback addresses",
        ));
    }
    if host == "invalid" || host.ends_with(".invalid") {
        return Err(invalid("Unable to resolve hostname"));
    }
    Ok(())
}

fn check_authorization_params(params: Option<&Map<String, Value>>) -> Result<(), ApiError> {
    for (key, value) in params.into_iter().flatten() {
        if RESERVED_PARAMS.contains(&key.as_str()) {
            return Err(invalid(format!(
                "Cannot override reserved OAuth parameter: {key}"
            )));
        }
        if !value.is_string() {
            return Err(invalid(format!(
                "Authorization parameter \"{key}\" must be a string"
            )));
        }
    }
    Ok(())
}

fn check_attribute_mapping(mapping: Option<&Map<String, Value>>) -> Result<(), ApiError> {
    if let Some(target) = mapping
        .into_iter()
        .flat_map(Map::keys)
        .find(|k| PROTECTED_TARGETS.contains(&k.as_str()))
    {
        return Err(invalid(format!(
            "Cannot map to protected system field: {target}"
        )));
    }
    Ok(())
}

fn check_allowlist(allowlist: Option<&Vec<String>>) -> Result<(), ApiError> {
    if allowlist.into_iter().flatten().any(|k| k.trim().is_empty()) {
        return Err(invalid(
            "custom_claims_allowlist entries must be non-empty strings",
        ));
    }
    Ok(())
}

/// An OIDC provider's scopes always start with `openid`.
fn with_openid(scopes: Option<Vec<String>>) -> Vec<String> {
    let mut scopes = scopes.unwrap_or_default();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".to_owned());
    }
    scopes
}

/// The discovery document the Go server would have fetched and cached.
fn discovery_document(issuer: &str) -> Value {
    let base = issuer.trim_end_matches('/');
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "jwks_uri": format!("{base}/.well-known/jwks.json"),
    })
}

/// The provider's JSON as `buildProviderFromParams` makes it, fields in the Go struct's order.
fn new_provider(params: &Params, oidc: bool, now: &str) -> Map<String, Value> {
    let mut provider = Map::new();
    provider.insert("id".into(), json!(random::uuid()));
    provider.insert("provider_type".into(), json!(params.provider_type));
    provider.insert("identifier".into(), json!(params.identifier));
    provider.insert("name".into(), json!(params.name));
    provider.insert("client_id".into(), json!(params.client_id));
    provider.insert(
        "acceptable_client_ids".into(),
        json!(params.acceptable_client_ids),
    );
    let scopes = if oidc {
        Some(with_openid(params.scopes.clone()))
    } else {
        params.scopes.clone()
    };
    provider.insert("scopes".into(), json!(scopes));
    provider.insert(
        "pkce_enabled".into(),
        json!(params.pkce_enabled.unwrap_or(true)),
    );
    provider.insert(
        "attribute_mapping".into(),
        Value::Object(params.attribute_mapping.clone().unwrap_or_default()),
    );
    provider.insert(
        "custom_claims_allowlist".into(),
        json!(params.custom_claims_allowlist),
    );
    provider.insert(
        "authorization_params".into(),
        Value::Object(params.authorization_params.clone().unwrap_or_default()),
    );
    provider.insert("enabled".into(), json!(params.enabled.unwrap_or(true)));
    provider.insert(
        "email_optional".into(),
        json!(params.email_optional.unwrap_or(false)),
    );
    if oidc {
        provider.insert("issuer".into(), json!(params.issuer));
        if let Some(url) = &params.discovery_url {
            provider.insert("discovery_url".into(), json!(url));
        }
    }
    provider.insert(
        "skip_nonce_check".into(),
        json!(oidc && params.skip_nonce_check.unwrap_or(false)),
    );
    if oidc {
        provider.insert(
            "discovery_document".into(),
            discovery_document(&params.issuer),
        );
    } else {
        provider.insert("authorization_url".into(), json!(params.authorization_url));
        provider.insert("token_url".into(), json!(params.token_url));
        provider.insert("userinfo_url".into(), json!(params.userinfo_url));
        if let Some(uri) = &params.jwks_uri {
            provider.insert("jwks_uri".into(), json!(uri));
        }
    }
    provider.insert("created_at".into(), json!(now));
    provider.insert("updated_at".into(), json!(now));
    provider
}

impl Inner {
    /// `GET /admin/custom-providers[?type=]`.
    pub(crate) fn list_custom_providers(&self, kind: &str) -> Result<Value, ApiError> {
        if !kind.is_empty() && kind != "oauth2" && kind != "oidc" {
            return Err(invalid("type must be either 'oauth2' or 'oidc'"));
        }
        let providers: Vec<Value> = self
            .custom_providers
            .iter()
            .filter(|p| kind.is_empty() || p.json["provider_type"] == kind)
            .map(|p| Value::Object(p.json.clone()))
            .collect();
        Ok(json!({ "providers": providers }))
    }

    /// The provider with this identifier.
    pub(crate) fn custom_provider(&self, identifier: &str) -> Option<&CustomProvider> {
        self.custom_providers
            .iter()
            .find(|p| p.identifier() == identifier)
    }

    /// `GET /admin/custom-providers/{identifier}`.
    pub(crate) fn get_custom_provider(&self, identifier: &str) -> Result<Value, ApiError> {
        check_identifier(identifier)?;
        self.custom_provider(identifier)
            .map(|p| Value::Object(p.json.clone()))
            .ok_or_else(not_found)
    }

    /// `POST /admin/custom-providers`, checked in the Go server's order.
    pub(crate) fn create_custom_provider(&mut self, body: Value) -> Result<Value, ApiError> {
        let params = Params::parse(body)?;
        let oidc = match params.provider_type.as_str() {
            "oidc" => true,
            "oauth2" => false,
            _ => return Err(invalid("provider_type must be either 'oauth2' or 'oidc'")),
        };
        check_identifier(&params.identifier)?;
        for (value, name) in [
            (&params.name, "name"),
            (&params.client_id, "client_id"),
            (&params.client_secret, "client_secret"),
        ] {
            if value.is_empty() {
                return Err(invalid(format!("{name} is required")));
            }
        }
        if oidc {
            if params.issuer.is_empty() {
                return Err(invalid("issuer is required for OIDC providers"));
            }
        } else {
            for (value, name) in [
                (&params.authorization_url, "authorization_url"),
                (&params.token_url, "token_url"),
                (&params.userinfo_url, "userinfo_url"),
            ] {
                if value.is_empty() {
                    return Err(invalid(format!("{name} is required for OAuth2 providers")));
                }
            }
        }
        check_authorization_params(params.authorization_params.as_ref())?;
        check_attribute_mapping(params.attribute_mapping.as_ref())?;
        check_allowlist(params.custom_claims_allowlist.as_ref())?;
        let urls: Vec<&str> = if oidc {
            [
                Some(params.issuer.as_str()),
                params.discovery_url.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect()
        } else {
            [
                Some(params.authorization_url.as_str()),
                Some(params.token_url.as_str()),
                Some(params.userinfo_url.as_str()),
                params.jwks_uri.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect()
        };
        for url in urls.into_iter().filter(|u| !u.is_empty()) {
            check_url(url)?;
        }
        if !identifier_fits_the_table(&params.identifier) {
            // The table's check constraint fails the insert; the Go server answers 500.
            return Err(ApiError::internal(
                "custom_oauth_providers_identifier_format violated",
            ));
        }
        if self.custom_provider(&params.identifier).is_some() {
            return Err(ApiError::bad_request(
                "conflict",
                "A custom OAuth provider with this identifier already exists",
            ));
        }
        let provider = new_provider(&params, oidc, &rfc3339(self.clock.now_ms()));
        self.custom_providers.push(CustomProvider {
            json: provider.clone(),
            client_secret: params.client_secret,
        });
        Ok(Value::Object(provider))
    }

    /// `PUT /admin/custom-providers/{identifier}`: only what is given changes; the type and the
    /// identifier never do.
    pub(crate) fn update_custom_provider(
        &mut self,
        identifier: &str,
        body: Value,
    ) -> Result<Value, ApiError> {
        check_identifier(identifier)?;
        let params = Params::parse(body)?;
        check_authorization_params(params.authorization_params.as_ref())?;
        check_attribute_mapping(params.attribute_mapping.as_ref())?;
        check_allowlist(params.custom_claims_allowlist.as_ref())?;
        let now = rfc3339(self.clock.now_ms());
        let stored = self
            .custom_providers
            .iter_mut()
            .find(|p| p.identifier() == identifier)
            .ok_or_else(not_found)?;
        let oidc = stored.is_oidc();
        let mut next = stored.json.clone();
        let mut set = |key: &str, value: Value| {
            next.insert(key.to_owned(), value);
        };
        for (value, key) in [(&params.name, "name"), (&params.client_id, "client_id")] {
            if !value.is_empty() {
                set(key, json!(value));
            }
        }
        if let Some(ids) = params.acceptable_client_ids {
            set("acceptable_client_ids", json!(ids));
        }
        if let Some(scopes) = params.scopes {
            let scopes = if oidc {
                with_openid(Some(scopes))
            } else {
                scopes
            };
            set("scopes", json!(scopes));
        }
        for (value, key) in [
            (params.pkce_enabled, "pkce_enabled"),
            (params.enabled, "enabled"),
            (params.email_optional, "email_optional"),
        ] {
            if let Some(value) = value {
                set(key, json!(value));
            }
        }
        if let Some(mapping) = params.attribute_mapping {
            set("attribute_mapping", Value::Object(mapping));
        }
        if let Some(allowlist) = params.custom_claims_allowlist {
            set("custom_claims_allowlist", json!(allowlist));
        }
        if let Some(extra) = params.authorization_params {
            set("authorization_params", Value::Object(extra));
        }
        let urls: Vec<(&str, String)> = if oidc {
            if let Some(skip) = params.skip_nonce_check {
                set("skip_nonce_check", json!(skip));
            }
            [
                ("issuer", Some(params.issuer)),
                ("discovery_url", params.discovery_url),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
            .collect()
        } else {
            [
                ("authorization_url", Some(params.authorization_url)),
                ("token_url", Some(params.token_url)),
                ("userinfo_url", Some(params.userinfo_url)),
                ("jwks_uri", params.jwks_uri),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
            .collect()
        };
        for (key, url) in urls {
            check_url(&url)?;
            set(key, json!(url));
        }
        if oidc && let Some(issuer) = next.get("issuer").and_then(Value::as_str) {
            let document = discovery_document(issuer);
            next.insert("discovery_document".into(), document);
        }
        next.insert("updated_at".into(), json!(now));
        stored.json.clone_from(&next);
        if !params.client_secret.is_empty() {
            stored.client_secret = params.client_secret;
        }
        Ok(Value::Object(next))
    }

    /// `DELETE /admin/custom-providers/{identifier}`.
    pub(crate) fn delete_custom_provider(&mut self, identifier: &str) -> Result<(), ApiError> {
        check_identifier(identifier)?;
        let before = self.custom_providers.len();
        self.custom_providers
            .retain(|p| p.identifier() != identifier);
        if self.custom_providers.len() == before {
            return Err(not_found());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::state::test_support::inner;

    fn oauth2(identifier: &str) -> Value {
        json!({
            "provider_type": "oauth2",
            "identifier": identifier,
            "name": "Acme",
            "client_id": "cid",
            "client_secret": "shh",
            "authorization_url": "https://acme.example/authorize",
            "token_url": "https://acme.example/token",
            "userinfo_url": "https://acme.example/userinfo",
        })
    }

    #[test]
    fn created_with_the_go_servers_defaults_and_no_secret() {
        let mut inner = inner();
        let created = inner.create_custom_provider(oauth2("custom:acme")).unwrap();
        assert_eq!(created["pkce_enabled"], true);
        assert_eq!(created["enabled"], true);
        assert_eq!(created["email_optional"], false);
        assert_eq!(created["attribute_mapping"], json!({}));
        assert!(created.get("client_secret").is_none());
        assert!(created.get("issuer").is_none());
        assert_eq!(
            inner
                .custom_provider("custom:acme")
                .unwrap()
                .client_secret(),
            "shh"
        );

        let oidc = inner
            .create_custom_provider(json!({
                "provider_type": "oidc", "identifier": "custom:id", "name": "Id",
                "client_id": "c", "client_secret": "s", "issuer": "https://id.example",
                "scopes": ["email"],
            }))
            .unwrap();
        assert_eq!(oidc["scopes"], json!(["openid", "email"]));
        assert_eq!(
            oidc["discovery_document"]["token_endpoint"],
            "https://id.example/token"
        );
        assert_eq!(
            inner.list_custom_providers("oidc").unwrap()["providers"]
                .as_array()
                .map(Vec::len),
            Some(1)
        );
    }

    #[test]
    fn refusals_carry_the_go_servers_codes() {
        let mut inner = inner();
        let code = |r: Result<Value, ApiError>| r.map(|_| ()).unwrap_err().code;
        let mut body = oauth2("acme");
        assert_eq!(
            code(inner.create_custom_provider(body.clone())),
            "validation_failed"
        );
        body["identifier"] = json!("custom:acme");
        body["token_url"] = json!("http://acme.example/token");
        assert_eq!(
            code(inner.create_custom_provider(body.clone())),
            "validation_failed"
        );
        body["token_url"] = json!("https://127.0.0.1/token");
        assert_eq!(
            code(inner.create_custom_provider(body.clone())),
            "validation_failed"
        );
        body["token_url"] = json!("https://acme.example/token");
        body["authorization_params"] = json!({"state": "x"});
        assert_eq!(
            code(inner.create_custom_provider(body.clone())),
            "validation_failed"
        );
        body["authorization_params"] = json!({"prompt": "login"});
        body["attribute_mapping"] = json!({"role": "admin"});
        assert_eq!(
            code(inner.create_custom_provider(body.clone())),
            "validation_failed"
        );
        body["attribute_mapping"] = json!({"name": "display_name"});
        body["pkce_enabled"] = json!("yes");
        assert_eq!(code(inner.create_custom_provider(body.clone())), "bad_json");
        body["pkce_enabled"] = json!(false);
        inner.create_custom_provider(body.clone()).unwrap();
        assert_eq!(code(inner.create_custom_provider(body)), "conflict");
        let mut upper = oauth2("custom:Acme");
        upper["identifier"] = json!("custom:Acme");
        assert_eq!(
            code(inner.create_custom_provider(upper)),
            "unexpected_failure"
        );
        assert!(identifier_fits_the_table("custom:acme-2"));
        assert!(!identifier_fits_the_table("custom:acme-"));
        assert!(!identifier_fits_the_table("custom:a_b"));
        assert_eq!(
            code(inner.get_custom_provider("custom:none")),
            "custom_provider_not_found"
        );
        assert_eq!(
            code(inner.list_custom_providers("saml")),
            "validation_failed"
        );
    }

    #[test]
    fn updates_change_only_what_is_given() {
        let mut inner = inner();
        inner.create_custom_provider(oauth2("custom:acme")).unwrap();
        let updated = inner
            .update_custom_provider(
                "custom:acme",
                json!({"name": "Acme 2", "enabled": false, "client_secret": "new",
                       "provider_type": "oidc", "identifier": "custom:other"}),
            )
            .unwrap();
        assert_eq!(updated["name"], "Acme 2");
        assert_eq!(updated["enabled"], false);
        assert_eq!(updated["provider_type"], "oauth2");
        assert_eq!(updated["identifier"], "custom:acme");
        assert_eq!(updated["client_id"], "cid");
        assert_eq!(
            inner
                .custom_provider("custom:acme")
                .unwrap()
                .client_secret(),
            "new"
        );
        inner.delete_custom_provider("custom:acme").unwrap();
        assert!(inner.delete_custom_provider("custom:acme").is_err());
    }
}
