//! Shared pieces of the adapters' route benchmarks (feature `bench`): a local Auth server with a
//! signed-in user, and the comparison of a framework's bare route with its authenticated route
//! over real HTTP on loopback, measured in the same run.

use std::sync::Arc;

use criterion::Criterion;
use supabase_ssr_core::cookies::CookieState;
use supabase_ssr_core::{Session, Supabase};
use tokio::runtime::Runtime;

use crate::server::{LocalAuth, LocalAuthOptions, SeedUser};

/// A running local Auth server, the project handle (JWKS already fetched) and the `Cookie`
/// header of a valid session.
#[derive(Debug)]
pub struct Fixture {
    /// Keeps the Auth server running.
    pub auth: LocalAuth,
    /// The project handle to build the app under test with.
    pub supabase: Supabase,
    /// A valid session, as the browser sends it.
    pub cookie: String,
}

impl Fixture {
    /// Starts the Auth server and signs a user in.
    ///
    /// # Panics
    /// When the local Auth server cannot start (a benchmark has nothing to measure then).
    pub async fn start() -> Self {
        let email = "bench@example.com";
        let auth =
            LocalAuth::start(LocalAuthOptions::default().user(SeedUser::new(email, "password123")))
                .await
                .unwrap_or_else(|e| panic!("{e}"));
        let supabase = Supabase::builder(auth.url(), auth.publishable_key())
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        supabase
            .prefetch_jwks()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let issued = auth
            .mint_session(email, 3600)
            .unwrap_or_else(|e| panic!("{e}"));
        let session = Session::from_value(issued.body).unwrap_or_else(|e| panic!("{e}"));
        let mut state = CookieState::new(Arc::new(supabase.config().clone()), []);
        state.set_session(&session);
        let cookie = state
            .response_cookies()
            .set_cookies()
            .iter()
            .map(|c| c.split(';').next().unwrap_or_default().to_owned())
            .collect::<Vec<_>>()
            .join("; ");
        Self {
            auth,
            supabase,
            cookie,
        }
    }
}

/// Benchmarks `GET bare_url` against `GET authenticated_url` (both answering 200 with the
/// session cookie sent) over one keep-alive connection each; the ratio of their times is the
/// throughput ratio of one connection.
///
/// # Panics
/// When a route does not answer 200.
pub fn compare_routes(
    c: &mut Criterion,
    rt: &Runtime,
    framework: &str,
    bare_url: &str,
    authenticated_url: &str,
    cookie: &str,
) {
    let http = reqwest::Client::new();
    let mut group = c.benchmark_group(format!("{framework} route over loopback"));
    for (label, url) in [("bare", bare_url), ("authenticated", authenticated_url)] {
        group.bench_function(label, |b| {
            b.to_async(rt).iter(|| async {
                let response = http
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(response.status(), 200, "{url}");
                response.bytes().await.unwrap_or_else(|e| panic!("{e}"))
            });
        });
    }
    group.finish();
}
