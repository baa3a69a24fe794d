//! Retrying transient failures of an Auth call within a time budget: doubling waits with jitter,
//! and the server's `Retry-After` when it sends one.
//!
//! The budget bounds the whole call, retries included: no request waits 30 s for an Auth server
//! that is down (auth-js retries for up to ~30 s). When the next wait would not end before the
//! budget does, the call gives up at once with the transient error (the session's cookies are
//! kept) instead of sleeping the budget out.
//!
//! **Jitter.** After an outage every instance of a site retries its refreshes; with fixed waits
//! they would come back in lockstep. Each wait is drawn from `[backoff / 2, backoff]` ("equal
//! jitter"): spread out, yet never much shorter than the doubling schedule, so an Auth server
//! that keeps failing is not hammered. `fastrand` draws it: the jitter needs no secrecy, only
//! speed and independence between processes (it is seeded from the OS per thread).
//!
//! **`Retry-After`** (429 and 503): the wait is at least what the server asked for — if that
//! fits in what is left of the budget; otherwise the call gives up at once.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

use super::error::AuthError;
use super::http::HttpFailure;

/// First wait between retries; doubled each time, like auth-js.
pub(crate) const FIRST_BACKOFF: Duration = Duration::from_millis(200);

/// Shortest timeout an attempt gets, even when the budget is (nearly) spent.
const MIN_ATTEMPT_TIMEOUT: Duration = Duration::from_millis(1);

/// Runs `attempt` (given the time left as its timeout) until it succeeds, fails for good, or the
/// next wait would outlast `budget`.
pub(crate) async fn with_retries<T, F, Fut>(
    budget: Duration,
    rng: &mut fastrand::Rng,
    mut attempt: F,
) -> Result<T, AuthError>
where
    F: FnMut(Duration) -> Fut,
    Fut: Future<Output = Result<T, HttpFailure>>,
{
    let deadline = Instant::now() + budget;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let failure = match attempt(remaining.max(MIN_ATTEMPT_TIMEOUT)).await {
            Ok(value) => return Ok(value),
            Err(failure) if !failure.error.is_transient() => return Err(failure.error),
            Err(failure) => failure,
        };
        let wait = jittered(backoff, rng).max(failure.retry_after.unwrap_or_default());
        let remaining = deadline.saturating_duration_since(Instant::now());
        if wait >= remaining {
            tracing::debug!(
                reason = %failure.error,
                wait_ms = wait.as_millis(),
                remaining_ms = remaining.as_millis(),
                "giving up: the next try would not fit in the budget"
            );
            return Err(failure.error);
        }
        tracing::debug!(
            reason = %failure.error,
            wait_ms = wait.as_millis(),
            "Auth call failed, retrying"
        );
        tokio::time::sleep(wait).await;
        backoff = backoff.saturating_mul(2);
    }
}

/// A wait drawn from `[backoff / 2, backoff]`.
fn jittered(backoff: Duration, rng: &mut fastrand::Rng) -> Duration {
    let half = backoff / 2;
    let spread = u64::try_from(half.as_micros()).unwrap_or(u64::MAX);
    half.saturating_add(Duration::from_micros(rng.u64(0..=spread)))
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    fn transient(retry_after: Option<Duration>) -> HttpFailure {
        HttpFailure {
            error: AuthError::Transient {
                status: Some(if retry_after.is_some() { 429 } else { 503 }),
                code: None,
                message: "unavailable".into(),
                source: None,
            },
            retry_after,
        }
    }

    /// Runs `with_retries` over scripted answers (the last one repeats) and returns the
    /// outcome and the time of every attempt since the start.
    async fn run(
        budget: Duration,
        seed: u64,
        answers: Vec<Result<u32, HttpFailure>>,
    ) -> (Result<u32, AuthError>, Vec<Duration>) {
        let start = Instant::now();
        let calls = Mutex::new(Vec::new());
        let mut rng = fastrand::Rng::with_seed(seed);
        let outcome = with_retries(budget, &mut rng, |_timeout| {
            let mut calls = calls.lock().unwrap();
            calls.push(start.elapsed());
            let answer = answers[(calls.len() - 1).min(answers.len() - 1)].clone();
            async move { answer }
        })
        .await;
        (outcome, calls.into_inner().unwrap())
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_waits_at_least_what_retry_after_asks() {
        let (outcome, calls) = run(
            Duration::from_secs(2),
            1,
            vec![Err(transient(Some(Duration::from_secs(1)))), Ok(7)],
        )
        .await;
        assert_eq!(outcome, Ok(7));
        assert_eq!(calls.len(), 2);
        assert!(calls[1] >= Duration::from_secs(1), "{calls:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_beyond_the_budget_gives_up_at_once() {
        let start = Instant::now();
        let (outcome, calls) = run(
            Duration::from_secs(2),
            1,
            vec![Err(transient(Some(Duration::from_secs(10)))), Ok(7)],
        )
        .await;
        assert!(outcome.unwrap_err().is_transient());
        assert_eq!(calls.len(), 1);
        assert_eq!(start.elapsed(), Duration::ZERO, "no wait at all");
        // Nor does a later one wait out the rest of the budget.
        let (outcome, calls) = run(
            Duration::from_secs(2),
            1,
            vec![
                Err(transient(None)),
                Err(transient(Some(Duration::from_secs(5)))),
            ],
        )
        .await;
        assert!(outcome.is_err());
        assert_eq!(calls.len(), 2);
        assert!(calls[1] < Duration::from_millis(201), "{calls:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn jitter_keeps_each_wait_within_half_to_full_backoff() {
        let mut first_waits = std::collections::BTreeSet::new();
        for seed in 0..50 {
            let (outcome, calls) =
                run(Duration::from_secs(30), seed, vec![Err(transient(None))]).await;
            assert!(outcome.unwrap_err().is_transient());
            // 200 ms doubling within 30 s: at least 6 waits (their minimums sum to 6.3 s).
            assert!(calls.len() >= 7, "{calls:?}");
            let mut backoff = FIRST_BACKOFF;
            for pair in calls.windows(2) {
                let wait = pair[1].saturating_sub(pair[0]);
                assert!(
                    wait >= backoff / 2 && wait <= backoff,
                    "seed {seed}: waited {wait:?} for a backoff of {backoff:?}"
                );
                backoff *= 2;
            }
            // Never past the budget.
            assert!(*calls.last().unwrap() < Duration::from_secs(30));
            first_waits.insert(calls[1]);
        }
        assert!(first_waits.len() > 40, "the waits vary: {first_waits:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn terminal_failures_are_not_retried() {
        let refused = HttpFailure::from(AuthError::SessionMissing);
        let (outcome, calls) = run(Duration::from_secs(2), 1, vec![Err(refused)]).await;
        assert_eq!(outcome, Err(AuthError::SessionMissing));
        assert_eq!(calls.len(), 1);
    }

    #[test]
    fn jittered_waits_stay_in_bounds_at_the_extremes() {
        let mut rng = fastrand::Rng::with_seed(3);
        for backoff in [Duration::ZERO, Duration::from_micros(1), Duration::MAX / 2] {
            for _ in 0..100 {
                let wait = jittered(backoff, &mut rng);
                assert!(
                    wait >= backoff / 2 && wait <= backoff,
                    "{wait:?} {backoff:?}"
                );
            }
        }
    }
}
