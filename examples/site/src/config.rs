//! Configuration of an example server: a real Supabase project from the environment, or by
//! default a local Auth server started in-process with a demo user.

use std::net::SocketAddr;
use std::sync::OnceLock;
use std::time::Duration;

use supabase_ssr_core::proxy::PathFilter;
use supabase_ssr_core::{Supabase, SupabaseBuilder};
use supabase_ssr_testing::{LocalAuth, LocalAuthOptions, SeedUser};

use crate::routes;

/// The demo account of the offline mode.
pub const DEMO_EMAIL: &str = "demo@example.com";
/// Its password.
pub const DEMO_PASSWORD: &str = "password123";

/// One example server's shared state.
#[derive(Debug)]
pub struct Site {
    /// The project handle the adapter's middleware is built with.
    pub supabase: Supabase,
    port: u16,
    local: Option<LocalAuth>,
    origin: OnceLock<String>,
}

impl Site {
    /// Reads `PORT` (default 3000) and `SUPABASE_URL` + `SUPABASE_PUBLISHABLE_KEY` (+ the
    /// optional `SUPABASE_CA_CERT`, a PEM file of extra root certificates). Without
    /// `SUPABASE_URL`, starts the local Auth server (`ACCESS_TOKEN_TTL` seconds, default 3600)
    /// with the demo user: the example then works offline, magic links and OAuth included.
    /// `SUPABASE_CLAIMS_CACHE` sets how many verified tokens are remembered (default 10,000;
    /// `0` verifies the signature on every request).
    pub async fn from_env() -> Result<Self, Box<dyn std::error::Error>> {
        let filter = tracing_subscriber::EnvFilter::try_from_default_env()
            .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
        // Logs go to stderr: the first line on stdout is the address, for scripts that wait for it.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .try_init();
        let port = match std::env::var("PORT") {
            Ok(port) => port
                .parse()
                .map_err(|_| format!("PORT is not a port number: {port}"))?,
            Err(_) => 3000,
        };
        if std::env::var_os("SUPABASE_URL").is_some() {
            let supabase = configure(Supabase::builder_from_env()?)?;
            return Ok(Self {
                supabase,
                port,
                local: None,
                origin: OnceLock::new(),
            });
        }
        let ttl = match std::env::var("ACCESS_TOKEN_TTL") {
            Ok(ttl) => ttl
                .parse()
                .map_err(|_| format!("ACCESS_TOKEN_TTL is not a number: {ttl}"))?,
            Err(_) => 3600,
        };
        Self::offline(port, Duration::from_secs(ttl)).await
    }

    /// The offline site: the local Auth server with the demo user, tokens living `ttl`, and
    /// "secure password change" on.
    pub(crate) async fn offline(
        port: u16,
        ttl: Duration,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let local = LocalAuth::start(
            LocalAuthOptions::default()
                .user(SeedUser::new(DEMO_EMAIL, DEMO_PASSWORD))
                .access_token_ttl(ttl)
                // As a project with "Secure password change": a session signed in more than
                // 24 h ago changes the password only with the reauthentication code.
                .secure_password_change(true),
        )
        .await?;
        let supabase = configure(Supabase::builder(local.url(), local.publishable_key()))?;
        Ok(Self {
            supabase,
            port,
            local: Some(local),
            origin: OnceLock::new(),
        })
    }

    /// The in-process local Auth server, offline.
    #[cfg(test)]
    pub(crate) fn local(&self) -> Option<&LocalAuth> {
        self.local.as_ref()
    }

    /// Which paths the middleware handles: all but static assets and [`routes::HEALTH`].
    pub fn filter() -> PathFilter {
        PathFilter::default().skip_prefix(routes::HEALTH)
    }

    /// Where the example listens: `127.0.0.1:PORT`.
    pub fn listen_addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Records the bound address and prints the first line every example prints
    /// (`listening on http://127.0.0.1:<port>`), then how to sign in when offline.
    pub fn announce(&self, bound: SocketAddr) {
        let origin = format!("http://{bound}");
        println!("listening on {origin}");
        match &self.local {
            Some(local) => {
                println!("offline mode: local Auth server at {}", local.url());
                println!("sign in as {DEMO_EMAIL} / {DEMO_PASSWORD}");
            }
            None => println!(
                "using the Supabase project at {}",
                self.supabase.config().url()
            ),
        }
        let _ = self.origin.set(origin);
    }

    pub(crate) fn origin(&self) -> &str {
        self.origin
            .get()
            .map_or("http://127.0.0.1:3000", String::as_str)
    }

    /// Whether the site runs on the in-process local Auth server (no Data API there).
    pub(crate) fn is_offline(&self) -> bool {
        self.local.is_some()
    }

    pub(crate) fn demo(&self) -> Option<(&'static str, &'static str)> {
        self.local.as_ref().map(|_| (DEMO_EMAIL, DEMO_PASSWORD))
    }

    /// Offline mode: the confirmation link of the last email to `email`, as the SSR guide's
    /// email template builds it (`/auth/confirm?token_hash=…&type=…&next=…`), `next` taken from
    /// the `redirect_to` the flow asked for (`/private` without one).
    pub(crate) fn outbox_link(&self, email: &str) -> Option<String> {
        let message = self.local.as_ref()?.last_message_to(email)?;
        let kind = if message.kind == "signup" {
            "signup"
        } else {
            "email"
        };
        let next = message
            .redirect_to
            .as_deref()
            .and_then(|to| url::Url::parse(to).ok())
            .and_then(|to| {
                to.query_pairs()
                    .find(|(name, _)| name == "next")
                    .map(|(_, next)| next.into_owned())
            });
        let next = crate::flows::next_path(next.as_deref());
        Some(format!(
            "/auth/confirm?token_hash={}&type={kind}&next={}",
            message.token_hash,
            crate::forms::query_component(&next)
        ))
    }

    /// Offline mode: the code of the last reauthentication email to `email`.
    pub(crate) fn outbox_code(&self, email: &str) -> Option<String> {
        let message = self.local.as_ref()?.last_message_to(email)?;
        (message.kind == "reauthentication").then_some(message.otp)
    }
}

/// The project handle every example uses, whichever Auth server it talks to.
fn configure(builder: SupabaseBuilder) -> Result<Supabase, Box<dyn std::error::Error>> {
    // Every PKCE flow (sign-up, magic link, reset, OAuth, identity linking) puts its flow id
    // on the callback URL, so `/auth/callback` uses and removes exactly that flow's verifier
    // cookies: a sign-up link opened while an OAuth sign-in is pending finishes both.
    // A page that needs a sign-in (or a second factor) sends the browser to the login (or MFA)
    // page with `?next=<the page>`; both send it back there once done.
    let mut builder = builder
        .login_path(routes::LOGIN)
        .mfa_path(routes::MFA_CHALLENGE)
        .login_next_param("next")
        .append_flow_id_to_redirects(true);
    if let Ok(capacity) = std::env::var("SUPABASE_CLAIMS_CACHE") {
        let capacity = capacity
            .parse()
            .map_err(|_| format!("SUPABASE_CLAIMS_CACHE is not a number: {capacity}"))?;
        builder = builder.verified_claims_cache(capacity);
    }
    Ok(builder.build()?)
}
