//! How a server is configured: start-up options and the settings a test may change at run time.

use std::time::Duration;

use serde_json::Value;

use super::keys::KeyAlgorithm;

/// The publishable key a server uses unless told otherwise.
pub const DEFAULT_PUBLISHABLE_KEY: &str = "sb_publishable_local-auth-0000000000000000";

/// The secret (service-role) key a server uses unless told otherwise. Requests carrying it as
/// `apikey` (or as `Authorization: Bearer`) are service-role requests, allowed on the admin
/// endpoints (`/admin/users`, `/invite`, `/admin/generate_link`), as on the hosted service.
pub const DEFAULT_SECRET_KEY: &str = "sb_secret_local-auth-00000000000000000000";

/// The legacy HS256 secret of the Supabase local stack (test-only, public).
pub const DEFAULT_JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

/// Settings read on every request; change them on a running server with
/// [`LocalAuth::update_settings`](super::LocalAuth::update_settings).
// Each bool is an independent switch of the Go server's configuration.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Lifetime of new access tokens (`expires_in`). Default 3600 s.
    pub access_token_ttl: Duration,
    /// How long after its rotation a refresh token may still be exchanged for a new child
    /// (`REFRESH_TOKEN_REUSE_INTERVAL`). Default 10 s.
    pub refresh_token_reuse_interval: Duration,
    /// Sign-ups are confirmed at once and get a session (`mailer_autoconfirm`). Default true,
    /// like the Supabase local stack.
    pub autoconfirm: bool,
    /// Where redirects go when the request names no valid `redirect_to`.
    pub site_url: String,
    /// Lifetime of email/SMS one-time codes and links. Default 3600 s.
    pub otp_ttl: Duration,
    /// Lifetime of a PKCE flow state (auth code). Default 300 s.
    pub flow_state_ttl: Duration,
    /// Minimum password length; shorter passwords get `weak_password`. Default 6.
    pub min_password_length: usize,
    /// Reject requests without the publishable key in `apikey` (401), as the gateway does.
    /// Links (`GET /verify`, `/authorize`), JWKS and `/health` are always open. Default true.
    pub require_api_key: bool,
    /// The email of the account the built-in OAuth provider signs in, unless the request
    /// carries `login_hint`. Default `oauth-user@example.com`.
    pub oauth_email: String,
    /// How long an MFA challenge accepts its code (`MFA_CHALLENGE_EXPIRY_DURATION`); later
    /// verifications get `mfa_challenge_expired`. Default 300 s.
    pub mfa_challenge_expiry: Duration,
    /// How long an unverified, never challenged factor lives (`MFA_FACTOR_EXPIRY_DURATION`).
    /// Default 300 s.
    pub mfa_factor_expiry: Duration,
    /// Factors (verified or not) a user may have (`MFA_MAX_ENROLLED_FACTORS`); more gives
    /// `too_many_enrolled_mfa_factors`. Default 10.
    pub mfa_max_enrolled_factors: usize,
    /// Verified factors a user may have (`MFA_MAX_VERIFIED_FACTORS`). Default 10.
    pub mfa_max_verified_factors: usize,
    /// Least time between two challenges of one phone factor (`MFA_PHONE_MAX_FREQUENCY`);
    /// sooner gives 429 `over_sms_send_rate_limit`. Default 60 s.
    pub mfa_phone_max_frequency: Duration,
    /// Characters a password must contain, one of each set (`GOTRUE_PASSWORD_REQUIRED_CHARACTERS`,
    /// e.g. `["0123456789", "abcdefghijklmnopqrstuvwxyz"]`): sign-ups and password changes
    /// missing one get `weak_password` (reason `characters`), password sign-ins succeed with a
    /// `weak_password` field. Default none.
    pub password_required_characters: Vec<String>,
    /// "Secure password change" (`GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION`): a
    /// password change from a session older than 24 hours needs the `nonce` sent by
    /// `GET /reauthenticate`. Default false, as on the Go server.
    pub secure_password_change: bool,
    /// `GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_CURRENT_PASSWORD`: a password change needs
    /// `current_password` (not in a recovery session, not for users without a password).
    /// Default false, as on the Go server.
    pub require_current_password: bool,
    /// `GOTRUE_SECURITY_MANUAL_LINKING_ENABLED`: `/user/identities/*` are served (404
    /// `manual_linking_disabled` otherwise). Default true here so link flows work without setup;
    /// the Go server's default is false.
    pub manual_linking: bool,
    /// Email domains with a (test) SAML SSO provider; see
    /// [`LocalAuth::sso_provider_id`](super::LocalAuth::sso_provider_id). Default none.
    pub sso_domains: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            access_token_ttl: Duration::from_secs(3600),
            refresh_token_reuse_interval: Duration::from_secs(10),
            autoconfirm: true,
            site_url: "http://localhost:3000".to_owned(),
            otp_ttl: Duration::from_secs(3600),
            flow_state_ttl: Duration::from_secs(300),
            min_password_length: 6,
            require_api_key: true,
            oauth_email: "oauth-user@example.com".to_owned(),
            mfa_challenge_expiry: Duration::from_secs(300),
            mfa_factor_expiry: Duration::from_secs(300),
            mfa_max_enrolled_factors: 10,
            mfa_max_verified_factors: 10,
            mfa_phone_max_frequency: Duration::from_secs(60),
            password_required_characters: Vec::new(),
            secure_password_change: false,
            require_current_password: false,
            manual_linking: true,
            sso_domains: Vec::new(),
        }
    }
}

/// A user to create before the first request.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedUser {
    /// Email address.
    pub email: String,
    /// Password (stored as given: this is a test server).
    pub password: String,
    /// Whether the email is confirmed. Default true.
    pub confirmed: bool,
    /// Phone number, empty for none.
    pub phone: String,
    /// `user_metadata` (an object); merged over `{"email_verified": confirmed}`.
    pub user_metadata: Value,
    /// Extra `app_metadata` keys, merged over `{"provider":"email","providers":["email"]}`.
    pub app_metadata: Value,
}

impl SeedUser {
    /// A confirmed email/password user without metadata.
    pub fn new(email: impl Into<String>, password: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            password: password.into(),
            confirmed: true,
            phone: String::new(),
            user_metadata: Value::Object(serde_json::Map::new()),
            app_metadata: Value::Object(serde_json::Map::new()),
        }
    }

    /// Leaves the email unconfirmed (password sign-in then fails with `email_not_confirmed`).
    #[must_use]
    pub fn unconfirmed(mut self) -> Self {
        self.confirmed = false;
        self
    }

    /// Sets `user_metadata`.
    #[must_use]
    pub fn user_metadata(mut self, metadata: Value) -> Self {
        self.user_metadata = metadata;
        self
    }

    /// Sets extra `app_metadata` keys (for example `{"role_in_app":"admin"}`).
    #[must_use]
    pub fn app_metadata(mut self, metadata: Value) -> Self {
        self.app_metadata = metadata;
        self
    }

    /// Sets the phone number.
    #[must_use]
    pub fn phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = phone.into();
        self
    }
}

/// Everything needed to start a server. `LocalAuthOptions::default()` gives an ES256 server on
/// a free port with no users.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalAuthOptions {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The key clients send as `apikey`.
    pub publishable_key: String,
    /// The secret key server code sends as `apikey` for admin calls.
    pub secret_key: String,
    /// Algorithm of the first signing key.
    pub jwt_algorithm: KeyAlgorithm,
    /// Shared secret for HS256 keys.
    pub jwt_secret: String,
    /// Run-time settings.
    pub settings: Settings,
    /// Users created at start.
    pub users: Vec<SeedUser>,
    /// Serve HTTPS instead of HTTP, with a certificate for `127.0.0.1` and `localhost` signed
    /// by a CA made at start (trust it with
    /// [`LocalAuth::ca_certificate_pem`](super::LocalAuth::ca_certificate_pem)). Default false.
    pub tls: bool,
}

impl Default for LocalAuthOptions {
    fn default() -> Self {
        Self {
            port: 0,
            publishable_key: DEFAULT_PUBLISHABLE_KEY.to_owned(),
            secret_key: DEFAULT_SECRET_KEY.to_owned(),
            jwt_algorithm: KeyAlgorithm::Es256,
            jwt_secret: DEFAULT_JWT_SECRET.to_owned(),
            settings: Settings::default(),
            users: Vec::new(),
            tls: false,
        }
    }
}

impl LocalAuthOptions {
    /// Adds a user created at start.
    #[must_use]
    pub fn user(mut self, user: SeedUser) -> Self {
        self.users.push(user);
        self
    }

    /// Sets the secret key (default [`DEFAULT_SECRET_KEY`]).
    #[must_use]
    pub fn secret_key(mut self, key: impl Into<String>) -> Self {
        self.secret_key = key.into();
        self
    }

    /// Sets the port (0 for any free port).
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets the first signing key's algorithm.
    #[must_use]
    pub fn jwt_algorithm(mut self, alg: KeyAlgorithm) -> Self {
        self.jwt_algorithm = alg;
        self
    }

    /// Sets the access-token lifetime.
    #[must_use]
    pub fn access_token_ttl(mut self, ttl: Duration) -> Self {
        self.settings.access_token_ttl = ttl;
        self
    }

    /// Sets the refresh-token reuse interval.
    #[must_use]
    pub fn refresh_token_reuse_interval(mut self, interval: Duration) -> Self {
        self.settings.refresh_token_reuse_interval = interval;
        self
    }

    /// Serves HTTPS (see [`LocalAuthOptions::tls`]).
    #[must_use]
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Sets whether sign-ups are confirmed at once.
    #[must_use]
    pub fn autoconfirm(mut self, autoconfirm: bool) -> Self {
        self.settings.autoconfirm = autoconfirm;
        self
    }

    /// Turns "secure password change" on or off (see [`Settings::secure_password_change`]).
    #[must_use]
    pub fn secure_password_change(mut self, on: bool) -> Self {
        self.settings.secure_password_change = on;
        self
    }

    /// Requires `current_password` for password changes (see
    /// [`Settings::require_current_password`]).
    #[must_use]
    pub fn require_current_password(mut self, on: bool) -> Self {
        self.settings.require_current_password = on;
        self
    }

    /// Sets the password rules: minimum length and required character sets (see
    /// [`Settings::password_required_characters`]).
    #[must_use]
    pub fn password_rules(mut self, min_length: usize, required_characters: &[&str]) -> Self {
        self.settings.min_password_length = min_length;
        self.settings.password_required_characters = required_characters
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        self
    }

    /// Adds a test SAML SSO provider for the email `domain` (`signInWithSSO({domain})`); its id
    /// comes from [`LocalAuth::sso_provider_id`](super::LocalAuth::sso_provider_id).
    #[must_use]
    pub fn sso_domain(mut self, domain: impl Into<String>) -> Self {
        self.settings.sso_domains.push(domain.into().to_lowercase());
        self
    }
}
