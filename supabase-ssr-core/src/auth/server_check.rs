//! `GET /user` confirmations of access tokens the verifier cannot check locally (no `kid`, or
//! HS256 without the JWT secret): concurrent requests with the same token share one call, and a
//! token the server refused is refused again without a call for the failure window
//! ([`FailureMemory`]).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

use super::error::AuthError;
use super::failures::FailureMemory;
use super::keyed_hash::{HashKey, HashKeyMap};

type Outcome = Result<(), AuthError>;

/// The server confirmations of one project.
#[derive(Debug)]
pub(crate) struct ServerChecks {
    refused: FailureMemory,
    /// Calls in progress, by token hash; an entry lives as long as someone waits on it.
    pending: Mutex<HashKeyMap<Arc<OnceCell<Outcome>>>>,
}

impl ServerChecks {
    pub(crate) fn new(refused: FailureMemory) -> Self {
        Self {
            refused,
            pending: Mutex::default(),
        }
    }

    /// Runs `call` (which asks the server about `token`) unless the server refused `token`
    /// within the window; callers arriving while it runs share its outcome. A terminal refusal
    /// is remembered.
    pub(crate) async fn confirm<F, Fut>(&self, token: &str, call: F) -> Outcome
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Outcome>,
    {
        let Some(key) = self.refused.key(token) else {
            return call().await;
        };
        if let Some(error) = self.refused.get(&key) {
            tracing::debug!(reason = %error, "the Auth server refused this token moments ago");
            return Err(error);
        }
        let waiter = Waiter::join(&self.pending, key);
        waiter
            .cell
            .get_or_init(|| async {
                let outcome = call().await;
                if let Err(error) = &outcome {
                    // Before the outcome is published: a caller arriving after it finds the
                    // refusal remembered, not an empty table.
                    self.refused.remember(key, error);
                }
                outcome
            })
            .await
            .clone()
    }
}

/// One caller's share of a pending call. The last one to leave — done or cancelled (the
/// request went away) — removes the entry, so cancelled calls leave nothing behind.
struct Waiter<'a> {
    pending: &'a Mutex<HashKeyMap<Arc<OnceCell<Outcome>>>>,
    key: HashKey,
    cell: Arc<OnceCell<Outcome>>,
}

impl<'a> Waiter<'a> {
    fn join(pending: &'a Mutex<HashKeyMap<Arc<OnceCell<Outcome>>>>, key: HashKey) -> Self {
        let cell = pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(key)
            .or_default()
            .clone();
        Self { pending, key, cell }
    }
}

impl Drop for Waiter<'_> {
    fn drop(&mut self) {
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        // Every clone is taken under this lock: two references (the map's and ours) mean no one
        // else waits on this call.
        if pending
            .get(&self.key)
            .is_some_and(|cell| Arc::ptr_eq(cell, &self.cell) && Arc::strong_count(cell) == 2)
        {
            pending.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    fn checks() -> ServerChecks {
        ServerChecks::new(FailureMemory::new(Duration::from_secs(60), 100))
    }

    fn bad_jwt() -> AuthError {
        AuthError::Api {
            status: 403,
            code: Some("bad_jwt".into()),
            message: "invalid JWT".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refused_token_is_asked_about_once_per_window() {
        let checks = checks();
        let calls = AtomicUsize::new(0);
        let call = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(bad_jwt())
        };
        for _ in 0..1000 {
            assert_eq!(checks.confirm("forged", call).await, Err(bad_jwt()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert_eq!(checks.confirm("forged", call).await, Err(bad_jwt()));
        assert_eq!(calls.load(Ordering::SeqCst), 2);
        assert!(checks.pending.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_call() {
        let checks = checks();
        let calls = AtomicUsize::new(0);
        let call = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(50)).await;
            Err(bad_jwt())
        };
        let all = (0..100).map(|_| checks.confirm("forged", call));
        for outcome in futures_util::future::join_all(all).await {
            assert_eq!(outcome, Err(bad_jwt()));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(checks.pending.lock().unwrap().is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn successes_and_transient_failures_are_not_remembered() {
        let checks = checks();
        let calls = AtomicUsize::new(0);
        let ok = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let unavailable = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(AuthError::Transient {
                status: Some(503),
                code: None,
                message: "down".into(),
                source: None,
            })
        };
        assert!(checks.confirm("real", unavailable).await.is_err());
        assert_eq!(checks.confirm("real", ok).await, Ok(()));
        assert_eq!(checks.confirm("real", ok).await, Ok(()));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_cancelled_call_leaves_nothing_behind() {
        let checks = checks();
        let slow = || async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            Ok(())
        };
        let cancelled = tokio::time::timeout(Duration::from_secs(1), checks.confirm("t", slow));
        assert!(cancelled.await.is_err());
        assert!(checks.pending.lock().unwrap().is_empty());
    }
}
