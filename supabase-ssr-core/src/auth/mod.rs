//! The Auth client: sessions, verified claims, refresh and every sign-in flow.
//!
//! Reach it per request through [`SupabaseClient::auth`](crate::SupabaseClient::auth). Every
//! call that changes the session records the cookie writes in the request's cookie state; the
//! framework adapter sends them with the response.

mod claims;
mod error;
pub(crate) mod failures;
mod flows;
pub(crate) mod http;
mod id_token;
mod identities;
mod jwks;
mod keyed_hash;
mod mfa;
mod mfa_types;
mod oauth_server;
#[doc = include_str!("parity.md")]
pub mod parity {}
mod pkce;
pub(crate) mod refresh;
mod resend;
mod responses;
mod retry;
pub(crate) mod server_check;
mod session_response;
pub(crate) mod signed_out;
mod sso;
mod types;
pub(crate) mod verify;

use std::ops::Deref;

use reqwest::Method;
use serde_json::Value;

use crate::json::{Json, Object};

pub use claims::{Claims, Verification};
pub use error::AuthError;
use http::{AuthHttp, AuthRequest};
pub use id_token::IdTokenCredentials;
pub use identities::Identity;
pub use mfa::Mfa;
pub use mfa_types::{
    Aal, AmrEntry, AssuranceLevel, EnrolledFactor, Factor, Factors, MfaChallenge, MfaChannel,
    MfaEnroll, TotpSetup,
};
pub use oauth_server::{
    AuthorizationDetails, OAuthAuthorization, OAuthClientInfo, OAuthGrant, OAuthServer,
};
pub use pkce::FLOW_ID_PARAM;
pub use resend::Resend;
pub use responses::{AuthResponse, OtpResponse, WeakPassword};
pub use signed_out::{SignOut, SignOutListener, SignedOutSessions};
pub use sso::{SsoRedirect, SsoSignIn};
pub use types::{
    Identifier, OAuthRedirect, OAuthSignIn, OtpSignIn, OtpType, PasswordCredentials, SignOutScope,
    SignUp, UserAttributes, VerifyOtp,
};
#[doc(hidden)]
pub use verify::__private;

use crate::client::{CookieLookup, SupabaseClient};
use crate::cookies::StoredSession;
use crate::proxy::SessionTrace;
use crate::{Session, User};
use session_response::now_secs;

/// The payload of a JWT, decoded without verifying it (for what auth-js reads the same way:
/// the expiry, and the assurance level it reports; the server checks the token either way).
fn unverified_payload(token: &str) -> Result<Value, AuthError> {
    crate::jwt_payload::decode(token).map_err(|why| AuthError::InvalidJwt(why.to_owned()))
}

/// Whether an id (a factor's, an identity's) can go into a URL path as one segment: the Auth
/// server parses such ids with `uuid.FromString` (hex digits, `-`, and the `{}`/`urn:uuid:`
/// forms). Anything else (`/`, `.`, `%`, `?`) would change the URL rather than the id.
fn stays_in_its_segment(id: &str) -> bool {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '{' | '}' | ':');
    !id.is_empty() && id.chars().all(plain)
}

/// `{prefix}/{id}{suffix}`. An id that could leave its path segment is refused without a call,
/// with the answer the Auth server gives an id that is not a UUID (404 `validation_failed`).
fn id_path(prefix: &str, id: &str, suffix: &str, id_name: &str) -> Result<String, AuthError> {
    if !stays_in_its_segment(id) {
        return Err(AuthError::Api {
            status: 404,
            code: Some("validation_failed".to_owned()),
            message: format!("{id_name} must be an UUID"),
        });
    }
    Ok(format!("{prefix}/{id}{suffix}"))
}

/// The `exp` claim of a JWT, read without verifying it (only to decide between `GET /user` and
/// a refresh; the server checks the token either way).
fn unverified_expiry(token: &str) -> Result<i64, AuthError> {
    unverified_payload(token)?
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or_else(|| AuthError::InvalidJwt("missing exp claim".to_owned()))
}

/// The Auth API of one request.
#[derive(Debug, Clone)]
pub struct Auth<'a> {
    client: &'a SupabaseClient,
}

/// A session read from cookies and **not verified**: anyone can forge a cookie. It is a
/// different type from verified claims on purpose, so it cannot be passed where they are
/// required. Use it for its tokens, never to decide who the user is.
#[derive(Debug, Clone, PartialEq)]
pub struct UnverifiedSession(Session);

impl UnverifiedSession {
    /// The session.
    pub fn into_inner(self) -> Session {
        self.0
    }
}

impl Deref for UnverifiedSession {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.0
    }
}

impl<'a> Auth<'a> {
    pub(crate) fn new(client: &'a SupabaseClient) -> Self {
        Self { client }
    }

    /// Refuses `method` when the client uses third-party auth: the sessions are the other
    /// provider's (supabase-js throws on any `auth.<x>` of such a client).
    fn first_party(&self, method: &'static str) -> Result<(), AuthError> {
        if self.client.uses_third_party_auth() {
            return Err(AuthError::ThirdPartyAuth { method });
        }
        Ok(())
    }

    fn http(&self) -> &'a AuthHttp {
        &self.client.shared.http
    }

    /// The session in the request's cookies, refreshed first when it expires within the margin.
    ///
    /// **Unverified.** For authorization, use verified claims.
    ///
    /// A tokens-only cookie ([`CookieContents::TokensOnly`](crate::cookies::CookieContents))
    /// gives a session whose [`user`](Session::user) is `None` (unless this request stored the
    /// session, e.g. by refreshing it); [`Auth::get_user`] and [`Auth::get_claims`] work the
    /// same with either kind of cookie.
    pub async fn get_session(&self) -> Result<Option<UnverifiedSession>, AuthError> {
        self.first_party("get_session")?;
        self.client.mark_session_read();
        Ok(self.load_session().await?.map(UnverifiedSession))
    }

    /// Loads the session (spec §11.1) and refreshes it when needed.
    ///
    /// A transient refresh failure keeps the cookies: the stored session is returned while its
    /// access token is still valid, else the error. A terminal failure (the server says the
    /// session is over) deletes every auth cookie — but only once the access token has
    /// expired, as auth-js does, so a refresh race cannot sign out a valid session.
    pub(crate) async fn load_session(&self) -> Result<Option<Session>, AuthError> {
        self.load_session_traced().await.0
    }

    /// [`Auth::load_session`], and what happened for the request span.
    pub(crate) async fn load_session_traced(
        &self,
    ) -> (Result<Option<Session>, AuthError>, SessionTrace) {
        let (stored, fresh) = {
            let cookies = self.client.cookies();
            (cookies.stored_session(), cookies.wrote_session())
        };
        let session = match stored {
            StoredSession::Absent => return (Ok(None), SessionTrace::None),
            StoredSession::Invalid(reason) => {
                tracing::info!(%reason, "removing a stored value that is not a session");
                self.client.cookies().remove_session();
                return (Ok(None), SessionTrace::Invalid);
            }
            StoredSession::Present(session) => session,
        };
        // A session stored by this very request is as fresh as it gets: with an access-token
        // lifetime shorter than the margin it would otherwise be refreshed again at once.
        if fresh || !self.needs_refresh(session.expires_at()) {
            return (Ok(Some(session)), SessionTrace::Present);
        }
        let refreshed = if let Some(outage) = self.client.refresh_outage() {
            Err(outage.clone())
        } else {
            let refreshed = self
                .client
                .shared
                .refresh
                .refresh(self.http(), session.refresh_token())
                .await;
            if let Err(error) = &refreshed
                && error.is_transient()
            {
                self.client.record_refresh_outage(error);
            }
            refreshed
        };
        match refreshed {
            Ok(new) => {
                self.client.cookies().set_session(&new);
                (Ok(Some(new)), SessionTrace::Refreshed)
            }
            Err(error) if session.expires_at().is_none_or(|at| at > now_secs()) => {
                tracing::warn!(reason = %error, "refreshing an expiring session failed; it is used until it expires");
                (Ok(Some(session)), SessionTrace::RefreshFailed)
            }
            Err(error) if error.is_transient() => {
                tracing::warn!(reason = %error, "refreshing an expired session failed; its cookies are kept");
                (Err(error), SessionTrace::AuthUnavailable)
            }
            Err(error) => {
                tracing::info!(reason = %error, "the session is over; removing its cookies");
                self.client.cookies().remove_session();
                (Ok(None), SessionTrace::SignedOut)
            }
        }
    }

    /// Whether the session expires within the margin, in milliseconds as auth-js counts
    /// (`expires_at * 1000 - now < margin`): whole seconds would let a token that expires this
    /// very second through unrefreshed, to fail verification a moment later.
    fn needs_refresh(&self, expires_at: Option<i64>) -> bool {
        let margin =
            i64::try_from(self.client.shared.refresh_margin.as_millis()).unwrap_or(i64::MAX);
        expires_at.is_some_and(|at| {
            at.saturating_mul(1000)
                .saturating_sub(session_response::now_millis())
                < margin
        })
    }

    /// The verified claims of the request's user, or `None` when there is no session.
    ///
    /// Loads the session (refreshing it when it expires within the margin) and verifies its
    /// access token locally against the project's signing keys: signature with the algorithm
    /// of the key, `exp`, `iss` and `aud`. A token verified before is served from the
    /// verified-claims cache until it expires. HS256 tokens are verified with the JWT secret
    /// when one is configured, else by `GET /user`.
    ///
    /// A token that does not verify is an [`AuthError::InvalidJwt`]; its cookies are left
    /// alone (a forged cookie must not sign out the real session of the browser). So is a
    /// token without a non-empty `sub`: it names no user, whoever signed it.
    ///
    /// A session signed out through this [`Supabase`](crate::Supabase) handle
    /// ([`sign_out`](Self::sign_out) and [`sign_out_with_scope`](Self::sign_out_with_scope),
    /// from any request, even if a cookie was copied before) is refused until its token expires,
    /// cached or not: [`AuthError::SessionMissing`] (`session_not_found`, what the Auth server
    /// answers for a deleted session), and its cookies are deleted. The adapters' extractors
    /// answer it like no session (`401`, or `303` to the login page).
    ///
    /// **What a local check cannot know.** The Auth server is not asked: a session ended
    /// elsewhere — by another process or replica of your app, by an admin, by the user on
    /// another device — still verifies here until its access token's `exp` (the project's JWT
    /// expiry, an hour by default). Before an irreversible action (a payment, deleting data,
    /// changing the email or password) call [`get_user`](Self::get_user), which asks the
    /// server and fails for a session it no longer knows. See
    /// [`SignedOutSessions`] for the fleet-wide seam.
    #[doc(
        alias = "current_user",
        alias = "verify",
        alias = "whoami",
        alias = "is_authenticated"
    )]
    pub async fn get_claims(&self) -> Result<Option<Claims>, AuthError> {
        self.first_party("get_claims")?;
        self.client.mark_session_read();
        if let Some(claims) = self.remembered_claims() {
            return Ok(Some(claims));
        }
        let Some(session) = self.load_session().await? else {
            return Ok(None);
        };
        match self.claims_for_token(session.access_token()).await {
            Ok(claims) => {
                self.remember(&session);
                Ok(Some(claims))
            }
            // Signed out (through this process, or the server said so): the session is over,
            // and its cookies go, as `get_user` removes them. Not a forged cookie: the token
            // verified before it was refused.
            Err(AuthError::SessionMissing) => {
                tracing::info!("the session was signed out; removing its cookies");
                self.client.cookies().remove_session();
                Err(AuthError::SessionMissing)
            }
            Err(error) => Err(error),
        }
    }

    /// The verified claims of the request's session cookie if an earlier request with the very
    /// same cookie verified them, they are still valid and the session needs no refresh: the
    /// answer of [`Auth::get_claims`] without decoding the cookie. `None` once this request
    /// wrote or removed the session.
    pub(crate) fn remembered_claims(&self) -> Option<Claims> {
        let verifier = &self.client.shared.verifier;
        let (claims, session_expires_at) = self.cookie_lookup().hit.clone()?;
        // Checked on every use: the lookup may be older than this call, or the session written since.
        let untouched = self.client.cookies().session_untouched();
        let valid = verifier.still_valid(&claims);
        let usable = untouched && valid && !self.client.shared.sign_outs.set.refuses(&claims);
        (usable && !self.needs_refresh(session_expires_at)).then_some(claims)
    }

    /// The request's one claims-cache lookup by session cookie (hashing the cookie once).
    fn cookie_lookup(&self) -> &CookieLookup {
        let verifier = &self.client.shared.verifier;
        self.client.remembered(|| {
            let cookies = self.client.cookies();
            let key = cookies
                .incoming_session_value()
                .and_then(|raw| verifier.session_key(&raw));
            let hit = key.and_then(|key| verifier.remembered_session(&key));
            CookieLookup { key, hit }
        })
    }

    /// Remembers the claims of `session` for its cookie, if it is the one the request came
    /// with (not one this request stored) and its token was verified by signature.
    fn remember(&self, session: &Session) {
        if let Some(key) = self.cookie_lookup().key
            && self.client.cookies().session_untouched()
        {
            let verifier = &self.client.shared.verifier;
            verifier.remember_session(key, session.access_token(), session.expires_at());
        }
    }

    /// Verifies any access token (e.g. from an `Authorization: Bearer` header) the way
    /// [`Auth::get_claims`] verifies the session's, `sub` included.
    ///
    /// A token the verifier cannot check itself (no `kid`, or HS256 without the JWT secret) is
    /// confirmed with `GET /user`; one the server refused is refused again without a call for
    /// the [failure window](crate::SupabaseBuilder::failure_memory_window).
    ///
    /// A token of a session signed out through this handle is refused with
    /// [`AuthError::SessionMissing`], as in [`get_claims`](Self::get_claims) (which also
    /// says what a local check cannot know).
    pub async fn claims_for_token(&self, access_token: &str) -> Result<Claims, AuthError> {
        self.first_party("claims_for_token")?;
        let verifier = &self.client.shared.verifier;
        let claims = match verifier.verify(access_token).await? {
            verify::Verified::Claims(claims) => claims,
            verify::Verified::NeedsServerCheck => {
                self.client
                    .shared
                    .server_checks
                    .confirm(access_token, || async {
                        self.user_for_token(access_token).await.map(drop)
                    })
                    .await?;
                verifier.claims_confirmed_by_server(access_token)?
            }
        };
        // A token without a non-empty `sub` never became `Claims` (it names no user).
        if self.client.shared.sign_outs.set.refuses(&claims) {
            tracing::debug!("refusing a token of a session signed out through this server");
            return Err(AuthError::SessionMissing);
        }
        Ok(claims)
    }

    /// The request's session (refreshed when due), for calls made as the signed-in user;
    /// [`AuthError::SessionMissing`] without one.
    pub(crate) async fn require_session(&self) -> Result<Session, AuthError> {
        self.load_session().await?.ok_or(AuthError::SessionMissing)
    }

    /// Refreshes the session after a change to the user the token does not show yet (an
    /// unenrolled factor, an unlinked identity). The change is made either way, so a failed
    /// refresh is logged, not returned.
    async fn refresh_after(&self, change: &str) {
        if let Err(error) = self.refresh_session().await {
            tracing::warn!(reason = %error, "refreshing the session after {change} failed");
        }
    }

    /// Refreshes the stored session now, whatever its expiry.
    pub async fn refresh_session(&self) -> Result<Session, AuthError> {
        self.first_party("refresh_session")?;
        let StoredSession::Present(session) = self.client.cookies().stored_session() else {
            return Err(AuthError::SessionMissing);
        };
        match self
            .client
            .shared
            .refresh
            .refresh(self.http(), session.refresh_token())
            .await
        {
            Ok(new) => {
                self.client.cookies().set_session(&new);
                Ok(new)
            }
            Err(error) => {
                if !error.is_transient() && session.expires_at().is_some_and(|at| at <= now_secs())
                {
                    self.client.cookies().remove_session();
                }
                Err(error)
            }
        }
    }

    /// Stores a session from its two tokens (spec §17): an access token that has not expired is
    /// checked with `GET /user`; an expired one is refreshed with the refresh token.
    pub async fn set_session(
        &self,
        access_token: &str,
        refresh_token: &str,
    ) -> Result<Session, AuthError> {
        self.first_party("set_session")?;
        if access_token.is_empty() || refresh_token.is_empty() {
            return Err(AuthError::SessionMissing);
        }
        let exp = unverified_expiry(access_token)?;
        let now_ms = session_response::now_millis();
        let session = if exp * 1000 > now_ms {
            let user = self.user_for_token(access_token).await?;
            #[allow(clippy::cast_precision_loss, reason = "epoch times fit an f64 exactly")]
            let expires_in = (exp * 1000 - now_ms) as f64 / 1000.0;
            // auth-js's key order.
            let fields = Object::from_iter([
                ("access_token", Json::from(access_token)),
                ("refresh_token", Json::from(refresh_token)),
                ("user", Json::Object(user.object())),
                ("token_type", Json::from("bearer")),
                ("expires_in", Json::from(expires_in)),
                ("expires_at", Json::from(exp)),
            ]);
            Session::from_object(fields).map_err(|e| AuthError::InvalidResponse(e.to_string()))?
        } else {
            self.client
                .shared
                .refresh
                .refresh(self.http(), refresh_token)
                .await?
        };
        self.client.cookies().set_session(&session);
        Ok(session)
    }

    /// The user of the current session, from the Auth server (`GET /user`). Refreshes the
    /// session first when needed. A session the server no longer knows is removed.
    ///
    /// One round trip per call, but the server's word: a session signed out anywhere (another
    /// replica, another device, an admin) fails here at once with
    /// [`AuthError::SessionMissing`], where [`get_claims`](Self::get_claims) accepts its token
    /// until it expires. Use it before irreversible actions.
    #[doc(alias = "current_user", alias = "me")]
    pub async fn get_user(&self) -> Result<User, AuthError> {
        self.first_party("get_user")?;
        self.client.mark_session_read();
        let session = self.require_session().await?;
        let result = self.user_for_token(session.access_token()).await;
        if matches!(result, Err(AuthError::SessionMissing)) {
            self.client.cookies().remove_session();
        }
        result
    }

    /// The user an access token belongs to, from the Auth server. Does not touch cookies.
    pub async fn user_for_token(&self, access_token: &str) -> Result<User, AuthError> {
        self.first_party("user_for_token")?;
        let mut request = AuthRequest::new(Method::GET, "user");
        request.bearer = Some(access_token);
        match self.http().send(request).await? {
            Json::Object(user) => Ok(User::from_object(&user)),
            _ => Err(AuthError::InvalidResponse(
                "GET /user returned no user".into(),
            )),
        }
    }

    /// Signs out of this device only ([`SignOutScope::Local`]): ends the current session on
    /// the Auth server and removes its cookies. The user's other sessions (their phone, another
    /// browser) stay signed in.
    ///
    /// supabase-js's `signOut()` defaults to `global` (every session of the user). This library
    /// defaults to local because a server-side "log out" button belongs to one browser: the
    /// person clicking it expects to leave this browser, not to be thrown out everywhere. Call
    /// [`sign_out_with_scope`](Self::sign_out_with_scope) with [`SignOutScope::Global`] for a
    /// "sign out everywhere" action.
    ///
    /// The cookies are removed even when the server cannot be reached; the error is still
    /// returned. Either way, this [`Supabase`](crate::Supabase) handle refuses the session
    /// from now on, even from a copy of its cookies, until its access token expires (see
    /// [`sign_out_with_scope`](Self::sign_out_with_scope)).
    ///
    /// ```no_run
    /// # async fn logout(client: &supabase_ssr_core::SupabaseClient) {
    /// if let Err(error) = client.auth().sign_out().await {
    ///     // The cookies are gone either way; the server may still know the session.
    ///     eprintln!("sign-out: {error}");
    /// }
    /// # }
    /// ```
    #[doc(alias = "logout", alias = "signout", alias = "log_out")]
    pub async fn sign_out(&self) -> Result<(), AuthError> {
        self.sign_out_with_scope(SignOutScope::Local).await
    }

    /// Signs out with a chosen scope (spec §14; supabase-js `signOut({ scope })`). `Local` and
    /// `Global` always remove the session's cookies, even when the server cannot be reached
    /// (the JS library keeps them on a 5xx for `Global`); the error is still returned so you can
    /// tell other devices may not be signed out. `Others` keeps this session. 401, 403 and 404
    /// from the server count as success. [`sign_out`](Self::sign_out) is the local scope.
    ///
    /// **In this process**, the ended sessions are refused by
    /// [`get_claims`](Self::get_claims) and [`claims_for_token`](Self::claims_for_token)
    /// of every request of this [`Supabase`](crate::Supabase) handle until their access tokens
    /// expire, even when a cookie was copied before: `Local`, this session; `Global`, this one
    /// and every session of the user issued before this second; `Others`, the user's sessions
    /// issued before this second but this one. This is recorded even when the server call
    /// failed (the user asked to leave; refusing here is only stricter than the server), but
    /// only from a token that verifies, so a forged cookie signs nobody out. Other processes
    /// do not know (see [`get_claims`](Self::get_claims)); a session signed in during the very
    /// second of a `Global` sign-out is not refused (token times have whole seconds).
    #[doc(alias = "logout", alias = "signout", alias = "log_out")]
    pub async fn sign_out_with_scope(&self, scope: SignOutScope) -> Result<(), AuthError> {
        self.first_party("sign_out")?;
        let session = match self.load_session().await {
            Ok(session) => session,
            Err(error) => {
                if scope != SignOutScope::Others {
                    self.client.cookies().remove_session();
                }
                return Err(error);
            }
        };
        let mut outcome = Ok(());
        if let Some(session) = &session {
            let mut request = AuthRequest::new(Method::POST, "logout");
            let query = [("scope", scope.as_str())];
            request.query = &query;
            request.bearer = Some(session.access_token());
            let sent = self.http().send(request).await;
            self.record_sign_out(session.access_token(), scope, sent.is_ok())
                .await;
            outcome = match sent {
                Ok(_)
                | Err(
                    AuthError::SessionMissing
                    | AuthError::Api {
                        status: 401 | 403 | 404,
                        ..
                    },
                ) => Ok(()),
                Err(error) => Err(error),
            };
        }
        if scope != SignOutScope::Others {
            self.client.cookies().remove_session();
        }
        outcome
    }

    /// Records a sign-out of `scope` with `access_token` in the handle's
    /// [`SignedOutSessions`] (and tells the [`SignOutListener`]), and forgets the claims
    /// cached for the request's cookie and that token.
    ///
    /// Recorded whatever the Auth server answered, a transient failure included: the user
    /// asked to sign out and the cookies are being deleted, and refusing here only makes this
    /// process stricter than the server. But only from a token that verifies (or that the
    /// server accepted on `POST /logout`, when only the server can check it): a forged cookie
    /// must not sign its victim out of this process. An `others` sign-out from a session this
    /// process refuses already records nothing (the server refuses that call too).
    async fn record_sign_out(&self, access_token: &str, scope: SignOutScope, accepted: bool) {
        let shared = &self.client.shared;
        let verifier = &shared.verifier;
        let claims = match verifier.verify(access_token).await {
            Ok(verify::Verified::Claims(claims)) => Some(claims),
            Ok(verify::Verified::NeedsServerCheck) if accepted => {
                verifier.claims_confirmed_by_server(access_token).ok()
            }
            Ok(verify::Verified::NeedsServerCheck) => None,
            Err(error) => {
                tracing::debug!(reason = %error, "not recording the sign-out of a token that does not verify");
                None
            }
        };
        let Some(claims) = claims else {
            return;
        };
        if scope == SignOutScope::Others && shared.sign_outs.set.refuses(&claims) {
            return;
        }
        shared.sign_outs.record_claims(verifier, &claims, scope);
        if scope != SignOutScope::Others {
            verifier.forget_session(self.cookie_lookup().key, access_token);
        }
    }
}
