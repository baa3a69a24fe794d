//! Multi-factor authentication: `auth.mfa` of supabase-js, as the request's user.

use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::http::AuthRequest;
use super::mfa_types::{
    Aal, AmrEntry, AssuranceLevel, EnrolledFactor, Factors, MfaChallenge, MfaChannel, MfaEnroll,
};
use super::session_response::expires_at_of;
use super::{Auth, AuthError, id_path, unverified_payload};
use crate::Session;
use crate::json::{Json, Object};

/// The MFA API of one request's user: `client.auth().mfa()`.
///
/// Reach it through [`Auth::mfa`]. The calls follow auth-js's (`enroll`, `challenge`, `verify`,
/// `challengeAndVerify`, `unenroll`, `listFactors`, `getAuthenticatorAssuranceLevel`) against
/// the Auth server's `/factors` endpoints, with the session loaded (and refreshed when it expires within
/// the margin) first, like every call made as the user. [`Mfa::verify`] stores the new `aal2`
/// session in the cookies the way every session write does (chunked, the stale chunks of a
/// longer session removed, and the response made no-store).
///
/// The server's refusals keep its error code: [`AuthError::code`] gives
/// `mfa_verification_failed` for a wrong code, `mfa_challenge_expired`, `mfa_factor_not_found`,
/// `insufficient_aal` (unenrolling a verified factor from an `aal1` session),
/// `mfa_factor_name_conflict`, `mfa_verified_factor_exists`, …
///
/// ```no_run
/// use supabase_ssr_core::Supabase;
/// use supabase_ssr_core::auth::{Aal, AuthError, MfaEnroll};
///
/// # async fn run(supabase: Supabase, cookie_header: &str, code: &str) -> Result<(), AuthError> {
/// let client = supabase.client([cookie_header]);
/// let mfa = client.auth().mfa();
///
/// // Enrollment: show the QR code (or the secret) once, then verify the first code.
/// let factor = mfa.enroll(&MfaEnroll::totp().issuer("Example").friendly_name("Phone")).await?;
/// if let Some(totp) = &factor.totp {
///     let _img_src = totp.qr_code_data_url(); // never log it: it holds the secret
/// }
/// mfa.challenge_and_verify(&factor.id, code).await?; // the session is aal2 now
///
/// // Later sign-ins: step up when the user could reach aal2 and has not.
/// let level = mfa.authenticator_assurance_level().await?;
/// if level.next_level == Some(Aal::Aal2) && level.current_level != Some(Aal::Aal2) {
///     let totp = mfa.list_factors().await?.totp;
///     if let Some(factor) = totp.first() {
///         let challenge = mfa.challenge(&factor.id, None).await?;
///         match mfa.verify(&factor.id, &challenge.id, code).await {
///             Ok(_session) => {} // cookies rewritten: send the response
///             Err(e) if e.code() == Some("mfa_verification_failed") => {} // ask again
///             Err(e) => return Err(e),
///         }
///     }
/// }
/// // The response must carry `client.response_cookies()` (the adapters do it).
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Mfa<'a> {
    auth: Auth<'a>,
}

impl<'a> Auth<'a> {
    /// Multi-factor authentication as this request's user (auth-js's `auth.mfa`).
    pub fn mfa(&self) -> Mfa<'a> {
        Mfa { auth: self.clone() }
    }
}

impl Mfa<'_> {
    /// Starts enrolling a factor (`POST /factors`): a TOTP factor answers with its secret, its
    /// `otpauth://` URI and the QR code SVG; a phone factor with its number. The factor stays
    /// `unverified` until a code of it is verified ([`Mfa::challenge_and_verify`]).
    ///
    /// Without a session: [`AuthError::SessionMissing`], no call made.
    pub async fn enroll(&self, enroll: &MfaEnroll) -> Result<EnrolledFactor, AuthError> {
        self.auth.first_party("mfa().enroll")?;
        let session = self.auth.require_session().await?;
        // auth-js's body: undefined fields are left out by `JSON.stringify`.
        let mut body = Object::new();
        if let Some(name) = &enroll.friendly_name {
            body.insert("friendly_name", name.as_str());
        }
        body.insert("factor_type", enroll.factor_type);
        if let Some(phone) = &enroll.phone {
            body.insert("phone", phone.as_str());
        } else if let Some(issuer) = &enroll.issuer {
            body.insert("issuer", issuer.as_str());
        }
        let body = Json::Object(body);
        let mut request = AuthRequest::new(Method::POST, "factors");
        request.bearer = Some(session.access_token());
        request.body = Some(&body);
        parse(&self.auth.http().send(request).await?, "POST /factors")
    }

    /// Creates a challenge for a factor (`POST /factors/{id}/challenge`); a phone factor's code
    /// is sent through `channel` (SMS when `None`).
    pub async fn challenge(
        &self,
        factor_id: &str,
        channel: Option<MfaChannel>,
    ) -> Result<MfaChallenge, AuthError> {
        self.auth.first_party("mfa().challenge")?;
        let session = self.auth.require_session().await?;
        let path = factor_path(factor_id, "/challenge")?;
        let mut body = Object::new();
        if let Some(channel) = channel {
            body.insert("channel", channel.as_str());
        }
        let body = Json::Object(body);
        let mut request = AuthRequest::new(Method::POST, &path);
        request.bearer = Some(session.access_token());
        request.body = Some(&body);
        parse(
            &self.auth.http().send(request).await?,
            "POST /factors/challenge",
        )
    }

    /// Verifies a challenge's code (`POST /factors/{id}/verify`). The answer is a new session
    /// at `aal2` (the factor becomes `verified` if it was not); it is stored in the cookies and
    /// returned.
    ///
    /// A wrong code is the server's `mfa_verification_failed` ([`AuthError::code`]); the
    /// session and its cookies are left as they were on any failure.
    pub async fn verify(
        &self,
        factor_id: &str,
        challenge_id: &str,
        code: &str,
    ) -> Result<Session, AuthError> {
        self.auth.first_party("mfa().verify")?;
        let session = self.auth.require_session().await?;
        let path = factor_path(factor_id, "/verify")?;
        let body = Json::Object(Object::from_iter([
            ("challenge_id", Json::from(challenge_id)),
            ("code", Json::from(code)),
        ]));
        let mut request = AuthRequest::new(Method::POST, &path);
        request.bearer = Some(session.access_token());
        request.body = Some(&body);
        let response = self.auth.http().send(request).await?;
        let session = verified_session(response)?;
        self.auth.client.cookies().set_session(&session);
        Ok(session)
    }

    /// [`Mfa::challenge`] then [`Mfa::verify`] with `code`, as auth-js's `challengeAndVerify`
    /// (TOTP factors).
    pub async fn challenge_and_verify(
        &self,
        factor_id: &str,
        code: &str,
    ) -> Result<Session, AuthError> {
        self.auth.first_party("mfa().challenge_and_verify")?;
        let challenge = self.challenge(factor_id, None).await?;
        self.verify(factor_id, &challenge.id, code).await
    }

    /// Removes a factor (`DELETE /factors/{id}`; a verified one needs an `aal2` session, else
    /// `insufficient_aal`), then refreshes the session.
    ///
    /// The server downgrades the user's sessions to `aal1` when a factor goes, but the access
    /// token in the cookies still says `aal2` until it is refreshed; auth-js leaves that to the
    /// application (`refreshSession()` after `unenroll`). Here the refresh is part of the call,
    /// so the claims lose the factor at once. A refresh that fails after the factor is gone is
    /// logged and not returned (the factor is removed either way; the session keeps its
    /// cookies and is refreshed by a later request).
    pub async fn unenroll(&self, factor_id: &str) -> Result<(), AuthError> {
        self.auth.first_party("mfa().unenroll")?;
        let session = self.auth.require_session().await?;
        let path = factor_path(factor_id, "")?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.bearer = Some(session.access_token());
        self.auth.http().send(request).await?;
        self.auth.refresh_after("unenrolling a factor").await;
        Ok(())
    }

    /// The user's factors (auth-js's `listFactors`): all of them, and the verified ones by type,
    /// from the user as the server has it now ([`Auth::get_user`], as auth-js reads them).
    pub async fn list_factors(&self) -> Result<Factors, AuthError> {
        self.auth.first_party("mfa().list_factors")?;
        let user = self.auth.get_user().await?;
        Ok(Factors::from_factors(user.factors()))
    }

    /// The session's assurance level, its next level and how the user authenticated
    /// (auth-js's `getAuthenticatorAssuranceLevel` without a token): read from the session's
    /// access token (`aal`, `amr`) and the session's stored user (verified factors), without a
    /// call to the server unless the session needs a refresh or holds no user (a tokens-only
    /// cookie: then `GET /user` gives the factors). No session: both levels `None`.
    ///
    /// **Unverified**, like auth-js's answer: it tells the page what to ask the user for. To
    /// let a request through at `aal2`, use verified claims (`Claims::aal`, or the proxy's
    /// step-up rule).
    pub async fn authenticator_assurance_level(&self) -> Result<AssuranceLevel, AuthError> {
        self.auth
            .first_party("mfa().authenticator_assurance_level")?;
        self.auth.client.mark_session_read();
        let Some(session) = self.auth.load_session().await? else {
            return Ok(AssuranceLevel::default());
        };
        let payload = unverified_payload(session.access_token())?;
        let current_level = match payload.get("aal") {
            Some(Value::String(level)) if !level.is_empty() => Some(Aal::from_claim(level)),
            _ => None,
        };
        // A tokens-only cookie holds no user: its factors come from the Auth server (auth-js
        // would throw on the user it cannot show).
        let verified = match session.user() {
            Some(user) => user.has_verified_factor(),
            None => self
                .auth
                .user_for_token(session.access_token())
                .await?
                .has_verified_factor(),
        };
        let next_level = if verified {
            Some(Aal::Aal2)
        } else {
            current_level.clone()
        };
        let current_authentication_methods = payload
            .get("amr")
            .and_then(Value::as_array)
            .map(|amr| amr.iter().filter_map(AmrEntry::from_claim).collect())
            .unwrap_or_default();
        Ok(AssuranceLevel {
            current_level,
            next_level,
            current_authentication_methods,
        })
    }
}

/// `factors/{id}{suffix}`, an id that could leave its path segment refused without a call.
fn factor_path(factor_id: &str, suffix: &str) -> Result<String, AuthError> {
    id_path("factors", factor_id, suffix, "factor_id")
}

/// The session of a verify answer, as auth-js saves it: `expires_at` (now + `expires_in`)
/// first, then the answer's fields (the server's `expires_at` replaces the computed one).
fn verified_session(response: Json) -> Result<Session, AuthError> {
    let Json::Object(fields) = response else {
        return Err(AuthError::InvalidResponse(
            "the verify response is not a JSON object".into(),
        ));
    };
    let mut session = Object::from_iter([("expires_at", Json::from(expires_at_of(&fields)))]);
    for (key, value) in fields.iter() {
        session.insert(key.clone(), value.clone());
    }
    Session::from_object(session).map_err(|e| AuthError::InvalidResponse(e.to_string()))
}

/// A 2xx answer read as `T`.
fn parse<T: DeserializeOwned>(response: &Json, call: &str) -> Result<T, AuthError> {
    serde_json::from_value(response.to_value())
        .map_err(|e| AuthError::InvalidResponse(format!("{call}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_ids_stay_in_their_segment() {
        assert_eq!(
            factor_path("0b0e6c5e-6a39-4d1b-9b32-6f1d4d3f0a11", "/verify").unwrap(),
            "factors/0b0e6c5e-6a39-4d1b-9b32-6f1d4d3f0a11/verify"
        );
        for id in ["", "../user", "a/b", "%2e%2e", "a?b", ".."] {
            let error = factor_path(id, "").unwrap_err();
            assert_eq!(error.code(), Some("validation_failed"), "{id}");
        }
    }

    #[test]
    fn a_verified_session_starts_with_expires_at_like_auth_js() {
        let response = Json::parse(
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"expires_at":17,"refresh_token":"r","user":{"id":"u"}}"#,
        )
        .unwrap();
        let session = verified_session(response).unwrap();
        assert_eq!(
            session.as_json(),
            r#"{"expires_at":17,"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r","user":{"id":"u"}}"#
        );
        let no_tokens = Json::parse(r#"{"user":{"id":"u"}}"#).unwrap();
        assert!(matches!(
            verified_session(no_tokens),
            Err(AuthError::InvalidResponse(_))
        ));
    }
}
