//! Compact JWS encoding and verification, over the key ring.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::keys::{KeyAlgorithm, KeyError, KeyRing, SigningKey};

/// The header the Go server writes: `alg`, `kid`, `typ` (no `kid` for legacy HS256).
pub(crate) fn header_for(key: &SigningKey) -> Value {
    if key.alg() == KeyAlgorithm::Hs256 {
        json!({"alg": "HS256", "typ": "JWT"})
    } else {
        json!({"alg": key.alg().jose(), "kid": key.kid(), "typ": "JWT"})
    }
}

/// Signs `header`.`claims` with `key`, whatever the header says (hostile-input tests rely on
/// being able to lie in the header).
pub(crate) fn encode(header: &Value, claims: &Value, key: &SigningKey) -> Result<String, KeyError> {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let sig = key.sign(signing_input.as_bytes())?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(sig)))
}

/// Why a bearer token was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JwtError {
    /// Not three base64url parts of JSON.
    #[error("token is malformed")]
    Malformed,
    /// No key verifies it (unknown or retired `kid`, wrong algorithm, bad signature).
    #[error("signature is invalid")]
    Signature,
    /// `exp` is in the past.
    #[error("token is expired")]
    Expired,
}

/// Verifies `token` against the ring and the clock; returns its claims.
pub(crate) fn verify(token: &str, ring: &KeyRing, now_secs: i64) -> Result<Value, JwtError> {
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError::Malformed);
    };
    let decode = |part: &str| {
        URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| JwtError::Malformed)
    };
    let header: Value = serde_json::from_slice(&decode(h)?).map_err(|_| JwtError::Malformed)?;
    let claims: Value = serde_json::from_slice(&decode(p)?).map_err(|_| JwtError::Malformed)?;
    let sig = decode(s)?;
    let alg = header["alg"].as_str().ok_or(JwtError::Malformed)?;
    let message = format!("{h}.{p}");
    let candidates: Vec<&SigningKey> = match header["kid"].as_str() {
        Some(kid) => ring.get(kid).into_iter().collect(),
        None => ring.keys().iter().collect(),
    };
    let verified = candidates
        .into_iter()
        .any(|k| k.alg().jose() == alg && k.verify(message.as_bytes(), &sig));
    if !verified {
        return Err(JwtError::Signature);
    }
    match claims["exp"].as_i64() {
        Some(exp) if exp > now_secs => Ok(claims),
        _ => Err(JwtError::Expired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper_for_each_algorithm() {
        for alg in [
            KeyAlgorithm::Es256,
            KeyAlgorithm::Rs256,
            KeyAlgorithm::Hs256,
        ] {
            let ring = KeyRing::new(alg, "a-secret-of-sufficient-length-0123456789").unwrap();
            let key = ring.signing_key().unwrap();
            let token = encode(&header_for(key), &json!({"sub": "u", "exp": 100}), key).unwrap();
            assert_eq!(verify(&token, &ring, 99).unwrap()["sub"], "u");
            assert_eq!(verify(&token, &ring, 100), Err(JwtError::Expired));
            let tampered = format!("{}x", &token[..token.len() - 1]);
            assert!(verify(&tampered, &ring, 99).is_err());
        }
    }

    #[test]
    fn retired_key_no_longer_verifies() {
        let mut ring = KeyRing::new(KeyAlgorithm::Es256, "s").unwrap();
        let old = ring.signing_key().unwrap().kid().to_owned();
        let key = ring.signing_key().unwrap();
        let token = encode(&header_for(key), &json!({"exp": 100}), key).unwrap();
        let new = ring.add(KeyAlgorithm::Es256).unwrap();
        ring.set_signing(&new).unwrap();
        assert!(verify(&token, &ring, 1).is_ok());
        ring.retire(&old).unwrap();
        assert_eq!(verify(&token, &ring, 1), Err(JwtError::Signature));
    }
}
