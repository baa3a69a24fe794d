//! [`LocalAuth`]: the handle a test holds — start, seed, observe, break, stop.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::endpoint::Endpoint;
use super::errors::ApiError;
use super::factors::FactorType;
use super::faults::Fault;
use super::http;
use super::jwt;
use super::keys::{KeyAlgorithm, KeyError};
use super::options::{LocalAuthOptions, SeedUser, Settings};
use super::outbox::OutboxMessage;
use super::routes;
use super::state::{Inner, Shared};
use super::tls::{TlsIdentity, TlsSetupError};
use super::totp;

/// Why a library call on the server failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalAuthError {
    /// Binding the port failed.
    #[error("could not bind 127.0.0.1:{port}: {source}")]
    Bind {
        /// The port asked for.
        port: u16,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A key operation failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// The HTTPS certificate or configuration could not be made.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// No user has this id or email.
    #[error("no user `{0}`")]
    UnknownUser(String),
    /// No session has this id.
    #[error("no session `{0}`")]
    UnknownSession(String),
    /// The user has no verified MFA factor (for [`LocalAuth::mint_aal2_session`]).
    #[error("user `{0}` has no verified MFA factor")]
    NoVerifiedFactor(String),
    /// The operation failed the way the API would have.
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// Calls per endpoint since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters(pub BTreeMap<Endpoint, u64>);

impl Counters {
    /// Calls to `endpoint`.
    pub fn get(&self, endpoint: Endpoint) -> u64 {
        self.0.get(&endpoint).copied().unwrap_or(0)
    }

    /// Calls to every `/token` grant together.
    pub fn token_total(&self) -> u64 {
        [
            Endpoint::TokenPassword,
            Endpoint::TokenRefresh,
            Endpoint::TokenPkce,
            Endpoint::TokenIdToken,
            Endpoint::TokenOther,
        ]
        .into_iter()
        .map(|e| self.get(e))
        .sum()
    }
}

/// A session minted by [`LocalAuth::mint_session`].
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedSession {
    /// The access token (JWT).
    pub access_token: String,
    /// The refresh token.
    pub refresh_token: String,
    /// `expires_in` of the response (negative when minted already expired).
    pub expires_in: i64,
    /// `expires_at` (epoch seconds, server clock).
    pub expires_at: i64,
    /// The session id (`session_id` claim).
    pub session_id: String,
    /// The user id (`sub` claim).
    pub user_id: String,
    /// The whole token response, key order as the server sends it (what `@supabase/ssr`
    /// stores in the cookie).
    pub body: Value,
}

/// A running server. Dropping it stops it too; [`LocalAuth::stop`] also waits for the end.
#[derive(Debug)]
pub struct LocalAuth {
    shared: Arc<Shared>,
    addr: SocketAddr,
    /// The CA certificate (PEM) when serving HTTPS.
    ca_pem: Option<String>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl LocalAuth {
    /// Starts a server on `127.0.0.1:<options.port>` (0: any free port), over HTTPS when
    /// [`LocalAuthOptions::tls`] is set. Must be called inside a tokio runtime.
    pub async fn start(options: LocalAuthOptions) -> Result<Self, LocalAuthError> {
        let tls = options.tls.then(TlsIdentity::generate).transpose()?;
        let listener = TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(|source| LocalAuthError::Bind {
                port: options.port,
                source,
            })?;
        let addr = listener
            .local_addr()
            .map_err(|source| LocalAuthError::Bind {
                port: options.port,
                source,
            })?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let inner = Inner::new(&options, format!("{scheme}://{addr}"))?;
        let shared = Arc::new(Shared::new(
            inner,
            options.publishable_key.clone(),
            options.secret_key.clone(),
        ));
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(http::serve(
            listener,
            routes::router(Arc::clone(&shared)),
            tls.as_ref().map(|tls| tls.acceptor.clone()),
            rx,
        ));
        tracing::info!(%addr, scheme, "local auth server listening");
        Ok(Self {
            shared,
            addr,
            ca_pem: tls.map(|tls| tls.ca_pem),
            shutdown,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>` (`https://` over TLS): the Supabase project URL to give a
    /// client.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The PEM certificate of the CA that signed the server's certificate, when it serves
    /// HTTPS: what a client must trust, e.g. with
    /// `SupabaseBuilder::root_certificates_pem` or the `SUPABASE_CA_CERT` file. A new CA is made
    /// at every start; its key never leaves the process.
    pub fn ca_certificate_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// `<url>/auth/v1`: the Auth API base and the JWT issuer.
    pub fn auth_url(&self) -> String {
        format!("{}/auth/v1", self.url())
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The state, for the handle methods defined next to their features.
    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// The key clients must send as `apikey`.
    pub fn publishable_key(&self) -> &str {
        &self.shared.publishable_key
    }

    /// The secret (service-role) key: as `apikey` it makes a request a service-role one, allowed
    /// on the admin endpoints. Server-side code only, like the hosted service's secret keys.
    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    /// Stops the server: open connections (hanging requests included) are closed.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    // ---- users ----

    /// Creates a user; returns its id.
    pub fn add_user(&self, user: &SeedUser) -> Result<String, LocalAuthError> {
        Ok(self.shared.lock().create_user(user, "email")?)
    }

    /// The user's JSON as `GET /user` returns it, by id or email.
    pub fn user(&self, id_or_email: &str) -> Option<Value> {
        let inner = self.shared.lock();
        let id = inner.find_user_id(id_or_email)?;
        inner.user(&id).map(super::users::User::to_json)
    }

    /// Bans a user for `duration` (server clock): sign-in and refresh give `user_banned`, and
    /// calls with the user's access tokens 403 `user_banned`.
    pub fn ban_user(&self, id_or_email: &str, duration: Duration) -> Result<(), LocalAuthError> {
        let mut inner = self.shared.lock();
        let until = inner
            .clock
            .now_ms()
            .saturating_add(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX));
        with_user(&mut inner, id_or_email, |u| u.banned_until = Some(until))
    }

    /// Lifts a ban.
    pub fn unban_user(&self, id_or_email: &str) -> Result<(), LocalAuthError> {
        let mut inner = self.shared.lock();
        with_user(&mut inner, id_or_email, |u| u.banned_until = None)
    }

    // ---- sessions and tokens ----

    /// Signs a user in directly (no HTTP call, nothing counted) with an access token expiring
    /// `expires_in_secs` from now on the server clock; negative gives an already expired one.
    pub fn mint_session(
        &self,
        id_or_email: &str,
        expires_in_secs: i64,
    ) -> Result<IssuedSession, LocalAuthError> {
        let mut inner = self.shared.lock();
        let id = user_id(&inner, id_or_email)?;
        let body = inner.sign_in_with_ttl(&id, "password", expires_in_secs, None)?;
        Ok(issued(&inner, id, body))
    }

    /// [`LocalAuth::mint_session`] at `aal2`: the session is signed in by password and then
    /// verified with the user's newest verified factor, so its access token carries
    /// `"aal":"aal2"` and the factor's `amr` entry (`totp` or `mfa/phone`) and its refreshes
    /// stay aal2. Unlike a verification over HTTP, the user's other sessions are left alone.
    /// Give the user a factor first, e.g. with [`LocalAuth::add_verified_totp_factor`].
    pub fn mint_aal2_session(
        &self,
        id_or_email: &str,
        expires_in_secs: i64,
    ) -> Result<IssuedSession, LocalAuthError> {
        let mut inner = self.shared.lock();
        let id = user_id(&inner, id_or_email)?;
        let factor = inner
            .user(&id)
            .and_then(|u| u.factors.iter().rev().find(|f| f.verified).cloned())
            .ok_or_else(|| LocalAuthError::NoVerifiedFactor(id_or_email.to_owned()))?;
        let first = inner.sign_in_with_ttl(&id, "password", expires_in_secs, None)?;
        let first = issued(&inner, id.clone(), first);
        let now = inner.clock.now_secs();
        if let Some(session) = inner.sessions.get_mut(&first.session_id) {
            session.step_up(&factor.id, factor.kind.amr_method(), now);
        }
        let body = inner.token_response(
            &first.session_id,
            &first.refresh_token,
            expires_in_secs,
            None,
        )?;
        Ok(issued(&inner, id, body))
    }

    // ---- MFA ----

    /// Gives the user a verified TOTP factor, as if enrolled and verified (no limits checked, no
    /// session changed); returns `(factor id, base32 secret)`. Codes for it come from
    /// [`LocalAuth::totp_code`].
    pub fn add_verified_totp_factor(
        &self,
        id_or_email: &str,
    ) -> Result<(String, String), LocalAuthError> {
        let mut inner = self.shared.lock();
        let id = user_id(&inner, id_or_email)?;
        let secret = totp::new_secret()?;
        let n = inner.user(&id).map_or(0, |u| u.factors.len()) + 1;
        let factor = inner.add_factor(
            &id,
            FactorType::Totp,
            &format!("TOTP {n}"),
            secret.clone(),
            String::new(),
        )?;
        if let Some(f) = inner.user_mut(&id).and_then(|u| u.factors.last_mut()) {
            f.verified = true;
        }
        Ok((factor.id, secret))
    }

    // ---- Passkeys and custom providers ----

    /// Gives the user a passkey, as the browser's `WebAuthn` registration would (which this server
    /// does not run), named `Passkey <n>`; returns its id. The admin API lists and deletes it;
    /// nothing signs in with it.
    pub fn add_passkey(&self, id_or_email: &str) -> Result<String, LocalAuthError> {
        let mut inner = self.shared.lock();
        let id = user_id(&inner, id_or_email)?;
        let n = inner.passkeys.iter().filter(|p| p.user_id == id).count() + 1;
        Ok(inner.add_passkey(&id, &format!("Passkey {n}")))
    }

    /// The client secret a custom provider (`custom:…`) holds now, which its JSON never shows.
    pub fn custom_provider_secret(&self, identifier: &str) -> Option<String> {
        let inner = self.shared.lock();
        inner
            .custom_provider(identifier)
            .map(|p| p.client_secret().to_owned())
    }

    /// The current TOTP code for `secret` by the server's clock (which
    /// [`LocalAuth::advance`] moves): what an authenticator app would show the user now.
    pub fn totp_code(&self, secret: &str) -> String {
        let now = self.shared.lock().clock.now_secs();
        totp::totp_code_at(secret, u64::try_from(now).unwrap_or_default())
    }

    /// The session ids of a user, oldest first.
    pub fn sessions(&self, id_or_email: &str) -> Vec<String> {
        let inner = self.shared.lock();
        inner
            .find_user_id(id_or_email)
            .map(|id| inner.sessions_of(&id))
            .unwrap_or_default()
    }

    /// Revokes a session as if deleted by an admin: refresh gives `session_not_found`, and its
    /// access tokens get 403 `session_not_found` from `/user`.
    pub fn revoke_session(&self, session_id: &str) -> Result<(), LocalAuthError> {
        let mut inner = self.shared.lock();
        let session = inner
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| LocalAuthError::UnknownSession(session_id.to_owned()))?;
        session.revoked = true;
        Ok(())
    }

    /// Ends a session's lifetime now: refresh gives `session_expired`.
    pub fn expire_session(&self, session_id: &str) -> Result<(), LocalAuthError> {
        let mut inner = self.shared.lock();
        let now = inner.clock.now_ms();
        let session = inner
            .sessions
            .get_mut(session_id)
            .ok_or_else(|| LocalAuthError::UnknownSession(session_id.to_owned()))?;
        session.not_after = Some(now);
        Ok(())
    }

    // ---- keys and JWTs ----

    /// The JWKS the server publishes.
    pub fn jwks(&self) -> Value {
        self.shared.lock().keys.jwks()
    }

    /// The `kid` of the key signing new tokens.
    pub fn signing_kid(&self) -> Result<String, LocalAuthError> {
        Ok(self.shared.lock().keys.signing_key()?.kid().to_owned())
    }

    /// Adds a key (published, verifying) that does not sign yet; returns its `kid`.
    pub fn add_key(&self, alg: KeyAlgorithm) -> Result<String, LocalAuthError> {
        Ok(self.shared.lock().keys.add(alg)?)
    }

    /// Makes `kid` the signing key.
    pub fn set_signing_key(&self, kid: &str) -> Result<(), LocalAuthError> {
        Ok(self.shared.lock().keys.set_signing(kid)?)
    }

    /// Adds a key and makes it the signing key at once; returns its `kid`. The old key stays
    /// published and verifying until [`LocalAuth::retire_key`].
    pub fn rotate_key(&self, alg: KeyAlgorithm) -> Result<String, LocalAuthError> {
        let mut inner = self.shared.lock();
        let kid = inner.keys.add(alg)?;
        inner.keys.set_signing(&kid)?;
        Ok(kid)
    }

    /// Removes a key: no longer published, tokens it signed no longer verify.
    pub fn retire_key(&self, kid: &str) -> Result<(), LocalAuthError> {
        Ok(self.shared.lock().keys.retire(kid)?)
    }

    /// Signs arbitrary claims with the current key and its usual header.
    pub fn sign_jwt(&self, claims: &Value) -> Result<String, LocalAuthError> {
        Ok(self.shared.lock().sign_claims(claims)?)
    }

    /// Signs arbitrary claims under an arbitrary header with the current key (the header may
    /// lie about `alg` or `kid`: for hostile-input tests).
    pub fn sign_jwt_with_header(
        &self,
        header: &Value,
        claims: &Value,
    ) -> Result<String, LocalAuthError> {
        let inner = self.shared.lock();
        Ok(jwt::encode(header, claims, inner.keys.signing_key()?)?)
    }

    // ---- clock and settings ----

    /// Moves the server clock forward: tokens and codes expire without sleeping.
    pub fn advance(&self, by: Duration) {
        self.shared.lock().clock.advance(by);
    }

    /// Puts the server clock back to wall time.
    pub fn reset_clock(&self) {
        self.shared.lock().clock.reset();
    }

    /// Epoch seconds on the server clock.
    pub fn now_secs(&self) -> i64 {
        self.shared.lock().clock.now_secs()
    }

    /// The current settings.
    pub fn settings(&self) -> Settings {
        self.shared.lock().settings.clone()
    }

    /// Changes settings on the running server (for example
    /// `|s| s.access_token_ttl = Duration::from_secs(5)`).
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) {
        f(&mut self.shared.lock().settings);
    }

    // ---- counters and faults ----

    /// Calls per endpoint.
    pub fn counters(&self) -> Counters {
        Counters(self.shared.lock().counters.clone())
    }

    /// Calls to one endpoint.
    pub fn count(&self, endpoint: Endpoint) -> u64 {
        self.counters().get(endpoint)
    }

    /// Sets every counter to zero.
    pub fn reset_counters(&self) {
        self.shared.lock().counters.clear();
    }

    /// Replaces the faults of `endpoint` with `fault`.
    pub fn set_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.shared.lock().faults.set(endpoint, fault);
    }

    /// Queues `fault` after the endpoint's current faults (e.g. two 503s, then a drop).
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.shared.lock().faults.push(endpoint, fault);
    }

    /// Removes the faults of `endpoint`.
    pub fn clear_fault(&self, endpoint: Endpoint) {
        self.shared.lock().faults.clear(endpoint);
    }

    /// Removes every fault.
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear_all();
    }

    // ---- outbox ----

    /// Every message "sent", oldest first.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.shared.lock().outbox.clone()
    }

    /// The newest message to `address` (email compared case-insensitively; a phone number
    /// matches with or without its leading `+`, as MFA codes go to the number without it).
    pub fn last_message_to(&self, address: &str) -> Option<OutboxMessage> {
        let address = address.trim().to_lowercase();
        let bare = address.strip_prefix('+').unwrap_or(&address);
        self.shared
            .lock()
            .outbox
            .iter()
            .rev()
            .find(|m| {
                let to = m.to.to_lowercase();
                to == address || to.strip_prefix('+').unwrap_or(&to) == bare
            })
            .cloned()
    }

    /// Empties the outbox.
    pub fn clear_outbox(&self) {
        self.shared.lock().outbox.clear();
    }
}

/// An [`IssuedSession`] from a token response.
fn issued(inner: &Inner, user_id: String, body: Value) -> IssuedSession {
    let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
    let access_token = text("access_token");
    let claims = jwt::verify(&access_token, &inner.keys, i64::MIN);
    let session_id = claims
        .ok()
        .and_then(|c| c["session_id"].as_str().map(str::to_owned))
        .or_else(|| inner.sessions_of(&user_id).pop())
        .unwrap_or_default();
    IssuedSession {
        refresh_token: text("refresh_token"),
        expires_in: body["expires_in"].as_i64().unwrap_or_default(),
        expires_at: body["expires_at"].as_i64().unwrap_or_default(),
        access_token,
        session_id,
        user_id,
        body,
    }
}

/// The id of the user `id_or_email` names.
fn user_id(inner: &Inner, id_or_email: &str) -> Result<String, LocalAuthError> {
    inner
        .find_user_id(id_or_email)
        .ok_or_else(|| LocalAuthError::UnknownUser(id_or_email.to_owned()))
}

fn with_user(
    inner: &mut Inner,
    id_or_email: &str,
    f: impl FnOnce(&mut super::users::User),
) -> Result<(), LocalAuthError> {
    let id = user_id(inner, id_or_email)?;
    inner
        .user_mut(&id)
        .map(f)
        .ok_or_else(|| LocalAuthError::UnknownUser(id_or_email.to_owned()))
}

impl Drop for LocalAuth {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}
