//! Passkeys (`gotrue:internal/models/webauthn_credential.go`) as the admin API shows them.
//!
//! A real one is registered through the browser's `WebAuthn` ceremony, which this server does not
//! run; [`LocalAuth::add_passkey`](super::LocalAuth::add_passkey) stores one directly, with what
//! the Go server lists of it (no key material: nothing here verifies an assertion).

use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::random;
use super::state::Inner;

/// A passkey of a user.
#[derive(Debug, Clone)]
pub(crate) struct Passkey {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) friendly_name: String,
    pub(crate) created_at_ms: i64,
}

impl Passkey {
    /// The Go server's `PasskeyListItem`: `friendly_name` left out when empty, `last_used_at`
    /// until it is used (never, here).
    pub(crate) fn to_json(&self) -> Value {
        let mut item = Map::new();
        item.insert("id".into(), json!(self.id));
        if !self.friendly_name.is_empty() {
            item.insert("friendly_name".into(), json!(self.friendly_name));
        }
        item.insert("created_at".into(), json!(rfc3339(self.created_at_ms)));
        Value::Object(item)
    }
}

impl Inner {
    /// Stores a passkey for the user; its id.
    pub(crate) fn add_passkey(&mut self, user_id: &str, friendly_name: &str) -> String {
        let id = random::uuid();
        self.passkeys.push(Passkey {
            id: id.clone(),
            user_id: user_id.to_owned(),
            friendly_name: friendly_name.to_owned(),
            created_at_ms: self.clock.now_ms(),
        });
        id
    }

    /// The user's passkeys, oldest first (`FindWebAuthnCredentialsByUserID`).
    pub(crate) fn passkeys_of(&self, user_id: &str) -> Vec<Value> {
        self.passkeys
            .iter()
            .filter(|p| p.user_id == user_id)
            .map(Passkey::to_json)
            .collect()
    }

    /// `AdminPasskeyDelete`: a passkey of another user is not found, as the Go server looks it
    /// up by both ids.
    pub(crate) fn delete_passkey(
        &mut self,
        user_id: &str,
        passkey_id: &str,
    ) -> Result<(), ApiError> {
        let not_found = || ApiError::new(404, "validation_failed", "Passkey not found");
        if uuid::Uuid::parse_str(passkey_id).is_err() {
            return Err(not_found());
        }
        let before = self.passkeys.len();
        self.passkeys
            .retain(|p| !(p.user_id == user_id && p.id.eq_ignore_ascii_case(passkey_id)));
        if self.passkeys.len() == before {
            return Err(not_found());
        }
        Ok(())
    }
}
