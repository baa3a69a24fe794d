//! Identities: the ways a user can sign in (`gotrue:internal/models/identity.go`).
//!
//! Email and phone users get an identity for their address when created; the test OAuth and OIDC
//! providers and SSO add theirs. `app_metadata.providers` follows the identities, as the Go
//! server's `UpdateAppMetaDataProviders` derives it.

use std::fmt::Write as _;

use aws_lc_rs::digest;
use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::random;
use super::state::Inner;

/// One identity of a user.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    /// `identity_id` in JSON (the row id).
    pub(crate) id: String,
    /// `id` in JSON: the provider's subject (`sub`).
    pub(crate) provider_id: String,
    pub(crate) provider: String,
    pub(crate) data: Value,
    pub(crate) email: Option<String>,
    pub(crate) last_sign_in_at: i64,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
}

impl Identity {
    /// The JSON the API returns (key order of the Go struct; `identity_id` is the row id and
    /// `id` the provider's subject, for backward compatibility with the JS client).
    pub(crate) fn to_json(&self, user_id: &str) -> Value {
        let mut m = Map::new();
        m.insert("identity_id".into(), json!(self.id));
        m.insert("id".into(), json!(self.provider_id));
        m.insert("user_id".into(), json!(user_id));
        m.insert("identity_data".into(), self.data.clone());
        m.insert("provider".into(), json!(self.provider));
        m.insert(
            "last_sign_in_at".into(),
            json!(rfc3339(self.last_sign_in_at)),
        );
        m.insert("created_at".into(), json!(rfc3339(self.created_at)));
        m.insert("updated_at".into(), json!(rfc3339(self.updated_at)));
        if let Some(email) = &self.email {
            m.insert("email".into(), json!(email));
        }
        Value::Object(m)
    }
}

/// A link started by `GET /user/identities/authorize`, waiting for the provider's consent.
#[derive(Debug, Clone)]
pub(crate) struct PendingLink {
    pub(crate) user_id: String,
    pub(crate) created_at: i64,
}

/// What a provider says about the account (the Go server's `provider.Claims`).
#[derive(Debug, Clone)]
pub(crate) struct ProviderAccount {
    pub(crate) provider: String,
    pub(crate) subject: String,
    pub(crate) email: String,
    pub(crate) email_verified: bool,
    /// Extra claims (`iss`, `full_name`, …) merged into `identity_data`.
    pub(crate) extra: Value,
}

impl ProviderAccount {
    /// `identity_data`: the claims as the Go server stores them (a JSON map, keys sorted).
    pub(crate) fn data(&self) -> Value {
        let mut data = serde_json::Map::new();
        if let Some(extra) = self.extra.as_object() {
            data.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        data.insert("email".into(), json!(self.email.to_lowercase()));
        data.insert("email_verified".into(), json!(self.email_verified));
        data.insert("phone_verified".into(), json!(false));
        data.insert("provider_id".into(), json!(self.subject));
        data.insert("sub".into(), json!(self.subject));
        data.sort_keys();
        Value::Object(data)
    }
}

/// A stable subject for an account of a test provider: the same email always gets the same id,
/// as a real provider's account would.
pub(crate) fn test_subject(email: &str) -> String {
    let d = digest::digest(&digest::SHA256, email.trim().to_lowercase().as_bytes());
    d.as_ref()[..10].iter().fold(String::new(), |mut hex, b| {
        let _ = write!(hex, "{b:02x}");
        hex
    })
}

impl Inner {
    /// Starts a manual link for `user_id`; returns the `state` the provider hands back.
    pub(crate) fn start_link(&mut self, user_id: &str) -> String {
        let state = random::uuid();
        let created_at = self.clock.now_ms();
        self.pending_links.insert(
            state.clone(),
            PendingLink {
                user_id: user_id.to_owned(),
                created_at,
            },
        );
        state
    }

    /// The user a pending link is for, consumed; `None` if unknown or older than a flow state
    /// lives.
    pub(crate) fn take_link(&mut self, state: &str) -> Option<String> {
        let link = self.pending_links.remove(state)?;
        let ttl_ms = i64::try_from(self.settings.flow_state_ttl.as_millis()).unwrap_or(i64::MAX);
        (self.clock.now_ms() < link.created_at.saturating_add(ttl_ms))
            .then_some(link.user_id)
            .filter(|id| self.user(id).is_some())
    }

    /// Adds an identity to `user_id` and re-derives `app_metadata.providers`.
    pub(crate) fn add_identity(
        &mut self,
        user_id: &str,
        provider: &str,
        provider_id: &str,
        identity_data: Value,
    ) -> Result<String, ApiError> {
        let now = self.clock.now_ms();
        let email = identity_data
            .get("email")
            .and_then(Value::as_str)
            .filter(|e| !e.is_empty())
            .map(str::to_lowercase);
        let identity = Identity {
            id: random::uuid(),
            provider_id: provider_id.to_owned(),
            provider: provider.to_owned(),
            data: identity_data,
            email,
            last_sign_in_at: now,
            created_at: now,
            updated_at: now,
        };
        let id = identity.id.clone();
        let user = self
            .user_mut(user_id)
            .ok_or_else(|| ApiError::internal("identity for a missing user"))?;
        user.identities.push(identity);
        user.update_providers();
        Ok(id)
    }

    /// Adds the identity a provider account describes.
    pub(crate) fn add_provider_identity(
        &mut self,
        user_id: &str,
        account: &ProviderAccount,
    ) -> Result<String, ApiError> {
        self.add_identity(user_id, &account.provider, &account.subject, account.data())
    }

    /// The user holding the identity `(provider, subject)`, if any.
    pub(crate) fn identity_owner(&self, provider: &str, subject: &str) -> Option<String> {
        self.users
            .iter()
            .find(|u| {
                u.identities
                    .iter()
                    .any(|i| i.provider == provider && i.provider_id == subject)
            })
            .map(|u| u.id.clone())
    }

    /// Links a provider account to `user_id` (`linkIdentityToUser`): 422
    /// `identity_already_exists` when the account is already linked to anyone.
    pub(crate) fn link_account(
        &mut self,
        user_id: &str,
        account: &ProviderAccount,
    ) -> Result<(), ApiError> {
        if let Some(owner) = self.identity_owner(&account.provider, &account.subject) {
            let message = if owner == user_id {
                "Identity is already linked"
            } else {
                "Identity is already linked to another user"
            };
            return Err(ApiError::unprocessable("identity_already_exists", message));
        }
        self.add_provider_identity(user_id, account)?;
        // A user without an email (anonymous, phone) takes the provider's: confirmed when the
        // provider verified it, and an anonymous user becomes a permanent one.
        let now = self.clock.now_ms();
        let taken = self.user_by_email(&account.email).is_some();
        if let Some(user) = self.user_mut(user_id)
            && user.email.is_empty()
            && !account.email.is_empty()
            && !taken
        {
            user.email = account.email.to_lowercase();
            if account.email_verified {
                user.email_confirmed_at = Some(now);
                user.anonymous = false;
            }
            user.updated_at = now;
        }
        Ok(())
    }

    /// Signs a provider account in (`createAccountFromExternalIdentity`, simplified): the user
    /// holding its identity; else the user with its (verified) email, which gets the identity;
    /// else a new confirmed user.
    pub(crate) fn external_user(&mut self, account: &ProviderAccount) -> Result<String, ApiError> {
        if let Some(id) = self.identity_owner(&account.provider, &account.subject) {
            let now = self.clock.now_ms();
            if let Some(identity) = self.user_mut(&id).and_then(|u| {
                u.identities
                    .iter_mut()
                    .find(|i| i.provider == account.provider && i.provider_id == account.subject)
            }) {
                identity.last_sign_in_at = now;
                identity.updated_at = now;
            }
            return Ok(id);
        }
        let existing = self
            .user_by_email(&account.email)
            .filter(|_| account.email_verified)
            .map(|u| u.id.clone());
        let id = if let Some(id) = existing {
            id
        } else {
            let mut seed = super::options::SeedUser::new(account.email.clone(), "");
            seed.confirmed = account.email_verified;
            seed.user_metadata = account.data();
            self.create_user(&seed, &account.provider)?
        };
        self.add_provider_identity(&id, account)?;
        Ok(id)
    }

    /// Unlinks identity `identity_id` from `user_id` (`DeleteIdentity`).
    pub(crate) fn unlink_identity(
        &mut self,
        user_id: &str,
        identity_id: &str,
    ) -> Result<(), ApiError> {
        if uuid::Uuid::parse_str(identity_id).is_err() {
            return Err(ApiError::new(
                404,
                "validation_failed",
                "identity_id must be an UUID",
            ));
        }
        let now = self.clock.now_ms();
        let user = self
            .user_mut(user_id)
            .ok_or_else(|| ApiError::internal("unlink for a missing user"))?;
        if user.identities.len() <= 1 {
            return Err(ApiError::unprocessable(
                "single_identity_not_deletable",
                "User must have at least 1 identity after unlinking",
            ));
        }
        let position = user
            .identities
            .iter()
            .position(|i| i.id == identity_id)
            .ok_or_else(|| {
                ApiError::unprocessable("identity_not_found", "Identity doesn't exist")
            })?;
        let removed = user.identities.remove(position);
        if removed.provider == "phone" {
            user.phone.clear();
            user.phone_confirmed_at = None;
        } else if removed.email.as_deref() == Some(user.email.as_str())
            && !user
                .identities
                .iter()
                .any(|i| i.email.as_deref() == Some(user.email.as_str()))
        {
            // `UpdateUserEmailFromIdentities`: the email follows a remaining identity.
            if let Some(other) = user.identities.iter().find_map(|i| i.email.clone()) {
                user.email = other;
            }
        }
        user.update_providers();
        user.updated_at = now;
        Ok(())
    }
}

impl super::users::User {
    /// `app_metadata.providers` from the identities, oldest first, without duplicates.
    pub(crate) fn update_providers(&mut self) {
        let mut providers: Vec<Value> = Vec::new();
        for identity in &self.identities {
            let p = json!(identity.provider);
            if !providers.contains(&p) {
                providers.push(p);
            }
        }
        if providers.is_empty() {
            return;
        }
        if let Some(meta) = self.app_metadata.as_object_mut() {
            meta.insert("providers".into(), Value::Array(providers));
        }
    }
}
