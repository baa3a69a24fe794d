//! Routes that need a second factor: verified claims at `aal2`, or the answer that sends the
//! user to the MFA challenge first.

use super::rejection::{Denied, Rejection};
use crate::auth::Claims;
use crate::client::SupabaseClient;

/// Which `aal1` sessions [`SupabaseClient::require_aal2`] lets through.
///
/// A session is `aal1` after a password, magic link, OAuth or OTP sign-in, and `aal2` once the
/// user verified one of their factors (TOTP, phone) in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Aal2Policy {
    /// auth-js's rule (`getAuthenticatorAssuranceLevel`): a session passes when its next level
    /// is its current level. An `aal1` session passes when the user has no verified factor
    /// (there is nothing to step up with), and must step up once they have one.
    ///
    /// Unlike auth-js, whether the user has a verified factor is asked from the Auth server
    /// (`GET /user` with the verified access token, one call per request of an `aal1`
    /// session), never read from the session cookie: the cookie's user object is written by
    /// the browser as much as by the server, and one without its `factors` would otherwise
    /// let a password alone through.
    #[default]
    NextLevel,
    /// Every session must be `aal2`: users without a verified factor are sent to the MFA page
    /// too (where they enroll one). No Auth call.
    Strict,
}

impl SupabaseClient {
    /// For extractors of routes that need a second factor: the verified claims of a session at
    /// `aal2`, or of an `aal1` session the `policy` lets through; else the response to send.
    ///
    /// - No session, one that does not verify, or an Auth outage: exactly what
    ///   [`SupabaseClient::require_claims`] answers (`401`, `303` to the login page, `503`).
    /// - A session that must step up: `303` to the MFA page for browser navigations when one
    ///   is configured ([`SupabaseBuilder::mfa_path`](crate::SupabaseBuilder::mfa_path)),
    ///   else `403 {"error":"mfa_required"}`.
    /// - Under [`Aal2Policy::NextLevel`], an `aal1` session costs one `GET /user` (the trusted
    ///   list of the user's factors). If the Auth server cannot answer, the request gets the
    ///   `503`, never a pass; if it no longer knows the session, the `401`/login answer.
    ///
    /// ```no_run
    /// use supabase_ssr_core::SupabaseClient;
    /// use supabase_ssr_core::proxy::{Aal2Policy, Rejection};
    ///
    /// async fn security_page(client: &SupabaseClient, accept: Option<&str>) -> Result<String, Rejection> {
    ///     let claims = client.require_aal2(accept, Aal2Policy::NextLevel).await?;
    ///     Ok(format!("{} at {}", claims.user_id(), claims.aal().unwrap_or("aal1")))
    /// }
    /// ```
    pub async fn require_aal2(
        &self,
        accept: Option<&str>,
        policy: Aal2Policy,
    ) -> Result<Claims, Rejection> {
        let claims = self.require_claims(accept).await?;
        if claims.aal() == Some("aal2") {
            return Ok(claims);
        }
        let denied = match policy {
            Aal2Policy::Strict => Denied::MfaRequired,
            Aal2Policy::NextLevel => match self.has_verified_factor(&claims).await {
                Ok(false) => return Ok(claims),
                Ok(true) => Denied::MfaRequired,
                Err(denied) => denied,
            },
        };
        if denied == Denied::MfaRequired {
            tracing::debug!(?policy, "the session must step up to aal2");
        }
        Err(self.reject(&denied, accept))
    }

    /// Whether the user of `claims` has a verified factor, from the Auth server: `GET /user`
    /// with the session's access token, the one `claims` were verified from.
    async fn has_verified_factor(&self, claims: &Claims) -> Result<bool, Denied> {
        let unreachable_or_refused = |error: crate::auth::AuthError| {
            if error.is_transient() {
                Denied::Unavailable(error)
            } else {
                tracing::debug!(reason = %error, "the Auth server refused the session's user");
                Denied::Unauthenticated
            }
        };
        let auth = self.auth();
        // The session `require_claims` verified: refreshed in this request or unchanged, so
        // loading it again costs no Auth call.
        let session = auth
            .load_session()
            .await
            .map_err(unreachable_or_refused)?
            .ok_or(Denied::Unauthenticated)?;
        let user = auth
            .user_for_token(session.access_token())
            .await
            .map_err(unreachable_or_refused)?;
        // Fail closed should the session have changed under the claims.
        if claims.user_id() != user.id() {
            return Err(Denied::Unauthenticated);
        }
        Ok(user.has_verified_factor())
    }
}

/// Declares an adapter's `Aal2` and `StrictAal2` claims types, with their docs and `Deref`.
///
/// Every adapter needs its own types (the orphan rule: a framework's extractor trait cannot be
/// implemented for a type of this crate), and they are the same in all of them; the adapter
/// implements its framework's extractor trait for each with
/// [`SupabaseClient::require_aal2`].
#[doc(hidden)]
#[macro_export]
macro_rules! __aal2_claims_types {
    () => {
        /// The verified claims of a user at `aal2`, or at `aal1` without a verified factor
        /// (auth-js's rule,
        /// [`Aal2Policy::NextLevel`](supabase_ssr_core::proxy::Aal2Policy::NextLevel): one
        /// `GET /user` per `aal1` request asks the Auth server, never the cookie). A user who
        /// must step up gets a `303` to the MFA page for browser navigations when one is
        /// configured (`SupabaseBuilder::mfa_path`), else `403 {"error":"mfa_required"}`; other
        /// requests get what `Authenticated` answers
        /// ([`SupabaseClient::require_aal2`](supabase_ssr_core::SupabaseClient::require_aal2)).
        ///
        /// Serializes as the claims object, like `Authenticated`.
        #[derive(Debug, Clone)]
        pub struct Aal2(pub $crate::auth::Claims);

        /// [`Aal2`] for every user: an `aal1` session must step up even without a verified
        /// factor (the MFA page enrolls one),
        /// [`Aal2Policy::Strict`](supabase_ssr_core::proxy::Aal2Policy::Strict). Serializes as
        /// the claims object.
        #[derive(Debug, Clone)]
        pub struct StrictAal2(pub $crate::auth::Claims);

        $crate::__serialize_as_claims!(Aal2, StrictAal2);

        impl ::std::ops::Deref for Aal2 {
            type Target = $crate::auth::Claims;

            fn deref(&self) -> &$crate::auth::Claims {
                &self.0
            }
        }

        impl ::std::ops::Deref for StrictAal2 {
            type Target = $crate::auth::Claims;

            fn deref(&self) -> &$crate::auth::Claims {
                &self.0
            }
        }
    };
}

/// Implements `serde::Serialize` for an adapter's claims wrappers (`Authenticated`,
/// `MaybeAuthenticated`, `Aal2`, `StrictAal2`) as what they wrap: the claims object (`null`
/// for a `MaybeAuthenticated` of an anonymous visitor), so a handler can answer `Json(user)`.
#[doc(hidden)]
#[macro_export]
macro_rules! __serialize_as_claims {
    ($($wrapper:ident),* $(,)?) => {
        $(
            impl $crate::__private::serde::Serialize for $wrapper {
                fn serialize<S>(&self, serializer: S) -> ::core::result::Result<S::Ok, S::Error>
                where
                    S: $crate::__private::serde::Serializer,
                {
                    $crate::__private::serde::Serialize::serialize(&self.0, serializer)
                }
            }
        )*
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_level_is_the_default_policy() {
        assert_eq!(Aal2Policy::default(), Aal2Policy::NextLevel);
    }
}
