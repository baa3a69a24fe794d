//! Command-line options of the `local-auth` binary: every [`LocalAuthOptions`] field is a flag.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::server::{KeyAlgorithm, LocalAuthOptions, SeedUser, Settings};

/// Algorithm of the first signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AlgArg {
    /// ECDSA P-256.
    Es256,
    /// RSA 2048.
    Rs256,
    /// Legacy shared secret.
    Hs256,
}

/// A local, GoTrue-compatible Supabase Auth server for development and tests.
// Each bool is an on/off flag of the command line.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Clone, Parser)]
#[command(name = "local-auth", version)]
pub struct Cli {
    /// Port on 127.0.0.1 (0: any free port).
    #[arg(long, default_value_t = 54321)]
    pub port: u16,
    /// A user to create, as `email:password`; append `:unconfirmed` to leave the email
    /// unconfirmed. Repeatable.
    #[arg(long = "user", value_name = "EMAIL:PASSWORD")]
    pub users: Vec<String>,
    /// Publishable key clients send as `apikey`.
    #[arg(long, default_value = crate::server::DEFAULT_PUBLISHABLE_KEY)]
    pub publishable_key: String,
    /// Secret key server code sends as `apikey` for admin calls (`/admin/users`, `/invite`, …).
    #[arg(long, default_value = crate::server::DEFAULT_SECRET_KEY)]
    pub secret_key: String,
    /// Signing algorithm of the first key.
    #[arg(long, value_enum, default_value_t = AlgArg::Es256)]
    pub jwt_alg: AlgArg,
    /// Shared secret for HS256.
    #[arg(long, default_value = crate::server::DEFAULT_JWT_SECRET)]
    pub jwt_secret: String,
    /// Access-token lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub access_token_ttl: u64,
    /// Refresh-token reuse interval in seconds.
    #[arg(long, default_value_t = 10)]
    pub refresh_token_reuse_interval: u64,
    /// Require email confirmation on sign-up (default: sign-ups are confirmed at once).
    #[arg(long)]
    pub no_autoconfirm: bool,
    /// Default redirect target.
    #[arg(long, default_value = "http://localhost:3000")]
    pub site_url: String,
    /// One-time code lifetime in seconds.
    #[arg(long, default_value_t = 3600)]
    pub otp_ttl: u64,
    /// PKCE flow-state lifetime in seconds.
    #[arg(long, default_value_t = 300)]
    pub flow_state_ttl: u64,
    /// Minimum password length.
    #[arg(long, default_value_t = 6)]
    pub min_password_length: usize,
    /// Accept requests without the publishable key.
    #[arg(long)]
    pub no_api_key_check: bool,
    /// Account the built-in OAuth provider signs in (unless `login_hint` is given).
    #[arg(long, default_value = "oauth-user@example.com")]
    pub oauth_email: String,
    /// Characters a password must contain, one of each set (repeatable), e.g.
    /// `--password-required-characters 0123456789`.
    #[arg(long = "password-required-characters", value_name = "SET")]
    pub password_required_characters: Vec<String>,
    /// "Secure password change": password changes from sessions older than 24 h need the
    /// nonce of `GET /reauthenticate`.
    #[arg(long)]
    pub secure_password_change: bool,
    /// Password changes need `current_password`.
    #[arg(long)]
    pub require_current_password: bool,
    /// Refuse `/user/identities/*` with `manual_linking_disabled` (the Go server's default).
    #[arg(long)]
    pub no_manual_linking: bool,
    /// An email domain with a test SAML SSO provider (repeatable).
    #[arg(long = "sso-domain", value_name = "DOMAIN")]
    pub sso_domains: Vec<String>,
    /// Serve HTTPS with a certificate for 127.0.0.1 and localhost, signed by a CA made at
    /// start.
    #[arg(long)]
    pub tls: bool,
    /// Write the CA certificate (PEM) to this file before listening, for clients to trust
    /// (e.g. `SUPABASE_CA_CERT=<file>`).
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub cert_out: Option<PathBuf>,
}

/// A `--user` value is not `email:password[:unconfirmed]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--user expects EMAIL:PASSWORD[:unconfirmed], got `{0}`")]
pub struct BadUserArg(pub String);

impl Cli {
    /// The server options these flags describe.
    pub fn options(&self) -> Result<LocalAuthOptions, BadUserArg> {
        let users = self
            .users
            .iter()
            .map(|spec| parse_user(spec))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(LocalAuthOptions {
            port: self.port,
            publishable_key: self.publishable_key.clone(),
            secret_key: self.secret_key.clone(),
            jwt_algorithm: match self.jwt_alg {
                AlgArg::Es256 => KeyAlgorithm::Es256,
                AlgArg::Rs256 => KeyAlgorithm::Rs256,
                AlgArg::Hs256 => KeyAlgorithm::Hs256,
            },
            jwt_secret: self.jwt_secret.clone(),
            settings: Settings {
                access_token_ttl: Duration::from_secs(self.access_token_ttl),
                refresh_token_reuse_interval: Duration::from_secs(
                    self.refresh_token_reuse_interval,
                ),
                autoconfirm: !self.no_autoconfirm,
                site_url: self.site_url.clone(),
                otp_ttl: Duration::from_secs(self.otp_ttl),
                flow_state_ttl: Duration::from_secs(self.flow_state_ttl),
                min_password_length: self.min_password_length,
                require_api_key: !self.no_api_key_check,
                oauth_email: self.oauth_email.clone(),
                password_required_characters: self.password_required_characters.clone(),
                secure_password_change: self.secure_password_change,
                require_current_password: self.require_current_password,
                manual_linking: !self.no_manual_linking,
                sso_domains: self.sso_domains.iter().map(|d| d.to_lowercase()).collect(),
                ..Settings::default()
            },
            users,
            tls: self.tls,
        })
    }
}

fn parse_user(spec: &str) -> Result<SeedUser, BadUserArg> {
    let bad = || BadUserArg(spec.to_owned());
    let (email, rest) = spec.split_once(':').ok_or_else(bad)?;
    let (password, unconfirmed) = match rest.rsplit_once(':') {
        Some((password, "unconfirmed")) => (password, true),
        _ => (rest, false),
    };
    if email.is_empty() || password.is_empty() {
        return Err(bad());
    }
    let user = SeedUser::new(email, password);
    Ok(if unconfirmed {
        user.unconfirmed()
    } else {
        user
    })
}

/// Logs to stderr at `info` (stdout is kept for the start-up lines scripts read).
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_become_options() {
        let cli = Cli::parse_from([
            "local-auth",
            "--port",
            "0",
            "--user",
            "demo@example.com:password123",
            "--user",
            "new@example.com:pw:with:colons:unconfirmed",
            "--access-token-ttl",
            "60",
            "--jwt-alg",
            "hs256",
        ]);
        let options = cli.options().unwrap();
        assert_eq!(options.settings.access_token_ttl, Duration::from_secs(60));
        assert_eq!(options.jwt_algorithm, KeyAlgorithm::Hs256);
        assert_eq!(
            options.users[0],
            SeedUser::new("demo@example.com", "password123")
        );
        assert_eq!(options.users[1].password, "pw:with:colons");
        assert!(!options.users[1].confirmed);
        assert_eq!(options.secret_key, crate::server::DEFAULT_SECRET_KEY);
        let cli = Cli::parse_from(["local-auth", "--secret-key", "sb_secret_mine"]);
        assert_eq!(cli.options().unwrap().secret_key, "sb_secret_mine");
    }

    #[test]
    fn tls_flags() {
        let cli = Cli::parse_from(["local-auth", "--tls", "--cert-out", "/tmp/ca.pem"]);
        assert!(cli.options().unwrap().tls);
        assert_eq!(cli.cert_out, Some(PathBuf::from("/tmp/ca.pem")));
        assert!(!Cli::parse_from(["local-auth"]).options().unwrap().tls);
        // A certificate file without HTTPS is a usage error, not a silently useless file.
        assert!(Cli::try_parse_from(["local-auth", "--cert-out", "/tmp/ca.pem"]).is_err());
    }

    #[test]
    fn flow_flags() {
        let options = Cli::parse_from([
            "local-auth",
            "--secure-password-change",
            "--require-current-password",
            "--no-manual-linking",
            "--sso-domain",
            "Acme.test",
            "--password-required-characters",
            "0123456789",
        ])
        .options()
        .unwrap();
        let s = options.settings;
        assert!(s.secure_password_change && s.require_current_password && !s.manual_linking);
        assert_eq!(s.sso_domains, ["acme.test"]);
        assert_eq!(s.password_required_characters, ["0123456789"]);
        let s = Cli::parse_from(["local-auth"]).options().unwrap().settings;
        assert!(!s.secure_password_change && !s.require_current_password && s.manual_linking);
    }

    #[test]
    fn malformed_user_is_an_error() {
        let cli = Cli::parse_from(["local-auth", "--user", "no-password"]);
        assert_eq!(cli.options().unwrap_err(), BadUserArg("no-password".into()));
    }
}
