//! The account page (maud escapes every interpolated value).

use maud::html;

use crate::pages::layout;
use crate::routes;

/// One of the user's identities, as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityRow {
    pub identity_id: String,
    /// `email`, `github`, …
    pub provider: String,
    pub email: Option<String>,
}

/// What `GET /private/account` shows.
#[derive(Debug)]
pub(crate) struct AccountPage<'a> {
    pub email: &'a str,
    pub identities: &'a [IdentityRow],
    /// The providers offered for linking (those not linked yet).
    pub linkable: &'a [&'a str],
    pub notice: Option<&'a str>,
    pub error: Option<&'a str>,
    /// Offline mode: the code of the reauthentication email, standing in for the email.
    pub outbox_code: Option<&'a str>,
}

/// `GET /private/account`: identities (unlink), providers (link), change the password.
pub(crate) fn account(page: &AccountPage<'_>) -> String {
    layout(
        "Account",
        &html! {
            h1 { "Account" }
            @if let Some(error) = page.error { p.error id="error" { (error) } }
            @if let Some(notice) = page.notice { p.notice id="notice" { (notice) } }
            p id="account-email" { "Signed in as " strong { (page.email) } }
            h2 { "Ways to sign in" }
            ul id="identities" {
                @for identity in page.identities {
                    li.identity data-provider=(identity.provider) data-identity-id=(identity.identity_id) {
                        strong { (identity.provider) }
                        @if let Some(email) = &identity.email { " (" (email) ")" }
                        " "
                        form method="post" action=(routes::ACCOUNT_UNLINK) style="display:inline" {
                            input type="hidden" name="identity_id" value=(identity.identity_id);
                            button type="submit" class="unlink" { "Unlink" }
                        }
                    }
                }
            }
            @for provider in page.linkable {
                form method="post" action=(routes::ACCOUNT_LINK) {
                    input type="hidden" name="provider" value=(provider);
                    button type="submit" id={ "link-" (provider) } { "Link " (provider) }
                }
            }
            h2 { "Change your password" }
            p { "First we email you a code, to be sure it is you." }
            form method="post" action=(routes::ACCOUNT_REAUTHENTICATE) id="reauthenticate-form" {
                button type="submit" id="reauthenticate" { "Email me a code" }
            }
            @if let Some(code) = page.outbox_code {
                p id="outbox" { "Offline mode: the email contains the code " code id="outbox-code" { (code) } "." }
            }
            form method="post" action=(routes::ACCOUNT_PASSWORD) id="password-form" {
                input type="text" name="nonce" inputmode="numeric" autocomplete="one-time-code" placeholder="Code from the email" required;
                input type="password" name="password" autocomplete="new-password" placeholder="New password" required;
                button type="submit" id="change-password" { "Change password" }
            }
            p { a href=(routes::PRIVATE) { "Back" } }
            form method="post" action=(routes::LOGOUT) { button type="submit" id="logout" { "Sign out" } }
        },
    )
}
