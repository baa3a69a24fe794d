//! `GET /reauthenticate`: sends a nonce to the signed-in user's email (or phone, without an
//! email) for a password change under "secure password change"
//! (`gotrue:internal/api/reauthenticate.go`).

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use serde_json::{Map, Value, json};

use crate::server::errors::ApiError;
use crate::server::otp::OtpKind;
use crate::server::state::{Inner, Shared};

pub(crate) async fn reauthenticate(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let mut inner = shared.lock();
    let caller = inner.authenticate(&headers)?;
    let user = inner
        .user(&caller.user_id)
        .cloned()
        .ok_or_else(|| ApiError::internal("authenticated user vanished"))?;
    let (address, by_sms) = match (user.email.is_empty(), user.phone.is_empty()) {
        (true, true) => {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Reauthentication requires the user to have an email or a phone number",
            ));
        }
        (false, _) if user.email_confirmed_at.is_none() => {
            return Err(ApiError::unprocessable(
                "email_not_confirmed",
                "Please verify your email first.",
            ));
        }
        (false, _) => (user.email.clone(), false),
        (true, false) if user.phone_confirmed_at.is_none() => {
            return Err(ApiError::unprocessable(
                "phone_not_confirmed",
                "Please verify your phone first.",
            ));
        }
        (true, false) => (user.phone.clone(), true),
    };
    let message = inner.send_otp(OtpKind::Reauthentication, &user.id, &address, None, None);
    let now = inner.clock.now_ms();
    if let Some(u) = inner.user_mut(&user.id) {
        u.reauthentication_sent_at = Some(now);
    }
    Ok(Json(if by_sms {
        json!({ "message_id": message.id })
    } else {
        Value::Object(Map::new())
    }))
}

/// The window after sign-in in which a password change needs no nonce even under "secure
/// password change" (`UserUpdate`: `session.CreatedAt.Add(24*time.Hour)`).
const RECENT_SIGN_IN_MS: i64 = 24 * 60 * 60 * 1000;

impl Inner {
    /// The "secure password change" and "current password" rules of a password change
    /// (`UserUpdate`), checked in the Go server's order; a valid nonce is consumed.
    pub(crate) fn check_password_change(
        &mut self,
        user_id: &str,
        session_id: &str,
        nonce: Option<&str>,
        current_password: Option<&str>,
        new_password: &str,
    ) -> Result<(), ApiError> {
        let now = self.clock.now_ms();
        let session = self.sessions.get(session_id);
        let recovery = session.is_some_and(|s| s.amr.iter().any(|c| c.method == "recovery"));
        if self.settings.secure_password_change
            && session.is_none_or(|s| now > s.created_at.saturating_add(RECENT_SIGN_IN_MS))
        {
            let nonce = nonce.filter(|n| !n.is_empty()).ok_or_else(|| {
                ApiError::bad_request(
                    "reauthentication_needed",
                    "Password update requires reauthentication",
                )
            })?;
            self.consume_reauthentication(user_id, nonce)?;
        }
        let has_password = self
            .user(user_id)
            .is_some_and(|u| u.password.as_deref().is_some_and(|p| !p.is_empty()));
        if !new_password.is_empty()
            && has_password
            && self.settings.require_current_password
            && !recovery
        {
            let current = current_password.filter(|p| !p.is_empty()).ok_or_else(|| {
                ApiError::bad_request(
                    "current_password_required",
                    "Current password required when setting new password.",
                )
            })?;
            if self.user(user_id).and_then(|u| u.password.as_deref()) != Some(current) {
                // The Go server answers a wrong current password with this same message.
                return Err(ApiError::bad_request(
                    "current_password_invalid",
                    "Current password required when setting new password.",
                ));
            }
        }
        Ok(())
    }

    /// `verifyReauthentication`: the user's latest nonce, unexpired; consumed on success.
    fn consume_reauthentication(&mut self, user_id: &str, nonce: &str) -> Result<(), ApiError> {
        let invalid = || {
            ApiError::unprocessable(
                "reauthentication_not_valid",
                "Nonce has expired or is invalid",
            )
        };
        let ttl_ms = i64::try_from(self.settings.otp_ttl.as_millis()).unwrap_or(i64::MAX);
        let now = self.clock.now_ms();
        let position = self
            .otps
            .iter()
            .position(|r| r.user_id == user_id && r.kind == OtpKind::Reauthentication)
            .ok_or_else(invalid)?;
        let record = &self.otps[position];
        if record.otp != nonce || now >= record.created_at.saturating_add(ttl_ms) {
            return Err(invalid());
        }
        self.otps.remove(position);
        if let Some(u) = self.user_mut(user_id) {
            u.reauthentication_sent_at = None;
        }
        Ok(())
    }
}
