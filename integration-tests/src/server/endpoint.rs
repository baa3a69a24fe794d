//! The endpoints the server counts calls to and can inject faults into.

use std::fmt;
use std::str::FromStr;

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// One endpoint of the Auth API. `/token` is split by `grant_type`, and `/verify` and `/user`
/// by method, because tests care about them separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /token?grant_type=password`.
    TokenPassword,
    /// `POST /token?grant_type=refresh_token`.
    TokenRefresh,
    /// `POST /token?grant_type=pkce`.
    TokenPkce,
    /// `POST /token?grant_type=id_token`.
    TokenIdToken,
    /// `POST /token` with any other or no `grant_type`.
    TokenOther,
    /// `POST /signup`.
    Signup,
    /// `POST /otp`.
    Otp,
    /// `POST /verify`.
    VerifyPost,
    /// `GET /verify` (the link in an email).
    VerifyGet,
    /// `GET /user`.
    UserGet,
    /// `PUT /user`.
    UserPut,
    /// `POST /logout`.
    Logout,
    /// `POST /recover`.
    Recover,
    /// `GET /authorize` (the built-in test OAuth provider).
    Authorize,
    /// `GET /.well-known/jwks.json`.
    Jwks,
    /// `GET /settings`.
    Settings,
    /// `GET /health`.
    Health,
    /// `POST /factors` (MFA enroll).
    FactorsEnroll,
    /// `POST /factors/{id}/challenge`.
    FactorsChallenge,
    /// `POST /factors/{id}/verify`.
    FactorsVerify,
    /// `DELETE /factors/{id}` (MFA unenroll).
    FactorsUnenroll,
    /// `POST /resend`.
    Resend,
    /// `GET /reauthenticate`.
    Reauthenticate,
    /// `GET /user/identities/authorize` (manual linking).
    IdentitiesAuthorize,
    /// `DELETE /user/identities/{id}` (unlink).
    IdentitiesUnlink,
    /// `POST /sso`.
    Sso,
    /// `POST /sso/saml/acs` (the test identity provider posts the browser back here).
    SsoAcs,
    /// `GET /admin/users` (list, paginated).
    AdminUsersList,
    /// `POST /admin/users`.
    AdminUserCreate,
    /// `GET /admin/users/{id}`.
    AdminUserGet,
    /// `PUT /admin/users/{id}`.
    AdminUserUpdate,
    /// `DELETE /admin/users/{id}`.
    AdminUserDelete,
    /// `GET /admin/users/{id}/factors`.
    AdminFactorsList,
    /// `DELETE /admin/users/{id}/factors/{factor_id}`.
    AdminFactorDelete,
    /// `POST /invite`.
    Invite,
    /// `POST /admin/generate_link`.
    GenerateLink,
    /// `GET /admin/users/{id}/passkeys`.
    AdminPasskeysList,
    /// `DELETE /admin/users/{id}/passkeys/{passkey_id}`.
    AdminPasskeyDelete,
    /// `GET /admin/custom-providers`.
    AdminCustomProvidersList,
    /// `POST /admin/custom-providers`.
    AdminCustomProviderCreate,
    /// `GET /admin/custom-providers/{identifier}`.
    AdminCustomProviderGet,
    /// `PUT /admin/custom-providers/{identifier}`.
    AdminCustomProviderUpdate,
    /// `DELETE /admin/custom-providers/{identifier}`.
    AdminCustomProviderDelete,
    /// `GET /admin/oauth/clients`.
    AdminOAuthClientsList,
    /// `POST /admin/oauth/clients`.
    AdminOAuthClientCreate,
    /// `GET /admin/oauth/clients/{id}`.
    AdminOAuthClientGet,
    /// `PUT /admin/oauth/clients/{id}`.
    AdminOAuthClientUpdate,
    /// `DELETE /admin/oauth/clients/{id}`.
    AdminOAuthClientDelete,
    /// `POST /admin/oauth/clients/{id}/regenerate_secret`.
    AdminOAuthClientRegenerateSecret,
    /// `GET /oauth/authorize` (a third-party app's browser; the project as an OAuth 2.1 server).
    OAuthAuthorize,
    /// `POST /oauth/token` (a third-party app, authenticated as its client).
    OAuthToken,
    /// `GET /oauth/authorizations/{id}` (the consent page).
    OAuthAuthorizationGet,
    /// `POST /oauth/authorizations/{id}/consent`.
    OAuthConsent,
    /// `GET /user/oauth/grants`.
    OAuthGrantsList,
    /// `DELETE /user/oauth/grants`.
    OAuthGrantRevoke,
}

impl Endpoint {
    /// Every endpoint, in a stable order.
    pub const ALL: [Endpoint; 55] = [
        Endpoint::TokenPassword,
        Endpoint::TokenRefresh,
        Endpoint::TokenPkce,
        Endpoint::TokenIdToken,
        Endpoint::TokenOther,
        Endpoint::Signup,
        Endpoint::Otp,
        Endpoint::VerifyPost,
        Endpoint::VerifyGet,
        Endpoint::UserGet,
        Endpoint::UserPut,
        Endpoint::Logout,
        Endpoint::Recover,
        Endpoint::Authorize,
        Endpoint::Jwks,
        Endpoint::Settings,
        Endpoint::Health,
        Endpoint::FactorsEnroll,
        Endpoint::FactorsChallenge,
        Endpoint::FactorsVerify,
        Endpoint::FactorsUnenroll,
        Endpoint::Resend,
        Endpoint::Reauthenticate,
        Endpoint::IdentitiesAuthorize,
        Endpoint::IdentitiesUnlink,
        Endpoint::Sso,
        Endpoint::SsoAcs,
        Endpoint::AdminUsersList,
        Endpoint::AdminUserCreate,
        Endpoint::AdminUserGet,
        Endpoint::AdminUserUpdate,
        Endpoint::AdminUserDelete,
        Endpoint::AdminFactorsList,
        Endpoint::AdminFactorDelete,
        Endpoint::Invite,
        Endpoint::GenerateLink,
        Endpoint::AdminPasskeysList,
        Endpoint::AdminPasskeyDelete,
        Endpoint::AdminCustomProvidersList,
        Endpoint::AdminCustomProviderCreate,
        Endpoint::AdminCustomProviderGet,
        Endpoint::AdminCustomProviderUpdate,
        Endpoint::AdminCustomProviderDelete,
        Endpoint::AdminOAuthClientsList,
        Endpoint::AdminOAuthClientCreate,
        Endpoint::AdminOAuthClientGet,
        Endpoint::AdminOAuthClientUpdate,
        Endpoint::AdminOAuthClientDelete,
        Endpoint::AdminOAuthClientRegenerateSecret,
        Endpoint::OAuthAuthorize,
        Endpoint::OAuthToken,
        Endpoint::OAuthAuthorizationGet,
        Endpoint::OAuthConsent,
        Endpoint::OAuthGrantsList,
        Endpoint::OAuthGrantRevoke,
    ];

    /// The snake-case name used by the admin routes and the JSON counters.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::TokenPassword => "token_password",
            Endpoint::TokenRefresh => "token_refresh",
            Endpoint::TokenPkce => "token_pkce",
            Endpoint::TokenIdToken => "token_id_token",
            Endpoint::TokenOther => "token_other",
            Endpoint::Signup => "signup",
            Endpoint::Otp => "otp",
            Endpoint::VerifyPost => "verify_post",
            Endpoint::VerifyGet => "verify_get",
            Endpoint::UserGet => "user_get",
            Endpoint::UserPut => "user_put",
            Endpoint::Logout => "logout",
            Endpoint::Recover => "recover",
            Endpoint::Authorize => "authorize",
            Endpoint::Jwks => "jwks",
            Endpoint::Settings => "settings",
            Endpoint::Health => "health",
            Endpoint::FactorsEnroll => "factors_enroll",
            Endpoint::FactorsChallenge => "factors_challenge",
            Endpoint::FactorsVerify => "factors_verify",
            Endpoint::FactorsUnenroll => "factors_unenroll",
            Endpoint::Resend => "resend",
            Endpoint::Reauthenticate => "reauthenticate",
            Endpoint::IdentitiesAuthorize => "identities_authorize",
            Endpoint::IdentitiesUnlink => "identities_unlink",
            Endpoint::Sso => "sso",
            Endpoint::SsoAcs => "sso_acs",
            Endpoint::AdminUsersList => "admin_users_list",
            Endpoint::AdminUserCreate => "admin_user_create",
            Endpoint::AdminUserGet => "admin_user_get",
            Endpoint::AdminUserUpdate => "admin_user_update",
            Endpoint::AdminUserDelete => "admin_user_delete",
            Endpoint::AdminFactorsList => "admin_factors_list",
            Endpoint::AdminFactorDelete => "admin_factor_delete",
            Endpoint::Invite => "invite",
            Endpoint::GenerateLink => "generate_link",
            Endpoint::AdminPasskeysList => "admin_passkeys_list",
            Endpoint::AdminPasskeyDelete => "admin_passkey_delete",
            Endpoint::AdminCustomProvidersList => "admin_custom_providers_list",
            Endpoint::AdminCustomProviderCreate => "admin_custom_provider_create",
            Endpoint::AdminCustomProviderGet => "admin_custom_provider_get",
            Endpoint::AdminCustomProviderUpdate => "admin_custom_provider_update",
            Endpoint::AdminCustomProviderDelete => "admin_custom_provider_delete",
            Endpoint::AdminOAuthClientsList => "admin_oauth_clients_list",
            Endpoint::AdminOAuthClientCreate => "admin_oauth_client_create",
            Endpoint::AdminOAuthClientGet => "admin_oauth_client_get",
            Endpoint::AdminOAuthClientUpdate => "admin_oauth_client_update",
            Endpoint::AdminOAuthClientDelete => "admin_oauth_client_delete",
            Endpoint::AdminOAuthClientRegenerateSecret => "admin_oauth_client_regenerate_secret",
            Endpoint::OAuthAuthorize => "oauth_authorize",
            Endpoint::OAuthToken => "oauth_token",
            Endpoint::OAuthAuthorizationGet => "oauth_authorization_get",
            Endpoint::OAuthConsent => "oauth_consent",
            Endpoint::OAuthGrantsList => "oauth_grants_list",
            Endpoint::OAuthGrantRevoke => "oauth_grant_revoke",
        }
    }

    /// Which endpoint a request under `/auth/v1` is for, if any.
    pub(crate) fn classify(method: &Method, path: &str, query: Option<&str>) -> Option<Self> {
        let sub = path.strip_prefix("/auth/v1")?;
        let grant = query.and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == "grant_type")
                .map(|(_, v)| v.into_owned())
        });
        Some(match (method.as_str(), sub) {
            ("POST", "/token") => match grant.as_deref() {
                Some("password") => Endpoint::TokenPassword,
                Some("refresh_token") => Endpoint::TokenRefresh,
                Some("pkce") => Endpoint::TokenPkce,
                Some("id_token") => Endpoint::TokenIdToken,
                _ => Endpoint::TokenOther,
            },
            ("POST", "/signup") => Endpoint::Signup,
            ("POST", "/otp") => Endpoint::Otp,
            ("POST", "/verify") => Endpoint::VerifyPost,
            ("GET", "/verify") => Endpoint::VerifyGet,
            ("GET", "/user") => Endpoint::UserGet,
            ("PUT", "/user") => Endpoint::UserPut,
            ("POST", "/logout") => Endpoint::Logout,
            ("POST", "/recover") => Endpoint::Recover,
            ("GET", "/authorize") => Endpoint::Authorize,
            ("GET", "/.well-known/jwks.json") => Endpoint::Jwks,
            ("GET", "/settings") => Endpoint::Settings,
            ("GET", "/health") => Endpoint::Health,
            ("POST", "/factors" | "/factors/") => Endpoint::FactorsEnroll,
            ("POST", "/resend") => Endpoint::Resend,
            ("GET", "/reauthenticate") => Endpoint::Reauthenticate,
            ("GET", "/user/identities/authorize") => Endpoint::IdentitiesAuthorize,
            ("POST", "/sso") => Endpoint::Sso,
            ("POST", "/sso/saml/acs") => Endpoint::SsoAcs,
            ("DELETE", unlink) if unlink.starts_with("/user/identities/") => {
                Endpoint::IdentitiesUnlink
            }
            ("POST", "/invite") => Endpoint::Invite,
            ("POST", "/admin/generate_link") => Endpoint::GenerateLink,
            ("GET", "/admin/users" | "/admin/users/") => Endpoint::AdminUsersList,
            ("POST", "/admin/users" | "/admin/users/") => Endpoint::AdminUserCreate,
            (method, sub) if sub.starts_with("/admin/users/") => {
                return Self::classify_admin_user(method, sub);
            }
            (method, sub) if sub.starts_with("/admin/oauth/clients") => {
                return Self::classify_oauth_client(method, sub);
            }
            ("GET", "/oauth/authorize") => Endpoint::OAuthAuthorize,
            ("POST", "/oauth/token") => Endpoint::OAuthToken,
            ("GET", "/user/oauth/grants") => Endpoint::OAuthGrantsList,
            ("DELETE", "/user/oauth/grants") => Endpoint::OAuthGrantRevoke,
            (method, sub) if sub.starts_with("/oauth/authorizations/") => {
                let rest = sub.trim_start_matches("/oauth/authorizations/");
                return match (method, rest.split_once('/')) {
                    ("GET", None) if !rest.is_empty() => Some(Endpoint::OAuthAuthorizationGet),
                    ("POST", Some((id, "consent"))) if !id.is_empty() => {
                        Some(Endpoint::OAuthConsent)
                    }
                    _ => None,
                };
            }
            (method, sub) if sub.starts_with("/admin/custom-providers") => {
                return Self::classify_custom_provider(method, sub);
            }
            (method, factor) => return Self::classify_factor(method, factor),
        })
    }

    /// `/factors/{id}[/challenge|/verify]`.
    fn classify_factor(method: &str, sub: &str) -> Option<Self> {
        let rest = sub.strip_prefix("/factors/")?;
        let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
        if id.is_empty() {
            return None;
        }
        Some(match (method, action) {
            ("POST", "challenge") => Endpoint::FactorsChallenge,
            ("POST", "verify") => Endpoint::FactorsVerify,
            ("DELETE", "") => Endpoint::FactorsUnenroll,
            _ => return None,
        })
    }

    /// `/admin/users/{id}[/factors[/{factor_id}]]`.
    fn classify_admin_user(method: &str, sub: &str) -> Option<Self> {
        let rest = sub.strip_prefix("/admin/users/")?.trim_end_matches('/');
        let parts: Vec<&str> = rest.split('/').collect();
        Some(match (method, parts.as_slice()) {
            ("GET", [id]) if !id.is_empty() => Endpoint::AdminUserGet,
            ("PUT", [id]) if !id.is_empty() => Endpoint::AdminUserUpdate,
            ("DELETE", [id]) if !id.is_empty() => Endpoint::AdminUserDelete,
            ("GET", [_, "factors"]) => Endpoint::AdminFactorsList,
            ("DELETE", [_, "factors", _]) => Endpoint::AdminFactorDelete,
            ("GET", [_, "passkeys"]) => Endpoint::AdminPasskeysList,
            ("DELETE", [_, "passkeys", _]) => Endpoint::AdminPasskeyDelete,
            _ => return None,
        })
    }

    /// `/admin/oauth/clients[/{client_id}[/regenerate_secret]]`.
    fn classify_oauth_client(method: &str, sub: &str) -> Option<Self> {
        let rest = sub.strip_prefix("/admin/oauth/clients")?.trim_matches('/');
        let parts: Vec<&str> = rest.split('/').collect();
        Some(match (method, parts.as_slice()) {
            ("GET", [""]) => Endpoint::AdminOAuthClientsList,
            ("POST", [""]) => Endpoint::AdminOAuthClientCreate,
            ("GET", [_]) => Endpoint::AdminOAuthClientGet,
            ("PUT", [_]) => Endpoint::AdminOAuthClientUpdate,
            ("DELETE", [_]) => Endpoint::AdminOAuthClientDelete,
            ("POST", [_, "regenerate_secret"]) => Endpoint::AdminOAuthClientRegenerateSecret,
            _ => return None,
        })
    }

    /// `/admin/custom-providers[/{identifier}]`.
    fn classify_custom_provider(method: &str, sub: &str) -> Option<Self> {
        let rest = sub.strip_prefix("/admin/custom-providers")?;
        let identifier = rest.trim_matches('/');
        if identifier.contains('/') {
            return None;
        }
        Some(match (method, identifier.is_empty()) {
            ("GET", true) => Endpoint::AdminCustomProvidersList,
            ("POST", true) => Endpoint::AdminCustomProviderCreate,
            ("GET", false) => Endpoint::AdminCustomProviderGet,
            ("PUT", false) => Endpoint::AdminCustomProviderUpdate,
            ("DELETE", false) => Endpoint::AdminCustomProviderDelete,
            _ => return None,
        })
    }

    /// Whether the API gateway lets the request through without an `apikey` (links opened in a
    /// browser and public metadata).
    pub(crate) fn is_open(self) -> bool {
        matches!(
            self,
            Endpoint::VerifyGet
                | Endpoint::Authorize
                | Endpoint::Jwks
                | Endpoint::Health
                | Endpoint::SsoAcs
                // The app's browser, and the app authenticating as its client.
                | Endpoint::OAuthAuthorize
                | Endpoint::OAuthToken
        )
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The name given to [`Endpoint::from_str`] is not an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown endpoint `{0}` (expected one of token_password, token_refresh, token_pkce, token_id_token, token_other, signup, otp, verify_post, verify_get, user_get, user_put, logout, recover, authorize, jwks, settings, health, factors_enroll, factors_challenge, factors_verify, factors_unenroll, resend, reauthenticate, identities_authorize, identities_unlink, sso, sso_acs, admin_users_list, admin_user_create, admin_user_get, admin_user_update, admin_user_delete, admin_factors_list, admin_factor_delete, invite, generate_link, admin_passkeys_list, admin_passkey_delete, admin_custom_providers_list, admin_custom_provider_create, admin_custom_provider_get, admin_custom_provider_update, admin_custom_provider_delete, admin_oauth_clients_list, admin_oauth_client_create, admin_oauth_client_get, admin_oauth_client_update, admin_oauth_client_delete, admin_oauth_client_regenerate_secret, oauth_authorize, oauth_token, oauth_authorization_get, oauth_consent, oauth_grants_list, oauth_grant_revoke)"
)]
pub struct UnknownEndpoint(pub String);

impl FromStr for Endpoint {
    type Err = UnknownEndpoint;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Endpoint::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| UnknownEndpoint(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_is_split_by_grant_type() {
        let e = Endpoint::classify(&Method::POST, "/auth/v1/token", Some("grant_type=pkce"));
        assert_eq!(e, Some(Endpoint::TokenPkce));
        let e = Endpoint::classify(&Method::POST, "/auth/v1/token", None);
        assert_eq!(e, Some(Endpoint::TokenOther));
        assert_eq!(Endpoint::classify(&Method::GET, "/__outbox", None), None);
    }

    #[test]
    fn factor_routes_are_told_apart() {
        let c = |m: &Method, p: &str| Endpoint::classify(m, p, None);
        assert_eq!(
            c(&Method::POST, "/auth/v1/factors"),
            Some(Endpoint::FactorsEnroll)
        );
        assert_eq!(
            c(&Method::POST, "/auth/v1/factors/f1/challenge"),
            Some(Endpoint::FactorsChallenge)
        );
        assert_eq!(
            c(&Method::POST, "/auth/v1/factors/f1/verify"),
            Some(Endpoint::FactorsVerify)
        );
        assert_eq!(
            c(&Method::DELETE, "/auth/v1/factors/f1"),
            Some(Endpoint::FactorsUnenroll)
        );
        assert_eq!(c(&Method::GET, "/auth/v1/factors/f1"), None);
        assert_eq!(c(&Method::DELETE, "/auth/v1/factors/"), None);
    }

    #[test]
    fn admin_routes_are_told_apart() {
        let c = |m: &Method, p: &str| Endpoint::classify(m, p, None);
        assert_eq!(
            c(&Method::GET, "/auth/v1/admin/users"),
            Some(Endpoint::AdminUsersList)
        );
        assert_eq!(
            c(&Method::POST, "/auth/v1/admin/users"),
            Some(Endpoint::AdminUserCreate)
        );
        assert_eq!(
            c(&Method::PUT, "/auth/v1/admin/users/u1"),
            Some(Endpoint::AdminUserUpdate)
        );
        assert_eq!(
            c(&Method::GET, "/auth/v1/admin/users/u1/factors"),
            Some(Endpoint::AdminFactorsList)
        );
        assert_eq!(
            c(&Method::DELETE, "/auth/v1/admin/users/u1/factors/f1"),
            Some(Endpoint::AdminFactorDelete)
        );
        assert_eq!(
            c(&Method::POST, "/auth/v1/admin/generate_link"),
            Some(Endpoint::GenerateLink)
        );
        assert_eq!(c(&Method::POST, "/auth/v1/admin/users/u1"), None);
    }

    #[test]
    fn oauth_server_routes_are_told_apart() {
        let c = |m: &Method, p: &str| Endpoint::classify(m, p, None);
        let id = "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f";
        for (method, path, endpoint) in [
            (
                Method::GET,
                "/admin/oauth/clients".to_owned(),
                Endpoint::AdminOAuthClientsList,
            ),
            (
                Method::POST,
                "/admin/oauth/clients/".to_owned(),
                Endpoint::AdminOAuthClientCreate,
            ),
            (
                Method::GET,
                format!("/admin/oauth/clients/{id}"),
                Endpoint::AdminOAuthClientGet,
            ),
            (
                Method::PUT,
                format!("/admin/oauth/clients/{id}"),
                Endpoint::AdminOAuthClientUpdate,
            ),
            (
                Method::DELETE,
                format!("/admin/oauth/clients/{id}"),
                Endpoint::AdminOAuthClientDelete,
            ),
            (
                Method::POST,
                format!("/admin/oauth/clients/{id}/regenerate_secret"),
                Endpoint::AdminOAuthClientRegenerateSecret,
            ),
            (
                Method::GET,
                "/oauth/authorize".to_owned(),
                Endpoint::OAuthAuthorize,
            ),
            (
                Method::POST,
                "/oauth/token".to_owned(),
                Endpoint::OAuthToken,
            ),
            (
                Method::GET,
                "/oauth/authorizations/a1".to_owned(),
                Endpoint::OAuthAuthorizationGet,
            ),
            (
                Method::POST,
                "/oauth/authorizations/a1/consent".to_owned(),
                Endpoint::OAuthConsent,
            ),
            (
                Method::GET,
                "/user/oauth/grants".to_owned(),
                Endpoint::OAuthGrantsList,
            ),
            (
                Method::DELETE,
                "/user/oauth/grants".to_owned(),
                Endpoint::OAuthGrantRevoke,
            ),
        ] {
            assert_eq!(
                c(&method, &format!("/auth/v1{path}")),
                Some(endpoint),
                "{method} {path}"
            );
        }
        assert_eq!(c(&Method::GET, "/auth/v1/oauth/authorizations/"), None);
        assert_eq!(
            c(&Method::POST, "/auth/v1/admin/oauth/clients/x/other"),
            None
        );
        // The app's browser and the app itself send no apikey; the consent page's calls do.
        assert!(Endpoint::OAuthAuthorize.is_open() && Endpoint::OAuthToken.is_open());
        assert!(!Endpoint::OAuthConsent.is_open());
    }

    #[test]
    fn names_round_trip() {
        for e in Endpoint::ALL {
            assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
        }
    }
}
