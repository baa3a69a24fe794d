//! The crypto the core needs besides TLS: SHA-256, random bytes and the JWT signature backend.
//!
//! It follows the TLS feature so a build carries one crypto stack: with `rustls` (whose
//! provider is aws-lc-rs) everything uses aws-lc-rs; with `native-tls` alone, pure-Rust crates
//! (`sha2`, `getrandom`, jsonwebtoken's `rust_crypto`), so OpenSSL is the only C library.

// Neither TLS feature: every Auth call would fail at run time, so the build is refused.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
compile_error!(
    "supabase-ssr needs a TLS backend to reach Supabase: enable the `rustls` (default) or \
     `native-tls` feature of supabase-ssr-core (or of the adapter crate you use: \
     supabase-ssr-axum, -actix-web, -rocket, -poem, -tower)"
);

/// The system's secure random source failed (no entropy available).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the system random source failed: {0}")]
pub(crate) struct RandomError(String);

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    backend::sha256(data)
}

/// Fills `buf` from the system's secure random source.
pub(crate) fn fill_random(buf: &mut [u8]) -> Result<(), RandomError> {
    backend::fill_random(buf)
}

/// Makes jsonwebtoken use this build's backend. jsonwebtoken picks it from its own features
/// and panics at the first verification when both are on (this crate with `rustls` and
/// `native-tls`, or another crate enabling the other one), so the choice is made here, once
/// per process. A provider installed earlier (by the application) is kept.
pub(crate) fn install_jwt_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Err only means a provider is already installed: the application chose, keep it.
        let _ = backend::JWT_PROVIDER.install_default();
    });
}

#[cfg(feature = "rustls")]
use aws_lc as backend;
#[cfg(all(feature = "native-tls", not(feature = "rustls")))]
use pure_rust as backend;
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
use unavailable as backend;

#[cfg(feature = "rustls")]
mod aws_lc {
    use super::RandomError;

    pub(super) static JWT_PROVIDER: &jsonwebtoken::crypto::CryptoProvider =
        &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER;

    pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data);
        let mut out = [0; 32];
        out.copy_from_slice(digest.as_ref());
        out
    }

    pub(super) fn fill_random(buf: &mut [u8]) -> Result<(), RandomError> {
        aws_lc_rs::rand::fill(buf).map_err(|e| RandomError(e.to_string()))
    }
}

// Compiled whenever `native-tls` is on, so a build with both features can check that the two
// backends agree; only used as the backend without `rustls`.
#[cfg(feature = "native-tls")]
#[cfg_attr(feature = "rustls", allow(dead_code))]
mod pure_rust {
    use sha2::Digest as _;

    use super::RandomError;

    pub(super) static JWT_PROVIDER: &jsonwebtoken::crypto::CryptoProvider =
        &jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;

    pub(super) fn sha256(data: &[u8]) -> [u8; 32] {
        sha2::Sha256::digest(data).into()
    }

    pub(super) fn fill_random(buf: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(buf).map_err(|e| RandomError(e.to_string()))
    }
}

// Only there so the compile_error! above is the one error a build without TLS reports.
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
mod unavailable {
    use super::RandomError;

    pub(super) static JWT_PROVIDER: &jsonwebtoken::crypto::CryptoProvider =
        &jsonwebtoken::crypto::CryptoProvider {
            signer_factory: |_, _| Err(jsonwebtoken::errors::ErrorKind::InvalidAlgorithm.into()),
            verifier_factory: |_, _| Err(jsonwebtoken::errors::ErrorKind::InvalidAlgorithm.into()),
            key_utils: jsonwebtoken::crypto::KeyUtils::new_unimplemented(),
        };

    pub(super) fn sha256(_: &[u8]) -> [u8; 32] {
        [0; 32]
    }

    pub(super) fn fill_random(_: &mut [u8]) -> Result<(), RandomError> {
        Err(RandomError("no TLS feature".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_the_known_answers() {
        // FIPS 180-2 examples, base64 of the digests.
        use base64::Engine as _;
        let b64 = |bytes: [u8; 32]| base64::engine::general_purpose::STANDARD.encode(bytes);
        assert_eq!(
            b64(sha256(b"abc")),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
        assert_eq!(
            b64(sha256(b"")),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }

    #[test]
    fn random_bytes_differ() {
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        fill_random(&mut a).unwrap();
        fill_random(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 32]);
    }

    /// With both features on, the pure-Rust backend (the one a `native-tls` build uses) is
    /// compiled too: it must answer like aws-lc-rs.
    #[cfg(all(feature = "rustls", feature = "native-tls"))]
    #[test]
    fn the_pure_rust_backend_agrees_with_aws_lc() {
        for input in [&b""[..], b"abc", &[0xa5; 1000]] {
            assert_eq!(pure_rust::sha256(input), aws_lc::sha256(input));
        }
        let mut buf = [0u8; 32];
        pure_rust::fill_random(&mut buf).unwrap();
        assert_ne!(buf, [0; 32]);
    }
}
