//! Tokens the Auth server refused, remembered for a while so a flood of requests carrying the
//! same forged cookie does not become a flood of Auth calls.
//!
//! Without it, a cookie holding a random refresh token (and an expired access token) costs one
//! `/token` call per request, and an access token without `kid` one `GET /user` call per
//! request, for as long as someone keeps sending it. With it, the first refusal is remembered by
//! a keyed hash of the token (never the token) for the window (60 s by default) and replayed —
//! the same [`AuthError`], so the request ends exactly as the first one did.
//!
//! Only terminal refusals are remembered: a transient failure (timeout, connection error, 5xx,
//! 408, 409, 429) says nothing about the token, and the next request asks again. Memory is
//! bounded: when the table is full, expired entries go first, then the oldest.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::error::AuthError;
use super::keyed_hash::{HashKey, HashKeyMap, KeyedHasher};

/// Most refused tokens one table remembers (a few hundred bytes each).
pub(crate) const CAPACITY: usize = 10_000;

/// Refused tokens by keyed hash, for a fixed window.
pub(crate) struct FailureMemory {
    /// `None` turns the memory off (no window, or no random key).
    hasher: Option<KeyedHasher>,
    window: Duration,
    capacity: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    entries: HashKeyMap<Entry>,
    /// Insertion order, oldest first; with one window for all, also expiry order.
    order: BTreeMap<u64, HashKey>,
    next_seq: u64,
}

struct Entry {
    error: AuthError,
    refused_at: Instant,
    seq: u64,
}

impl std::fmt::Debug for FailureMemory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let remembered = self.inner.try_lock().map(|inner| inner.entries.len()).ok();
        f.debug_struct("FailureMemory")
            .field("window", &self.window)
            .field("remembered", &remembered)
            .finish_non_exhaustive()
    }
}

impl FailureMemory {
    /// A memory of refusals for `window` (zero turns it off), holding at most `capacity`.
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        let hasher = if window.is_zero() || capacity == 0 {
            None
        } else {
            let hasher = KeyedHasher::random();
            if hasher.is_none() {
                tracing::warn!("no random key for the refused-token memory; it is turned off");
            }
            hasher
        };
        Self {
            hasher,
            window,
            capacity,
            inner: Mutex::default(),
        }
    }

    /// The key of `token`, or `None` when the memory is off.
    pub(crate) fn key(&self, token: &str) -> Option<HashKey> {
        Some(self.hasher.as_ref()?.hash(0, token))
    }

    /// The refusal of the token `key` if it happened within the window.
    pub(crate) fn get(&self, key: &HashKey) -> Option<AuthError> {
        let inner = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = inner.entries.get(key)?;
        (entry.refused_at.elapsed() < self.window).then(|| entry.error.clone())
    }

    /// Remembers that the server refused the token `key` with `error`, unless the failure is
    /// transient.
    pub(crate) fn remember(&self, key: HashKey, error: &AuthError) {
        if error.is_transient() || self.hasher.is_none() {
            return;
        }
        let now = Instant::now();
        let mut guard = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let inner = &mut *guard;
        if let Some(old) = inner.entries.remove(&key) {
            inner.order.remove(&old.seq);
        }
        // Expired entries first (they are the oldest), then the oldest live ones if still full.
        while let Some((&seq, &oldest)) = inner.order.first_key_value() {
            let expired = inner
                .entries
                .get(&oldest)
                .is_none_or(|e| now.duration_since(e.refused_at) >= self.window);
            if !expired && inner.entries.len() < self.capacity {
                break;
            }
            inner.order.remove(&seq);
            inner.entries.remove(&oldest);
        }
        let seq = inner.next_seq;
        inner.next_seq += 1;
        inner.order.insert(seq, key);
        inner.entries.insert(
            key,
            Entry {
                error: error.clone(),
                refused_at: now,
                seq,
            },
        );
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.inner
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused() -> AuthError {
        AuthError::Api {
            status: 400,
            code: Some("refresh_token_not_found".into()),
            message: "Invalid Refresh Token: Refresh Token Not Found".into(),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_is_replayed_for_the_window_then_forgotten() {
        let memory = FailureMemory::new(Duration::from_secs(60), 10);
        let key = memory.key("forged").unwrap();
        assert_eq!(memory.get(&key), None);
        memory.remember(key, &refused());
        assert_eq!(memory.get(&key), Some(refused()));
        assert_eq!(memory.get(&memory.key("another").unwrap()), None);
        tokio::time::advance(Duration::from_millis(59_999)).await;
        assert_eq!(memory.get(&key), Some(refused()));
        tokio::time::advance(Duration::from_millis(1)).await;
        assert_eq!(memory.get(&key), None);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_never_remembered() {
        let memory = FailureMemory::new(Duration::from_secs(60), 10);
        let key = memory.key("real").unwrap();
        for transient in [
            AuthError::Transient {
                status: Some(429),
                code: Some("over_request_rate_limit".into()),
                message: "slow down".into(),
                source: None,
            },
            AuthError::Transient {
                status: None,
                code: None,
                message: "timed out".into(),
                source: None,
            },
            AuthError::InvalidResponse("no session".into()),
        ] {
            memory.remember(key, &transient);
            assert_eq!(memory.get(&key), None, "{transient:?}");
        }
        assert_eq!(memory.len(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn memory_is_bounded_expired_entries_go_first_then_the_oldest() {
        let memory = FailureMemory::new(Duration::from_secs(60), 3);
        let key = |n: u32| memory.key(&n.to_string()).unwrap();
        memory.remember(key(1), &refused());
        tokio::time::advance(Duration::from_secs(30)).await;
        memory.remember(key(2), &refused());
        memory.remember(key(3), &refused());
        tokio::time::advance(Duration::from_secs(31)).await;
        // 1 has expired: it makes room for 4, the others stay.
        memory.remember(key(4), &refused());
        assert_eq!(memory.len(), 3);
        assert!([2, 3, 4].iter().all(|&n| memory.get(&key(n)).is_some()));
        // Full of live entries: the oldest (2) goes.
        memory.remember(key(5), &refused());
        assert_eq!(memory.len(), 3);
        assert!(memory.get(&key(2)).is_none());
        assert!([3, 4, 5].iter().all(|&n| memory.get(&key(n)).is_some()));
        // A flood of distinct tokens never grows it past its capacity.
        for n in 100..10_100 {
            memory.remember(key(n), &refused());
        }
        assert_eq!(memory.len(), 3);
        // Remembering a token again refreshes its window without a second entry.
        memory.remember(key(10_099), &refused());
        assert_eq!(memory.len(), 3);
    }

    #[test]
    fn a_zero_window_turns_it_off() {
        let memory = FailureMemory::new(Duration::ZERO, 10);
        assert!(memory.key("forged").is_none());
    }
}
