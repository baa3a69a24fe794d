//! The account page, as every example serves it: the user's identities (link one through an
//! OAuth provider, unlink one) and a password change confirmed by the reauthentication code
//! the Auth server emails.
//!
//! Linking is an OAuth round trip like signing in: `303` to the provider, back to
//! `/auth/callback` (the same PKCE code exchange), then to this page. The Auth server refuses
//! to unlink the last identity (`single_identity_not_deletable`): the page says so in words.

mod pages;
#[cfg(test)]
mod tests;

use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::{AuthError, Identity, OAuthSignIn, UserAttributes};

use self::pages::{AccountPage, IdentityRow};
use crate::config::Site;
use crate::forms::{IdentityForm, LinkForm, PasswordForm, query_component as encode};
use crate::reply::{Reply, error_status, sign_in_first};
use crate::routes;

/// The OAuth providers the page offers to link (offline, the local test provider answers for
/// any name; a real project needs them enabled).
pub(crate) const LINK_PROVIDERS: [&str; 2] = ["github", "google"];

/// What the page says above its sections: a notice or an error.
type Message<'a> = Result<&'a str, String>;

/// An Auth error as the account page shows it: the refusals a user can act on in words, the
/// others as the Auth server put them.
fn explain(error: &AuthError) -> String {
    match error.code() {
        Some("single_identity_not_deletable") => {
            "This is your only way to sign in: link another one before unlinking it.".to_owned()
        }
        Some("identity_already_exists") => {
            "That account is already linked to another user.".to_owned()
        }
        Some("manual_linking_disabled") => {
            "Linking identities is turned off for this project.".to_owned()
        }
        Some("reauthentication_needed") => {
            "Changing the password needs the code we email you: send one first.".to_owned()
        }
        Some("reauthentication_not_valid") => {
            "That code is not valid: send a new one and use it within a few minutes.".to_owned()
        }
        _ => error.to_string(),
    }
}

/// An identity as the page shows it.
fn row(identity: &Identity) -> IdentityRow {
    IdentityRow {
        identity_id: identity.identity_id().to_owned(),
        provider: identity.provider().to_owned(),
        email: identity.email().map(str::to_owned),
    }
}

impl Site {
    /// `GET /private/account`: the user's identities with an unlink button each, a link button
    /// for each provider not linked yet, and the change-password forms. A visitor signs in
    /// first (`303 /login?next=/private/account`).
    pub async fn account(&self, client: &SupabaseClient) -> Reply {
        self.account_with(client, 200, None, false).await
    }

    /// The page with `message`; with `code_sent`, offline, the code of the reauthentication
    /// email (then `no-store`: the page holds a secret).
    async fn account_with(
        &self,
        client: &SupabaseClient,
        status: u16,
        message: Option<Message<'_>>,
        code_sent: bool,
    ) -> Reply {
        let Some(claims) = client.optional_claims().await else {
            return sign_in_first(routes::ACCOUNT);
        };
        let email = claims.email().unwrap_or_default();
        let (identities, message, status) = match client.auth().user_identities().await {
            Ok(identities) => (identities.iter().map(row).collect(), message, status),
            Err(error) if message.is_none() => {
                (Vec::new(), Some(Err(explain(&error))), error_status(&error))
            }
            // The page already says what failed; this second failure only goes to the log.
            Err(error) => {
                tracing::debug!(%error, "could not list the identities");
                (Vec::new(), message, status)
            }
        };
        let code = if code_sent {
            self.outbox_code(email)
        } else {
            None
        };
        let (notice, error) = match &message {
            Some(Ok(notice)) => (Some(*notice), None),
            Some(Err(error)) => (None, Some(error.as_str())),
            None => (None, None),
        };
        let linkable: Vec<&str> = LINK_PROVIDERS
            .into_iter()
            .filter(|provider| !identities.iter().any(|i| i.provider == *provider))
            .collect();
        let html = pages::account(&AccountPage {
            email,
            identities: &identities,
            linkable: &linkable,
            notice,
            error,
            outbox_code: code.as_deref(),
        });
        let page = Reply::Page { status, html };
        if code.is_some() {
            Reply::NoStore(Box::new(page))
        } else {
            page
        }
    }

    /// The page again after a failed action: the error and the Auth server's status.
    async fn account_error(&self, client: &SupabaseClient, error: &AuthError) -> Reply {
        let status = error_status(error);
        self.account_with(client, status, Some(Err(explain(error))), false)
            .await
    }

    /// `POST /private/account/link` (`provider`): `303` to the provider with the PKCE verifier
    /// cookies set, to link its identity to the signed-in user; the provider sends the browser
    /// to `/auth/callback` (with the flow id), which exchanges the code and comes back here.
    /// Only the providers the page offers: the name goes to the Auth server as the user sent it.
    pub async fn account_link(&self, client: &SupabaseClient, form: &LinkForm) -> Reply {
        if !LINK_PROVIDERS.contains(&form.provider.as_str()) {
            let unknown = Some(Err("That provider cannot be linked here.".to_owned()));
            return self.account_with(client, 400, unknown, false).await;
        }
        let mut oauth = OAuthSignIn::new(form.provider.as_str());
        let next = encode(routes::ACCOUNT);
        let callback = format!("{}{}?next={next}", self.origin(), routes::CALLBACK);
        oauth.redirect_to = Some(callback);
        match client.auth().link_identity(&oauth).await {
            Ok(redirect) => Reply::Redirect(redirect.url),
            Err(error) => self.account_error(client, &error).await,
        }
    }

    /// `POST /private/account/unlink` (`identity_id`): unlinks that identity of the user, then
    /// `303 /private/account`; a refusal (the last identity) shows the page with it in words.
    pub async fn account_unlink(&self, client: &SupabaseClient, form: &IdentityForm) -> Reply {
        let identities = match client.auth().user_identities().await {
            Ok(identities) => identities,
            Err(error) => return self.account_error(client, &error).await,
        };
        let Some(identity) = identities
            .iter()
            .find(|identity| identity.identity_id() == form.identity_id)
        else {
            let unknown = Some(Err("That is not one of your identities.".to_owned()));
            return self.account_with(client, 400, unknown, false).await;
        };
        match client.auth().unlink_identity(identity).await {
            Ok(()) => Reply::Redirect(routes::ACCOUNT.to_owned()),
            Err(error) => self.account_error(client, &error).await,
        }
    }

    /// `POST /private/account/reauthenticate`: the Auth server emails the user a code
    /// (offline: the page shows it); the page asks for it with the new password.
    pub async fn account_reauthenticate(&self, client: &SupabaseClient) -> Reply {
        match client.auth().reauthenticate().await {
            Ok(()) => {
                let sent = Some(Ok(
                    "We emailed you a code: enter it with your new password.",
                ));
                self.account_with(client, 200, sent, true).await
            }
            Err(error) => self.account_error(client, &error).await,
        }
    }

    /// `POST /private/account/password` (`nonce`, `password`): changes the password with the
    /// reauthentication code (the session cookies are rewritten); a wrong or spent code, or a
    /// password the Auth server refuses, shows the page with the error.
    pub async fn account_password(&self, client: &SupabaseClient, form: &PasswordForm) -> Reply {
        let attributes = UserAttributes::default()
            .with_password(form.password.as_str())
            .with_nonce(form.nonce.trim());
        match client.auth().update_user(&attributes, None).await {
            Ok(_) => {
                let changed = Some(Ok("Your password was changed."));
                self.account_with(client, 200, changed, false).await
            }
            Err(error) => self.account_error(client, &error).await,
        }
    }
}
