//! Everything the example servers share, with no framework types: configuration (including
//! the offline default, a local Auth server started in-process), the pages, the form types and
//! the flows of the Supabase SSR guide. Each framework's example maps its requests to these
//! functions and sends the [`Reply`]'s status, headers and body ([`Reply::into_parts`]).

mod config;
mod flows;
mod forms;
mod pages;
mod reply;
#[cfg(test)]
mod tests;

pub use config::Site;
pub use forms::{CallbackQuery, ConfirmQuery, Credentials, LoginQuery, MagicLinkForm, OAuthQuery};
pub use reply::{FRAME_HEADERS, Reply, ReplyParts};

/// The routes every example serves (the example contract of the design document).
pub mod routes {
    /// `GET`: the home page.
    pub const HOME: &str = "/";
    /// `GET`: the sign-in form; `POST`: sign in with email and password.
    pub const LOGIN: &str = "/login";
    /// `POST`: sign up with email and password.
    pub const SIGNUP: &str = "/signup";
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
}
