//! The local Auth server the servers under test share, and the sessions the JavaScript library
//! mints on it.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use supabase_ssr_testing::node::NodeScripts;

use crate::Error;
use crate::process::Process;

/// The account every session belongs to.
const EMAIL: &str = "bench@example.com";
const PASSWORD: &str = "password123";
/// The publishable key the servers send.
pub const PUBLISHABLE_KEY: &str = "sb_publishable_bench";
/// An access token this close to expiry is refreshed by both stacks (their margin is 90 s).
const EXPIRING_TTL_SECS: u64 = 30;
const VALID_TTL_SECS: u64 = 3600;

/// The running local Auth server.
#[derive(Debug)]
pub struct Auth {
    process: Process,
    http: reqwest::Client,
}

/// Calls the Auth server counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `POST /token?grant_type=refresh_token`.
    pub refresh: u64,
    /// `GET /.well-known/jwks.json`.
    pub jwks: u64,
}

impl Counts {
    /// The calls made between `earlier` and `self`.
    pub fn since(self, earlier: Self) -> Self {
        Self {
            refresh: self.refresh.saturating_sub(earlier.refresh),
            jwks: self.jwks.saturating_sub(earlier.jwks),
        }
    }
}

impl Auth {
    /// Starts `local-auth` from `bin_dir` on `cpu`. Its refresh-token reuse interval is made
    /// longer than any run, so that replaying one expired cookie keeps being answered (a real
    /// project answers the same way within its 10 s interval).
    pub fn start(bin_dir: &Path, log_dir: &Path, cpu: u32) -> Result<Self, Error> {
        let mut command = Command::new(bin_dir.join("local-auth"));
        command
            .args(["--port", "0", "--publishable-key", PUBLISHABLE_KEY])
            .args(["--user", &format!("{EMAIL}:{PASSWORD}")])
            .args(["--refresh-token-reuse-interval", "1000000000"])
            .env("RUST_LOG", "warn");
        Ok(Self {
            process: Process::start("local-auth", command, log_dir, cpu)?,
            http: reqwest::Client::new(),
        })
    }

    /// Its URL.
    pub fn url(&self) -> &str {
        self.process.url()
    }

    /// The calls counted so far.
    pub async fn counts(&self) -> Result<Counts, Error> {
        let url = format!("{}/__counters", self.url());
        let counters: Value = self.http.get(url).send().await?.json().await?;
        let count = |name: &str| counters.get(name).and_then(Value::as_u64).unwrap_or(0);
        Ok(Counts {
            refresh: count("token_refresh"),
            jwks: count("jwks"),
        })
    }

    /// `count` sessions with an hour to live, as `Cookie` headers written by `@supabase/ssr`.
    pub async fn valid_sessions(
        &self,
        node: &NodeScripts,
        count: usize,
    ) -> Result<Vec<String>, Error> {
        self.sessions(node, count, VALID_TTL_SECS).await
    }

    /// `count` sessions whose access token is within the refresh margin: every request carrying
    /// one must refresh it.
    pub async fn expiring_sessions(
        &self,
        node: &NodeScripts,
        count: usize,
    ) -> Result<Vec<String>, Error> {
        let sessions = self.sessions(node, count, EXPIRING_TTL_SECS).await;
        self.set_access_token_ttl(VALID_TTL_SECS).await?;
        sessions
    }

    async fn sessions(
        &self,
        node: &NodeScripts,
        count: usize,
        ttl: u64,
    ) -> Result<Vec<String>, Error> {
        self.set_access_token_ttl(ttl).await?;
        let case = json!({ "encoding": "base64url", "email": EMAIL, "password": PASSWORD });
        let input =
            json!({ "url": self.url(), "key": PUBLISHABLE_KEY, "cases": vec![case; count] });
        let output = node.run("cookie-interop.mjs", &["sign-in"], &input.to_string())?;
        let signed_in: Vec<Value> = serde_json::from_str(&output)?;
        signed_in.iter().map(cookie_header).collect()
    }

    async fn set_access_token_ttl(&self, secs: u64) -> Result<(), Error> {
        let url = format!("{}/__settings", self.url());
        let body = json!({ "access_token_ttl_secs": secs });
        self.http
            .post(url)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }
}

/// The `Cookie` header a browser sends back after these `Set-Cookie` values.
fn cookie_header(signed_in: &Value) -> Result<String, Error> {
    let set_cookies = signed_in
        .get("set_cookies")
        .and_then(Value::as_array)
        .ok_or("the sign-in script wrote no cookies")?;
    let pairs: Vec<&str> = set_cookies
        .iter()
        .filter_map(Value::as_str)
        .filter(|c| !c.to_ascii_lowercase().contains("max-age=0"))
        .filter_map(|c| c.split(';').next())
        .collect();
    if pairs.is_empty() {
        return Err("signing in set no session cookie".into());
    }
    Ok(pairs.join("; "))
}
