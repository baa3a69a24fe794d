//! Sessions signed out through this process, refused by `get_claims` until their tokens
//! expire: [`SignedOutSessions`] (the set), [`SignOut`] (one event) and [`SignOutListener`]
//! (the seam a fleet-wide sign-out publishes through).

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use super::claims::Claims;
use super::types::SignOutScope;
use super::verify::{Clock, Verifier, system_clock};

/// One sign-out: what [`Auth::sign_out`](super::Auth::sign_out) records, what a
/// [`SignOutListener`] is told and what another process may pass to
/// [`SignedOutSessions::record`]. Serializable, to travel between processes.
///
/// Made from the verified claims of the access token that signed out (or from a token the
/// Auth server accepted on `POST /logout`): never from an unverified cookie, or anyone could
/// sign a victim out of this process with a forged one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SignOut {
    /// The user (`sub`).
    pub user_id: String,
    /// The session that signed out (`session_id`), when its token names one.
    pub session_id: Option<String>,
    /// Which sessions ended.
    pub scope: SignOutScope,
    /// When, in seconds since the Unix epoch: with [`SignOutScope::Global`] and
    /// [`SignOutScope::Others`], the user's tokens issued (`iat`) before this second are
    /// refused.
    pub at: u64,
    /// Until when (seconds since the Unix epoch) the session that signed out is refused: its
    /// access token's `exp` (plus the verifier's leeway).
    pub session_until: u64,
    /// Until when the user's other tokens issued before [`at`](Self::at) are refused: `at`
    /// plus the lifetime of an access token (`exp - iat` of the one that signed out), since
    /// none issued before `at` can outlive that.
    pub user_until: u64,
}

impl SignOut {
    /// The sign-out of `scope` by the holder of `claims`, at `now` (seconds since the Unix
    /// epoch); `leeway` is the verifier's tolerated clock skew, in seconds.
    pub(crate) fn from_claims(claims: &Claims, scope: SignOutScope, now: u64, leeway: u64) -> Self {
        let lifetime = claims
            .issued_at()
            .map_or(DEFAULT_TOKEN_LIFETIME, |iat| {
                claims.expires_at().saturating_sub(iat)
            })
            .max(DEFAULT_TOKEN_LIFETIME);
        Self {
            user_id: claims.user_id().to_owned(),
            session_id: claims.session_id().map(str::to_owned),
            scope,
            at: now,
            session_until: claims.expires_at().saturating_add(leeway),
            user_until: now.saturating_add(lifetime).saturating_add(leeway),
        }
    }
}

/// The lifetime assumed for the user's other access tokens when the one that signed out is
/// shorter or has no `iat`: the Auth server's default (`jwt_exp`, one hour).
const DEFAULT_TOKEN_LIFETIME: u64 = 3600;

/// Told of every sign-out this process records from [`Auth::sign_out`](super::Auth::sign_out)
/// (not of those given to [`SignedOutSessions::record`] directly): the seam a fleet-wide
/// implementation publishes through. Set it with
/// [`SupabaseBuilder::on_sign_out`](crate::SupabaseBuilder::on_sign_out).
///
/// Called on the request that signs out, after the set was updated: do not block (hand the
/// event to a task or a channel).
pub trait SignOutListener: Send + Sync {
    /// `sign_out` was recorded.
    fn signed_out(&self, sign_out: &SignOut);
}

impl<T: SignOutListener + ?Sized> SignOutListener for Arc<T> {
    fn signed_out(&self, sign_out: &SignOut) {
        (**self).signed_out(sign_out);
    }
}

/// Where a handle records its sign-outs: its set, and the listener that publishes them.
#[derive(Clone, Default)]
pub(crate) struct SignOutSink {
    pub(crate) set: Arc<SignedOutSessions>,
    pub(crate) listener: Option<Arc<dyn SignOutListener>>,
}

impl std::fmt::Debug for SignOutSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignOutSink")
            .field("set", &self.set)
            .field("listener", &self.listener.as_ref().map(|_| ".."))
            .finish()
    }
}

impl SignOutSink {
    /// Records `sign_out` in the set, then tells the listener.
    pub(crate) fn record(&self, sign_out: &SignOut) {
        self.set.record(sign_out);
        if let Some(listener) = &self.listener {
            listener.signed_out(sign_out);
        }
    }

    /// Records the sign-out of `scope` by the holder of `claims`, at the verifier's time and
    /// with its leeway (the refused tokens are the ones it would otherwise accept).
    pub(crate) fn record_claims(&self, verifier: &Verifier, claims: &Claims, scope: SignOutScope) {
        let now = verifier.now_secs();
        self.record(&SignOut::from_claims(
            claims,
            scope,
            now,
            verifier.leeway_secs(),
        ));
    }
}

/// A user's sign-out of every session (`global`) or every other session (`others`).
#[derive(Debug, Clone)]
struct UserCutoff {
    /// Tokens issued before this second are refused…
    before: u64,
    /// …except this session's (`others` scope).
    except: Option<Arc<str>>,
    until: u64,
}

/// An entry of the expiry index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Session(Arc<str>),
    User(Arc<str>),
}

#[derive(Debug, Default)]
struct Inner {
    /// Signed-out `session_id`s, until when.
    sessions: HashMap<Arc<str>, u64>,
    /// Users whose earlier sessions are signed out.
    users: HashMap<Arc<str>, UserCutoff>,
    /// Every entry by expiry, soonest first: expired ones are dropped from the front, and the
    /// front is what goes when the set is full.
    by_expiry: BTreeSet<(u64, Key)>,
}

impl Inner {
    fn len(&self) -> usize {
        self.by_expiry.len()
    }

    fn remove(&mut self, key: &Key) {
        match key {
            Key::Session(id) => {
                self.sessions.remove(id);
            }
            Key::User(id) => {
                self.users.remove(id);
            }
        }
    }

    /// Drops the entries whose tokens have all expired.
    fn purge(&mut self, now: u64) {
        while self
            .by_expiry
            .first()
            .is_some_and(|(until, _)| *until <= now)
        {
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.remove(&key);
            }
        }
    }

    /// Makes room for one entry, evicting the one that expires soonest.
    fn make_room(&mut self, capacity: usize) {
        while self.len() >= capacity {
            let Some((_, key)) = self.by_expiry.pop_first() else {
                return;
            };
            tracing::warn!(
                capacity,
                "the signed-out sessions set is full: the entry expiring soonest is dropped, \
                 and its session is accepted again here until its token expires"
            );
            self.remove(&key);
        }
    }

    fn put_session(&mut self, id: &str, until: u64, capacity: usize) {
        let id: Arc<str> = Arc::from(id);
        let until = if let Some(&old) = self.sessions.get(&id) {
            self.by_expiry.remove(&(old, Key::Session(id.clone())));
            old.max(until)
        } else {
            self.make_room(capacity);
            until
        };
        self.sessions.insert(id.clone(), until);
        self.by_expiry.insert((until, Key::Session(id)));
    }

    fn put_user(&mut self, id: &str, mut cutoff: UserCutoff, capacity: usize) {
        let id: Arc<str> = Arc::from(id);
        match self.users.get(&id) {
            Some(old) => {
                self.by_expiry.remove(&(old.until, Key::User(id.clone())));
                // The later sign-out decides (it refuses everything the earlier one did, but
                // the session it spares, which was valid then); events from other processes
                // may arrive out of order.
                if old.before > cutoff.before {
                    cutoff.before = old.before;
                    cutoff.except.clone_from(&old.except);
                }
                cutoff.until = cutoff.until.max(old.until);
            }
            None => self.make_room(capacity),
        }
        self.by_expiry.insert((cutoff.until, Key::User(id.clone())));
        self.users.insert(id, cutoff);
    }
}

/// The sessions signed out through this process, refused by `get_claims` until their tokens
/// expire: held once per [`Supabase`](crate::Supabase) handle
/// ([`Supabase::signed_out_sessions`](crate::Supabase::signed_out_sessions)) and shared by
/// every per-request client, like the verified-claims cache.
///
/// Access tokens are verified locally (signature, expiry) and their claims cached, so without
/// this a cookie copied before `POST /logout` would keep working on this server until its
/// access token expires. Every [`Auth::sign_out`](super::Auth::sign_out) records what it ended
/// here, and [`Auth::get_claims`](super::Auth::get_claims) and
/// [`Auth::claims_for_token`](super::Auth::claims_for_token) refuse it from then on with
/// [`AuthError::SessionMissing`](super::AuthError::SessionMissing) — the Auth server's own
/// answer (403 `session_not_found`) for a token of a deleted session.
///
/// What stays true of any signature-only check: **other processes** (other replicas, other
/// servers) accept the token until its `exp`, since nothing tells them. A fleet-wide sign-out
/// feeds this set from the others: a [`SignOutListener`]
/// ([`SupabaseBuilder::on_sign_out`](crate::SupabaseBuilder::on_sign_out)) publishes what this
/// process recorded, and what the others published is given to
/// [`record`](Self::record). The request path never leaves this process's memory: one atomic
/// load while nothing is signed out, else a read lock and two hash lookups, no allocation.
///
/// Bounded: an entry drops once every token it can refuse has expired, and the set holds at
/// most [`DEFAULT_CAPACITY`](Self::DEFAULT_CAPACITY) entries. When full, the entry that would
/// expire soonest goes first (it refuses for the shortest time anyway); that is logged, since
/// the session it refused is accepted again here until its token expires.
pub struct SignedOutSessions {
    capacity: usize,
    /// Whether any entry may be present: lets the request path skip the lock and the clock.
    any: AtomicBool,
    inner: RwLock<Inner>,
    clock: Clock,
}

impl std::fmt::Debug for SignedOutSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedOutSessions")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl Default for SignedOutSessions {
    fn default() -> Self {
        Self::new(Self::DEFAULT_CAPACITY)
    }
}

impl SignedOutSessions {
    /// The default bound: 100,000 entries (a few tens of MB at most; an entry lives no longer
    /// than an access token, an hour by default).
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// An empty set holding at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self::with_clock(capacity, system_clock())
    }

    pub(crate) fn with_clock(capacity: usize, clock: Clock) -> Self {
        Self {
            capacity: capacity.max(1),
            any: AtomicBool::new(false),
            inner: RwLock::new(Inner::default()),
            clock,
        }
    }

    fn now(&self) -> u64 {
        (self.clock)() / 1000
    }

    /// Records `sign_out`: from then on [`refuses`](Self::refuses) the session that signed out
    /// (`local`, `global`) and the user's sessions issued before it (`global`; `others` but
    /// the one that signed out), until their tokens expire.
    pub fn record(&self, sign_out: &SignOut) {
        let now = self.now();
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        inner.purge(now);
        if sign_out.scope != SignOutScope::Others
            && let Some(session) = &sign_out.session_id
            && sign_out.session_until > now
        {
            inner.put_session(session, sign_out.session_until, self.capacity);
        }
        // `others` from a token without `session_id` cannot tell this session from the others:
        // nothing is recorded rather than signing this one out too.
        let spares_unknown =
            sign_out.scope == SignOutScope::Others && sign_out.session_id.is_none();
        if sign_out.scope != SignOutScope::Local && sign_out.user_until > now && !spares_unknown {
            let except = match sign_out.scope {
                SignOutScope::Others => sign_out.session_id.as_deref().map(Arc::from),
                _ => None,
            };
            let cutoff = UserCutoff {
                before: sign_out.at,
                except,
                until: sign_out.user_until,
            };
            inner.put_user(&sign_out.user_id, cutoff, self.capacity);
        }
        self.any.store(inner.len() > 0, Ordering::Release);
    }

    /// Whether the verified `claims` belong to a session signed out here.
    pub fn refuses(&self, claims: &Claims) -> bool {
        if !self.any.load(Ordering::Acquire) {
            return false;
        }
        let now = self.now();
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let session = claims.session_id();
        if let Some(id) = session
            && inner.sessions.get(id).is_some_and(|&until| until > now)
        {
            return true;
        }
        let Some(cutoff) = inner.users.get(claims.user_id()) else {
            return false;
        };
        let spared = cutoff.except.is_some() && cutoff.except.as_deref() == session;
        // A token without `iat` cannot show it came after: refused.
        let issued_before = claims.issued_at().is_none_or(|iat| iat < cutoff.before);
        cutoff.until > now && issued_before && !spared
    }

    /// Entries held (expired ones included until the next [`record`](Self::record)).
    pub fn len(&self) -> usize {
        self.inner
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::claims::{Payload, Verification};
    use serde_json::json;
    use std::sync::atomic::AtomicU64;

    const NOW: u64 = 1_767_225_600;

    fn claims(sub: &str, session: Option<&str>, iat: Option<u64>, exp: u64) -> Claims {
        let mut payload = json!({"sub": sub, "exp": exp});
        if let Some(session) = session {
            payload["session_id"] = json!(session);
        }
        if let Some(iat) = iat {
            payload["iat"] = json!(iat);
        }
        let payload = Payload::parse(payload.to_string().into_bytes()).unwrap();
        Claims::new(payload, exp, "iss".into(), None, Verification::Signature).unwrap()
    }

    /// A set whose clock reads the returned cell (seconds).
    fn set(capacity: usize) -> (SignedOutSessions, Arc<AtomicU64>) {
        let now = Arc::new(AtomicU64::new(NOW));
        let clock_now = now.clone();
        let clock: Clock = Arc::new(move || clock_now.load(Ordering::Relaxed) * 1000);
        (SignedOutSessions::with_clock(capacity, clock), now)
    }

    /// The sign-out of `scope` by a token of user `u`, session `s1`, issued 100 s ago and
    /// valid for an hour.
    fn sign_out(scope: SignOutScope) -> SignOut {
        let token = claims("u", Some("s1"), Some(NOW - 100), NOW + 3500);
        SignOut::from_claims(&token, scope, NOW, 0)
    }

    #[test]
    fn a_sign_out_is_made_from_the_claims() {
        let out = sign_out(SignOutScope::Global);
        assert_eq!(out.user_id, "u");
        assert_eq!(out.session_id.as_deref(), Some("s1"));
        assert_eq!(
            (out.at, out.session_until, out.user_until),
            (NOW, NOW + 3500, NOW + 3600)
        );
        // A longer token lifetime is kept; the leeway is added to both ends.
        let long = claims("u", Some("s1"), Some(NOW), NOW + 7200);
        let out = SignOut::from_claims(&long, SignOutScope::Global, NOW, 5);
        assert_eq!(
            (out.session_until, out.user_until),
            (NOW + 7205, NOW + 7205)
        );
    }

    #[test]
    fn local_refuses_that_session_only() {
        let (set, _) = set(10);
        let same = claims("u", Some("s1"), Some(NOW - 100), NOW + 3500);
        assert!(!set.refuses(&same));
        set.record(&sign_out(SignOutScope::Local));
        assert!(set.refuses(&same));
        // A refreshed token of the same session, too.
        assert!(set.refuses(&claims("u", Some("s1"), Some(NOW), NOW + 3600)));
        assert!(!set.refuses(&claims("u", Some("s2"), Some(NOW - 100), NOW + 3500)));
        assert!(!set.refuses(&claims("v", Some("s3"), Some(NOW - 100), NOW + 3500)));
    }

    #[test]
    fn global_refuses_every_earlier_session_of_the_user() {
        let (set, _) = set(10);
        set.record(&sign_out(SignOutScope::Global));
        assert!(set.refuses(&claims("u", Some("s1"), Some(NOW), NOW + 3600)));
        assert!(set.refuses(&claims("u", Some("s2"), Some(NOW - 1), NOW + 3599)));
        assert!(set.refuses(&claims("u", Some("s2"), None, NOW + 3599)));
        // Signed in after the sign-out, or another user: accepted.
        assert!(!set.refuses(&claims("u", Some("s3"), Some(NOW), NOW + 3600)));
        assert!(!set.refuses(&claims("v", Some("s2"), Some(NOW - 1), NOW + 3599)));
    }

    #[test]
    fn others_spares_the_session_that_signed_out() {
        let (set, _) = set(10);
        set.record(&sign_out(SignOutScope::Others));
        assert!(!set.refuses(&claims("u", Some("s1"), Some(NOW - 100), NOW + 3500)));
        assert!(set.refuses(&claims("u", Some("s2"), Some(NOW - 1), NOW + 3599)));
        assert!(!set.refuses(&claims("u", Some("s3"), Some(NOW + 1), NOW + 3601)));
    }

    #[test]
    fn others_without_a_session_id_records_nothing() {
        let (set, _) = set(10);
        let mut out = sign_out(SignOutScope::Others);
        out.session_id = None;
        set.record(&out);
        assert!(set.is_empty());
        assert!(!set.refuses(&claims("u", None, Some(NOW - 100), NOW + 3500)));
    }

    #[test]
    fn the_later_cutoff_of_a_user_decides() {
        // Signed out everywhere, signed in again (s5), then "sign out my other devices".
        let (set, _) = set(10);
        set.record(&sign_out(SignOutScope::Global));
        let again = claims("u", Some("s5"), Some(NOW + 10), NOW + 3610);
        let others = SignOut::from_claims(&again, SignOutScope::Others, NOW + 20, 0);
        set.record(&others);
        assert!(!set.refuses(&again));
        assert!(set.refuses(&claims("u", Some("s6"), Some(NOW + 15), NOW + 3615)));
        assert!(set.refuses(&claims("u", Some("s1"), Some(NOW - 100), NOW + 3500)));
        // The earlier event arriving last (from another process) changes nothing.
        set.record(&sign_out(SignOutScope::Global));
        assert!(!set.refuses(&again));
        assert!(set.refuses(&claims("u", Some("s6"), Some(NOW + 15), NOW + 3615)));
    }

    #[test]
    fn entries_drop_when_their_tokens_expire() {
        let (set, now) = set(10);
        set.record(&sign_out(SignOutScope::Global));
        assert_eq!(set.len(), 2);
        let old = claims("u", Some("s2"), Some(NOW - 1), NOW + 3599);
        now.store(NOW + 3600, Ordering::Relaxed);
        assert!(!set.refuses(&old));
        // Expired entries go at the next record; one already expired is not stored.
        let mut stale = sign_out(SignOutScope::Local);
        stale.session_id = Some("s9".into());
        stale.session_until = NOW + 10;
        set.record(&stale);
        assert!(set.is_empty());
    }

    #[test]
    fn a_full_set_drops_the_entry_expiring_soonest() {
        let (set, _) = set(2);
        for (session, until) in [("a", NOW + 100), ("b", NOW + 50), ("c", NOW + 200)] {
            let mut out = sign_out(SignOutScope::Local);
            out.session_id = Some(session.into());
            out.session_until = until;
            set.record(&out);
        }
        assert_eq!(set.len(), 2);
        let refused = |s: &str| set.refuses(&claims("u", Some(s), Some(NOW), NOW + 300));
        assert!(refused("a") && refused("c") && !refused("b"));
    }

    #[test]
    fn recording_a_session_again_keeps_the_later_expiry() {
        let (set, now) = set(10);
        let mut out = sign_out(SignOutScope::Local);
        set.record(&out);
        out.session_until = NOW + 10;
        set.record(&out);
        assert_eq!(set.len(), 1);
        now.store(NOW + 20, Ordering::Relaxed);
        assert!(set.refuses(&claims("u", Some("s1"), Some(NOW), NOW + 3600)));
    }

    #[test]
    fn a_sign_out_round_trips_through_json() {
        let out = sign_out(SignOutScope::Others);
        let text = serde_json::to_string(&out).unwrap();
        assert!(text.contains(r#""scope":"others""#), "{text}");
        assert_eq!(serde_json::from_str::<SignOut>(&text).unwrap(), out);
    }
}
