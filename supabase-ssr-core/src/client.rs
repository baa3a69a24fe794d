//! The process-wide [`Supabase`] handle and the per-request [`SupabaseClient`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::access_token::{AccessTokenProvider, TokenSource};
use crate::auth::failures::{self, FailureMemory};
use crate::auth::http::AuthHttp;
use crate::auth::refresh::{RefreshCoordinator, RefreshSettings};
use crate::auth::server_check::ServerChecks;
use crate::auth::signed_out::SignOutSink;
use crate::auth::verify::{CacheKey, Verifier, VerifierSettings};
use crate::auth::{Auth, AuthError, Claims, SignOutListener, SignOutScope, SignedOutSessions};
use crate::config::{Config, ConfigError};
use crate::cookies::{
    CookieContents, CookieEncoding, CookieOptions, CookieOptionsError, CookieState, ResponseCookies,
};
use crate::global_headers::GlobalHeaders;
use crate::redact;

/// Everything shared by the requests of one project: configuration, the HTTP connection pool,
/// the JWKS cache, the refresh coordinator and the verified-claims cache.
///
/// Build it once at start-up; cloning is cheap (an `Arc`).
///
/// ```
/// use supabase_ssr_core::Supabase;
///
/// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
///     .build()?;
/// let client = supabase.client(["theme=dark"]);
/// assert!(client.response_cookies().is_empty());
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Supabase {
    shared: Arc<Shared>,
}

pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    pub(crate) http: AuthHttp,
    /// The connection pool, shared with Auth, for Data API, Storage and Functions calls.
    #[cfg_attr(
        not(any(feature = "rest", feature = "storage", feature = "functions")),
        allow(
            dead_code,
            reason = "only the rest, storage and functions clients use it"
        )
    )]
    pub(crate) http_client: reqwest::Client,
    pub(crate) refresh: RefreshCoordinator,
    pub(crate) verifier: Verifier,
    /// `GET /user` confirmations of tokens the verifier cannot check itself.
    pub(crate) server_checks: ServerChecks,
    pub(crate) refresh_margin: Duration,
    pub(crate) login_path: Option<String>,
    pub(crate) mfa_path: Option<String>,
    /// The query parameter carrying the request's path to the login and MFA pages.
    pub(crate) login_next_param: Option<String>,
    /// Whether every PKCE flow puts its flow id on its redirect URL.
    pub(crate) append_flow_id: bool,
    /// The application's headers for every call (`global.headers`).
    pub(crate) global_headers: GlobalHeaders,
    /// Timeout of one Data API, Storage or Functions call; none by default.
    #[cfg_attr(
        not(any(feature = "rest", feature = "storage", feature = "functions")),
        allow(
            dead_code,
            reason = "only the rest, storage and functions clients use it"
        )
    )]
    pub(crate) api_timeout: Option<Duration>,
    /// Third-party auth for every client of the handle.
    pub(crate) access_token: Option<Arc<dyn AccessTokenProvider>>,
    /// The Data API's default schema (supabase-js `db.schema`).
    #[cfg_attr(
        not(feature = "rest"),
        allow(dead_code, reason = "only the rest client reads it")
    )]
    pub(crate) db_schema: String,
    /// Whether idempotent Data API requests are retried (supabase-js `db.retry`).
    #[cfg_attr(
        not(feature = "rest"),
        allow(dead_code, reason = "only the rest client reads it")
    )]
    pub(crate) db_retry: bool,
    /// Sessions signed out through this handle, refused until their tokens expire, and who
    /// is told of each.
    pub(crate) sign_outs: SignOutSink,
}

// The HTTP client is left out: its `Debug` shows default headers and proxies, which may hold
// credentials of the application's.
impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .field("http", &self.http)
            .field("refresh", &self.refresh)
            .field("verifier", &self.verifier)
            .field("server_checks", &self.server_checks)
            .field("refresh_margin", &self.refresh_margin)
            .field("login_path", &self.login_path)
            .field("mfa_path", &self.mfa_path)
            .field("login_next_param", &self.login_next_param)
            .field("append_flow_id", &self.append_flow_id)
            .field("global_headers", &self.global_headers)
            .field("api_timeout", &self.api_timeout)
            .field("access_token", &self.access_token.as_ref().map(|_| ".."))
            .field("db_schema", &self.db_schema)
            .field("db_retry", &self.db_retry)
            .field("sign_outs", &self.sign_outs)
            .finish_non_exhaustive()
    }
}

/// The token of the first `Authorization` header if it is `Bearer <token>` (scheme in any case,
/// the token trimmed), `None` for none, another scheme or an empty token.
fn bearer_token(headers: &http::HeaderMap) -> Option<&str> {
    let value = headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Options for [`Supabase`]; start from [`Supabase::builder`].
///
/// `Debug` shows the JWT secret as `<redacted>`, and only the names of the global headers.
#[derive(Clone)]
#[must_use]
pub struct SupabaseBuilder {
    url: String,
    publishable_key: String,
    storage_key: Option<String>,
    cookie_options: Option<CookieOptions>,
    encoding: CookieEncoding,
    cookie_contents: CookieContents,
    http_client: Option<reqwest::Client>,
    root_certificates: Vec<Vec<u8>>,
    jwt_secret: Option<String>,
    audience: String,
    request_timeout: Duration,
    refresh_budget: Duration,
    refresh_reuse_window: Duration,
    refresh_margin: Duration,
    login_path: Option<String>,
    mfa_path: Option<String>,
    login_next_param: Option<String>,
    append_flow_id: bool,
    claims_cache_capacity: usize,
    cookie_size_budget: usize,
    failure_window: Duration,
    global_headers: http::HeaderMap,
    api_timeout: Option<Duration>,
    access_token: Option<Arc<dyn AccessTokenProvider>>,
    db_schema: String,
    db_retry: bool,
    sign_out_listener: Option<Arc<dyn SignOutListener>>,
}

impl Supabase {
    /// Starts building a handle for the project at `url` with its publishable (or legacy anon)
    /// key.
    pub fn builder(url: impl Into<String>, publishable_key: impl Into<String>) -> SupabaseBuilder {
        SupabaseBuilder {
            url: url.into(),
            publishable_key: publishable_key.into(),
            storage_key: None,
            cookie_options: None,
            encoding: CookieEncoding::default(),
            cookie_contents: CookieContents::default(),
            http_client: None,
            root_certificates: Vec::new(),
            jwt_secret: None,
            audience: "authenticated".to_owned(),
            request_timeout: Duration::from_secs(5),
            refresh_budget: Duration::from_secs(2),
            refresh_reuse_window: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(90),
            login_path: None,
            mfa_path: None,
            login_next_param: None,
            append_flow_id: false,
            claims_cache_capacity: 10_000,
            cookie_size_budget: crate::config::DEFAULT_COOKIE_SIZE_BUDGET,
            failure_window: Duration::from_secs(60),
            global_headers: http::HeaderMap::new(),
            api_timeout: None,
            access_token: None,
            db_schema: "public".to_owned(),
            db_retry: true,
            sign_out_listener: None,
        }
    }

    /// A handle configured from the environment ([`Supabase::builder_from_env`]), with default
    /// options otherwise.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::builder_from_env()?.build()
    }

    /// A builder configured from the environment, to add options to:
    ///
    /// - `SUPABASE_URL` and `SUPABASE_PUBLISHABLE_KEY` (or the legacy `SUPABASE_ANON_KEY`),
    ///   required;
    /// - `SUPABASE_CA_CERT`, optional: the path of a PEM file of root certificates to trust
    ///   besides the system's ([`SupabaseBuilder::root_certificates_pem`]), for a self-hosted
    ///   project behind a private CA or a local HTTPS server.
    ///
    /// The error names the variable that is missing or invalid (an unreadable file, or one
    /// without a certificate, is an error here rather than a failed TLS handshake later).
    ///
    /// ```no_run
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder_from_env()?.login_path("/login").build()?;
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn builder_from_env() -> Result<SupabaseBuilder, ConfigError> {
        Self::builder_from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Supabase::builder_from_env`] over any variable source.
    fn builder_from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<SupabaseBuilder, ConfigError> {
        let config = Config::from_lookup(&lookup)?;
        let builder = Self::builder(config.url().as_str(), config.publishable_key());
        Ok(match crate::http_client::ca_cert_from_env(&lookup)? {
            Some(pem) => builder.root_certificates_pem(pem),
            None => builder,
        })
    }

    /// The project configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// Fetches the project's signing keys now, so the first requests do not wait for them
    /// (useful at start-up and on serverless cold starts).
    pub async fn prefetch_jwks(&self) -> Result<(), AuthError> {
        self.shared.verifier.prefetch_jwks().await
    }

    /// The sessions signed out through this handle, which `get_claims` refuses until their
    /// tokens expire (see [`SignedOutSessions`]): where a fleet-wide sign-out records what
    /// other processes signed out.
    pub fn signed_out_sessions(&self) -> &Arc<SignedOutSessions> {
        &self.shared.sign_outs.set
    }

    /// Records the sign-out of `token`, which the Auth server accepted on `POST /logout` (an
    /// admin sign-out, [`SupabaseAdminBuilder::record_sign_outs_in`](crate::admin::SupabaseAdminBuilder::record_sign_outs_in)):
    /// its claims are read as after a `GET /user` confirmation (structure, expiry, issuer and
    /// audience checked here; the signature was the server's business). A token of another
    /// project records nothing.
    pub(crate) fn record_server_sign_out(&self, token: &str, scope: SignOutScope) {
        let verifier = &self.shared.verifier;
        match verifier.claims_confirmed_by_server(token) {
            Ok(claims) => self
                .shared
                .sign_outs
                .record_claims(verifier, &claims, scope),
            Err(error) => {
                tracing::debug!(reason = %error, "not recording the sign-out of a token this handle would refuse anyway");
            }
        }
    }

    /// The client for one request, from its `Cookie` header values. Cheap: no network, no
    /// decoding until an auth method is called.
    ///
    /// With [`SupabaseBuilder::access_token`], the client uses third-party auth and the cookies
    /// are not read for a session.
    #[doc(
        alias = "for_request",
        alias = "request_client",
        alias = "createServerClient"
    )]
    pub fn client<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a str>) -> SupabaseClient {
        let third_party = self.shared.access_token.clone().map(TokenSource::Provider);
        self.client_with(cookie_headers, third_party)
    }

    /// The client for one request of a visitor signed in with a third-party identity provider
    /// (Clerk, Auth0, Firebase Auth…): `access_token` is the token the request carries (e.g.
    /// from its `Authorization: Bearer` header), `None` for an anonymous visitor. Its Data API,
    /// Storage and Functions calls send that token as the bearer (the publishable key when
    /// `None`), so Row Level Security sees the third-party user through `auth.jwt()`; every
    /// [`auth()`](SupabaseClient::auth) method fails with
    /// [`AuthError::ThirdPartyAuth`](crate::auth::AuthError::ThirdPartyAuth); no cookie is read
    /// or written. See [`access_token`](crate::access_token).
    ///
    /// This is the per-request form of supabase-js's `accessToken` option: build it in the
    /// handler (an axum or actix-web handler has the request's headers); the adapters'
    /// middleware is not needed for it. The token is not verified here: the Data API and Storage
    /// verify it against the project's third-party auth settings.
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
    ///     .build()?;
    /// // In a handler: the request's `Authorization: Bearer <Clerk token>`.
    /// let bearer: Option<String> = Some("eyJhbGciOi…".to_owned());
    /// let client = supabase.client_with_access_token(bearer);
    /// assert!(client.uses_third_party_auth());
    /// assert!(client.response_cookies().is_empty());
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn client_with_access_token(&self, access_token: Option<String>) -> SupabaseClient {
        self.client_with(std::iter::empty(), Some(TokenSource::Fixed(access_token)))
    }

    /// [`client_with_access_token`](Self::client_with_access_token) with the token of the
    /// request's `Authorization: Bearer <token>` header (the scheme matched without regard to
    /// case, as HTTP's auth schemes are): what an axum or actix-web handler serving visitors of
    /// Clerk, Auth0 or another third-party provider needs. No header, another scheme (`Basic`),
    /// a value that is not text, or an empty token make an anonymous visitor's client (the
    /// publishable key as the bearer). The token is not verified here (see
    /// [`client_with_access_token`](Self::client_with_access_token)).
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
    ///     .build()?;
    /// // In a handler: `headers` is the request's `http::HeaderMap` (axum's `HeaderMap`
    /// // extractor, actix-web's `req.headers()` converted).
    /// let mut headers = http::HeaderMap::new();
    /// headers.insert(http::header::AUTHORIZATION, "Bearer eyJhbGciOi…".parse()?);
    /// let client = supabase.client_from_authorization(&headers);
    /// assert!(client.uses_third_party_auth());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn client_from_authorization(&self, headers: &http::HeaderMap) -> SupabaseClient {
        self.client_with_access_token(bearer_token(headers).map(str::to_owned))
    }

    fn client_with<'a>(
        &self,
        cookie_headers: impl IntoIterator<Item = &'a str>,
        third_party: Option<TokenSource>,
    ) -> SupabaseClient {
        SupabaseClient {
            shared: self.shared.clone(),
            request: Arc::new(RequestState {
                cookies: Mutex::new(CookieState::new(self.shared.config.clone(), cookie_headers)),
                remembered: OnceLock::new(),
                session_read: AtomicBool::new(false),
                refresh_outage: OnceLock::new(),
                target: OnceLock::new(),
                third_party,
            }),
        }
    }
}

impl std::fmt::Debug for SupabaseBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Self {
            url,
            publishable_key,
            storage_key,
            cookie_options,
            encoding,
            cookie_contents,
            http_client,
            jwt_secret,
            audience,
            request_timeout,
            refresh_budget,
            refresh_reuse_window,
            refresh_margin,
            login_path,
            mfa_path,
            login_next_param,
            append_flow_id,
            claims_cache_capacity,
            cookie_size_budget,
            failure_window,
            root_certificates,
            global_headers,
            api_timeout,
            access_token,
            db_schema,
            db_retry,
            sign_out_listener,
        } = self;
        f.debug_struct("SupabaseBuilder")
            .field("url", url)
            // Public by design: every browser of the site gets it.
            .field("publishable_key", publishable_key)
            .field("storage_key", storage_key)
            .field("cookie_options", cookie_options)
            .field("encoding", encoding)
            .field("cookie_contents", cookie_contents)
            .field("http_client", &http_client.as_ref().map(|_| ".."))
            .field("jwt_secret", &redact::optional(jwt_secret.as_ref()))
            .field("audience", audience)
            .field("request_timeout", request_timeout)
            .field("refresh_budget", refresh_budget)
            .field("refresh_reuse_window", refresh_reuse_window)
            .field("refresh_margin", refresh_margin)
            .field("login_path", login_path)
            .field("mfa_path", mfa_path)
            .field("login_next_param", login_next_param)
            .field("append_flow_id", append_flow_id)
            .field("claims_cache_capacity", claims_cache_capacity)
            .field("cookie_size_budget", cookie_size_budget)
            .field("failure_window", failure_window)
            // Public certificates, but kilobytes of PEM: their count is what a reader needs.
            .field("root_certificates", &root_certificates.len())
            // Names only: values may be credentials.
            .field("global_headers", &global_headers.keys().collect::<Vec<_>>())
            .field("api_timeout", api_timeout)
            .field("access_token", &access_token.as_ref().map(|_| ".."))
            .field("db_schema", db_schema)
            .field("db_retry", db_retry)
            .field(
                "sign_out_listener",
                &sign_out_listener.as_ref().map(|_| ".."),
            )
            .finish()
    }
}

impl SupabaseBuilder {
    /// Replaces the storage key (cookie base name) derived from the URL.
    pub fn storage_key(mut self, storage_key: impl Into<String>) -> Self {
        self.storage_key = Some(storage_key.into());
        self
    }

    /// Sets the attributes of auth cookies (domain, path, `Secure`, `SameSite`, `HttpOnly`).
    pub fn cookie_options(mut self, options: CookieOptions) -> Self {
        self.cookie_options = Some(options);
        self
    }

    /// Sets how cookie values are written (reading accepts both).
    pub fn encoding(mut self, encoding: CookieEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets what the session cookie holds (`cookies: { encode }` of `@supabase/ssr`):
    /// [`CookieContents::Full`] (the default) or [`CookieContents::TokensOnly`], which leaves
    /// the user object out so a session with large user metadata still fits one cookie; the
    /// user then comes from [`Auth::get_user`] or [`Auth::get_claims`]. Reading accepts both.
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    /// use supabase_ssr_core::cookies::CookieContents;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key")
    ///     .cookie_contents(CookieContents::TokensOnly)
    ///     .build()?;
    /// assert_eq!(supabase.config().cookie_contents(), CookieContents::TokensOnly);
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn cookie_contents(mut self, contents: CookieContents) -> Self {
        self.cookie_contents = contents;
        self
    }

    /// Uses your HTTP client (proxy, TLS roots, connection limits) for every Auth call.
    ///
    /// The client is used as it is: [`root_certificates_pem`](Self::root_certificates_pem)
    /// (and `SUPABASE_CA_CERT`) do not apply to it — add the roots to your client instead
    /// (`reqwest::ClientBuilder::tls_certs_merge`).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Trusts the certificates of a PEM bundle (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks) as root certificates, besides the system's: for a self-hosted Supabase behind
    /// a private CA, or a local Auth server over HTTPS. May be called several times; the
    /// bundles add up.
    ///
    /// A bundle without a certificate, or with one the TLS library rejects, makes
    /// [`build`](Self::build) fail with a [`ConfigError`]. It applies to the client the builder
    /// makes, not to one given to [`http_client`](Self::http_client).
    /// [`Supabase::builder_from_env`] reads a bundle from the file named by `SUPABASE_CA_CERT`.
    ///
    /// ```no_run
    /// use supabase_ssr_core::Supabase;
    ///
    /// let ca = std::fs::read("/etc/supabase/ca.pem")?;
    /// let supabase = Supabase::builder("https://supabase.internal:8443", "sb_publishable_x")
    ///     .root_certificates_pem(ca)
    ///     .build()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
        self.root_certificates.push(pem.as_ref().to_vec());
        self
    }

    /// The legacy JWT secret of a project that still signs with HS256, so those tokens are
    /// verified locally instead of by a `GET /user` call per request.
    ///
    /// [`build`](Self::build) refuses a secret shorter than
    /// [`MIN_JWT_SECRET_LEN`](crate::config::MIN_JWT_SECRET_LEN) bytes
    /// ([`ConfigError::JwtSecretTooShort`]). The secret never appears in `Debug` output.
    pub fn jwt_secret(mut self, secret: impl Into<String>) -> Self {
        self.jwt_secret = Some(secret.into());
        self
    }

    /// The audience access tokens must carry (default `authenticated`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
        self
    }

    /// Headers sent with every Auth, Data API, Storage and Functions call (supabase-js
    /// `global.headers`): an application name, a tracing header, a gateway's header. Replaces
    /// the headers of an earlier call.
    ///
    /// The credentials and the client info are the client's: an `X-Client-Info` given here is
    /// dropped, as `@supabase/ssr`'s `createServerClient` sets its own over `global.headers`
    /// (an Auth API `X-Supabase-Api-Version` given here replaces the crate's, as in auth-js),
    /// and `apikey` and `Authorization` are refused by
    /// [`build`](Self::build) ([`ConfigError::ReservedGlobalHeader`]): the handle serves every
    /// visitor, so a fixed bearer would replace each one's session (supabase-js lets it; for
    /// third-party tokens use [`access_token`](Self::access_token)). A header a call sets itself
    /// (a body's `Content-Type`, `Prefer`, `Accept`, Storage's `x-upsert`, a function
    /// invocation's `functions::Invoke::header`) replaces a global one of the
    /// same name, as in supabase-js — except the `Content-Type` and `x-region` a function
    /// invocation infers, which a global header replaces (functions-js spreads
    /// `global.headers` over them). Values never appear in `Debug` output (only the names).
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue};
    /// use supabase_ssr_core::Supabase;
    ///
    /// let mut headers = HeaderMap::new();
    /// headers.insert("x-application-name", HeaderValue::from_static("billing"));
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
    ///     .global_headers(headers)
    ///     .build()?;
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn global_headers(mut self, headers: http::HeaderMap) -> Self {
        self.global_headers = headers;
        self
    }

    /// Timeout of one Data API, Storage or Functions call, from sending the request until the
    /// response body is read (default: none, as supabase-js; Auth calls have
    /// [`request_timeout`](Self::request_timeout)). A call's own timeout (a function
    /// invocation's) replaces it; a function's answer read as a stream (`bytes_stream`) is never
    /// cut by it. A call that times out fails with its area's transport error
    /// (`rest::RestError::Transport`, `storage::StorageError::Transport`,
    /// `functions::FunctionsError::Fetch`; `is_timeout` tells it apart).
    pub fn api_timeout(mut self, timeout: Duration) -> Self {
        self.api_timeout = Some(timeout);
        self
    }

    /// Third-party auth for every client of the handle (supabase-js `accessToken`): `provider`
    /// gives the token sent as the bearer of each Data API, Storage and Functions call (the
    /// publishable key when it gives `None`); every [`auth()`](SupabaseClient::auth) method
    /// fails with [`AuthError::ThirdPartyAuth`](crate::auth::AuthError::ThirdPartyAuth); the
    /// proxy step leaves auth cookies alone. For a token that comes with each request (a
    /// visitor's Clerk or Auth0 token), use [`Supabase::client_with_access_token`] instead. See
    /// [`access_token`](crate::access_token).
    pub fn access_token(mut self, provider: impl AccessTokenProvider) -> Self {
        self.access_token = Some(Arc::new(provider));
        self
    }

    /// Timeout of one Auth API call (default 5 s).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// Total time a refresh may take, retries included (default 2 s).
    pub fn refresh_budget(mut self, budget: Duration) -> Self {
        self.refresh_budget = budget;
        self
    }

    /// How long a refresh's result answers requests still carrying the old cookie (default 10 s).
    pub fn refresh_reuse_window(mut self, window: Duration) -> Self {
        self.refresh_reuse_window = window;
        self
    }

    /// How long before expiry a session is refreshed (default 90 s, as in auth-js).
    pub fn refresh_margin(mut self, margin: Duration) -> Self {
        self.refresh_margin = margin;
        self
    }

    /// Where browsers without a session are sent when they open a page that requires one
    /// (`303 See Other`); without it they get `401`. JSON requests always get `401`.
    /// With [`login_next_param`](Self::login_next_param) the redirect also says which page
    /// they were opening, so the login page can send them back there.
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = Some(path.into());
        self
    }

    /// Where browsers are sent (`303 See Other`) when they open a page that requires `aal2`
    /// ([`SupabaseClient::require_aal2`], the adapters' `Aal2` and `StrictAal2`) with an `aal1`
    /// session: your page that challenges the user's factor. Without it they get
    /// `403 {"error":"mfa_required"}`, as JSON requests always do.
    ///
    /// ```no_run
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder_from_env()?
    ///     .login_path("/login")
    ///     .mfa_path("/mfa/challenge")
    ///     .build()?;
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn mfa_path(mut self, path: impl Into<String>) -> Self {
        self.mfa_path = Some(path.into());
        self
    }

    /// Sends browsers back where they were going once they have signed in: the `303` to the
    /// [`login_path`](Self::login_path) (and to the [`mfa_path`](Self::mfa_path)) carries the
    /// request's path and query as the query parameter `name`, percent-encoded —
    /// `/private/notes?tab=2` is sent to `/login?next=%2Fprivate%2Fnotes%3Ftab%3D2` (appended
    /// with `&` when the page already has a query). Off by default.
    ///
    /// The request target is the client's to choose, so it is carried only when
    /// [`same_origin_path`](crate::redirect::same_origin_path) accepts it (`//evil.example`, a
    /// backslash, a control character or an absolute-form `http://evil.example/` target is
    /// dropped, and the page gets no parameter). The login page must still treat the parameter
    /// as hostile: after signing in, redirect to
    /// [`safe_redirect_path(next, "/private")`](crate::redirect::safe_redirect_path), never to
    /// the raw value.
    ///
    /// The adapters' middleware hands each request's target to its client; code that builds
    /// clients itself calls [`SupabaseClient::with_request_target`].
    ///
    /// [`build`](Self::build) fails with [`ConfigError::InvalidLoginNextParam`] for an empty
    /// name or one that would need percent-encoding (anything but ASCII letters, digits, `-`,
    /// `.`, `_` and `*`).
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
    ///     .login_path("/login")
    ///     .login_next_param("next")
    ///     .build()?;
    /// // The login handler: `next` as the query parser decoded it.
    /// let next = Some("/private/notes?tab=2");
    /// let after_sign_in = supabase_ssr_core::safe_redirect_path(next, "/private");
    /// assert_eq!(after_sign_in, "/private/notes?tab=2");
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    #[doc(alias = "next", alias = "redirect_to", alias = "return_to")]
    pub fn login_next_param(mut self, name: impl Into<String>) -> Self {
        self.login_next_param = Some(name.into());
        self
    }

    /// Puts each PKCE flow's id on its redirect URL as
    /// [`FLOW_ID_PARAM`](crate::auth::FLOW_ID_PARAM) (`sb_flow_id`), as auth-js's
    /// `experimental.appendPkceFlowIdToRedirects` does: for every flow that stores a code
    /// verifier (sign-up, email OTP, password reset, email change, resend, OAuth, SSO, identity
    /// linking). The callback hands the parameter to
    /// [`Auth::exchange_code_for_session`](crate::auth::Auth::exchange_code_for_session), which
    /// then uses and removes exactly that flow's verifier cookies: two flows started in the same
    /// browser (two tabs, a sign-up link and a magic link) each find their own.
    ///
    /// Off by default, as in auth-js: the hosted Auth server matches a `redirect_to` on another
    /// host than the site URL against the allow list *including* the query string, so an exact
    /// (non-wildcard) entry stops matching (use `https://app.example/auth/callback**`).
    ///
    /// ```no_run
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder_from_env()?
    ///     .append_flow_id_to_redirects(true)
    ///     .build()?;
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn append_flow_id_to_redirects(mut self, append: bool) -> Self {
        self.append_flow_id = append;
        self
    }

    /// How many verified tokens are remembered so their signature is not checked again until
    /// they expire (default 10,000; 0 checks every request).
    pub fn verified_claims_cache(mut self, capacity: usize) -> Self {
        self.claims_cache_capacity = capacity;
        self
    }

    /// Tells `listener` of every sign-out [`Auth::sign_out`](crate::auth::Auth::sign_out)
    /// records in this handle's [`SignedOutSessions`]: the seam a fleet-wide sign-out publishes
    /// through (other processes then [`record`](SignedOutSessions::record) it in theirs).
    pub fn on_sign_out(mut self, listener: impl SignOutListener + 'static) -> Self {
        self.sign_out_listener = Some(Arc::new(listener));
        self
    }

    /// How many bytes of `Set-Cookie` values one response may carry before a warning is logged
    /// (default 8 KB, a common proxy header limit).
    pub fn cookie_size_budget(mut self, bytes: usize) -> Self {
        self.cookie_size_budget = bytes;
        self
    }

    /// How long a token the Auth server refused is refused again without asking it (default
    /// 60 s; zero asks every time): a refresh token `/token` refused, an access token `GET /user`
    /// refused. A request with a remembered token ends exactly as the first one did (the same
    /// error, the same cookie handling), so a flood of requests with one forged cookie makes one
    /// Auth call per window instead of one per request. Only the server's refusals are
    /// remembered, never an outage (timeout, 5xx, 429); tokens are remembered by a keyed hash,
    /// at most 10,000 of each kind (the oldest are forgotten first).
    pub fn failure_memory_window(mut self, window: Duration) -> Self {
        self.failure_window = window;
        self
    }

    /// The Data API schema of `SupabaseClient::from` and `SupabaseClient::rpc` (feature `rest`;
    /// supabase-js `db.schema`; default `public`). It must be exposed by the Data API;
    /// `SupabaseClient::schema` reaches another one.
    pub fn db_schema(mut self, schema: impl Into<String>) -> Self {
        self.db_schema = schema.into();
        self
    }

    /// Whether Data API reads (`GET`, `HEAD`) are retried on a failed connection and on the
    /// transient answers 503 and 520, as postgrest-js does (supabase-js `db.retry`; default
    /// on). One request can say otherwise with `FilterBuilder::retry`.
    pub fn db_retry(mut self, enabled: bool) -> Self {
        self.db_retry = enabled;
        self
    }

    /// Builds the handle.
    pub fn build(self) -> Result<Supabase, ConfigError> {
        if let Some(secret) = &self.jwt_secret
            && secret.len() < crate::config::MIN_JWT_SECRET_LEN
        {
            return Err(ConfigError::JwtSecretTooShort { len: secret.len() });
        }
        if let Some(name) = &self.login_next_param {
            crate::proxy::validate_next_param_name(name)?;
        }
        let mut config = Config::new(&self.url, &self.publishable_key)?
            .with_encoding(self.encoding)
            .with_cookie_contents(self.cookie_contents)
            .with_cookie_size_budget(self.cookie_size_budget);
        if let Some(key) = self.storage_key {
            config = config.with_storage_key(key)?;
        }
        if let Some(options) = self.cookie_options {
            config = config.with_cookie_options(options)?;
        }
        let client = crate::http_client::given_or_built(self.http_client, &self.root_certificates)?;
        let global_headers = GlobalHeaders::for_server_client(self.global_headers)?;
        let http = AuthHttp::new(
            client.clone(),
            config.auth_url().clone(),
            config.publishable_key().to_owned(),
            self.request_timeout,
        )
        .with_global_headers(global_headers.clone());
        let refresh = RefreshCoordinator::new(
            RefreshSettings {
                budget: self.refresh_budget,
                reuse_window: self.refresh_reuse_window,
                capacity: 10_000,
            },
            FailureMemory::new(self.failure_window, failures::CAPACITY),
        );
        let server_checks =
            ServerChecks::new(FailureMemory::new(self.failure_window, failures::CAPACITY));
        let mut verifier_settings = VerifierSettings::new(config.auth_url().as_str());
        verifier_settings.audience = self.audience;
        verifier_settings.hs256_secret = self.jwt_secret;
        verifier_settings.claims_cache_capacity = self.claims_cache_capacity;
        let verifier = Verifier::new(http.clone(), verifier_settings);
        Ok(Supabase {
            shared: Arc::new(Shared {
                config: Arc::new(config),
                http,
                http_client: client,
                refresh,
                verifier,
                server_checks,
                refresh_margin: self.refresh_margin,
                login_path: self.login_path,
                mfa_path: self.mfa_path,
                login_next_param: self.login_next_param,
                append_flow_id: self.append_flow_id,
                global_headers,
                api_timeout: self.api_timeout,
                access_token: self.access_token,
                db_schema: self.db_schema,
                db_retry: self.db_retry,
                sign_outs: SignOutSink {
                    set: Arc::new(SignedOutSessions::default()),
                    listener: self.sign_out_listener,
                },
            }),
        })
    }
}

/// The Supabase client of one request (the JS `createServerClient`): reads the session from the
/// request's cookies and records the cookies the response must carry.
///
/// Cheap to clone; clones share the request's cookie state, so the middleware that created it
/// and the handler that signs in see the same cookies. Never share one between requests.
#[derive(Debug, Clone)]
pub struct SupabaseClient {
    pub(crate) shared: Arc<Shared>,
    request: Arc<RequestState>,
}

/// What the clones of one request's client share.
#[derive(Debug)]
struct RequestState {
    cookies: Mutex<CookieState>,
    /// The claims-cache lookup of the session cookie the request came with: done once, by the
    /// proxy step or the first `get_claims`.
    remembered: OnceLock<CookieLookup>,
    /// Whether the handler read the session: its response is personal (`Cache-Control:
    /// private`). The proxy step's read, which every request makes, does not set it.
    session_read: AtomicBool,
    /// The outage a refresh of this request's session met: later reads in the same request
    /// (the proxy step, then the handler's `get_claims`) answer with it instead of calling
    /// `/token` again, so an outage costs one call and one budget per request, not two.
    refresh_outage: OnceLock<crate::auth::AuthError>,
    /// The request target (path and query) as the client sent it, kept only when
    /// [`SupabaseBuilder::login_next_param`] is set; checked when a rejection would carry it.
    target: OnceLock<Box<str>>,
    /// Where the token comes from when the client uses third-party auth; `None` for Supabase
    /// Auth sessions in cookies.
    third_party: Option<TokenSource>,
}

/// The cache key of the request's session cookie (`None`: no cookie, or the cache is off) and
/// what the cache held for it: the verified claims and the session's `expires_at`.
#[derive(Debug, Clone, Default)]
pub(crate) struct CookieLookup {
    pub(crate) key: Option<CacheKey>,
    pub(crate) hit: Option<(Claims, Option<i64>)>,
}

impl SupabaseClient {
    /// The Auth API, acting as this request's user.
    ///
    /// With third-party auth ([`uses_third_party_auth`](Self::uses_third_party_auth)) every
    /// method fails with [`AuthError::ThirdPartyAuth`].
    pub fn auth(&self) -> Auth<'_> {
        Auth::new(self)
    }

    /// Whether the client uses third-party auth
    /// ([`SupabaseBuilder::access_token`], [`Supabase::client_with_access_token`]) rather than
    /// Supabase Auth sessions in cookies.
    pub fn uses_third_party_auth(&self) -> bool {
        self.request.third_party.is_some()
    }

    /// Where the third-party token comes from, if the client uses third-party auth.
    pub(crate) fn third_party(&self) -> Option<&TokenSource> {
        self.request.third_party.as_ref()
    }

    /// The project configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    #[cfg(feature = "rest")]
    /// A query on a table or view of the Data API (`PostgREST`), as this request's user, in
    /// the default schema ([`SupabaseBuilder::db_schema`]).
    #[doc(alias = "table", alias = "select", alias = "query")]
    pub fn from(&self, relation: &str) -> crate::rest::QueryBuilder {
        self.rest().from(relation)
    }

    #[cfg(feature = "rest")]
    /// A call of a Postgres function through the Data API (`POST /rest/v1/rpc/<function>`), as
    /// this request's user; [`FilterBuilder::get`](crate::rest::FilterBuilder::get) makes it a
    /// `GET` for read-only functions.
    pub fn rpc(&self, function: &str, args: impl serde::Serialize) -> crate::rest::FilterBuilder {
        self.rest().rpc(function, args)
    }

    #[cfg(feature = "rest")]
    /// The Data API in the default schema ([`SupabaseBuilder::db_schema`]).
    pub fn rest(&self) -> crate::rest::RestClient {
        crate::rest::RestClient::new(self.clone(), self.shared.db_schema.clone())
    }

    #[cfg(feature = "rest")]
    /// The Data API in another schema (supabase-js `schema(name)`); it must be exposed by the
    /// Data API.
    pub fn schema(&self, schema: impl Into<String>) -> crate::rest::RestClient {
        crate::rest::RestClient::new(self.clone(), schema.into())
    }

    #[cfg(feature = "rest")]
    /// The `OpenAPI` description of the default schema (supabase-js `getOpenApiSpec`); see
    /// [`RestClient::get_open_api_spec`](crate::rest::RestClient::get_open_api_spec).
    pub async fn get_open_api_spec(&self) -> Result<serde_json::Value, crate::rest::RestError> {
        self.rest().get_open_api_spec().await
    }

    /// The headers a Data API request needs to act as this request's user: `apikey` and
    /// `Authorization: Bearer` (the session's access token, refreshed first when it expires
    /// soon, or the publishable key when signed out; with third-party auth, the provider's
    /// token), `X-Client-Info` and the [global headers](SupabaseBuilder::global_headers). Use
    /// them with another `PostgREST` client.
    pub async fn rest_headers(&self) -> Result<http::HeaderMap, crate::auth::AuthError> {
        crate::as_user::headers(self).await
    }

    #[cfg(feature = "storage")]
    /// Supabase Storage, as this request's user.
    pub fn storage(&self) -> crate::storage::Storage {
        crate::storage::Storage::new(self.clone())
    }

    #[cfg(feature = "functions")]
    /// Supabase Edge Functions, as this request's user.
    pub fn functions(&self) -> crate::functions::Functions {
        crate::functions::Functions::new(self.clone())
    }

    /// The `Set-Cookie` values the response must carry so far, and whether the handler read
    /// the user's session; [`ResponseCookies::cache_headers_for`] gives the caching headers.
    pub fn response_cookies(&self) -> ResponseCookies {
        let cookies = self.cookies().response_cookies();
        if self.request.session_read.load(Ordering::Relaxed) {
            cookies.mark_session_read()
        } else {
            cookies
        }
    }

    /// Deletes this request's auth cookies (the session cookie and its chunks) at each of
    /// `scopes`, the `clearAuthCookiesAtScopes` of `@supabase/ssr`: for an app that moved its
    /// cookies to another `Domain` or `Path` and must wipe the copies left at the old scopes,
    /// which sign-out cannot reach. The deletions go out with [`SupabaseClient::response_cookies`]
    /// (before the request's own cookie changes). A scope that is the configured one is
    /// skipped while the request holds a session (it would delete the live session cookies) —
    /// use [`Auth::sign_out`](crate::auth::Auth::sign_out) to end the session — and calling
    /// again adds no duplicate deletion. See
    /// [`CookieState::clear_auth_cookies`](crate::cookies::CookieState::clear_auth_cookies) and
    /// [`cookies::clear_auth_cookies`](crate::cookies::clear_auth_cookies).
    ///
    /// With third-party auth ([`SupabaseBuilder::access_token`],
    /// [`Supabase::client_with_access_token`]) it still writes the deletions: the one exception
    /// to "auth cookies are left alone", since it runs only when the application calls it (to
    /// wipe the Supabase cookies left from before it moved to another provider, say).
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    /// use supabase_ssr_core::cookies::CookieOptions;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "key").build()?;
    /// let client = supabase.client(["sb-abcdefghijklmnop-auth-token=base64-e30"]);
    /// client.clear_auth_cookies(&[CookieOptions::default().with_domain(".example.com")])?;
    /// assert_eq!(
    ///     client.response_cookies().set_cookies(),
    ///     ["sb-abcdefghijklmnop-auth-token=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax"]
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn clear_auth_cookies(&self, scopes: &[CookieOptions]) -> Result<(), CookieOptionsError> {
        self.cookies().clear_auth_cookies(scopes)
    }

    /// Tells the client which page the request is for, as the request line names it (its
    /// target: `/private/notes?tab=2`), so a `303` to the login or MFA page can carry it back
    /// ([`SupabaseBuilder::login_next_param`]). The adapters' middleware calls it with the
    /// request's URI; call it yourself only where you build clients with
    /// [`Supabase::client`].
    ///
    /// Kept only when `login_next_param` is set (otherwise nothing is formatted or stored), and
    /// only the first call counts. The target is not trusted: it is checked with
    /// [`same_origin_path`](crate::redirect::same_origin_path) when a rejection would carry it,
    /// and dropped unless it is a path on this site.
    ///
    /// ```
    /// use supabase_ssr_core::Supabase;
    ///
    /// let supabase = Supabase::builder("https://abcdefghijklmnop.supabase.co", "sb_publishable_x")
    ///     .login_path("/login")
    ///     .login_next_param("next")
    ///     .build()?;
    /// let uri: http::Uri = "/private/notes?tab=2".parse()?;
    /// let client = supabase.client(["theme=dark"]).with_request_target(&uri);
    /// # let _ = client;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_request_target(self, target: impl std::fmt::Display) -> Self {
        if self.shared.login_next_param.is_some() {
            let _ = self.request.target.set(target.to_string().into_boxed_str());
        }
        self
    }

    /// Records that the handler read the user's session (claims, session, user, or a call
    /// with the user's token), so its response is marked private.
    pub(crate) fn mark_session_read(&self) {
        self.request.session_read.store(true, Ordering::Relaxed);
    }

    /// The `Cookie` header the rest of the request should see after this request's changes, or
    /// `None` when nothing changed.
    pub fn request_cookie_header(&self) -> Option<String> {
        self.cookies().request_cookie_header()
    }

    /// The claims-cache lookup of the request's session cookie, done at most once.
    pub(crate) fn remembered(&self, lookup: impl FnOnce() -> CookieLookup) -> &CookieLookup {
        self.request.remembered.get_or_init(lookup)
    }

    /// The request's target, to carry to the login page (see
    /// [`with_request_target`](Self::with_request_target)).
    pub(crate) fn request_target(&self) -> Option<&str> {
        self.request.target.get().map(AsRef::as_ref)
    }

    /// The outage an earlier refresh in this request met, if any.
    pub(crate) fn refresh_outage(&self) -> Option<&AuthError> {
        self.request.refresh_outage.get()
    }

    /// Records that a refresh in this request met an outage (the first one is kept).
    pub(crate) fn record_refresh_outage(&self, error: &AuthError) {
        let _ = self.request.refresh_outage.set(error.clone());
    }

    /// The request's cookie state. The lock is never held across an `.await`.
    pub(crate) fn cookies(&self) -> MutexGuard<'_, CookieState> {
        self.request
            .cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ENV_CA_CERT, ENV_PUBLISHABLE_KEY, ENV_URL};

    fn env(ca: Option<&'static str>) -> impl Fn(&str) -> Option<String> {
        move |name| match name {
            ENV_URL => Some("https://abcdefghijklmnop.supabase.co".to_owned()),
            ENV_PUBLISHABLE_KEY => Some("sb_publishable_x".to_owned()),
            ENV_CA_CERT => ca.map(str::to_owned),
            _ => None,
        }
    }

    #[test]
    fn the_ca_variable_is_optional() {
        let builder = Supabase::builder_from_lookup(env(None)).unwrap();
        assert!(builder.root_certificates.is_empty());
        assert!(builder.build().is_ok());
    }

    #[test]
    fn an_unreadable_ca_file_is_an_error_naming_the_variable() {
        let error = Supabase::builder_from_lookup(env(Some("/nonexistent/ca.pem"))).unwrap_err();
        assert!(
            matches!(&error, ConfigError::InvalidEnv { var, .. } if *var == ENV_CA_CERT),
            "{error:?}"
        );
    }
}
