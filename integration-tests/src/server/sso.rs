//! SAML single sign-on with a test identity provider (`gotrue:internal/api/sso.go`,
//! `samlacs.go`).
//!
//! Each domain of [`Settings::sso_domains`](super::Settings::sso_domains) has a provider whose
//! id is derived from the domain (stable across restarts). `POST /sso` answers with the URL of
//! the test identity provider's page (`/__idp/sso`, a form with a Continue button); the form posts to
//! `/auth/v1/sso/saml/acs` (standing in for the SAML response), which signs the account in and
//! sends the browser to `redirect_to` with `?code=` (PKCE) or the session in the fragment.

use aws_lc_rs::digest;

use super::errors::ApiError;
use super::handle::LocalAuth;
use super::identities::ProviderAccount;
use super::options::SeedUser;
use super::random;
use super::state::Inner;

/// A sign-in started by `POST /sso`, waiting for the identity provider (`models.SAMLRelayState`).
#[derive(Debug, Clone)]
pub(crate) struct RelayState {
    pub(crate) provider_id: String,
    pub(crate) domain: String,
    pub(crate) redirect_to: Option<String>,
    /// The PKCE flow's auth code, when the request carried a challenge.
    pub(crate) flow: Option<String>,
    pub(crate) created_at: i64,
}

/// The provider id of an SSO domain: a v4-shaped UUID from the domain's SHA-256.
pub(crate) fn provider_id_of(domain: &str) -> String {
    let d = digest::digest(&digest::SHA256, format!("sso:{domain}").as_bytes());
    let mut bytes = [0_u8; 16];
    bytes.copy_from_slice(&d.as_ref()[..16]);
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .to_string()
}

impl LocalAuth {
    /// The id of the test SSO provider of `domain` (see
    /// [`LocalAuthOptions::sso_domain`](super::LocalAuthOptions::sso_domain)), for
    /// `signInWithSSO({providerId})`; `None` if the domain has none.
    pub fn sso_provider_id(&self, domain: &str) -> Option<String> {
        self.shared().lock().sso_provider_by_domain(domain)
    }
}

impl Inner {
    pub(crate) fn sso_provider_by_domain(&self, domain: &str) -> Option<String> {
        let domain = domain.trim().to_lowercase();
        self.settings
            .sso_domains
            .contains(&domain)
            .then(|| provider_id_of(&domain))
    }

    /// The domain of provider `id`, if it exists.
    pub(crate) fn sso_domain_of(&self, id: &str) -> Option<String> {
        self.settings
            .sso_domains
            .iter()
            .find(|d| provider_id_of(d) == id)
            .cloned()
    }

    /// Stores a relay state; returns its id (the SAML `RelayState`).
    pub(crate) fn start_sso(&mut self, relay: RelayState) -> String {
        let id = random::uuid();
        self.sso_relays.insert(id.clone(), relay);
        id
    }

    /// A relay state, consumed: `saml_relay_state_not_found` / `saml_relay_state_expired`.
    pub(crate) fn take_relay(&mut self, id: &str) -> Result<RelayState, ApiError> {
        let relay = self.sso_relays.remove(id).ok_or_else(|| {
            ApiError::new(
                404,
                "saml_relay_state_not_found",
                "SAML RelayState does not exist, try logging in again?",
            )
        })?;
        let ttl_ms = i64::try_from(self.settings.flow_state_ttl.as_millis()).unwrap_or(i64::MAX);
        if self.clock.now_ms() >= relay.created_at.saturating_add(ttl_ms) {
            return Err(ApiError::new(
                400,
                "saml_relay_state_expired",
                "SAML RelayState has expired, try logging in again",
            ));
        }
        Ok(relay)
    }

    /// Signs the identity provider's account in: the user holding its `sso:<provider id>`
    /// identity, else a new SSO user, apart from any other user with that email
    /// (`createAccountFromExternalIdentity` for SSO).
    pub(crate) fn sso_user(&mut self, relay: &RelayState, email: &str) -> Result<String, ApiError> {
        let email = email.trim().to_lowercase();
        if email.is_empty() {
            return Err(ApiError::unprocessable(
                "saml_assertion_no_email",
                "SAML Assertion does not contain an email address",
            ));
        }
        let account = ProviderAccount {
            provider: format!("sso:{}", relay.provider_id),
            subject: email.clone(),
            email,
            email_verified: true,
            extra: serde_json::json!({
                "custom_claims": {"domain": relay.domain},
                "iss": format!("{}/__idp/{}", self.base_url, relay.provider_id),
            }),
        };
        if self
            .identity_owner(&account.provider, &account.subject)
            .is_none()
        {
            // Created without an email (so no clash with a user who has it), then given it.
            let mut seed = SeedUser::new("", "");
            seed.user_metadata = account.data();
            let id = self.create_user(&seed, &account.provider)?;
            if let Some(user) = self.user_mut(&id) {
                user.email.clone_from(&account.email);
                user.sso = true;
            }
            self.add_provider_identity(&id, &account)?;
        }
        self.external_user(&account)
    }
}
