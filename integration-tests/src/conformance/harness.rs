//! The trait an adapter's test app implements, and the per-scenario set-up.

use std::future::Future;

use supabase_ssr_core::{Session, Supabase, SupabaseBuilder};

use crate::jar::BrowserJar;
use crate::server::{LocalAuth, LocalAuthOptions, SeedUser};

/// A request to the app under test.
#[derive(Debug, Clone, Default)]
pub struct TestRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// Path and query.
    pub path: String,
    /// Headers, in order; repeated names are sent as separate header lines.
    pub headers: Vec<(String, String)>,
    /// Body, sent with `Content-Type: application/json` when present.
    pub body: Option<String>,
}

impl TestRequest {
    /// A `GET` of `path`.
    pub fn get(path: &str) -> Self {
        Self {
            method: "GET",
            path: path.to_owned(),
            ..Self::default()
        }
    }

    /// A `POST` of `body` (JSON) to `path`.
    pub fn post(path: &str, body: impl Into<String>) -> Self {
        Self {
            method: "POST",
            path: path.to_owned(),
            body: Some(body.into()),
            ..Self::default()
        }
    }

    /// Adds a header line.
    #[must_use]
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// Adds the jar's cookies as one `Cookie` header (none when the jar is empty).
    #[must_use]
    pub fn cookies(self, jar: &BrowserJar) -> Self {
        let header = jar.header();
        if header.is_empty() {
            self
        } else {
            self.header("Cookie", header)
        }
    }
}

/// What the app answered.
#[derive(Debug, Clone, Default)]
pub struct TestResponse {
    /// HTTP status.
    pub status: u16,
    /// Headers in order, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body as text.
    pub body: String,
}

impl TestResponse {
    /// Every value of a header.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of a header (the first when repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// The `Set-Cookie` values.
    pub fn set_cookies(&self) -> Vec<&str> {
        self.all("set-cookie")
    }

    /// The `Set-Cookie` values that delete a cookie.
    pub fn deletions(&self) -> Vec<&str> {
        self.set_cookies()
            .into_iter()
            .filter(|c| c.contains("Max-Age=0"))
            .collect()
    }
}

/// An app built with one framework adapter, driven by the scenarios.
pub trait App {
    /// Whether the handler runs inside the adapter's `supabase_ssr.request` span; `false` where
    /// the framework cannot wrap the handler (Rocket's fairings).
    const HANDLER_IN_REQUEST_SPAN: bool = true;

    /// Sends one request and returns the full response.
    fn send(&self, request: TestRequest) -> impl Future<Output = TestResponse>;
}

/// A running local Auth server with a seeded user, and the `Supabase` handle an app under test
/// is built from.
///
/// While it lives, every `tracing` event of the test's thread (the library's, the adapter's,
/// the servers') is captured at TRACE level; when it is dropped at the end of a scenario that
/// passed, the capture must hold no JWT and no refresh token the harness minted: tokens and
/// cookie values never reach the logs.
pub struct Harness {
    /// The Auth server.
    pub auth: LocalAuth,
    logs: LogCapture,
    secrets: std::cell::RefCell<Vec<String>>,
}

impl std::fmt::Debug for Harness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Harness")
            .field("auth", &self.auth.url())
            .finish_non_exhaustive()
    }
}

/// Captured log output and the guard that keeps the capturing subscriber installed.
struct LogCapture {
    buffer: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

impl std::fmt::Debug for LogCapture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LogCapture")
    }
}

#[derive(Clone)]
struct CaptureWriter(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for CaptureWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    fn install() -> Self {
        let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let writer = CaptureWriter(buffer.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        Self {
            buffer,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    fn text(&self) -> String {
        let bytes = self
            .buffer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let logs = self.logs.text();
        // Every JWT and every base64 session cookie value starts with `eyJ` (`{"`).
        if let Some(at) = logs.find("eyJ") {
            let line = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            panic!(
                "a token reached the logs: {}",
                &logs[line..logs.len().min(at + 40)]
            );
        }
        for secret in self.secrets.borrow().iter() {
            assert!(
                !logs.contains(secret.as_str()),
                "a refresh token reached the logs"
            );
        }
    }
}

/// The `Accept` header of a browser navigation (Chromium's): refused pages answer it with a
/// `303` to the login or MFA page.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
/// The `Accept` header of an API call: refused requests get the JSON `401` / `403`.
pub const JSON_ACCEPT: &str = "application/json";

/// `GET target` with `accept` and the jar's cookies.
pub async fn get_accepting<A: App>(
    app: &A,
    target: &str,
    accept: &str,
    jar: &BrowserJar,
) -> TestResponse {
    app.send(
        TestRequest::get(target)
            .header("Accept", accept)
            .cookies(jar),
    )
    .await
}

/// Signs the seeded user in through the app's sign-in route (`200 signed in`); the browser's
/// jar afterwards.
pub async fn sign_in_through<A: App>(app: &A) -> BrowserJar {
    let body = serde_json::json!({ "email": EMAIL, "password": PASSWORD }).to_string();
    let response = app
        .send(TestRequest::post(super::routes::SIGN_IN, body))
        .await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (200, "signed in"),
        "{response:?}"
    );
    let mut jar = BrowserJar::new();
    jar.apply(response.set_cookies());
    jar
}

/// The seeded user's email.
pub const EMAIL: &str = "conformance@example.com";
/// The seeded user's password.
pub const PASSWORD: &str = "password123";

impl Harness {
    /// Starts the Auth server with the seeded user (plus one whose metadata makes chunked
    /// sessions).
    pub async fn start() -> Self {
        let big = serde_json::json!({ "bio": "x".repeat(6000) });
        let options = LocalAuthOptions::default()
            .user(SeedUser::new(EMAIL, PASSWORD))
            .user(SeedUser::new(BIG_EMAIL, PASSWORD).user_metadata(big));
        let logs = LogCapture::install();
        let auth = LocalAuth::start(options)
            .await
            .unwrap_or_else(|e| panic!("the local Auth server did not start: {e}"));
        Self {
            auth,
            logs,
            secrets: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Adds `secret` to what the logs must never hold (checked when the harness is dropped).
    pub fn remember_secret(&self, secret: &str) {
        self.secrets.borrow_mut().push(secret.to_owned());
    }

    /// The refresh tokens minted so far and the secrets added with
    /// [`Harness::remember_secret`].
    pub fn minted_secrets(&self) -> Vec<String> {
        self.secrets.borrow().clone()
    }

    /// A builder for the project's `Supabase` handle.
    pub fn supabase_builder(&self) -> SupabaseBuilder {
        Supabase::builder(self.auth.url(), self.auth.publishable_key())
    }

    /// The default `Supabase` handle.
    pub fn supabase(&self) -> Supabase {
        self.supabase_with(|builder| builder)
    }

    /// The `Supabase` handle with the options `configure` adds.
    pub fn supabase_with(
        &self,
        configure: impl FnOnce(SupabaseBuilder) -> SupabaseBuilder,
    ) -> Supabase {
        configure(self.supabase_builder())
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Gives the seeded user a verified TOTP factor (its secret joins what the logs must never
    /// hold); the factor's id.
    pub fn add_verified_factor(&self) -> String {
        let (factor_id, secret) = self
            .auth
            .add_verified_totp_factor(EMAIL)
            .unwrap_or_else(|e| panic!("{e}"));
        self.remember_secret(&secret);
        factor_id
    }

    /// A browser jar holding a fresh session of `email`, written as a sign-in writes it, whose
    /// access token expires in `expires_in` seconds (negative: already expired).
    pub fn jar_with_session(
        &self,
        supabase: &Supabase,
        email: &str,
        expires_in: i64,
    ) -> BrowserJar {
        let issued = self
            .auth
            .mint_session(email, expires_in)
            .unwrap_or_else(|e| panic!("{e}"));
        self.secrets.borrow_mut().push(issued.refresh_token.clone());
        let session = Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
        jar_holding(supabase, &session)
    }
}

/// The seeded user whose sessions are chunked (large user metadata).
pub const BIG_EMAIL: &str = "chunky@example.com";

/// A browser jar holding `session`, written the way a sign-in writes it.
pub fn jar_holding(supabase: &Supabase, session: &Session) -> BrowserJar {
    let client = supabase.client([]);
    let mut state = supabase_ssr_core::cookies::CookieState::new(
        std::sync::Arc::new(client.config().clone()),
        [],
    );
    state.set_session(session);
    let mut jar = BrowserJar::new();
    jar.apply(state.response_cookies().set_cookies());
    jar
}
