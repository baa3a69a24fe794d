//! Admin emails: `POST /invite` (the invitation goes to the outbox) and `POST
//! /admin/generate_link` (the link and code come back to the caller, nothing is sent), after the
//! Go server's `invite.go` and `mail.go`.
//!
//! The codes are the server's ordinary one-time codes, so the links and codes work with
//! `/verify` as the emailed ones do. Email changes need one confirmation here (the server does
//! not model the secure, two-address change), so either link of an email change completes it.

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::admin_users::validate_email;
use super::errors::ApiError;
use super::options::SeedUser;
use super::otp::{OtpKind, token_hash};
use super::random;
use super::state::Inner;
use super::users::merge;

/// The body of `POST /admin/generate_link` (`GenerateLinkParams`).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct GenerateLinkParams {
    #[serde(rename = "type")]
    link_type: Option<String>,
    email: Option<String>,
    new_email: Option<String>,
    password: Option<String>,
    data: Option<Map<String, Value>>,
    redirect_to: Option<String>,
}

impl GenerateLinkParams {
    /// Parses a request body (`bad_json` when a field has the wrong type).
    pub(crate) fn from_body(body: Value) -> Result<Self, ApiError> {
        serde_json::from_value(body).map_err(|e| {
            ApiError::bad_request(
                "bad_json",
                format!("Could not parse request body as JSON: {e}"),
            )
        })
    }
}

fn email_exists() -> ApiError {
    ApiError::unprocessable(
        "email_exists",
        "A user with this email address has already been registered",
    )
}

/// Whether `url` is one a redirect may go to (this test server allows any http(s) URL).
fn valid_redirect(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

impl Inner {
    /// Where the link sends the browser (the Go server's `GetReferrer`): the body's
    /// `redirect_to`, else the query's, else the site URL.
    fn referrer(&self, body: Option<&str>, query: Option<&str>) -> String {
        [body, query]
            .into_iter()
            .flatten()
            .find(|r| valid_redirect(r))
            .map_or_else(|| self.settings.site_url.clone(), str::to_owned)
    }

    /// A new, unconfirmed email user with `data` as metadata (and a password, when given).
    fn create_invited(
        &mut self,
        email: &str,
        password: &str,
        data: Option<&Map<String, Value>>,
    ) -> Result<String, ApiError> {
        let mut seed = SeedUser::new(email, password).unconfirmed();
        if let Some(data) = data {
            seed.user_metadata = Value::Object(data.clone());
        }
        self.create_user(&seed, "email")
    }

    /// `POST /invite`: creates the user (or re-invites an unconfirmed one) and puts the
    /// invitation in the outbox; the user's JSON.
    pub(crate) fn invite(
        &mut self,
        email: &str,
        data: Option<&Map<String, Value>>,
        redirect_to: Option<&str>,
    ) -> Result<Value, ApiError> {
        let email = validate_email(email)?;
        let id = match self
            .user_by_email(&email)
            .map(|u| (u.id.clone(), u.email_confirmed_at.is_some()))
        {
            Some((_, true)) => return Err(email_exists()),
            Some((id, false)) => id,
            None => self.create_invited(&email, "", data)?,
        };
        let referrer = self.referrer(None, redirect_to);
        self.send_otp(OtpKind::Invite, &id, &email, Some(&referrer), None);
        let now = self.clock.now_ms();
        let user = self
            .user_mut(&id)
            .ok_or_else(|| ApiError::internal("invited user vanished"))?;
        user.invited_at = Some(now);
        user.confirmation_sent_at = Some(now);
        Ok(user.to_json())
    }

    /// `POST /admin/generate_link`: the user's JSON with `action_link`, `email_otp`,
    /// `hashed_token`, `verification_type` and `redirect_to` beside its fields.
    pub(crate) fn generate_link(
        &mut self,
        params: &GenerateLinkParams,
        query_redirect: Option<&str>,
    ) -> Result<Value, ApiError> {
        let email = validate_email(params.email.as_deref().unwrap_or_default())?;
        let referrer = self.referrer(params.redirect_to.as_deref(), query_redirect);
        let mut link_type = params.link_type.clone().unwrap_or_default();
        let mut password = params.password.clone().unwrap_or_default();
        let existing = self
            .user_by_email(&email)
            .map(|u| (u.id.clone(), u.email_confirmed_at.is_some()));
        if existing.is_none() {
            match link_type.as_str() {
                // A magic link for a new address signs the user up, with a password no one knows.
                "magiclink" => {
                    "signup".clone_into(&mut link_type);
                    password = random::token();
                }
                "recovery" | "email_change_current" | "email_change_new" => {
                    return Err(ApiError::new(
                        404,
                        "user_not_found",
                        "User with this email not found",
                    ));
                }
                _ => {}
            }
        }
        let (id, kind, address) =
            self.link_target(&link_type, &email, &password, existing, params)?;
        let message = self.issue_otp(kind, &id, &address, Some(&referrer), None);
        let mut body = self
            .user(&id)
            .map(super::users::User::to_json)
            .ok_or_else(|| ApiError::internal("linked user vanished"))?;
        if let Some(map) = body.as_object_mut() {
            map.insert("action_link".into(), json!(message.link));
            map.insert("email_otp".into(), json!(message.otp));
            // The Go server hashes the request's email here, whichever address the link is for.
            map.insert(
                "hashed_token".into(),
                json!(token_hash(&email, &message.otp)),
            );
            map.insert("verification_type".into(), json!(link_type));
            map.insert("redirect_to".into(), json!(referrer));
        }
        Ok(body)
    }

    /// Prepares the user for a link of `link_type` (creating it for `signup` and `invite`):
    /// `(user id, code kind, address the code is for)`.
    fn link_target(
        &mut self,
        link_type: &str,
        email: &str,
        password: &str,
        existing: Option<(String, bool)>,
        params: &GenerateLinkParams,
    ) -> Result<(String, OtpKind, String), ApiError> {
        let now = self.clock.now_ms();
        Ok(match link_type {
            "magiclink" | "recovery" => {
                let (id, _) =
                    existing.ok_or_else(|| ApiError::internal("checked user vanished"))?;
                let kind = if link_type == "magiclink" {
                    OtpKind::Magiclink
                } else {
                    OtpKind::Recovery
                };
                if let Some(user) = self.user_mut(&id) {
                    user.recovery_sent_at = Some(now);
                }
                (id, kind, email.to_owned())
            }
            "invite" => {
                let id = match existing {
                    Some((_, true)) => return Err(email_exists()),
                    Some((id, false)) => id,
                    None => self.create_invited(email, "", params.data.as_ref())?,
                };
                if let Some(user) = self.user_mut(&id) {
                    user.invited_at = Some(now);
                    user.confirmation_sent_at = Some(now);
                }
                (id, OtpKind::Invite, email.to_owned())
            }
            "signup" => {
                let id = match existing {
                    Some((_, true)) => return Err(email_exists()),
                    Some((id, false)) => {
                        if let (Some(user), Some(data)) = (self.user_mut(&id), &params.data) {
                            merge(&mut user.user_metadata, &Value::Object(data.clone()));
                        }
                        id
                    }
                    None => {
                        if password.is_empty() {
                            return Err(ApiError::bad_request(
                                "validation_failed",
                                "Signup requires a valid password",
                            ));
                        }
                        self.check_password(password)?;
                        self.create_invited(email, password, params.data.as_ref())?
                    }
                };
                if let Some(user) = self.user_mut(&id) {
                    user.confirmation_sent_at = Some(now);
                }
                (id, OtpKind::Signup, email.to_owned())
            }
            "email_change_current" | "email_change_new" => {
                let (id, _) =
                    existing.ok_or_else(|| ApiError::internal("checked user vanished"))?;
                let new_email = validate_email(params.new_email.as_deref().unwrap_or_default())?;
                if self.user_by_email(&new_email).is_some_and(|u| u.id != id) {
                    return Err(email_exists());
                }
                if let Some(user) = self.user_mut(&id) {
                    user.new_email = Some(new_email.clone());
                    user.email_change_sent_at = Some(now);
                }
                let address = if link_type == "email_change_new" {
                    new_email
                } else {
                    email.to_owned()
                };
                (id, OtpKind::EmailChange, address)
            }
            other => {
                return Err(ApiError::bad_request(
                    "validation_failed",
                    format!("Invalid email action link type requested: {other}"),
                ));
            }
        })
    }
}
