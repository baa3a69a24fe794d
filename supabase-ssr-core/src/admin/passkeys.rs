//! The passkeys of users, as an admin sees them (auth-js `auth.admin.passkey`). Registering one
//! takes the browser's `WebAuthn` ceremony, so only listing and removing are here.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{check_uuid, user_path};
use crate::auth::AuthError;
use crate::auth::http::{AuthHttp, AuthRequest};

/// A passkey of a user (auth-js `PasskeyListItem`): no key material, only what identifies it.
/// Unknown fields are kept in `extra`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Passkey {
    /// Its id (a UUID): what [`AdminPasskeys::delete`] removes.
    pub id: String,
    /// The name the user gave it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// When it was registered (RFC 3339).
    #[serde(default)]
    pub created_at: String,
    /// When it was last used to sign in (RFC 3339), if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<String>,
    /// Every other field the Auth server sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The admin passkeys API; from [`AdminAuth::passkeys`](super::AdminAuth::passkeys).
#[derive(Debug, Clone, Copy)]
pub struct AdminPasskeys<'a> {
    pub(super) http: &'a AuthHttp,
}

impl AdminPasskeys<'_> {
    /// Every passkey of a user (`GET /admin/users/{id}/passkeys`).
    pub async fn list(&self, user_id: &str) -> Result<Vec<Passkey>, AuthError> {
        let path = user_path(user_id, "/passkeys")?;
        let mut request = AuthRequest::new(Method::GET, &path);
        request.endpoint = Some("admin/users/{id}/passkeys");
        let body = self.http.send(request).await?;
        serde_json::from_value(body.to_value()).map_err(|error| {
            AuthError::InvalidResponse(format!("the passkeys are not a list of passkeys: {error}"))
        })
    }

    /// Deletes a passkey of a user (`DELETE /admin/users/{id}/passkeys/{passkey_id}`), e.g. one
    /// on a lost device; the user can no longer sign in with it.
    pub async fn delete(&self, user_id: &str, passkey_id: &str) -> Result<(), AuthError> {
        check_uuid(passkey_id)?;
        let path = user_path(user_id, &format!("/passkeys/{passkey_id}"))?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.endpoint = Some("admin/users/{id}/passkeys/{passkey_id}");
        self.http.send(request).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_passkey_keeps_unknown_fields() {
        let passkeys: Vec<Passkey> = serde_json::from_value(serde_json::json!([
            {"id": "3f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f", "created_at": "2026-01-01T00:00:00Z",
             "friendly_name": "Laptop", "aaguid": "x"},
            {"id": "4f2b8c1e-9d4a-4b6e-8f00-1a2b3c4d5e6f", "created_at": "2026-01-01T00:00:00Z",
             "last_used_at": "2026-01-02T00:00:00Z"}
        ]))
        .unwrap();
        assert_eq!(passkeys[0].friendly_name.as_deref(), Some("Laptop"));
        assert_eq!(passkeys[0].extra["aaguid"], "x");
        assert_eq!(
            passkeys[1].last_used_at.as_deref(),
            Some("2026-01-02T00:00:00Z")
        );
    }
}
