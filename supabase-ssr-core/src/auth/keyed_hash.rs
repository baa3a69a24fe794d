//! Keyed hashes of tokens and cookie values, the keys of every in-memory table that remembers
//! something about a token (verified claims, refused tokens) without holding the token.
//!
//! A [`HashKey`] is the 128-bit SipHash-1-3 of a value under a random key of its table.
//! `SipHash` is a keyed pseudorandom function: without the key nobody can make a value whose
//! hash is another's, nor tell from a hash which token it came from. (It hashes a 3 KB cookie in
//! a third of the time SHA-256 took on a 1 KB token, which was more than the rest of an
//! authenticated request.)

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use siphasher::sip128::{Hasher128 as _, SipHasher13};

/// The keyed hash of a value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct HashKey(u128);

// Keys stay out of logs: they are cheap to print but say nothing useful.
impl std::fmt::Debug for HashKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HashKey(..)")
    }
}

// The key is already a keyed hash: its low 64 bits are a perfectly good map hash, and not
// hashing it again keeps a lookup cheap.
impl Hash for HashKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "the low half is the map hash"
        )]
        state.write_u64(self.0 as u64);
    }
}

/// A map keyed by [`HashKey`]s, which it does not hash again.
pub(crate) type HashKeyMap<V> = HashMap<HashKey, V, BuildHasherDefault<PassThroughHasher>>;

#[derive(Default)]
pub(crate) struct PassThroughHasher(u64);

impl Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Hashes values under one random key.
pub(crate) struct KeyedHasher {
    key: [u8; 16],
}

impl KeyedHasher {
    /// A hasher under a fresh random key; `None` when the system has no random source (the
    /// table using it is then turned off: a guessable key would let anyone plant entries).
    pub(crate) fn random() -> Option<Self> {
        let mut key = [0; 16];
        crate::crypto::fill_random(&mut key).ok()?;
        Some(Self { key })
    }

    /// The hash of `value` in `domain` (hashed first, so values of two domains never share a
    /// key).
    pub(crate) fn hash(&self, domain: u8, value: &str) -> HashKey {
        let mut hasher = SipHasher13::new_with_key(&self.key);
        hasher.write_u8(domain);
        hasher.write(value.as_bytes());
        HashKey(hasher.finish128().as_u128())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_depend_on_the_key_the_domain_and_the_value() {
        let hasher = KeyedHasher::random().unwrap();
        let hash = hasher.hash(1, "value");
        assert!(hash == hasher.hash(1, "value"));
        assert!(hash != hasher.hash(2, "value"));
        assert!(hash != hasher.hash(1, "valuf"));
        // Another table (another key) cannot predict this one's keys.
        assert!(hash != KeyedHasher::random().unwrap().hash(1, "value"));
    }
}
