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
    /// Sends one request and returns the full response.
    fn send(&self, request: TestRequest) -> impl Future<Output = TestResponse>;
}

/// A running local Auth server with a seeded user, and the `Supabase` handle an app under test
/// is built from.
#[derive(Debug)]
pub struct Harness {
    /// The Auth server.
    pub auth: LocalAuth,
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
        let auth = LocalAuth::start(options)
            .await
            .unwrap_or_else(|e| panic!("the local Auth server did not start: {e}"));
        Self { auth }
    }

    /// A builder for the project's `Supabase` handle.
    pub fn supabase_builder(&self) -> SupabaseBuilder {
        Supabase::builder(self.auth.url(), self.auth.publishable_key())
    }

    /// The default `Supabase` handle.
    pub fn supabase(&self) -> Supabase {
        self.supabase_builder()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
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
