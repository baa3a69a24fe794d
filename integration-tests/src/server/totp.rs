//! TOTP (RFC 6238) as the Go server configures it — SHA-1, six digits, 30 s steps, one step of
//! skew either way — plus the enrollment material: secret, `otpauth://` URI and QR code SVG.
//!
//! The arithmetic is `totp-rs`'s; the QR code is `qrcode`'s. Only the parameters are ours.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use qrcode::{EcLevel, QrCode};
use totp_rs::{Algorithm, Secret, TOTP};

use super::errors::ApiError;

/// Seconds per code (the Go server's `Period: 30`).
pub(crate) const STEP_SECS: u64 = 30;
/// Digits per code.
const DIGITS: usize = 6;
/// Steps accepted before and after the current one (the Go server's `Skew: 1`).
const SKEW: u8 = 1;
/// Secret length in bytes: what the Go server's TOTP library makes (160 bits, 32 base32 chars).
const SECRET_BYTES: usize = 20;
/// Pixels per QR module (the Go server's `DefaultQRSize`).
const QR_MODULE_PX: u32 = 3;

/// What a TOTP enrollment hands the user.
#[derive(Debug, Clone)]
pub(crate) struct Enrollment {
    /// Base32 (RFC 4648, no padding).
    pub(crate) secret: String,
    /// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…`.
    pub(crate) uri: String,
    /// The URI as a QR code, an SVG document (the Go server sends it raw; auth-js makes it a
    /// `data:image/svg+xml;utf-8,` URI).
    pub(crate) qr_svg: String,
}

/// A fresh random secret in base32.
pub(crate) fn new_secret() -> Result<String, ApiError> {
    let mut bytes = [0u8; SECRET_BYTES];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| ApiError::internal("no randomness for a TOTP secret"))?;
    Ok(Secret::Raw(bytes.to_vec()).to_encoded().to_string())
}

fn totp(secret: &str, issuer: Option<&str>, account: &str) -> Option<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().ok()?;
    // `new_unchecked`: GoTrue accepts any issuer and account text (`:` included); the secret
    // length is ours to get right.
    Some(TOTP::new_unchecked(
        Algorithm::SHA1,
        DIGITS,
        SKEW,
        STEP_SECS,
        bytes,
        issuer.map(str::to_owned),
        account.to_owned(),
    ))
}

/// A new secret with its URI and QR code, for `account` (the user's email) at `issuer`.
pub(crate) fn enroll(issuer: &str, account: &str) -> Result<Enrollment, ApiError> {
    let secret = new_secret()?;
    let uri = totp(&secret, Some(issuer), account)
        .ok_or_else(|| ApiError::internal("fresh TOTP secret is not base32"))?
        .get_url();
    // Error correction H, as GoTrue encodes it.
    let qr_svg = QrCode::with_error_correction_level(uri.as_bytes(), EcLevel::H)
        .map_err(|e| ApiError::internal(&format!("Error generating QR Code: {e}")))?
        .render::<qrcode::render::svg::Color<'_>>()
        .module_dimensions(QR_MODULE_PX, QR_MODULE_PX)
        .build();
    Ok(Enrollment {
        secret,
        uri,
        qr_svg,
    })
}

/// The code for `secret` (base32) at `unix_secs`; `None` if the secret is not base32.
pub(crate) fn code_at(secret: &str, unix_secs: u64) -> Option<String> {
    totp(secret, None, "").map(|t| t.generate(unix_secs))
}

/// Whether `code` is valid for `secret` at `unix_secs`, one step of skew either way.
pub(crate) fn check(secret: &str, code: &str, unix_secs: u64) -> bool {
    totp(secret, None, "").is_some_and(|t| t.check(code, unix_secs))
}

/// The current RFC 6238 code for a TOTP factor's `secret` (the base32 string `enroll` returned),
/// by wall-clock time: SHA-1, six digits, 30 s steps, as the Go server verifies them.
///
/// A server whose clock a test moved wants [`LocalAuth::totp_code`](super::LocalAuth::totp_code)
/// instead. A secret that is not base32 gives an empty string, which no server accepts.
///
/// ```
/// let code = supabase_ssr_testing::totp_code("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
/// assert_eq!(code.len(), 6);
/// ```
pub fn totp_code(secret: &str) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    totp_code_at(secret, now)
}

/// The RFC 6238 code for `secret` (base32) at `unix_secs`; empty if the secret is not base32.
///
/// ```
/// // RFC 6238 appendix B, SHA-1, time 59, truncated to six digits.
/// let secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"; // "12345678901234567890"
/// assert_eq!(supabase_ssr_testing::totp_code_at(secret, 59), "287082");
/// ```
pub fn totp_code_at(secret: &str, unix_secs: u64) -> String {
    code_at(secret, unix_secs).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B's SHA-1 seed, "12345678901234567890", in base32.
    const RFC_SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    #[test]
    fn rfc_6238_vectors() {
        // The appendix's eight-digit values, last six digits.
        for (t, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
        ] {
            assert_eq!(totp_code_at(RFC_SECRET, t), code, "t = {t}");
        }
    }

    #[test]
    fn one_step_of_skew_either_way() {
        let t = 1_000_000_020;
        let code = totp_code_at(RFC_SECRET, t);
        assert!(check(RFC_SECRET, &code, t));
        assert!(check(RFC_SECRET, &code, t - STEP_SECS));
        assert!(check(RFC_SECRET, &code, t + STEP_SECS));
        assert!(!check(RFC_SECRET, &code, t + 2 * STEP_SECS));
        assert!(!check(RFC_SECRET, &code, t - 2 * STEP_SECS));
        assert!(!check(RFC_SECRET, "000000x", t));
    }

    #[test]
    fn enrollment_gives_a_uri_a_qr_code_and_a_working_secret() {
        let e = enroll("Example App", "user@example.com").unwrap();
        assert_eq!(e.secret.len(), 32);
        assert!(
            e.uri
                .starts_with("otpauth://totp/Example%20App:user%40example.com?secret="),
            "{}",
            e.uri
        );
        assert!(e.uri.contains(&format!("secret={}", e.secret)));
        assert!(e.uri.contains("issuer=Example%20App"));
        assert!(e.qr_svg.contains("<svg"), "an SVG document");
        let code = totp_code_at(&e.secret, 1_700_000_000);
        assert!(check(&e.secret, &code, 1_700_000_000));
        assert_ne!(enroll("x", "y").unwrap().secret, e.secret);
    }

    #[test]
    fn a_secret_that_is_not_base32_gives_no_code() {
        assert_eq!(totp_code_at("not base32!", 59), "");
        assert!(!check("not base32!", "", 59));
    }
}
