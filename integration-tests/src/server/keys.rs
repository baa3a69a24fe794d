//! Signing keys: ES256 (default), RS256, legacy HS256, and rotation.
//!
//! The JWKS lists every asymmetric key that is not retired; HMAC keys are never listed, as on the
//! hosted service (spec §13 JWKS row). Retiring a key also stops it verifying tokens.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair as _};
use aws_lc_rs::{hmac, rsa};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A JWT signing algorithm the server can issue tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "UPPERCASE")]
pub enum KeyAlgorithm {
    /// ECDSA P-256 with SHA-256, the hosted default for new projects.
    #[default]
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048-bit key).
    Rs256,
    /// HMAC-SHA-256 with the shared JWT secret (legacy projects).
    Hs256,
}

impl KeyAlgorithm {
    /// The JOSE `alg` name.
    pub fn jose(self) -> &'static str {
        match self {
            KeyAlgorithm::Es256 => "ES256",
            KeyAlgorithm::Rs256 => "RS256",
            KeyAlgorithm::Hs256 => "HS256",
        }
    }
}

/// Why a key operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// No key has this `kid`.
    #[error("no key with kid `{0}`")]
    UnknownKid(String),
    /// The key currently signing tokens cannot be retired; rotate first.
    #[error("key `{0}` is the signing key; make another key the signing key before retiring it")]
    RetireSigningKey(String),
    /// The crypto library failed to generate or use a key.
    #[error("crypto failure: {0}")]
    Crypto(&'static str),
}

// Keys are few and long-lived; boxing the EC variant would buy nothing.
#[allow(clippy::large_enum_variant)]
enum Material {
    Ec(EcdsaKeyPair),
    Rsa(rsa::KeyPair),
    Hmac(hmac::Key),
}

/// One key of the ring.
pub(crate) struct SigningKey {
    kid: String,
    alg: KeyAlgorithm,
    material: Material,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh asymmetric key, or an HMAC key over `secret`.
    pub(crate) fn generate(alg: KeyAlgorithm, secret: &str) -> Result<Self, KeyError> {
        let material = match alg {
            KeyAlgorithm::Es256 => Material::Ec(
                EcdsaKeyPair::generate(&signature::ECDSA_P256_SHA256_FIXED_SIGNING)
                    .map_err(|_| KeyError::Crypto("EC P-256 key generation"))?,
            ),
            KeyAlgorithm::Rs256 => Material::Rsa(
                rsa::KeyPair::generate(rsa::KeySize::Rsa2048)
                    .map_err(|_| KeyError::Crypto("RSA key generation"))?,
            ),
            KeyAlgorithm::Hs256 => {
                Material::Hmac(hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()))
            }
        };
        Ok(Self {
            kid: crate::server::random::uuid(),
            alg,
            material,
        })
    }

    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn alg(&self) -> KeyAlgorithm {
        self.alg
    }

    /// The signature over `message`, in JWS form (ES256: raw `r‖s`).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let rng = SystemRandom::new();
        match &self.material {
            Material::Ec(k) => k
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| KeyError::Crypto("ES256 signing")),
            Material::Rsa(k) => {
                let mut sig = vec![0; k.public_modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| KeyError::Crypto("RS256 signing"))?;
                Ok(sig)
            }
            Material::Hmac(k) => Ok(hmac::sign(k, message).as_ref().to_vec()),
        }
    }

    /// Whether `sig` is a valid signature of `message` by this key.
    pub(crate) fn verify(&self, message: &[u8], sig: &[u8]) -> bool {
        match &self.material {
            Material::Ec(k) => signature::UnparsedPublicKey::new(
                &signature::ECDSA_P256_SHA256_FIXED,
                k.public_key().as_ref(),
            )
            .verify(message, sig)
            .is_ok(),
            Material::Rsa(k) => signature::UnparsedPublicKey::new(
                &signature::RSA_PKCS1_2048_8192_SHA256,
                k.public_key().as_ref(),
            )
            .verify(message, sig)
            .is_ok(),
            Material::Hmac(k) => hmac::verify(k, message, sig).is_ok(),
        }
    }

    /// The public JWK, or `None` for HMAC keys (never published).
    pub(crate) fn public_jwk(&self) -> Option<Value> {
        match &self.material {
            Material::Ec(k) => {
                // Uncompressed point: 0x04 ‖ x (32 bytes) ‖ y (32 bytes).
                let point = k.public_key().as_ref();
                let (x, y) = point.get(1..33).zip(point.get(33..65))?;
                Some(json!({
                    "kty": "EC",
                    "x": URL_SAFE_NO_PAD.encode(x),
                    "y": URL_SAFE_NO_PAD.encode(y),
                    "crv": "P-256",
                    "kid": self.kid,
                    "alg": "ES256",
                    "use": "sig",
                    "key_ops": ["verify"],
                }))
            }
            Material::Rsa(k) => {
                let public = k.public_key();
                Some(json!({
                    "kty": "RSA",
                    "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
                    "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
                    "kid": self.kid,
                    "alg": "RS256",
                    "use": "sig",
                    "key_ops": ["verify"],
                }))
            }
            Material::Hmac(_) => None,
        }
    }
}

/// The server's keys: one signs, the others still verify until retired.
#[derive(Debug)]
pub(crate) struct KeyRing {
    keys: Vec<SigningKey>,
    signing: String,
    secret: String,
}

impl KeyRing {
    /// A ring with one fresh signing key of `alg`.
    pub(crate) fn new(alg: KeyAlgorithm, secret: &str) -> Result<Self, KeyError> {
        let key = SigningKey::generate(alg, secret)?;
        Ok(Self {
            signing: key.kid.clone(),
            keys: vec![key],
            secret: secret.to_owned(),
        })
    }

    /// The key that signs new tokens.
    pub(crate) fn signing_key(&self) -> Result<&SigningKey, KeyError> {
        self.get(&self.signing)
    }

    pub(crate) fn get(&self, kid: &str) -> Result<&SigningKey, KeyError> {
        self.keys
            .iter()
            .find(|k| k.kid == kid)
            .ok_or_else(|| KeyError::UnknownKid(kid.to_owned()))
    }

    /// Adds a key that verifies (and is published) but does not sign yet.
    pub(crate) fn add(&mut self, alg: KeyAlgorithm) -> Result<String, KeyError> {
        let key = SigningKey::generate(alg, &self.secret)?;
        let kid = key.kid.clone();
        self.keys.push(key);
        Ok(kid)
    }

    /// Makes `kid` the signing key.
    pub(crate) fn set_signing(&mut self, kid: &str) -> Result<(), KeyError> {
        self.get(kid)?;
        kid.clone_into(&mut self.signing);
        Ok(())
    }

    /// Removes `kid`: no longer published, no longer verifying.
    pub(crate) fn retire(&mut self, kid: &str) -> Result<(), KeyError> {
        if kid == self.signing {
            return Err(KeyError::RetireSigningKey(kid.to_owned()));
        }
        self.get(kid)?;
        self.keys.retain(|k| k.kid != kid);
        Ok(())
    }

    /// Every key still able to verify.
    pub(crate) fn keys(&self) -> &[SigningKey] {
        &self.keys
    }

    /// `{"keys":[…]}` as served at `/.well-known/jwks.json`.
    pub(crate) fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .filter_map(SigningKey::public_jwk)
            .collect();
        json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_publishes_new_key_and_retire_removes_old() {
        let mut ring = KeyRing::new(KeyAlgorithm::Es256, "s").unwrap();
        let old = ring.signing_key().unwrap().kid().to_owned();
        let new = ring.add(KeyAlgorithm::Es256).unwrap();
        ring.set_signing(&new).unwrap();
        let kids: Vec<String> = ring.jwks()["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["kid"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(kids, vec![old.clone(), new.clone()]);
        ring.retire(&old).unwrap();
        assert_eq!(ring.jwks()["keys"].as_array().unwrap().len(), 1);
        assert_eq!(ring.jwks()["keys"][0]["kid"], new.as_str());
        assert_eq!(ring.retire(&new), Err(KeyError::RetireSigningKey(new)));
    }

    #[test]
    fn hmac_keys_are_never_published() {
        let ring = KeyRing::new(KeyAlgorithm::Hs256, crate::server::DEFAULT_JWT_SECRET).unwrap();
        assert_eq!(ring.jwks(), json!({"keys": []}));
    }

    #[test]
    fn rsa_jwk_has_modulus_and_exponent() {
        let ring = KeyRing::new(KeyAlgorithm::Rs256, "s").unwrap();
        let jwk = &ring.jwks()["keys"][0];
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(jwk["n"].as_str().unwrap().len(), 342);
    }
}
