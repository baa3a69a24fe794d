//! Refreshing sessions: one `/token` call per refresh token in the whole process, a short memory
//! of recent rotations for requests that still carry the old cookie, a memory of refused refresh
//! tokens ([`FailureMemory`]), and retries bounded by a budget ([`super::retry`]).
//!
//! The JavaScript library refreshes per client, so concurrent requests with the same expiring
//! cookie each spend the refresh token, and all but one lose their session when the server
//! sees the reuse (pain points §1). Here concurrent callers share one flight and its result,
//! and a request arriving within the reuse window with the old cookie gets the new session
//! without a call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::Method;
use tokio::sync::OnceCell;
use tracing::Instrument;
use tracing::field::Empty;

use super::error::AuthError;
use super::failures::FailureMemory;
use super::http::{AuthHttp, AuthRequest, HttpFailure};
use super::retry::with_retries;
use super::session_response::session_from_response;
use crate::Session;
use crate::json::{Json, Object};

type Outcome = Result<Session, AuthError>;

/// How refreshes are bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RefreshSettings {
    /// Total time one refresh may take, retries included.
    pub budget: Duration,
    /// How long a completed refresh answers later requests carrying the same refresh token.
    pub reuse_window: Duration,
    /// Most refresh tokens remembered at once.
    pub capacity: usize,
}

/// Single-flight refreshes shared by every request of the process.
pub(crate) struct RefreshCoordinator {
    /// Refreshes in progress and recent rotations; never refusals, so a flood of forged
    /// refresh tokens cannot push real rotations out of it.
    flights: Mutex<HashMap<[u8; 32], Flight>>,
    /// Refresh tokens the server refused.
    refused: Arc<FailureMemory>,
    settings: RefreshSettings,
}

// Flights are keyed by the hash of a refresh token and hold sessions: only their number is shown.
impl std::fmt::Debug for RefreshCoordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `try_lock`: formatting must never wait for (or deadlock on) a refresh in progress.
        let flights = self.flights.try_lock().map(|flights| flights.len()).ok();
        f.debug_struct("RefreshCoordinator")
            .field("settings", &self.settings)
            .field("flights", &flights)
            .field("refused", &self.refused)
            .finish()
    }
}

#[derive(Clone)]
struct Flight {
    outcome: Arc<OnceCell<Outcome>>,
    started: Instant,
}

impl RefreshCoordinator {
    pub(crate) fn new(settings: RefreshSettings, refused: FailureMemory) -> Self {
        Self {
            flights: Mutex::new(HashMap::new()),
            refused: Arc::new(refused),
            settings,
        }
    }

    /// The session `refresh_token` refreshes to. Concurrent and recent callers with the same
    /// token share one `/token` call and get the same session; a token the server refused
    /// within the failure window gets the same refusal without a call.
    ///
    /// Runs inside a DEBUG span `supabase_ssr.refresh` whose `source` says where the answer
    /// came from: `call` (this caller's `/token` call, the `supabase_ssr.auth_call` spans of
    /// which are its children), `shared` (a call another request started, or a rotation made
    /// within the reuse window) or `failure_memory` (a refusal remembered), and whose `outcome`
    /// is `ok`, `transient` or `refused`.
    pub(crate) async fn refresh(&self, http: &AuthHttp, refresh_token: &str) -> Outcome {
        if refresh_token.is_empty() {
            return Err(AuthError::SessionMissing);
        }
        let span = tracing::debug_span!("supabase_ssr.refresh", source = Empty, outcome = Empty);
        let (outcome, source) = self
            .refresh_untraced(http, refresh_token)
            .instrument(span.clone())
            .await;
        span.record("source", source);
        span.record(
            "outcome",
            super::http::outcome_label(outcome.as_ref().err()),
        );
        outcome
    }

    /// [`RefreshCoordinator::refresh`] without the span, and the span's `source`.
    async fn refresh_untraced(
        &self,
        http: &AuthHttp,
        refresh_token: &str,
    ) -> (Outcome, &'static str) {
        let refused_key = self.refused.key(refresh_token);
        if let Some(error) = refused_key.as_ref().and_then(|k| self.refused.get(k)) {
            tracing::debug!(reason = %error, "the Auth server refused this refresh token moments ago");
            return (Err(error), "failure_memory");
        }
        let key = crate::crypto::sha256(refresh_token.as_bytes());
        let flight = self.flight(key);
        let mut called = false;
        let outcome = flight
            .outcome
            .get_or_init(|| {
                called = true;
                // Spawned so that the rotation completes and is remembered even if the request
                // that started it goes away: the old token is spent either way.
                let http = http.clone();
                let token = refresh_token.to_owned();
                let budget = self.settings.budget;
                let refused = self.refused.clone();
                // The task stays in the caller's span (the refresh span, inside the request's).
                let span = tracing::Span::current();
                async move {
                    tokio::spawn(
                        async move {
                            let outcome = call_with_retries(&http, &token, budget).await;
                            if let (Err(error), Some(key)) = (&outcome, refused_key) {
                                // Before the flight completes: a request arriving after it
                                // finds the refusal remembered.
                                refused.remember(key, error);
                            }
                            outcome
                        }
                        .instrument(span),
                    )
                    .await
                    .unwrap_or_else(|e| {
                        Err(AuthError::Transient {
                            status: None,
                            code: None,
                            message: format!("the refresh task failed: {e}"),
                            source: None,
                        })
                    })
                }
            })
            .await
            .clone();
        let remembered = refused_key.is_some();
        if outcome
            .as_ref()
            .is_err_and(|error| error.is_transient() || remembered)
        {
            // After an outage the next request should try again rather than inherit it; a
            // refusal is answered by the failure memory from now on (with the memory off, the
            // flight keeps answering it for the reuse window).
            self.forget(&key, &flight);
        }
        (outcome, if called { "call" } else { "shared" })
    }

    fn flight(&self, key: [u8; 32]) -> Flight {
        let now = Instant::now();
        let mut flights = self
            .flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = self.settings.reuse_window;
        let done_and_old =
            |f: &Flight| f.outcome.initialized() && now.duration_since(f.started) > window;
        if flights.get(&key).is_some_and(done_and_old) {
            flights.remove(&key);
        }
        if flights.len() >= self.settings.capacity {
            flights.retain(|_, f| !done_and_old(f));
            if flights.len() >= self.settings.capacity {
                // Still full of recent rotations: drop finished ones, oldest first.
                let mut finished: Vec<([u8; 32], Instant)> = flights
                    .iter()
                    .filter(|(_, f)| f.outcome.initialized())
                    .map(|(k, f)| (*k, f.started))
                    .collect();
                finished.sort_by_key(|(_, started)| *started);
                let excess = flights.len() + 1 - self.settings.capacity;
                for (k, _) in finished.into_iter().take(excess) {
                    flights.remove(&k);
                }
            }
        }
        flights
            .entry(key)
            .or_insert_with(|| Flight {
                outcome: Arc::new(OnceCell::new()),
                started: now,
            })
            .clone()
    }

    fn forget(&self, key: &[u8; 32], flight: &Flight) {
        let mut flights = self
            .flights
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if flights
            .get(key)
            .is_some_and(|f| Arc::ptr_eq(&f.outcome, &flight.outcome))
        {
            flights.remove(key);
        }
    }
}

/// `POST /token?grant_type=refresh_token`, retrying transient failures (with jitter, and as
/// late as `Retry-After` asks) while the budget lasts.
async fn call_with_retries(http: &AuthHttp, refresh_token: &str, budget: Duration) -> Outcome {
    let body = Json::Object(Object::from_iter([(
        "refresh_token",
        Json::from(refresh_token),
    )]));
    let mut rng = fastrand::Rng::new();
    let mut attempt = 0;
    with_retries(budget, &mut rng, |timeout| {
        let body = &body;
        attempt += 1;
        async move {
            let mut request = AuthRequest::new(Method::POST, "token");
            request.query = &[("grant_type", "refresh_token")];
            request.body = Some(body);
            request.timeout = Some(timeout);
            request.attempt = attempt;
            let response = http.send_detailed(request).await?;
            session_from_response(response)
                .and_then(|(session, _)| session.ok_or_else(no_session))
                .map_err(HttpFailure::from)
        }
    })
    .await
}

/// A 2xx refresh answer without a session is treated as an outage, not as the end of the
/// session (auth-js deletes the cookies here): a proxy or a half-broken server can produce one,
/// and the next request simply tries again.
fn no_session() -> AuthError {
    AuthError::InvalidResponse("the refresh response holds no session".to_owned())
}
