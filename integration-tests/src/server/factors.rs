//! MFA factors: enrollment and unenrollment with the Go server's limits
//! (`gotrue:internal/api/mfa.go`, `internal/models/factor.go`). Challenges and verification are
//! in [`super::mfa`].

use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::random;
use super::state::Inner;
use super::totp;

/// `totp` or `phone` (`factor_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FactorType {
    Totp,
    Phone,
}

impl FactorType {
    pub(crate) fn name(self) -> &'static str {
        match self {
            FactorType::Totp => "totp",
            FactorType::Phone => "phone",
        }
    }

    /// The `amr` method a verification of this type writes (`totp`, `mfa/phone`).
    pub(crate) fn amr_method(self) -> &'static str {
        match self {
            FactorType::Totp => "totp",
            FactorType::Phone => "mfa/phone",
        }
    }
}

/// A factor of a user (stored on the user, listed in its JSON). `Debug` leaves the secret out.
#[derive(Clone)]
pub(crate) struct Factor {
    pub(crate) id: String,
    pub(crate) kind: FactorType,
    pub(crate) friendly_name: String,
    pub(crate) verified: bool,
    /// Base32 TOTP secret; empty for phone factors.
    pub(crate) secret: String,
    /// E.164 number; empty for TOTP factors.
    pub(crate) phone: String,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) last_challenged_at: Option<i64>,
}

impl std::fmt::Debug for Factor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Factor")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("friendly_name", &self.friendly_name)
            .field("verified", &self.verified)
            .field("secret", &"[redacted]")
            .field("phone", &self.phone)
            .finish_non_exhaustive()
    }
}

impl Factor {
    /// The JSON the Go server gives in `user.factors` (`models.Factor`, secret never included).
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("created_at".into(), json!(rfc3339(self.created_at)));
        m.insert("updated_at".into(), json!(rfc3339(self.updated_at)));
        let status = if self.verified {
            "verified"
        } else {
            "unverified"
        };
        m.insert("status".into(), json!(status));
        if !self.friendly_name.is_empty() {
            m.insert("friendly_name".into(), json!(self.friendly_name));
        }
        m.insert("factor_type".into(), json!(self.kind.name()));
        m.insert("phone".into(), json!(self.phone));
        m.insert(
            "last_challenged_at".into(),
            json!(self.last_challenged_at.map(rfc3339)),
        );
        Value::Object(m)
    }
}

/// What `POST /factors` asked for.
#[derive(Debug, Clone, Default)]
pub(crate) struct EnrollParams {
    pub(crate) factor_type: String,
    pub(crate) friendly_name: String,
    pub(crate) issuer: String,
    pub(crate) phone: String,
}

fn not_found() -> ApiError {
    ApiError::new(404, "mfa_factor_not_found", "Factor not found")
}

impl Inner {
    /// The user's factor `factor_id` (`loadFactor`: 404 `mfa_factor_not_found` otherwise).
    pub(crate) fn factor(&self, user_id: &str, factor_id: &str) -> Result<&Factor, ApiError> {
        self.user(user_id)
            .and_then(|u| u.factors.iter().find(|f| f.id == factor_id))
            .ok_or_else(not_found)
    }

    pub(crate) fn factor_mut(
        &mut self,
        user_id: &str,
        factor_id: &str,
    ) -> Result<&mut Factor, ApiError> {
        self.user_mut(user_id)
            .and_then(|u| u.factors.iter_mut().find(|f| f.id == factor_id))
            .ok_or_else(not_found)
    }

    /// `POST /factors` for the caller's session: the response body the Go server sends.
    pub(crate) fn enroll_factor(
        &mut self,
        user_id: &str,
        session_id: &str,
        params: &EnrollParams,
    ) -> Result<Value, ApiError> {
        match params.factor_type.as_str() {
            "totp" => self.enroll_totp(user_id, session_id, params),
            "phone" => self.enroll_phone(user_id, session_id, params),
            _ => Err(ApiError::bad_request(
                "validation_failed",
                "factor_type needs to be totp, phone, or webauthn",
            )),
        }
    }

    fn enroll_totp(
        &mut self,
        user_id: &str,
        session_id: &str,
        params: &EnrollParams,
    ) -> Result<Value, ApiError> {
        let issuer = if params.issuer.is_empty() {
            url::Url::parse(&self.settings.site_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .ok_or_else(|| ApiError::internal("site url is improperly formatted"))?
        } else {
            params.issuer.clone()
        };
        self.validate_new_factor(user_id, session_id, &params.friendly_name)?;
        let account = self
            .user(user_id)
            .map(|u| u.email.clone())
            .unwrap_or_default();
        let enrollment = totp::enroll(&issuer, &account)?;
        let factor = self.add_factor(
            user_id,
            FactorType::Totp,
            &params.friendly_name,
            enrollment.secret.clone(),
            String::new(),
        )?;
        Ok(json!({
            "id": factor.id,
            "type": "totp",
            "friendly_name": factor.friendly_name,
            "totp": {
                "qr_code": enrollment.qr_svg,
                "secret": enrollment.secret,
                "uri": enrollment.uri,
            },
        }))
    }

    fn enroll_phone(
        &mut self,
        user_id: &str,
        session_id: &str,
        params: &EnrollParams,
    ) -> Result<Value, ApiError> {
        if params.phone.is_empty() {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Phone number required to enroll Phone factor",
            ));
        }
        let phone = normalize_phone(&params.phone).ok_or_else(|| {
            ApiError::bad_request(
                "validation_failed",
                "Invalid phone number format (E.164 required)",
            )
        })?;
        let user = self
            .user_mut(user_id)
            .ok_or_else(|| ApiError::internal("enrolling a missing user"))?;
        let same_number = |f: &Factor| f.kind == FactorType::Phone && f.phone == phone;
        if user.factors.iter().any(|f| same_number(f) && f.verified) {
            return Err(ApiError::unprocessable(
                "mfa_verified_factor_exists",
                "A verified phone factor already exists, unenroll the existing factor to continue",
            ));
        }
        // An unverified factor for the same number is replaced.
        user.factors.retain(|f| !same_number(f));
        self.validate_new_factor(user_id, session_id, &params.friendly_name)?;
        let factor = self.add_factor(
            user_id,
            FactorType::Phone,
            &params.friendly_name,
            String::new(),
            phone,
        )?;
        Ok(json!({
            "id": factor.id,
            "type": "phone",
            "friendly_name": factor.friendly_name,
            "phone": params.phone,
        }))
    }

    /// The Go server's `validateFactors`: expired unverified factors go first, then the friendly
    /// name must be new, the counts under the limits, and a user with a verified factor must
    /// enroll from an aal2 session.
    fn validate_new_factor(
        &mut self,
        user_id: &str,
        session_id: &str,
        friendly_name: &str,
    ) -> Result<(), ApiError> {
        self.delete_expired_factors();
        let aal2 = self
            .sessions
            .get(session_id)
            .is_some_and(super::sessions::Session::is_aal2);
        let (max_all, max_verified) = (
            self.settings.mfa_max_enrolled_factors,
            self.settings.mfa_max_verified_factors,
        );
        let user = self
            .user(user_id)
            .ok_or_else(|| ApiError::internal("enrolling a missing user"))?;
        if let Some(f) = user
            .factors
            .iter()
            .find(|f| f.friendly_name == friendly_name)
        {
            return Err(ApiError::unprocessable(
                "mfa_factor_name_conflict",
                format!(
                    "A factor with the friendly name {:?} for this user already exists",
                    f.friendly_name
                ),
            ));
        }
        let verified = user.factors.iter().filter(|f| f.verified).count();
        if user.factors.len() >= max_all || verified >= max_verified {
            return Err(ApiError::unprocessable(
                "too_many_enrolled_mfa_factors",
                "Maximum number of verified factors reached, unenroll to continue",
            ));
        }
        if verified > 0 && !aal2 {
            return Err(ApiError::forbidden(
                "insufficient_aal",
                "AAL2 required to enroll a new factor",
            ));
        }
        Ok(())
    }

    /// Unverified factors older than the factor expiry with no challenge are deleted
    /// (`DeleteExpiredFactors`).
    fn delete_expired_factors(&mut self) {
        let cutoff = self
            .clock
            .now_ms()
            .saturating_sub(duration_ms(self.settings.mfa_factor_expiry));
        let challenged: Vec<String> = self
            .mfa_challenges
            .iter()
            .map(|c| c.factor_id.clone())
            .collect();
        for user in &mut self.users {
            user.factors
                .retain(|f| f.verified || challenged.contains(&f.id) || f.created_at >= cutoff);
        }
    }

    /// Stores a new unverified factor; returns a copy.
    pub(crate) fn add_factor(
        &mut self,
        user_id: &str,
        factor_type: FactorType,
        friendly_name: &str,
        secret: String,
        phone: String,
    ) -> Result<Factor, ApiError> {
        let now = self.clock.now_ms();
        let factor = Factor {
            id: random::uuid(),
            kind: factor_type,
            friendly_name: friendly_name.to_owned(),
            verified: false,
            secret,
            phone,
            created_at: now,
            updated_at: now,
            last_challenged_at: None,
        };
        let user = self
            .user_mut(user_id)
            .ok_or_else(|| ApiError::internal("enrolling a missing user"))?;
        user.factors.push(factor.clone());
        user.updated_at = now;
        Ok(factor)
    }

    /// `DELETE /factors/{id}`: a verified factor needs an aal2 session (422
    /// `insufficient_aal`). Sessions that reached aal2 with it go back to aal1.
    pub(crate) fn unenroll_factor(
        &mut self,
        user_id: &str,
        session_id: &str,
        factor_id: &str,
    ) -> Result<Value, ApiError> {
        let factor = self.factor(user_id, factor_id)?.clone();
        let aal2 = self
            .sessions
            .get(session_id)
            .is_some_and(super::sessions::Session::is_aal2);
        if factor.verified && !aal2 {
            return Err(ApiError::unprocessable(
                "insufficient_aal",
                "AAL2 required to unenroll verified factor",
            ));
        }
        self.remove_factor(user_id, factor_id)?;
        Ok(json!({ "id": factor.id }))
    }

    /// Deletes a factor with its challenges; sessions that reached aal2 with it go back to
    /// aal1 (`DowngradeSessionsToAAL1`). The removed factor.
    pub(crate) fn remove_factor(
        &mut self,
        user_id: &str,
        factor_id: &str,
    ) -> Result<Factor, ApiError> {
        let factor = self.factor(user_id, factor_id)?.clone();
        if let Some(user) = self.user_mut(user_id) {
            user.factors.retain(|f| f.id != factor_id);
        }
        self.mfa_challenges.retain(|c| c.factor_id != factor_id);
        for session in self.sessions.values_mut() {
            if session.factor_id.as_deref() == Some(factor_id) {
                session.downgrade(factor.kind.amr_method());
            }
        }
        Ok(factor)
    }
}

/// The Go server's `validatePhone`: the leading `+` and spaces go, then it must match E.164's
/// `^[1-9]\d{1,14}$`; `None` if it does not.
pub(crate) fn normalize_phone(phone: &str) -> Option<String> {
    let digits = phone.strip_prefix('+').unwrap_or(phone).replace(' ', "");
    let ok = (2..=15).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then_some(digits)
}

/// A duration in epoch-ms arithmetic.
pub(crate) fn duration_ms(d: std::time::Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers_are_normalized_like_gotrue() {
        assert_eq!(
            normalize_phone("+1 555 010 0000").as_deref(),
            Some("15550100000")
        );
        assert_eq!(normalize_phone("+1-555-010-0000"), None);
        assert_eq!(
            normalize_phone("15550100000").as_deref(),
            Some("15550100000")
        );
        assert_eq!(normalize_phone("+0123456789"), None);
        assert_eq!(normalize_phone("1"), None);
        assert_eq!(normalize_phone("1234567890123456"), None);
        assert_eq!(normalize_phone("+1555abc0000"), None);
    }
}
