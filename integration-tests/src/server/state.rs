//! Everything the server knows, behind one mutex (never held across an `.await`).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use super::clock::Clock;
use super::custom_providers::CustomProvider;
use super::endpoint::Endpoint;
use super::faults::FaultTable;
use super::identities::PendingLink;
use super::keys::{KeyAlgorithm, KeyError, KeyRing, SigningKey};
use super::mfa::Challenge;
use super::oauth_server::OAuthServerState;
use super::options::{LocalAuthOptions, Settings};
use super::otp::OtpRecord;
use super::outbox::OutboxMessage;
use super::passkeys::Passkey;
use super::pkce::FlowState;
use super::sessions::{RefreshToken, Session};
use super::sso::RelayState;
use super::users::User;

/// The mutable state of one server.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) base_url: String,
    pub(crate) settings: Settings,
    pub(crate) clock: Clock,
    pub(crate) keys: KeyRing,
    /// The test OIDC provider's signing key (`grant_type=id_token`).
    pub(crate) oidc_key: SigningKey,
    pub(crate) users: Vec<User>,
    pub(crate) sessions: HashMap<String, Session>,
    pub(crate) refresh_tokens: HashMap<String, RefreshToken>,
    /// Issue order of refresh tokens: the active token of a session is its newest unrevoked one.
    pub(crate) next_seq: u64,
    /// PKCE flow states by auth code.
    pub(crate) flows: HashMap<String, FlowState>,
    pub(crate) otps: Vec<OtpRecord>,
    /// MFA challenges waiting for (or consumed by) a verification.
    pub(crate) mfa_challenges: Vec<Challenge>,
    pub(crate) outbox: Vec<OutboxMessage>,
    /// Manual identity links waiting for the provider's consent, by `state`.
    pub(crate) pending_links: HashMap<String, PendingLink>,
    /// SSO sign-ins waiting for the test identity provider, by `RelayState`.
    pub(crate) sso_relays: HashMap<String, RelayState>,
    /// The project as an OAuth 2.1 server: clients, authorizations, grants.
    pub(crate) oauth_server: OAuthServerState,
    pub(crate) counters: BTreeMap<Endpoint, u64>,
    pub(crate) faults: FaultTable,
    /// Passkeys of users, as [`super::LocalAuth::add_passkey`] stored them.
    pub(crate) passkeys: Vec<Passkey>,
    /// Custom OAuth/OIDC providers from `POST /admin/custom-providers`, oldest first.
    pub(crate) custom_providers: Vec<CustomProvider>,
}

impl Inner {
    /// A server's state with its users created; `base_url` is `http://127.0.0.1:<port>`.
    pub(crate) fn new(options: &LocalAuthOptions, base_url: String) -> Result<Self, KeyError> {
        let mut inner = Self {
            base_url,
            settings: options.settings.clone(),
            clock: Clock::default(),
            keys: KeyRing::new(options.jwt_algorithm, &options.jwt_secret)?,
            oidc_key: SigningKey::generate(KeyAlgorithm::Es256, "")?,
            users: Vec::new(),
            sessions: HashMap::new(),
            refresh_tokens: HashMap::new(),
            next_seq: 0,
            flows: HashMap::new(),
            otps: Vec::new(),
            mfa_challenges: Vec::new(),
            outbox: Vec::new(),
            pending_links: HashMap::new(),
            sso_relays: HashMap::new(),
            oauth_server: OAuthServerState::default(),
            counters: BTreeMap::new(),
            faults: FaultTable::default(),
            passkeys: Vec::new(),
            custom_providers: Vec::new(),
        };
        for seed in &options.users {
            // Duplicate seeds keep the first; nothing else can fail here.
            if let Err(error) = inner.create_user(seed, "email") {
                tracing::warn!(%error, "seed user skipped");
            }
        }
        Ok(inner)
    }

    /// `<base>/auth/v1`, the JWT issuer.
    pub(crate) fn issuer(&self) -> String {
        format!("{}/auth/v1", self.base_url)
    }
}

/// State shared by the handle and the request handlers.
#[derive(Debug)]
pub(crate) struct Shared {
    inner: Mutex<Inner>,
    pub(crate) publishable_key: String,
    /// The service-role key (`apikey` of admin calls).
    pub(crate) secret_key: String,
}

impl Shared {
    pub(crate) fn new(inner: Inner, publishable_key: String, secret_key: String) -> Self {
        Self {
            inner: Mutex::new(inner),
            publishable_key,
            secret_key,
        }
    }

    /// The state. A panic while it was held cannot leave it half-written in a way that matters
    /// for a test server, so a poisoned lock is simply taken over.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Inner;
    use crate::server::options::{LocalAuthOptions, SeedUser};

    pub(crate) const EMAIL: &str = "user@example.com";
    pub(crate) const PASSWORD: &str = "password123";

    /// State with one confirmed user, as a server on a dummy URL would have.
    pub(crate) fn inner() -> Inner {
        let options = LocalAuthOptions::default().user(SeedUser::new(EMAIL, PASSWORD));
        Inner::new(&options, "http://127.0.0.1:1".to_owned()).unwrap()
    }

    pub(crate) fn user_id(inner: &Inner) -> String {
        inner.user_by_email(EMAIL).unwrap().id.clone()
    }
}
