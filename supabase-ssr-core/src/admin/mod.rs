//! The admin Auth API, with the project's secret key: create, list, update and delete users,
//! invite them, generate their links, end their sessions, remove their MFA factors and passkeys,
//! manage custom identity providers (auth-js `supabase.auth.admin`).
//!
//! # Where it may be used
//!
//! [`SupabaseAdmin`] holds the **secret key**, which bypasses Row Level Security and can do
//! anything to any user. Use it only in trusted server code: a back-office route behind your
//! own authorization check, a job, a CLI. Never give it to a browser, never put the key in a
//! page, a cookie or a client bundle, and never use it to act *as* a visitor: that is what the
//! per-request [`SupabaseClient`](crate::SupabaseClient) with the publishable key is for.
//!
//! So the two are kept apart: a `SupabaseAdmin` has no cookie state and cannot become a
//! per-request client, [`SupabaseAdmin::new`] refuses a publishable key, and
//! [`Supabase`](crate::Supabase) refuses a secret key
//! ([`ConfigError::SecretKeyAsPublishableKey`]). `Debug` never shows the key.
//!
//! ```no_run
//! use supabase_ssr_core::SupabaseAdmin;
//! use supabase_ssr_core::admin::{AdminUserAttributes, ListUsers};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! // SUPABASE_URL and SUPABASE_SECRET_KEY (server-side configuration only).
//! let admin = SupabaseAdmin::from_env()?;
//! let user = admin
//!     .auth()
//!     .create_user(
//!         &AdminUserAttributes::default()
//!             .with_email("ada@example.com")
//!             .with_password("correct horse battery staple")
//!             .with_email_confirm(true),
//!     )
//!     .await?;
//! let page = admin.auth().list_users(&ListUsers::default().with_per_page(20)).await?;
//! assert!(page.users.iter().any(|u| u.id() == user.id()));
//! admin.auth().delete_user(user.id(), false).await?;
//! # Ok(())
//! # }
//! ```

mod custom_providers;
mod oauth;
mod passkeys;
mod types;

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::HeaderMap;
use url::Url;

pub use custom_providers::{
    AdminCustomProviders, CreateCustomProvider, CustomProvider, CustomProviderOptions,
    CustomProviderType, OAuth2Endpoints, UpdateCustomProvider,
};
pub use oauth::{
    AdminOAuth, CreateOAuthClient, ListOAuthClients, OAuthClient, OAuthClientPage,
    UpdateOAuthClient,
};
pub use passkeys::{AdminPasskeys, Passkey};
pub use types::{
    AdminUserAttributes, GenerateLink, GeneratedLink, InviteOptions, LinkProperties, LinkType,
    ListUsers, UserPage,
};

use crate::User;
use crate::api_key::ApiKeyKind;
use crate::auth::http::{AuthHttp, AuthRequest};
use crate::auth::{AuthError, Factor, SignOutScope};
use crate::config::{ConfigError, ENV_SECRET_KEY, ENV_SERVICE_ROLE_KEY, ENV_URL, project_urls};
use crate::global_headers::GlobalHeaders;
use crate::json::{Json, Object};
use crate::redact;

/// The admin handle of one project, holding its secret key. Server-side only (see the
/// [module documentation](self)).
///
/// Build it once at start-up; cloning is cheap (an `Arc`). It shares nothing with a
/// [`Supabase`](crate::Supabase) handle: no cookies, no sessions, no per-request client.
///
/// ```compile_fail
/// // There is no way to turn it into a per-request client that would act with the secret key.
/// let admin = supabase_ssr_core::SupabaseAdmin::new("https://x.supabase.co", "sb_secret_x")?;
/// let client = admin.client(["sb-x-auth-token=…"]);
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
#[derive(Clone)]
#[doc(alias = "service_role", alias = "admin_client")]
pub struct SupabaseAdmin {
    inner: Arc<Inner>,
}

struct Inner {
    url: Url,
    http: AuthHttp,
    /// The `Supabase` handle whose sign-out set records this handle's sign-outs
    /// ([`SupabaseAdminBuilder::record_sign_outs_in`]).
    records_sign_outs_in: Option<crate::Supabase>,
}

impl std::fmt::Debug for SupabaseAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupabaseAdmin")
            .field("url", &self.inner.url.as_str())
            .field("secret_key", &redact::Redacted)
            .finish_non_exhaustive()
    }
}

/// Options for [`SupabaseAdmin`]; start from [`SupabaseAdmin::builder`].
///
/// `Debug` shows the secret key as `<redacted>`.
#[derive(Clone)]
#[must_use]
pub struct SupabaseAdminBuilder {
    url: String,
    secret_key: String,
    http_client: Option<reqwest::Client>,
    root_certificates: Vec<Vec<u8>>,
    request_timeout: Duration,
    global_headers: HeaderMap,
    records_sign_outs_in: Option<crate::Supabase>,
}

impl std::fmt::Debug for SupabaseAdminBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SupabaseAdminBuilder")
            .field("url", &self.url)
            .field("secret_key", &redact::Redacted)
            .field("http_client", &self.http_client.as_ref().map(|_| ".."))
            .field("root_certificates", &self.root_certificates.len())
            .field("request_timeout", &self.request_timeout)
            // Names only: values may be credentials.
            .field(
                "global_headers",
                &self.global_headers.keys().collect::<Vec<_>>(),
            )
            .field("records_sign_outs_in", &self.records_sign_outs_in.is_some())
            .finish()
    }
}

impl SupabaseAdmin {
    /// The admin handle of the project at `url`, with its secret key (`sb_secret_…`, or the
    /// legacy `service_role` JWT). Any other key is refused with
    /// [`ConfigError::NotASecretKey`].
    ///
    /// ```
    /// use supabase_ssr_core::{ConfigError, SupabaseAdmin};
    ///
    /// let admin = SupabaseAdmin::new("https://abcdefghijklmnop.supabase.co", "sb_secret_x")?;
    /// assert!(!format!("{admin:?}").contains("sb_secret_x"));
    ///
    /// let refused = SupabaseAdmin::new("https://abcdefghijklmnop.supabase.co", "sb_publishable_x");
    /// assert!(matches!(refused, Err(ConfigError::NotASecretKey { .. })));
    /// # Ok::<(), ConfigError>(())
    /// ```
    pub fn new(url: &str, secret_key: &str) -> Result<Self, ConfigError> {
        Self::builder(url, secret_key).build()
    }

    /// Starts building an admin handle, to set its HTTP options.
    pub fn builder(url: impl Into<String>, secret_key: impl Into<String>) -> SupabaseAdminBuilder {
        SupabaseAdminBuilder {
            url: url.into(),
            secret_key: secret_key.into(),
            http_client: None,
            root_certificates: Vec::new(),
            request_timeout: Duration::from_secs(10),
            global_headers: HeaderMap::new(),
            records_sign_outs_in: None,
        }
    }

    /// An admin handle configured from the environment: `SUPABASE_URL` and
    /// `SUPABASE_SECRET_KEY` (or the legacy `SUPABASE_SERVICE_ROLE_KEY`), and the optional
    /// `SUPABASE_CA_CERT` (a PEM file of extra root certificates).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder_from_lookup(|name| std::env::var(name).ok())?.build()
    }

    /// [`SupabaseAdmin::from_env`] as a builder, to add options to.
    pub fn builder_from_env() -> Result<SupabaseAdminBuilder, ConfigError> {
        Self::builder_from_lookup(|name| std::env::var(name).ok())
    }

    fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<SupabaseAdminBuilder, ConfigError> {
        let present = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let url = present(ENV_URL).ok_or(ConfigError::MissingEnv(ENV_URL))?;
        let key = present(ENV_SECRET_KEY)
            .or_else(|| present(ENV_SERVICE_ROLE_KEY))
            .ok_or(ConfigError::MissingEnv(ENV_SECRET_KEY))?;
        let builder = Self::builder(url.trim(), key.trim());
        Ok(match crate::http_client::ca_cert_from_env(&lookup)? {
            Some(pem) => builder.root_certificates_pem(pem),
            None => builder,
        })
    }

    /// The project URL.
    pub fn url(&self) -> &Url {
        &self.inner.url
    }

    /// The admin Auth API (auth-js `auth.admin`).
    pub fn auth(&self) -> AdminAuth<'_> {
        AdminAuth {
            http: &self.inner.http,
            records_sign_outs_in: self.inner.records_sign_outs_in.as_ref(),
        }
    }
}

impl SupabaseAdminBuilder {
    /// Uses your HTTP client (proxy, TLS roots, connection limits) for every call, as it is:
    /// [`root_certificates_pem`](Self::root_certificates_pem) does not apply to it.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Trusts the certificates of a PEM bundle as root certificates, besides the system's
    /// (as [`SupabaseBuilder::root_certificates_pem`](crate::SupabaseBuilder::root_certificates_pem)).
    pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// Headers sent with every call (supabase-js `global.headers`), as
    /// [`SupabaseBuilder::global_headers`](crate::SupabaseBuilder::global_headers), except that
    /// a global `X-Client-Info` replaces this crate's (as in supabase-js's `createClient`, which
    /// an admin client stands for); `apikey` and `Authorization` are refused by
    /// [`build`](Self::build) (the secret key is the builder's). Values never appear in `Debug`.
    pub fn global_headers(mut self, headers: HeaderMap) -> Self {
        self.global_headers = headers;
        self
    }

    /// Records the sessions [`AdminAuth::sign_out`] ends in `supabase`'s
    /// [`SignedOutSessions`](crate::auth::SignedOutSessions) (and tells its
    /// [`SignOutListener`](crate::auth::SignOutListener)), so that handle's `get_claims`
    /// refuses them at once, as after [`Auth::sign_out`](crate::auth::Auth::sign_out).
    /// Without it an admin sign-out is only the Auth server's, and that handle accepts the
    /// ended sessions' tokens until they expire.
    pub fn record_sign_outs_in(mut self, supabase: &crate::Supabase) -> Self {
        self.records_sign_outs_in = Some(supabase.clone());
        self
    }

    /// Timeout of one call (default 10 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Builds the handle; refuses a key that is not a secret key.
    pub fn build(self) -> Result<SupabaseAdmin, ConfigError> {
        let key = self.secret_key.trim();
        if self.url.trim().is_empty() || key.is_empty() {
            return Err(ConfigError::MissingUrlOrKey);
        }
        let (url, auth_url) = project_urls(&self.url)?;
        let kind = ApiKeyKind::of(key);
        if kind != ApiKeyKind::Secret {
            return Err(ConfigError::NotASecretKey {
                kind: kind.describe(),
            });
        }
        let client = crate::http_client::given_or_built(self.http_client, &self.root_certificates)?;
        let http = AuthHttp::new(client, auth_url, key.to_owned(), self.request_timeout)
            .with_global_headers(GlobalHeaders::new(self.global_headers)?);
        Ok(SupabaseAdmin {
            inner: Arc::new(Inner {
                url,
                http,
                records_sign_outs_in: self.records_sign_outs_in,
            }),
        })
    }
}

/// The admin Auth API; from [`SupabaseAdmin::auth`].
#[derive(Debug, Clone, Copy)]
pub struct AdminAuth<'a> {
    http: &'a AuthHttp,
    records_sign_outs_in: Option<&'a crate::Supabase>,
}

impl<'a> AdminAuth<'a> {
    /// Creates a user (`POST /admin/users`). No email is sent: set
    /// [`email_confirm`](AdminUserAttributes::email_confirm) to create a confirmed user, or
    /// use [`AdminAuth::invite_user_by_email`].
    pub async fn create_user(&self, attributes: &AdminUserAttributes) -> Result<User, AuthError> {
        let body = attributes.body();
        let mut request = AuthRequest::new(Method::POST, "admin/users");
        request.body = Some(&body);
        user_from(self.http.send(request).await?)
    }

    /// One page of users (`GET /admin/users`), with where the other pages are (read from the
    /// `Link` and `X-Total-Count` headers).
    pub async fn list_users(&self, params: &ListUsers) -> Result<UserPage, AuthError> {
        let (body, pages) =
            send_page(self.http, "admin/users", params.page, params.per_page).await?;
        user_page(body, &pages)
    }

    /// A user by id (`GET /admin/users/{id}`).
    pub async fn get_user_by_id(&self, user_id: &str) -> Result<User, AuthError> {
        let path = user_path(user_id, "")?;
        let mut request = AuthRequest::new(Method::GET, &path);
        request.endpoint = Some("admin/users/{id}");
        user_from(self.http.send(request).await?)
    }

    /// Updates a user (`PUT /admin/users/{id}`): only the attributes set change.
    pub async fn update_user_by_id(
        &self,
        user_id: &str,
        attributes: &AdminUserAttributes,
    ) -> Result<User, AuthError> {
        let path = user_path(user_id, "")?;
        let body = attributes.body();
        let mut request = AuthRequest::new(Method::PUT, &path);
        request.endpoint = Some("admin/users/{id}");
        request.body = Some(&body);
        user_from(self.http.send(request).await?)
    }

    /// Deletes a user (`DELETE /admin/users/{id}`); `soft` keeps the row, anonymized, and
    /// makes the user unable to sign in.
    pub async fn delete_user(&self, user_id: &str, soft: bool) -> Result<(), AuthError> {
        let path = user_path(user_id, "")?;
        let body = Json::Object(Object::from_iter([(
            "should_soft_delete",
            Json::Bool(soft),
        )]));
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.endpoint = Some("admin/users/{id}");
        request.body = Some(&body);
        self.http.send(request).await.map(drop)
    }

    /// Invites a new user by email (`POST /invite`): the server sends the invitation, whose
    /// link leads to `options.redirect_to`.
    pub async fn invite_user_by_email(
        &self,
        email: &str,
        options: &InviteOptions,
    ) -> Result<User, AuthError> {
        let mut body = Object::new();
        body.insert("email", email);
        if let Some(data) = &options.data {
            body.insert("data", Json::from_map(data));
        }
        let body = Json::Object(body);
        let query = redirect_query(options.redirect_to.as_deref());
        let mut request = AuthRequest::new(Method::POST, "invite");
        request.query = &query;
        request.body = Some(&body);
        user_from(self.http.send(request).await?)
    }

    /// Makes an email link without sending it (`POST /admin/generate_link`), for sending it
    /// yourself.
    pub async fn generate_link(&self, link: &GenerateLink) -> Result<GeneratedLink, AuthError> {
        let body = link.body();
        let query = redirect_query(link.redirect());
        let mut request = AuthRequest::new(Method::POST, "admin/generate_link");
        request.query = &query;
        request.body = Some(&body);
        match self.http.send(request).await? {
            Json::Object(object) => Ok(GeneratedLink::from_object(&object)),
            _ => Err(AuthError::InvalidResponse(
                "POST /admin/generate_link returned no object".into(),
            )),
        }
    }

    /// Ends sessions of the user whose access token `jwt` is (`POST /logout`): `scope` says
    /// which (all of them, that one, or the others).
    ///
    /// With [`SupabaseAdminBuilder::record_sign_outs_in`], a sign-out the server accepted is
    /// also recorded in that `Supabase` handle, which then refuses the ended sessions as after
    /// [`Auth::sign_out_with_scope`](crate::auth::Auth::sign_out_with_scope). Only then: the
    /// admin handle has no verifier, so only the server's acceptance shows the token is
    /// genuine (nothing is recorded when the call fails).
    pub async fn sign_out(&self, jwt: &str, scope: SignOutScope) -> Result<(), AuthError> {
        let query = [("scope", scope.as_str())];
        let mut request = AuthRequest::new(Method::POST, "logout");
        request.query = &query;
        request.bearer = Some(jwt);
        self.http.send(request).await?;
        if let Some(supabase) = self.records_sign_outs_in {
            supabase.record_server_sign_out(jwt, scope);
        }
        Ok(())
    }

    /// The MFA factors of users (auth-js `auth.admin.mfa`).
    pub fn mfa(&self) -> AdminMfa<'a> {
        AdminMfa { http: self.http }
    }

    /// The project's OAuth 2.1 clients (auth-js `auth.admin.oauth`).
    pub fn oauth(&self) -> AdminOAuth<'a> {
        AdminOAuth { http: self.http }
    }

    /// The passkeys of users (auth-js `auth.admin.passkey`).
    pub fn passkeys(&self) -> AdminPasskeys<'a> {
        AdminPasskeys { http: self.http }
    }

    /// The project's custom OAuth 2.0 and OIDC providers (auth-js `auth.admin.customProviders`).
    pub fn custom_providers(&self) -> AdminCustomProviders<'a> {
        AdminCustomProviders { http: self.http }
    }
}

/// The admin MFA API; from [`AdminAuth::mfa`].
#[derive(Debug, Clone, Copy)]
pub struct AdminMfa<'a> {
    http: &'a AuthHttp,
}

impl AdminMfa<'_> {
    /// Every factor of a user, verified or not (`GET /admin/users/{id}/factors`).
    pub async fn list_factors(&self, user_id: &str) -> Result<Vec<Factor>, AuthError> {
        let path = user_path(user_id, "/factors")?;
        let mut request = AuthRequest::new(Method::GET, &path);
        request.endpoint = Some("admin/users/{id}/factors");
        let body = self.http.send(request).await?;
        serde_json::from_value(body.to_value()).map_err(|error| {
            AuthError::InvalidResponse(format!("the factors are not a list of factors: {error}"))
        })
    }

    /// Deletes a factor of a user (`DELETE /admin/users/{id}/factors/{factor_id}`), e.g. for a
    /// user who lost their authenticator; their sessions at `aal2` stay until they end.
    pub async fn delete_factor(&self, user_id: &str, factor_id: &str) -> Result<(), AuthError> {
        check_uuid(factor_id)?;
        let path = user_path(user_id, &format!("/factors/{factor_id}"))?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.endpoint = Some("admin/users/{id}/factors/{factor_id}");
        self.http.send(request).await.map(drop)
    }
}

/// `admin/users/{id}{rest}`, for an id that is a UUID.
fn user_path(user_id: &str, rest: &str) -> Result<String, AuthError> {
    check_uuid(user_id)?;
    Ok(format!("admin/users/{user_id}{rest}"))
}

/// Refuses an id that is not a UUID before it becomes part of a path (`../`, `?`, `#` would
/// change which endpoint is called), as auth-js's `validateUUID` does.
fn check_uuid(id: &str) -> Result<(), AuthError> {
    let groups: Vec<&str> = id.split('-').collect();
    let lengths_ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len);
    if lengths_ok
        && groups
            .iter()
            .all(|g| g.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        Ok(())
    } else {
        Err(AuthError::InvalidArgument(
            "expected the id to be a UUID".to_owned(),
        ))
    }
}

fn redirect_query(redirect_to: Option<&str>) -> Vec<(&'static str, &str)> {
    redirect_to
        .map(|r| ("redirect_to", r))
        .into_iter()
        .collect()
}

/// The user of an answer: its `user` member, or the answer itself (auth-js `_userResponse`).
fn user_from(body: Json) -> Result<User, AuthError> {
    let Json::Object(object) = body else {
        return Err(AuthError::InvalidResponse(
            "the answer holds no user".into(),
        ));
    };
    let user = match object.get("user") {
        Some(Json::Object(user)) => user,
        _ => &object,
    };
    if matches!(user.get("id"), Some(Json::String(_))) {
        Ok(User::from_object(user))
    } else {
        Err(AuthError::InvalidResponse(
            "the answer holds no user".into(),
        ))
    }
}

/// A page of `GET /admin/users`: the body's users and the pagination headers.
fn user_page(body: Json, pages: &Pages) -> Result<UserPage, AuthError> {
    let Json::Object(object) = body else {
        return Err(AuthError::InvalidResponse(
            "GET /admin/users returned no object".into(),
        ));
    };
    let mut users = Vec::new();
    let mut aud = String::new();
    let mut extra = serde_json::Map::new();
    for (key, value) in object.iter() {
        match (key.as_str(), value) {
            ("users", Json::Array(items)) => {
                for item in items {
                    let Json::Object(user) = item else {
                        return Err(AuthError::InvalidResponse(
                            "GET /admin/users listed something that is not a user".into(),
                        ));
                    };
                    users.push(User::from_object(user));
                }
            }
            ("aud", Json::String(value)) => aud.clone_from(value),
            _ => {
                extra.insert(key.clone(), value.to_value());
            }
        }
    }
    Ok(UserPage {
        users,
        aud,
        next_page: pages.next_page,
        last_page: pages.last_page,
        total: pages.total,
        extra,
    })
}

/// The `(rel, page)` pairs of a `Link` header such as
/// `</admin/users?page=2&per_page=50>; rel="next", </admin/users?page=4&per_page=50>; rel="last"`.
///
/// A typed request as the JSON body auth-js would send: its fields in declaration order.
fn request_body(params: &impl serde::Serialize) -> Result<Json, AuthError> {
    Json::from_serialize(params)
        .map_err(|error| AuthError::InvalidArgument(format!("unserializable request: {error}")))
}

/// Where the other pages of an admin list are: from the `Link` and `X-Total-Count` headers.
struct Pages {
    next_page: Option<u32>,
    last_page: u32,
    total: u64,
}

impl Pages {
    fn of(headers: &HeaderMap) -> Self {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let links = header("link").map(pagination_links).unwrap_or_default();
        let page_of = |rel: &str| links.iter().find(|(r, _)| r == rel).map(|(_, page)| *page);
        Self {
            next_page: page_of("next"),
            last_page: page_of("last").unwrap_or(0),
            total: header("x-total-count")
                .and_then(|total| total.trim().parse().ok())
                .unwrap_or(0),
        }
    }
}

/// One page of an admin list (`GET {path}?page=&per_page=`, as auth-js sends it) and where the
/// other pages are.
async fn send_page(
    http: &AuthHttp,
    path: &str,
    page: Option<u32>,
    per_page: Option<u32>,
) -> Result<(Json, Pages), AuthError> {
    let page = page.map(|p| p.to_string()).unwrap_or_default();
    let per_page = per_page.map(|p| p.to_string()).unwrap_or_default();
    let query = [("page", page.as_str()), ("per_page", per_page.as_str())];
    let mut request = AuthRequest::new(Method::GET, path);
    request.query = &query;
    request.keep_headers = true;
    let (body, headers) = http
        .send_with_headers(request)
        .await
        .map_err(|failure| failure.error)?;
    Ok((body, Pages::of(&headers)))
}

/// auth-js reads only the first digit of each page number; this reads the whole `page` query
/// parameter.
fn pagination_links(header: &str) -> Vec<(String, u32)> {
    header
        .split(',')
        .filter_map(|link| {
            let (target, params) = link.split_once(';')?;
            let target = target.trim().trim_start_matches('<').trim_end_matches('>');
            let query = target.split_once('?').map_or("", |(_, query)| query);
            let page = url::form_urlencoded::parse(query.as_bytes())
                .find(|(key, _)| key == "page")?
                .1
                .parse()
                .ok()?;
            let rel = params.split(';').find_map(|param| {
                let (name, value) = param.split_once('=')?;
                (name.trim() == "rel").then(|| value.trim().trim_matches('"').to_owned())
            })?;
            Some((rel, page))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_must_be_uuids() {
        assert!(check_uuid("3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f").is_ok());
        assert!(check_uuid("3F2B8C1E-9D4A-4B6E-8F00-1A2B3C4D5E6F").is_ok());
        for bad in [
            "",
            "../../settings",
            "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f/factors",
            "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6",
            "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6g",
            "3f2b8c1e9d4a4b6e8f001a2b3c4d5e6f",
        ] {
            assert!(
                matches!(check_uuid(bad), Err(AuthError::InvalidArgument(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn pagination_reads_whole_page_numbers() {
        let links = pagination_links(
            r#"</admin/users?page=12&per_page=2>; rel="next", </admin/users?page=40&per_page=2>; rel="last""#,
        );
        assert_eq!(links, vec![("next".into(), 12), ("last".into(), 40)]);
        assert!(pagination_links("").is_empty());
        assert!(pagination_links("garbage; rel=next").is_empty());
    }

    #[test]
    fn a_page_keeps_its_users_and_unknown_fields() {
        let mut headers = HeaderMap::new();
        headers.insert("x-total-count", "3".parse().unwrap());
        headers.insert(
            "link",
            r#"</admin/users?page=2&per_page=2>; rel="next", </admin/users?page=2&per_page=2>; rel="last""#
                .parse()
                .unwrap(),
        );
        let body = Json::parse(
            r#"{"users":[{"id":"u1","email":"a@example.com"},{"id":"u2"}],"aud":"authenticated","cursor":"c"}"#,
        )
        .unwrap();
        let page = user_page(body, &Pages::of(&headers)).unwrap();
        assert_eq!(page.users.len(), 2);
        assert_eq!(page.users[0].email(), Some("a@example.com"));
        assert_eq!(page.aud, "authenticated");
        assert_eq!(
            (page.next_page, page.last_page, page.total),
            (Some(2), 2, 3)
        );
        assert_eq!(page.extra["cursor"], "c");

        let last = user_page(
            Json::parse(r#"{"users":[]}"#).unwrap(),
            &Pages::of(&HeaderMap::new()),
        )
        .unwrap();
        assert_eq!((last.next_page, last.last_page, last.total), (None, 0, 0));
    }

    #[test]
    fn users_are_read_bare_or_wrapped() {
        let bare = Json::parse(r#"{"id":"u1","email":"a@example.com"}"#).unwrap();
        assert_eq!(user_from(bare).unwrap().id(), "u1");
        let wrapped = Json::parse(r#"{"user":{"id":"u2"}}"#).unwrap();
        assert_eq!(user_from(wrapped).unwrap().id(), "u2");
        assert!(user_from(Json::parse("{}").unwrap()).is_err());
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn from_env_reads_the_secret_key_or_the_legacy_name() {
        let url = (ENV_URL, "http://127.0.0.1:54321");
        let admin =
            SupabaseAdmin::builder_from_lookup(env(&[url, (ENV_SECRET_KEY, "sb_secret_a")]))
                .unwrap()
                .build()
                .unwrap();
        assert_eq!(admin.url().as_str(), "http://127.0.0.1:54321/");
        let legacy = [url, (ENV_SERVICE_ROLE_KEY, "sb_secret_b")];
        assert!(
            SupabaseAdmin::builder_from_lookup(env(&legacy))
                .unwrap()
                .build()
                .is_ok()
        );
        let missing = SupabaseAdmin::builder_from_lookup(env(&[url])).unwrap_err();
        assert_eq!(missing, ConfigError::MissingEnv(ENV_SECRET_KEY));
        let no_url = SupabaseAdmin::builder_from_lookup(env(&[(ENV_SECRET_KEY, "sb_secret_a")]));
        assert_eq!(no_url.unwrap_err(), ConfigError::MissingEnv(ENV_URL));
        let publishable = [url, (ENV_SECRET_KEY, "sb_publishable_a")];
        let refused = SupabaseAdmin::builder_from_lookup(env(&publishable))
            .unwrap()
            .build()
            .unwrap_err();
        assert!(
            matches!(refused, ConfigError::NotASecretKey { .. }),
            "{refused:?}"
        );
    }
}
