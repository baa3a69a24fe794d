//! Project configuration: the project URL, the publishable key, the storage key (the cookie base
//! name) and how auth cookies are written.

use url::Url;

use crate::ErrorSource;
use crate::api_key::ApiKeyKind;
use crate::cookies::{CookieContents, CookieEncoding, CookieOptions, CookieOptionsError};

/// Environment variable holding the project URL.
pub const ENV_URL: &str = "SUPABASE_URL";
/// Environment variable holding the publishable key.
pub const ENV_PUBLISHABLE_KEY: &str = "SUPABASE_PUBLISHABLE_KEY";
/// Legacy name of the publishable key, read when [`ENV_PUBLISHABLE_KEY`] is not set.
pub const ENV_ANON_KEY: &str = "SUPABASE_ANON_KEY";
/// Environment variable holding the secret key, read by
/// [`SupabaseAdmin::from_env`](crate::SupabaseAdmin::from_env) (never by the per-request client).
pub const ENV_SECRET_KEY: &str = "SUPABASE_SECRET_KEY";
/// Legacy name of the secret key (the `service_role` JWT), read when [`ENV_SECRET_KEY`] is not
/// set.
pub const ENV_SERVICE_ROLE_KEY: &str = "SUPABASE_SERVICE_ROLE_KEY";
/// Environment variable holding the path of a PEM file of extra root certificates to trust
/// (optional; see [`SupabaseBuilder::root_certificates_pem`](crate::SupabaseBuilder::root_certificates_pem)).
pub const ENV_CA_CERT: &str = "SUPABASE_CA_CERT";

/// Why a [`Config`] could not be built.
///
/// The messages of the first three variants are the ones `@supabase/ssr` throws for the same
/// input (spec §2), so logs read the same in both stacks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL or the key is empty.
    #[error(
        "Your project's URL and Key are required to create a Supabase client!\n\nCheck your \
         Supabase project's API settings to find these values\n\n\
         https://supabase.com/dashboard/project/_/settings/api"
    )]
    MissingUrlOrKey,
    /// The URL does not start with `http://` or `https://`.
    #[error("Invalid supabaseUrl: Must be a valid HTTP or HTTPS URL.")]
    UrlNotHttp,
    /// The URL starts like one but cannot be parsed.
    #[error("Invalid supabaseUrl: Provided URL is malformed.")]
    UrlMalformed,
    /// The publishable key holds characters no HTTP header can carry (a line break, a control
    /// character): it is sent as the `apikey` header of every call.
    #[error("the publishable key is not a valid HTTP header value (check it for line breaks)")]
    InvalidPublishableKey,
    /// An environment variable that [`Config::from_env`] needs is not set.
    #[error("environment variable {0} is not set")]
    MissingEnv(&'static str),
    /// An environment variable is set but its value is not usable.
    #[error("environment variable {var} is invalid: {reason}")]
    InvalidEnv {
        /// The variable's name.
        var: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The cookie options are not valid (see [`CookieOptions::validate`]).
    #[error("invalid cookie options: {0}")]
    CookieOptions(#[from] CookieOptionsError),
    /// The HTTP client could not be built (TLS initialisation, or a root certificate the TLS
    /// library rejects).
    #[error("could not build the HTTP client: {message}")]
    HttpClient {
        /// What went wrong, with the causes.
        message: String,
        /// The HTTP client's error.
        #[source]
        source: ErrorSource,
    },
    /// A PEM bundle given to
    /// [`SupabaseBuilder::root_certificates_pem`](crate::SupabaseBuilder::root_certificates_pem)
    /// holds no usable certificate.
    #[error("invalid root certificates: {0}")]
    RootCertificates(String),
    /// The JWT secret is shorter than [`MIN_JWT_SECRET_LEN`] bytes: anyone could guess it and
    /// sign tokens for any user. (An empty secret would verify tokens signed with an empty key.)
    #[error(
        "the JWT secret is {len} bytes long; HS256 secrets must have at least {MIN_JWT_SECRET_LEN} \
         (the project's JWT secret is in its API settings)"
    )]
    JwtSecretTooShort {
        /// The length of the secret that was given, in bytes (never the secret itself).
        len: usize,
    },
    /// The key given as the publishable key is a secret key (`sb_secret_…` or a legacy JWT with
    /// role `service_role`). A per-request client holding it would send it with every visitor's
    /// requests, and the Data API and Storage would skip Row Level Security for all of them.
    #[error(
        "the key given as the publishable key is a secret key (sb_secret_… or a service_role \
         JWT): a per-request client holding it would bypass Row Level Security for every \
         visitor. Give the per-request client the project's publishable key, and use \
         SupabaseAdmin (server-side only) for admin work"
    )]
    SecretKeyAsPublishableKey,
    /// [`SupabaseAdmin`](crate::SupabaseAdmin) was given a key that is not a secret key.
    #[error(
        "SupabaseAdmin needs a secret key (sb_secret_… or a legacy service_role JWT), but the \
         key given is {kind}; the publishable key belongs in the per-request client (Supabase)"
    )]
    NotASecretKey {
        /// What kind of key it is, in words (never the key).
        kind: String,
    },
    /// A global header
    /// ([`SupabaseBuilder::global_headers`](crate::SupabaseBuilder::global_headers)) names
    /// `apikey` or `Authorization`: the key is the builder's, and a fixed bearer would replace
    /// every visitor's session token (third-party tokens go through
    /// [`SupabaseBuilder::access_token`](crate::SupabaseBuilder::access_token)).
    #[error(
        "the global header {name} is not allowed: the API key is the builder's, and the bearer is \
         each request's session token (use access_token for third-party tokens)"
    )]
    ReservedGlobalHeader {
        /// The header's name, in lower case.
        name: String,
    },
    /// The name given to
    /// [`SupabaseBuilder::login_next_param`](crate::SupabaseBuilder::login_next_param) is empty
    /// or would need percent-encoding in a query string (only ASCII letters, digits, `-`, `.`,
    /// `_` and `*` are sent as written).
    #[error(
        "the login next parameter name {name:?} is empty or needs percent-encoding: use ASCII \
         letters, digits, '-', '.', '_' or '*' (e.g. \"next\")"
    )]
    InvalidLoginNextParam {
        /// The name that was given.
        name: String,
    },
}

/// The project URL (with a trailing slash on its path) and its Auth API URL, `<url>/auth/v1`;
/// the checks and messages of `@supabase/ssr` (spec §2).
pub(crate) fn project_urls(url: &str) -> Result<(Url, Url), ConfigError> {
    let url = url.trim();
    if url.is_empty() {
        return Err(ConfigError::MissingUrlOrKey);
    }
    let scheme_ok = url
        .get(..8)
        .is_some_and(|head| head.eq_ignore_ascii_case("https://"))
        || url
            .get(..7)
            .is_some_and(|head| head.eq_ignore_ascii_case("http://"));
    if !scheme_ok {
        return Err(ConfigError::UrlNotHttp);
    }
    let mut url = Url::parse(url).map_err(|_| ConfigError::UrlMalformed)?;
    if url.host_str().is_none() {
        return Err(ConfigError::UrlMalformed);
    }
    // JS appends "/" to the URL string before resolving "auth/v1" against it; on the parsed
    // URL that is a trailing slash on the path (query and fragment are dropped by the join).
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    let auth_url = url.join("auth/v1").map_err(|_| ConfigError::UrlMalformed)?;
    Ok((url, auth_url))
}

/// The shortest JWT secret accepted: 32 bytes, the 256 bits of the HS256 hash (RFC 7518 §3.2
/// requires a key at least that long).
pub const MIN_JWT_SECRET_LEN: usize = 32;

/// Everything a server needs to know about one Supabase project.
///
/// Built once at start-up and shared (it is cheap to clone behind an `Arc`).
///
/// ```
/// use supabase_ssr_core::Config;
///
/// let config = Config::new("https://abcdefghijklmnop.supabase.co", "sb_publishable_123")?;
/// assert_eq!(config.storage_key(), "sb-abcdefghijklmnop-auth-token");
/// assert_eq!(config.auth_url().as_str(), "https://abcdefghijklmnop.supabase.co/auth/v1");
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    url: Url,
    auth_url: Url,
    publishable_key: String,
    storage_key: String,
    cookie_options: CookieOptions,
    encoding: CookieEncoding,
    contents: CookieContents,
    cookie_size_budget: usize,
}

/// Default of [`Config::cookie_size_budget`]: 8 KB, the header limit common to proxies and
/// load balancers.
pub const DEFAULT_COOKIE_SIZE_BUDGET: usize = 8 * 1024;

impl Config {
    /// A configuration for the project at `url`, using `publishable_key` (a legacy anon key is
    /// accepted too). The storage key is derived from the URL (spec §2): `sb-<first label of the
    /// host>-auth-token`.
    ///
    /// A secret key is refused ([`ConfigError::SecretKeyAsPublishableKey`]): use
    /// [`SupabaseAdmin`](crate::SupabaseAdmin) for it.
    pub fn new(url: &str, publishable_key: &str) -> Result<Self, ConfigError> {
        if url.trim().is_empty() || publishable_key.is_empty() {
            return Err(ConfigError::MissingUrlOrKey);
        }
        let (url, auth_url) = project_urls(url)?;
        if ApiKeyKind::of(publishable_key) == ApiKeyKind::Secret {
            return Err(ConfigError::SecretKeyAsPublishableKey);
        }
        if http::HeaderValue::from_str(publishable_key).is_err() {
            return Err(ConfigError::InvalidPublishableKey);
        }
        let host = url.host_str().ok_or(ConfigError::UrlMalformed)?;
        let storage_key = format!(
            "sb-{}-auth-token",
            host.split('.').next().unwrap_or_default()
        );
        Ok(Self {
            url,
            auth_url,
            publishable_key: publishable_key.to_owned(),
            storage_key,
            cookie_options: CookieOptions::default(),
            encoding: CookieEncoding::default(),
            contents: CookieContents::default(),
            cookie_size_budget: DEFAULT_COOKIE_SIZE_BUDGET,
        })
    }

    /// Reads `SUPABASE_URL` and `SUPABASE_PUBLISHABLE_KEY` (falling back to the legacy
    /// `SUPABASE_ANON_KEY`). The error names the variable that is missing or invalid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// [`Config::from_env`] over any variable source, e.g. a map in tests.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let present = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let url = present(ENV_URL).ok_or(ConfigError::MissingEnv(ENV_URL))?;
        let (key_var, key) = present(ENV_PUBLISHABLE_KEY)
            .map(|k| (ENV_PUBLISHABLE_KEY, k))
            .or_else(|| present(ENV_ANON_KEY).map(|k| (ENV_ANON_KEY, k)))
            .ok_or(ConfigError::MissingEnv(ENV_PUBLISHABLE_KEY))?;
        Self::new(&url, key.trim()).map_err(|err| match err {
            ConfigError::MissingUrlOrKey => ConfigError::MissingEnv(key_var),
            ConfigError::SecretKeyAsPublishableKey => err,
            other => ConfigError::InvalidEnv {
                var: ENV_URL,
                reason: other.to_string(),
            },
        })
    }

    /// Replaces the storage key (the cookie base name). This is the override that wins on the
    /// JS server client (`auth.storageKey`, else `cookieOptions.name`).
    pub fn with_storage_key(mut self, storage_key: impl Into<String>) -> Result<Self, ConfigError> {
        let storage_key = storage_key.into();
        if !crate::cookies::is_valid_cookie_name(&storage_key) {
            return Err(ConfigError::CookieOptions(CookieOptionsError::Name(
                storage_key,
            )));
        }
        self.storage_key = storage_key;
        Ok(self)
    }

    /// Sets the options every auth cookie is written with.
    pub fn with_cookie_options(mut self, options: CookieOptions) -> Result<Self, ConfigError> {
        options.validate().map_err(ConfigError::CookieOptions)?;
        self.cookie_options = options;
        Ok(self)
    }

    /// Sets how cookie values are encoded when written (reading accepts both encodings).
    #[must_use]
    pub fn with_encoding(mut self, encoding: CookieEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// Sets what the session cookie holds: the whole session or only its tokens (reading
    /// accepts both).
    #[must_use]
    pub fn with_cookie_contents(mut self, contents: CookieContents) -> Self {
        self.contents = contents;
        self
    }

    /// What the session cookie holds when written.
    pub fn cookie_contents(&self) -> CookieContents {
        self.contents
    }

    /// Sets how many bytes of `Set-Cookie` values one response may carry before a warning is
    /// logged (a response over a proxy's header limit is dropped by the proxy, and the browser
    /// never gets the new session).
    #[must_use]
    pub fn with_cookie_size_budget(mut self, bytes: usize) -> Self {
        self.cookie_size_budget = bytes;
        self
    }

    /// The `Set-Cookie` size budget of one response, in bytes.
    pub fn cookie_size_budget(&self) -> usize {
        self.cookie_size_budget
    }

    /// The project URL, with a trailing slash on its path.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// The Auth API base URL, `<project url>/auth/v1`.
    pub fn auth_url(&self) -> &Url {
        &self.auth_url
    }

    /// The publishable (or legacy anon) key.
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }

    /// The storage key: the base name of the session cookie and its chunks.
    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    /// The options auth cookies are written with.
    pub fn cookie_options(&self) -> &CookieOptions {
        &self.cookie_options
    }

    /// The encoding used when writing cookie values.
    pub fn encoding(&self) -> CookieEncoding {
        self.encoding
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn from_env_reads_url_and_publishable_key() {
        let config = Config::from_lookup(lookup(&[
            (ENV_URL, "http://127.0.0.1:54321"),
            (ENV_PUBLISHABLE_KEY, "sb_publishable_x"),
            (ENV_ANON_KEY, "legacy"),
        ]))
        .unwrap();
        assert_eq!(config.publishable_key(), "sb_publishable_x");
        assert_eq!(config.storage_key(), "sb-127-auth-token");
    }

    #[test]
    fn from_env_falls_back_to_the_anon_key() {
        let config = Config::from_lookup(lookup(&[
            (ENV_URL, "http://localhost:54321"),
            (ENV_ANON_KEY, "legacy-anon"),
        ]))
        .unwrap();
        assert_eq!(config.publishable_key(), "legacy-anon");
    }

    #[test]
    fn from_env_names_the_missing_variable() {
        assert_eq!(
            Config::from_lookup(lookup(&[(ENV_PUBLISHABLE_KEY, "k")])),
            Err(ConfigError::MissingEnv(ENV_URL))
        );
        assert_eq!(
            Config::from_lookup(lookup(&[(ENV_URL, "http://localhost")])),
            Err(ConfigError::MissingEnv(ENV_PUBLISHABLE_KEY))
        );
    }

    #[test]
    fn from_env_names_the_invalid_variable() {
        let err =
            Config::from_lookup(lookup(&[(ENV_URL, "ftp://x"), (ENV_ANON_KEY, "k")])).unwrap_err();
        assert!(
            matches!(&err, ConfigError::InvalidEnv { var, .. } if *var == ENV_URL),
            "{err:?}"
        );
        assert!(err.to_string().contains("SUPABASE_URL"));
    }

    #[test]
    fn a_secret_key_is_refused_as_the_publishable_key() {
        use base64::Engine as _;
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let service_role = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"HS256"}"#),
            encode(r#"{"role":"service_role"}"#)
        );
        let anon = format!(
            "{}.{}.sig",
            encode(r#"{"alg":"HS256"}"#),
            encode(r#"{"role":"anon"}"#)
        );
        for secret in ["sb_secret_abc", service_role.as_str()] {
            let error = Config::new("https://x.supabase.co", secret).unwrap_err();
            assert_eq!(error, ConfigError::SecretKeyAsPublishableKey);
            assert!(error.to_string().contains("SupabaseAdmin"), "{error}");
            assert!(!error.to_string().contains(secret));
            let from_env = Config::from_lookup(lookup(&[
                (ENV_URL, "https://x.supabase.co"),
                (ENV_PUBLISHABLE_KEY, secret),
            ]));
            assert_eq!(from_env, Err(ConfigError::SecretKeyAsPublishableKey));
        }
        for publishable in ["sb_publishable_abc", anon.as_str(), "legacy-anon"] {
            assert!(Config::new("https://x.supabase.co", publishable).is_ok());
        }
    }

    #[test]
    fn same_site_none_without_secure_is_refused() {
        let config = Config::new("https://x.supabase.co", "k").unwrap();
        let options = CookieOptions {
            same_site: Some(cookie::SameSite::None),
            ..CookieOptions::default()
        };
        assert!(matches!(
            config.with_cookie_options(options),
            Err(ConfigError::CookieOptions(_))
        ));
    }
}
