//! Multi-factor authentication, as every example serves it: enroll a TOTP factor, step a
//! session up to `aal2` with its code, list and remove factors; the same as JSON.
//!
//! The routes that need `aal2` (`/private/security`, `/mfa/unenroll`, `/api/aal2`) take the
//! claims from each adapter's `Aal2` extractor or guard (hyper: `SupabaseClient::require_aal2`),
//! which answers for them otherwise: a browser navigation of an `aal1` user with a verified
//! factor goes to `/mfa/challenge` (the builder's `mfa_path`), an API call gets
//! `403 {"error":"mfa_required"}`, a visitor without a session what `Authenticated` answers.

mod pages;
#[cfg(test)]
mod tests;

use serde::Serialize;
use supabase_ssr_core::auth::{AuthError, Claims, Factor, MfaEnroll};
use supabase_ssr_core::redirect::safe_redirect_path;
use supabase_ssr_core::{Session, SupabaseClient};

pub(crate) use self::pages::qr_image_src;
use self::pages::{ChallengePage, EnrollPage, FactorRow, SecurityPage};
use crate::config::Site;
use crate::forms::{FactorForm, MfaCodeForm, MfaQuery, VerifyBody, query_component as encode};
use crate::reply::{Reply, error_status, sign_in_first};
use crate::routes;

/// The issuer authenticator apps show next to the account.
const ISSUER: &str = "supabase-ssr-rs example";

/// Where to go once verified: `next` if it is a path on this site, else the security page.
fn next_path(next: Option<&str>) -> String {
    safe_redirect_path(next, routes::SECURITY)
}

/// Challenges the factor and verifies the code (the session becomes `aal2`, its cookies are
/// written). The code goes as the Auth server takes it: "123 456" is typed too.
async fn verify_code(
    client: &SupabaseClient,
    factor_id: &str,
    code: &str,
) -> Result<Session, AuthError> {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    client
        .auth()
        .mfa()
        .challenge_and_verify(factor_id, &digits)
        .await
}

fn json(status: u16, body: &impl Serialize) -> Reply {
    Reply::Json {
        status,
        body: serde_json::to_string(body).unwrap_or_default(),
    }
}

/// An Auth error as a JSON answer: `400 {"error":"<GoTrue code>"}` for a refusal (a wrong
/// code is `mfa_verification_failed`), `401` when the session is gone, `503` when the Auth
/// server cannot answer.
fn json_error(error: &AuthError) -> Reply {
    let status = match error {
        AuthError::SessionMissing => 401,
        error if error.is_transient() => 503,
        _ => 400,
    };
    let code = error.code().unwrap_or("unexpected_failure");
    json(status, &serde_json::json!({ "error": code }))
}

/// A factor as the pages show it.
fn row(factor: &Factor) -> FactorRow {
    let kind = factor.factor_type.clone();
    let label = match factor.friendly_name.as_deref() {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => format!("{kind} factor"),
    };
    FactorRow {
        id: factor.id.clone(),
        kind,
        label,
        status: factor.status.clone(),
    }
}

/// The body of `POST /api/mfa/enroll`.
#[derive(Serialize)]
struct Enrolled<'a> {
    factor_id: &'a str,
    secret: &'a str,
    uri: &'a str,
}

impl Site {
    /// `GET /mfa`: enrolls a new TOTP factor (named `Authenticator app <n>`) and shows its QR
    /// code and secret (`no-store`), with the form for its first code. An unverified factor left
    /// by an earlier visit is removed first. A visitor signs in first; an `aal1` user who
    /// already has a verified factor is sent to `/mfa/challenge` (enrolling another one needs
    /// `aal2`).
    pub async fn mfa_page(&self, client: &SupabaseClient) -> Reply {
        self.enroll_with(client, 200, None).await
    }

    /// `POST /mfa`: verifies the first code of the factor being enrolled (the session becomes
    /// `aal2`), then `303` to `next` if on this site (else `/private/security`). A wrong code:
    /// the page again (400) with the error and a new factor to scan.
    pub async fn mfa_verify(&self, client: &SupabaseClient, form: &MfaCodeForm) -> Reply {
        match verify_code(client, &form.factor_id, &form.code).await {
            Ok(_) => Reply::Redirect(next_path(form.next.as_deref())),
            Err(error) => {
                let message = format!("That code did not verify ({error}). Scan the new code.");
                self.enroll_with(client, error_status(&error), Some(&message))
                    .await
            }
        }
    }

    async fn enroll_with(
        &self,
        client: &SupabaseClient,
        status: u16,
        error: Option<&str>,
    ) -> Reply {
        if client.optional_claims().await.is_none() {
            return sign_in_first(routes::MFA);
        }
        let name = prepare_enrollment(client).await;
        let enroll = MfaEnroll::totp().issuer(ISSUER).friendly_name(name);
        let factor = match client.auth().mfa().enroll(&enroll).await {
            Ok(factor) => factor,
            Err(refused) if refused.code() == Some("insufficient_aal") => {
                let next = encode(routes::MFA);
                return Reply::Redirect(format!("{}?next={next}", routes::MFA_CHALLENGE));
            }
            Err(refused) => {
                let html = pages::enroll_failed(&refused.to_string());
                return Reply::Page {
                    status: error_status(&refused),
                    html,
                };
            }
        };
        let Some(totp) = factor.totp.as_ref() else {
            let html = pages::enroll_failed("The Auth server sent no TOTP secret.");
            return Reply::Page { status: 502, html };
        };
        let qr_src = qr_image_src(&totp.qr_code);
        let html = pages::enroll(&EnrollPage {
            factor_id: &factor.id,
            qr_src: qr_src.as_deref(),
            secret: &totp.secret,
            uri: &totp.uri,
            error,
        });
        Reply::NoStore(Box::new(Reply::Page { status, html }))
    }

    /// `GET /mfa/challenge?next`: the code form of a signed-in user with a verified TOTP
    /// factor. A visitor signs in first, a user without a factor goes to `/mfa`, a session
    /// already at `aal2` straight on to `next`.
    pub async fn mfa_challenge_page(&self, client: &SupabaseClient, query: &MfaQuery) -> Reply {
        self.challenge_with(client, query.next.as_deref(), None)
            .await
    }

    /// `POST /mfa/challenge`: verifies the code (the session becomes `aal2`, the new cookies
    /// are written), then `303` to `next` if on this site (else `/private/security`); a wrong
    /// code shows the form again with the error (400).
    pub async fn mfa_challenge(&self, client: &SupabaseClient, form: &MfaCodeForm) -> Reply {
        match verify_code(client, &form.factor_id, &form.code).await {
            Ok(_) => Reply::Redirect(next_path(form.next.as_deref())),
            Err(error) => {
                let shown = (error_status(&error), error.to_string());
                self.challenge_with(client, form.next.as_deref(), Some(shown))
                    .await
            }
        }
    }

    async fn challenge_with(
        &self,
        client: &SupabaseClient,
        next: Option<&str>,
        error: Option<(u16, String)>,
    ) -> Reply {
        let next = next_path(next);
        let Some(claims) = client.optional_claims().await else {
            let back = format!("{}?next={}", routes::MFA_CHALLENGE, encode(&next));
            return sign_in_first(&back);
        };
        let factors: Vec<FactorRow> = match client.auth().mfa().list_factors().await {
            Ok(factors) => factors.totp.iter().map(row).collect(),
            Err(failed) => {
                let html = pages::enroll_failed(&failed.to_string());
                let status = error_status(&failed);
                return Reply::Page { status, html };
            }
        };
        if factors.is_empty() {
            return Reply::Redirect(routes::MFA.to_owned());
        }
        if error.is_none() && claims.aal() == Some("aal2") {
            return Reply::Redirect(next);
        }
        let (status, error) = error.map_or((200, None), |(status, e)| (status, Some(e)));
        let html = pages::challenge(&ChallengePage {
            factors: &factors,
            next: &next,
            error: error.as_deref(),
        });
        Reply::Page { status, html }
    }

    /// `GET /private/security` (the claims of the `Aal2` extractor): the assurance level and
    /// every factor of the user, each with a remove button.
    pub async fn security(&self, client: &SupabaseClient, claims: &Claims) -> Reply {
        self.security_with(client, claims, None).await
    }

    async fn security_with(
        &self,
        client: &SupabaseClient,
        claims: &Claims,
        error: Option<(u16, String)>,
    ) -> Reply {
        let (factors, listed) = match client.auth().mfa().list_factors().await {
            Ok(factors) => (factors.all.iter().map(row).collect(), None),
            Err(failed) => (
                Vec::new(),
                Some((error_status(&failed), failed.to_string())),
            ),
        };
        let (status, error) = error
            .or(listed)
            .map_or((200, None), |(status, e)| (status, Some(e)));
        let html = pages::security(&SecurityPage {
            email: claims.email().unwrap_or("(no email)"),
            aal: claims.aal().unwrap_or("aal1"),
            factors: &factors,
            error: error.as_deref(),
        });
        Reply::Page { status, html }
    }

    /// `POST /mfa/unenroll` (behind `Aal2`, as the Auth server requires to remove a verified
    /// factor): removes the factor (the session is refreshed: without a verified factor it is
    /// `aal1` again), then `303 /private/security`; on failure the page with the error (400).
    pub async fn mfa_unenroll(
        &self,
        client: &SupabaseClient,
        claims: &Claims,
        form: &FactorForm,
    ) -> Reply {
        match client.auth().mfa().unenroll(&form.factor_id).await {
            Ok(()) => Reply::Redirect(routes::SECURITY.to_owned()),
            Err(error) => {
                let shown = (error_status(&error), error.to_string());
                self.security_with(client, claims, Some(shown)).await
            }
        }
    }

    /// `POST /api/mfa/enroll`: `200 {"factor_id","secret","uri"}` of a new TOTP factor
    /// (`no-store`; an unfinished enrollment is replaced, as on `GET /mfa`); `401`
    /// without a session, `400 {"error":"<GoTrue code>"}` when the Auth server refuses.
    pub async fn api_mfa_enroll(&self, client: &SupabaseClient) -> Reply {
        if let Err(rejection) = client.require_claims(Some("application/json")).await {
            return rejection.into();
        }
        let name = prepare_enrollment(client).await;
        let enroll = MfaEnroll::totp().issuer(ISSUER).friendly_name(name);
        match client.auth().mfa().enroll(&enroll).await {
            Ok(factor) => match factor.totp.as_ref() {
                Some(totp) => Reply::NoStore(Box::new(json(
                    200,
                    &Enrolled {
                        factor_id: &factor.id,
                        secret: &totp.secret,
                        uri: &totp.uri,
                    },
                ))),
                None => json(502, &serde_json::json!({ "error": "no TOTP secret" })),
            },
            Err(error) => json_error(&error),
        }
    }

    /// `POST /api/mfa/verify` with JSON `{"factor_id","code"}`: `200 {"aal":"aal2"}` and the
    /// new session's cookies; `400 {"error":"<GoTrue code>"}` for a wrong code
    /// (`mfa_verification_failed`) or another refusal, `400 {"error":"bad_json"}` for a body
    /// that is not that JSON, `401` without a session.
    pub async fn api_mfa_verify(&self, client: &SupabaseClient, body: &[u8]) -> Reply {
        if let Err(rejection) = client.require_claims(Some("application/json")).await {
            return rejection.into();
        }
        let Ok(body) = serde_json::from_slice::<VerifyBody>(body) else {
            return json(400, &serde_json::json!({ "error": "bad_json" }));
        };
        let session = match verify_code(client, &body.factor_id, &body.code).await {
            Ok(session) => session,
            Err(error) => return json_error(&error),
        };
        match client.auth().claims_for_token(session.access_token()).await {
            Ok(claims) => json(200, &serde_json::json!({ "aal": claims.aal() })),
            Err(error) => json_error(&error),
        }
    }

    /// `GET /api/aal2` (the claims of the `Aal2` extractor): `200 {"sub","aal"}`.
    pub fn api_aal2(&self, claims: &Claims) -> Reply {
        json(
            200,
            &serde_json::json!({ "sub": claims.sub(), "aal": claims.aal() }),
        )
    }
}

/// Readies the user for a new TOTP factor; returns its friendly name. Removes the user's
/// unverified factors first (an enrollment never finished: the Auth server limits how many a user
/// may have); failures there are logged and ignored, as the enrollment that follows reports
/// what matters. The name is `Authenticator app <n>`, the first one the user's factors do not
/// hold: the Auth server refuses a second factor with the same friendly name, the empty one
/// included.
async fn prepare_enrollment(client: &SupabaseClient) -> String {
    let factors = match client.auth().get_user().await {
        Ok(user) => user.factors(),
        Err(error) => {
            tracing::debug!(%error, "could not read the user's factors");
            Vec::new()
        }
    };
    let mut names = Vec::new();
    for factor in factors {
        if factor.is_verified() {
            names.extend(factor.friendly_name);
        } else if let Err(error) = client.auth().mfa().unenroll(&factor.id).await {
            tracing::debug!(%error, "could not remove an unverified factor");
            names.extend(factor.friendly_name);
        }
    }
    free_name(&names)
}

/// The first `Authenticator app <n>` not in `taken`.
fn free_name(taken: &[String]) -> String {
    // Of `taken.len() + 1` names, one is free.
    (1..=taken.len() + 1)
        .map(|n| format!("Authenticator app {n}"))
        .find(|name| !taken.contains(name))
        .unwrap_or_default()
}
