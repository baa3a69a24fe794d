//! MFA challenges and their verification: the step from aal1 to aal2
//! (`gotrue:internal/api/mfa.go` `ChallengeFactor`, `VerifyFactor`, and
//! `token.go` `updateMFASessionAndClaims`).

use serde_json::{Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::factors::{FactorType, duration_ms};
use super::outbox::OutboxMessage;
use super::random;
use super::state::Inner;
use super::totp;

/// A challenge of a factor, waiting for its code. `Debug` leaves the code out.
#[derive(Clone)]
pub(crate) struct Challenge {
    pub(crate) id: String,
    pub(crate) factor_id: String,
    pub(crate) created_at: i64,
    /// The code sent by SMS/WhatsApp (phone factors).
    pub(crate) otp: Option<String>,
    /// A verified challenge cannot be used again.
    pub(crate) verified: bool,
}

impl std::fmt::Debug for Challenge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Challenge")
            .field("id", &self.id)
            .field("factor_id", &self.factor_id)
            .field("created_at", &self.created_at)
            .field("otp", &self.otp.as_ref().map(|_| "[redacted]"))
            .field("verified", &self.verified)
            .finish()
    }
}

/// The Go server's message for a channel it cannot send on.
const INVALID_CHANNEL: &str = "Invalid channel, supported values are 'sms' or 'whatsapp'. 'whatsapp' is only supported if Twilio or Twilio Verify is used as the provider.";

impl Inner {
    /// `POST /factors/{id}/challenge`: `{id, type, expires_at}`. A phone factor's code goes to
    /// the outbox (kind `mfa_sms` or `mfa_whatsapp`, to the factor's number).
    pub(crate) fn challenge_factor(
        &mut self,
        user_id: &str,
        factor_id: &str,
        channel: Option<&str>,
    ) -> Result<Value, ApiError> {
        let factor = self.factor(user_id, factor_id)?.clone();
        let otp = match factor.kind {
            FactorType::Totp => None,
            FactorType::Phone => {
                let channel = channel.filter(|c| !c.is_empty()).unwrap_or("sms");
                if !matches!(channel, "sms" | "whatsapp") {
                    return Err(ApiError::bad_request("validation_failed", INVALID_CHANNEL));
                }
                self.check_phone_frequency(factor.last_challenged_at)?;
                let otp = random::otp();
                self.send_mfa_code(&factor.phone, channel, &otp);
                Some(otp)
            }
        };
        let now = self.clock.now_ms();
        let challenge = Challenge {
            id: random::uuid(),
            factor_id: factor.id.clone(),
            created_at: now,
            otp,
            verified: false,
        };
        self.factor_mut(user_id, factor_id)?.last_challenged_at = Some(now);
        let expires_at = self.challenge_expiry(&challenge).div_euclid(1000);
        let body = json!({
            "id": challenge.id,
            "type": factor.kind.name(),
            "expires_at": expires_at,
        });
        self.mfa_challenges.push(challenge);
        Ok(body)
    }

    /// A phone factor is challenged at most once per `mfa_phone_max_frequency`.
    fn check_phone_frequency(&self, last: Option<i64>) -> Result<(), ApiError> {
        let Some(last) = last else { return Ok(()) };
        let next = last.saturating_add(duration_ms(self.settings.mfa_phone_max_frequency));
        let now = self.clock.now_ms();
        if now >= next {
            return Ok(());
        }
        let left = (next - now).div_euclid(1000);
        Err(ApiError::new(
            429,
            "over_sms_send_rate_limit",
            format!("For security purposes, you can only request this after {left} seconds."),
        ))
    }

    fn send_mfa_code(&mut self, phone: &str, channel: &str, otp: &str) {
        let message = OutboxMessage {
            id: random::uuid(),
            kind: format!("mfa_{channel}"),
            to: phone.to_owned(),
            otp: otp.to_owned(),
            token_hash: String::new(),
            link: String::new(),
            redirect_to: None,
            sent_at: rfc3339(self.clock.now_ms()),
        };
        tracing::info!(kind = %message.kind, "message put in the outbox");
        self.outbox.push(message);
    }

    /// When a challenge stops being accepted (epoch ms).
    fn challenge_expiry(&self, challenge: &Challenge) -> i64 {
        challenge
            .created_at
            .saturating_add(duration_ms(self.settings.mfa_challenge_expiry))
    }

    /// `POST /factors/{id}/verify`: checks the code against the challenge, marks the factor
    /// verified, takes the session to aal2 (the factor's `amr` entry added) and answers the
    /// new token response, with a rotated refresh token.
    pub(crate) fn verify_factor(
        &mut self,
        user_id: &str,
        session_id: &str,
        factor_id: &str,
        challenge_id: &str,
        code: &str,
    ) -> Result<Value, ApiError> {
        let factor = self.factor(user_id, factor_id)?.clone();
        if code.is_empty() {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Code needs to be non-empty",
            ));
        }
        let index = self
            .mfa_challenges
            .iter()
            .position(|c| c.id == challenge_id && c.factor_id == factor_id)
            .ok_or_else(|| {
                ApiError::unprocessable(
                    "mfa_factor_not_found",
                    "MFA factor with the provided challenge ID not found",
                )
            })?;
        let challenge = self.mfa_challenges[index].clone();
        if challenge.verified {
            // GoTrue answers a reused challenge with this code too.
            return Err(ApiError::unprocessable(
                "mfa_ip_address_mismatch",
                "Challenge and verify IP addresses mismatch.",
            ));
        }
        let now = self.clock.now_ms();
        if now > self.challenge_expiry(&challenge) {
            self.mfa_challenges.remove(index);
            return Err(ApiError::unprocessable(
                "mfa_challenge_expired",
                format!(
                    "MFA challenge {} has expired, verify against another challenge or create a new challenge.",
                    challenge.id
                ),
            ));
        }
        let valid = match factor.kind {
            FactorType::Totp => {
                let unix = u64::try_from(self.clock.now_secs()).unwrap_or_default();
                totp::check(&factor.secret, code, unix)
            }
            FactorType::Phone => challenge.otp.as_deref() == Some(code),
        };
        if !valid {
            let what = match factor.kind {
                FactorType::Totp => "Invalid TOTP code entered",
                FactorType::Phone => "Invalid MFA Phone code entered",
            };
            return Err(ApiError::unprocessable("mfa_verification_failed", what));
        }
        self.mfa_challenges[index].verified = true;
        let f = self.factor_mut(user_id, factor_id)?;
        f.verified = true;
        f.updated_at = now;
        self.step_up(user_id, session_id, factor_id, factor.kind)
    }

    /// The session reaches aal2 with `factor_id`: the `amr` entry, a swapped refresh token,
    /// the user's aal1 sessions deleted and its other unverified factors of the type too
    /// (`InvalidateSessionsWithAALLessThan`, `DeleteUnverifiedFactors`).
    pub(crate) fn step_up(
        &mut self,
        user_id: &str,
        session_id: &str,
        factor_id: &str,
        factor_type: FactorType,
    ) -> Result<Value, ApiError> {
        let now_secs = self.clock.now_secs();
        let session = self
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| ApiError::internal("verifying in a missing session"))?;
        session.step_up(factor_id, factor_type.amr_method(), now_secs);
        let parent = self
            .active_refresh_token(session_id)
            .map(|t| t.token.clone());
        if let Some(token) = parent.as_ref().and_then(|p| self.refresh_tokens.get_mut(p)) {
            token.revoked = true;
            token.updated_at = self.clock.now_ms();
        }
        let refresh = self.new_refresh_token(session_id, parent);
        let aal1: Vec<String> = self
            .sessions
            .values()
            .filter(|s| s.user_id == user_id && !s.is_aal2())
            .map(|s| s.id.clone())
            .collect();
        for id in aal1 {
            self.delete_session(&id);
        }
        if let Some(user) = self.user_mut(user_id) {
            user.factors.retain(|f| f.verified || f.kind != factor_type);
        }
        let ttl = self.ttl_secs();
        self.token_response(session_id, &refresh, ttl, None)
    }
}
