//! What the session cookie holds: the whole session, or only its tokens (`@supabase/ssr`'s
//! `cookies: { encode: "tokens-only" }`).

/// What the session cookie holds, set with
/// [`SupabaseBuilder::cookie_contents`](crate::SupabaseBuilder::cookie_contents).
///
/// Reading does not depend on it: a cookie with or without its user is read whatever the
/// setting, so switching it (or running JS and Rust servers with different settings) keeps
/// every browser signed in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CookieContents {
    /// The session as the Auth server sent it, user object included (the `@supabase/ssr`
    /// default).
    #[default]
    Full,
    /// The session without its `user` (`cookies: { encode: "tokens-only" }` of
    /// `@supabase/ssr` 0.12.7, byte-identical): tokens, expiry and the other fields only.
    ///
    /// **Why**: the user object (identities, app and user metadata) is most of a session's
    /// size; a user with large metadata makes a cookie of several chunks, and with other
    /// cookies a response can pass the 8 KB header limit of common proxies. Without the user,
    /// the cookie stays around 1.5 KB, one chunk.
    ///
    /// **What changes**: a session read from such a cookie has no user —
    /// [`Session::user`](crate::Session::user) returns `None` — so read the user with
    /// [`Auth::get_user`](crate::auth::Auth::get_user) (from the Auth server) or use
    /// [`Auth::get_claims`](crate::auth::Auth::get_claims) (the verified token). As auth-js's
    /// in-memory `userStorage` on a server, the user a sign-in, refresh or user update
    /// received is kept for the rest of that request only (sessions returned by those calls
    /// and [`Auth::get_session`](crate::auth::Auth::get_session) in the same request have it).
    /// Where auth-js's `getSession()` then hands out a user that throws on any property
    /// access, this crate returns `None`; and a full cookie (written before the switch, or by
    /// a server without it) keeps its user readable here, where auth-js hides it.
    TokensOnly,
}
