//! The process-wide [`Supabase`] handle and the per-request [`SupabaseClient`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use crate::auth::http::AuthHttp;
use crate::auth::refresh::{RefreshCoordinator, RefreshSettings};
use crate::auth::verify::{CacheKey, Verifier, VerifierSettings};
use crate::auth::{Auth, AuthError, Claims};
use crate::config::{Config, ConfigError};
use crate::cookies::{CookieEncoding, CookieOptions, CookieState, ResponseCookies};

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

#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: Arc<Config>,
    pub(crate) http: AuthHttp,
    /// The connection pool, shared with Auth, for Data API, Storage and Functions calls.
    pub(crate) http_client: reqwest::Client,
    pub(crate) refresh: RefreshCoordinator,
    pub(crate) verifier: Verifier,
    pub(crate) refresh_margin: Duration,
    pub(crate) login_path: Option<String>,
}

/// Options for [`Supabase`]; start from [`Supabase::builder`].
#[derive(Debug, Clone)]
#[must_use]
pub struct SupabaseBuilder {
    url: String,
    publishable_key: String,
    storage_key: Option<String>,
    cookie_options: Option<CookieOptions>,
    encoding: CookieEncoding,
    http_client: Option<reqwest::Client>,
    jwt_secret: Option<String>,
    audience: String,
    request_timeout: Duration,
    refresh_budget: Duration,
    refresh_reuse_window: Duration,
    refresh_margin: Duration,
    login_path: Option<String>,
    claims_cache_capacity: usize,
    cookie_size_budget: usize,
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
            http_client: None,
            jwt_secret: None,
            audience: "authenticated".to_owned(),
            request_timeout: Duration::from_secs(5),
            refresh_budget: Duration::from_secs(2),
            refresh_reuse_window: Duration::from_secs(10),
            refresh_margin: Duration::from_secs(90),
            login_path: None,
            claims_cache_capacity: 10_000,
            cookie_size_budget: crate::config::DEFAULT_COOKIE_SIZE_BUDGET,
        }
    }

    /// A handle configured from `SUPABASE_URL` and `SUPABASE_PUBLISHABLE_KEY` (or the legacy
    /// `SUPABASE_ANON_KEY`), with default options.
    pub fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        Self::builder(config.url().as_str(), config.publishable_key()).build()
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

    /// The client for one request, from its `Cookie` header values. Cheap: no network, no
    /// decoding until an auth method is called.
    pub fn client<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a str>) -> SupabaseClient {
        SupabaseClient {
            shared: self.shared.clone(),
            request: Arc::new(RequestState {
                cookies: Mutex::new(CookieState::new(self.shared.config.clone(), cookie_headers)),
                remembered: OnceLock::new(),
                session_read: AtomicBool::new(false),
            }),
        }
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

    /// Uses your HTTP client (proxy, TLS roots, connection limits) for every Auth call.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// The legacy JWT secret of a project that still signs with HS256, so those tokens are
    /// verified locally instead of by a `GET /user` call per request.
    pub fn jwt_secret(mut self, secret: impl Into<String>) -> Self {
        self.jwt_secret = Some(secret.into());
        self
    }

    /// The audience access tokens must carry (default `authenticated`).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = audience.into();
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
    pub fn login_path(mut self, path: impl Into<String>) -> Self {
        self.login_path = Some(path.into());
        self
    }

    /// How many verified tokens are remembered so their signature is not checked again until
    /// they expire (default 10,000; 0 checks every request).
    pub fn verified_claims_cache(mut self, capacity: usize) -> Self {
        self.claims_cache_capacity = capacity;
        self
    }

    /// How many bytes of `Set-Cookie` values one response may carry before a warning is logged
    /// (default 8 KB, a common proxy header limit).
    pub fn cookie_size_budget(mut self, bytes: usize) -> Self {
        self.cookie_size_budget = bytes;
        self
    }

    /// Builds the handle.
    pub fn build(self) -> Result<Supabase, ConfigError> {
        let mut config = Config::new(&self.url, &self.publishable_key)?
            .with_encoding(self.encoding)
            .with_cookie_size_budget(self.cookie_size_budget);
        if let Some(key) = self.storage_key {
            config = config.with_storage_key(key)?;
        }
        if let Some(options) = self.cookie_options {
            config = config.with_cookie_options(options)?;
        }
        let client = match self.http_client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .build()
                .map_err(|e| ConfigError::HttpClient(e.to_string()))?,
        };
        let http = AuthHttp::new(
            client.clone(),
            config.auth_url().clone(),
            config.publishable_key().to_owned(),
            self.request_timeout,
        );
        let refresh = RefreshCoordinator::new(RefreshSettings {
            budget: self.refresh_budget,
            reuse_window: self.refresh_reuse_window,
            capacity: 10_000,
        });
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
                refresh_margin: self.refresh_margin,
                login_path: self.login_path,
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
    pub fn auth(&self) -> Auth<'_> {
        Auth::new(self)
    }

    /// The project configuration.
    pub fn config(&self) -> &Config {
        &self.shared.config
    }

    /// A query on a table or view of the Data API (`PostgREST`), as this request's user.
    pub fn from(&self, relation: &str) -> crate::rest::QueryBuilder {
        crate::rest::QueryBuilder::new(self.clone(), relation)
    }

    /// A call of a Postgres function through the Data API (`POST /rest/v1/rpc/<function>`), as
    /// this request's user; [`FilterBuilder::get`](crate::rest::FilterBuilder::get) makes it a
    /// `GET` for read-only functions.
    pub fn rpc(&self, function: &str, args: impl serde::Serialize) -> crate::rest::FilterBuilder {
        crate::rest::FilterBuilder::rpc(self.clone(), function, args)
    }

    /// The headers a Data API request needs to act as this request's user: `apikey` and
    /// `Authorization: Bearer` (the session's access token, refreshed first when it expires
    /// soon, or the publishable key when signed out). Use them with another `PostgREST` client.
    pub async fn rest_headers(&self) -> Result<http::HeaderMap, crate::auth::AuthError> {
        crate::as_user::headers(self).await
    }

    /// Supabase Storage, as this request's user.
    pub fn storage(&self) -> crate::storage::Storage {
        crate::storage::Storage::new(self.clone())
    }

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

    /// The request's cookie state. The lock is never held across an `.await`.
    pub(crate) fn cookies(&self) -> MutexGuard<'_, CookieState> {
        self.request
            .cookies
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
