//! Everything the example servers share, with no framework types: configuration (including
//! the offline default, a local Auth server started in-process), the pages, the form types and
//! the flows of the Supabase SSR guide. Each framework's example maps its requests to these
//! functions and sends the [`Reply`]'s status, headers and body ([`Reply::into_parts`]).

mod account;
mod config;
mod flows;
mod forms;
mod mfa;
mod pages;
mod reply;
#[cfg(test)]
mod tests;

pub use config::Site;
pub use forms::{
    CallbackQuery, ConfirmQuery, Credentials, FactorForm, IdentityForm, LinkForm, LoginQuery,
    MagicLinkForm, MfaCodeForm, MfaQuery, OAuthQuery, PasswordForm, ResendForm,
};
pub use reply::{FRAME_HEADERS, Reply, ReplyParts};

/// The routes every example serves (the example contract of the design document).
pub mod routes {
    /// `GET`: the home page.
    pub const HOME: &str = "/";
    /// `GET`: the sign-in form; `POST`: sign in with email and password.
    pub const LOGIN: &str = "/login";
    /// `POST`: sign up with email and password.
    pub const SIGNUP: &str = "/signup";
    /// `POST`: send the confirmation email of a sign-up again (`email`, `next`).
    pub const SIGNUP_RESEND: &str = "/signup/resend";
    /// `POST`: send a magic link.
    pub const MAGIC_LINK: &str = "/magic-link";
    /// `GET`: the signed-in user's page.
    pub const PRIVATE: &str = "/private";
    /// `GET`: the verified claims as JSON.
    pub const WHOAMI: &str = "/api/whoami";
    /// `POST`: sign out.
    pub const LOGOUT: &str = "/logout";
    /// `GET`: the email link target (`token_hash`, `type`, `next`).
    pub const CONFIRM: &str = "/auth/confirm";
    /// `GET`: the OAuth / PKCE redirect target (`code`, `next`).
    pub const CALLBACK: &str = "/auth/callback";
    /// `GET`: starts an OAuth sign-in (`provider`).
    pub const OAUTH: &str = "/auth/oauth";
    /// `GET`: a health check that never touches the session ([`Site::filter`] skips it): the
    /// bare route the benchmark compares the authenticated one with.
    ///
    /// [`Site::filter`]: crate::Site::filter
    pub const HEALTH: &str = "/api/health";
    /// `GET`: enroll a TOTP factor (QR code and secret); `POST`: verify its first code.
    pub const MFA: &str = "/mfa";
    /// `GET`: the code form of a signed-in `aal1` user with a verified factor (`next`);
    /// `POST`: verify a code, stepping the session up to `aal2`. The builder's `mfa_path`.
    pub const MFA_CHALLENGE: &str = "/mfa/challenge";
    /// `POST` (needs `aal2`): unenroll a factor (`factor_id`), then `303` to [`SECURITY`].
    pub const MFA_UNENROLL: &str = "/mfa/unenroll";
    /// `GET` (needs `aal2`, through each adapter's `Aal2`): the user's factors.
    pub const SECURITY: &str = "/private/security";
    /// `GET`: the signed-in user's account: identities, link and unlink, change the password.
    pub const ACCOUNT: &str = "/private/account";
    /// `POST` (`provider`): `303` to the provider, to link its identity to the signed-in user.
    pub const ACCOUNT_LINK: &str = "/private/account/link";
    /// `POST` (`identity_id`): unlinks that identity of the signed-in user.
    pub const ACCOUNT_UNLINK: &str = "/private/account/unlink";
    /// `POST`: emails the signed-in user a reauthentication code.
    pub const ACCOUNT_REAUTHENTICATE: &str = "/private/account/reauthenticate";
    /// `POST` (`nonce`, `password`): changes the password with the reauthentication code.
    pub const ACCOUNT_PASSWORD: &str = "/private/account/password";
    /// `POST`: enroll a TOTP factor, `{"factor_id","secret","uri"}`.
    pub const API_MFA_ENROLL: &str = "/api/mfa/enroll";
    /// `POST` JSON `{"factor_id","code"}`: `{"aal":"aal2"}` and the new cookies, or
    /// `400 {"error":"<GoTrue code>"}`.
    pub const API_MFA_VERIFY: &str = "/api/mfa/verify";
    /// `GET` (needs `aal2`): `{"sub","aal"}`; `403 {"error":"mfa_required"}` at `aal1` with a
    /// verified factor, `401` without a session.
    pub const API_AAL2: &str = "/api/aal2";
}
