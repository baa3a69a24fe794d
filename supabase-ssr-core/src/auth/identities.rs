//! The identities of the signed-in user: listing, linking (OAuth with PKCE) and unlinking.

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::http::AuthRequest;
use super::pkce::PkceFlow;
use super::sso::answer_url;
use super::types::{OAuthRedirect, OAuthSignIn};
use super::{Auth, AuthError, id_path};
use crate::User;

/// One way a user can sign in (email, phone, an OAuth or OIDC provider, SSO): the Auth server's identity
/// object, every field kept (serializes as the object itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Identity {
    fields: Map<String, Value>,
}

impl Identity {
    /// The provider's id of the user (e.g. the `sub` of its tokens; the user id for `email`).
    pub fn id(&self) -> &str {
        self.str_field("id")
    }

    /// The identity's own id (a UUID): what [`Auth::unlink_identity`] removes.
    pub fn identity_id(&self) -> &str {
        self.str_field("identity_id")
    }

    /// The user it belongs to.
    pub fn user_id(&self) -> &str {
        self.str_field("user_id")
    }

    /// `email`, `phone`, `github`, `google`, `sso:<id>`, …
    pub fn provider(&self) -> &str {
        self.str_field("provider")
    }

    /// The identity's email address, if it has one.
    pub fn email(&self) -> Option<&str> {
        self.fields
            .get("email")
            .and_then(Value::as_str)
            .filter(|email| !email.is_empty())
    }

    /// What the provider said about the user (`sub`, `email`, `name`, `avatar_url`, …).
    pub fn identity_data(&self) -> Option<&Map<String, Value>> {
        self.fields.get("identity_data").and_then(Value::as_object)
    }

    /// All fields (`created_at`, `last_sign_in_at`, `updated_at`, and any newer ones).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    fn str_field(&self, key: &str) -> &str {
        self.fields.get(key).and_then(Value::as_str).unwrap_or("")
    }
}

impl From<Map<String, Value>> for Identity {
    fn from(fields: Map<String, Value>) -> Self {
        Self { fields }
    }
}

impl User {
    /// The user's identities as this user object lists them (entries that are not objects are
    /// skipped). A session's stored user lists them as they were when the session was issued;
    /// [`Auth::user_identities`] asks the server.
    pub fn identities(&self) -> Vec<Identity> {
        self.fields()
            .get("identities")
            .and_then(Value::as_array)
            .map(|list| {
                list.iter()
                    .filter_map(Value::as_object)
                    .map(|fields| Identity::from(fields.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl Auth<'_> {
    /// The signed-in user's identities, from the user as the server has it now
    /// ([`Auth::get_user`], as auth-js's `getUserIdentities` reads them).
    pub async fn user_identities(&self) -> Result<Vec<Identity>, AuthError> {
        self.first_party("user_identities")?;
        Ok(self.get_user().await?.identities())
    }

    /// Starts linking an OAuth provider's identity to the signed-in user (auth-js's
    /// `linkIdentity` with a provider): stores the PKCE verifier cookies and asks the Auth
    /// server (`GET /user/identities/authorize`, as the user) for the provider's URL. Redirect
    /// the browser there; the provider sends the user back to `redirect_to` with a `code` for
    /// [`Auth::exchange_code_for_session`], whose session then has the new identity.
    ///
    /// The project must allow manual linking (`manual_linking_disabled` otherwise). Without a
    /// session: [`AuthError::SessionMissing`], no call made and no cookie written; the flow's
    /// verifier is forgotten on any failure.
    pub async fn link_identity(&self, oauth: &OAuthSignIn) -> Result<OAuthRedirect, AuthError> {
        self.first_party("link_identity")?;
        let session = self.require_session().await?;
        let flow = PkceFlow::generate();
        super::pkce::store_verifier(&mut self.client.cookies(), &flow, "");
        // auth-js asks for the URL as JSON rather than a redirect: `skipBrowserRedirect`.
        let query = format!(
            "{}&skip_http_redirect=true",
            self.provider_query(oauth, &flow)
        );
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (&**k, &**v)).collect();
        let mut request = AuthRequest::new(Method::GET, "user/identities/authorize");
        request.query = &pairs;
        request.bearer = Some(session.access_token());
        let result = self.http().send(request).await.and_then(|answer| {
            answer_url(&answer).ok_or_else(|| {
                AuthError::InvalidResponse("GET /user/identities/authorize returned no url".into())
            })
        });
        self.end_failed_flow(Some(&flow), &result);
        Ok(OAuthRedirect {
            provider: oauth.provider.clone(),
            url: result?,
            flow_id: flow.flow_id,
        })
    }

    /// Removes an identity from the signed-in user (`DELETE /user/identities/{identity_id}`),
    /// then refreshes the session.
    ///
    /// The server refuses to remove the user's last identity (`single_identity_not_deletable`)
    /// and one that is not the user's (`identity_not_found`). An `identity_id` that could leave
    /// its path segment is refused without a call (`validation_failed`, the server's answer to
    /// an id that is not a UUID).
    ///
    /// The access token in the cookies still lists the provider (`app_metadata.providers`)
    /// until it is refreshed, and the session's stored user still lists the identity; auth-js
    /// leaves that to the application. Here the refresh is part of the call, as
    /// [`Mfa::unenroll`](super::Mfa::unenroll) does. A refresh that fails after the identity
    /// is gone is logged and not returned (the identity is removed either way).
    pub async fn unlink_identity(&self, identity: &Identity) -> Result<(), AuthError> {
        self.first_party("unlink_identity")?;
        let path = id_path("user/identities", identity.identity_id(), "", "identity_id")?;
        let session = self.require_session().await?;
        let mut request = AuthRequest::new(Method::DELETE, &path);
        request.bearer = Some(session.access_token());
        self.http().send(request).await?;
        self.refresh_after("unlinking an identity").await;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(value: &serde_json::Value) -> User {
        User::from(value.as_object().unwrap().clone())
    }

    #[test]
    fn identities_are_read_from_the_user_with_every_field() {
        let user = user(&serde_json::json!({"id": "u", "identities": [
            {"identity_id": "5f1c", "id": "123", "user_id": "u", "provider": "github",
             "email": "a@b", "identity_data": {"sub": "123", "name": "Ada"}, "zz": 1},
            "not an identity",
            {"identity_id": "6a2d", "id": "u", "user_id": "u", "provider": "email", "email": ""}
        ]}));
        let identities = user.identities();
        assert_eq!(identities.len(), 2);
        let github = &identities[0];
        assert_eq!(github.identity_id(), "5f1c");
        assert_eq!(github.id(), "123");
        assert_eq!(github.user_id(), "u");
        assert_eq!(github.provider(), "github");
        assert_eq!(github.email(), Some("a@b"));
        assert_eq!(github.identity_data().unwrap()["name"], "Ada");
        assert_eq!(github.fields()["zz"], 1);
        assert_eq!(identities[1].email(), None);
        let text = serde_json::to_string(github).unwrap();
        let back: Identity = serde_json::from_str(&text).unwrap();
        assert_eq!(&back, github);
        assert!(
            self::user(&serde_json::json!({"id": "u"}))
                .identities()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn an_identity_id_that_leaves_its_segment_is_refused_without_a_call() {
        // Nothing listens here: a call would be a transport error, not this refusal.
        let supabase = crate::Supabase::builder("http://127.0.0.1:9", "k")
            .build()
            .unwrap();
        let client = supabase.client([]);
        for id in ["", "../factors", "a/b", "%2e%2e", "a?b", ".."] {
            let identity = Identity::from(
                serde_json::json!({"identity_id": id})
                    .as_object()
                    .unwrap()
                    .clone(),
            );
            let error = client.auth().unlink_identity(&identity).await.unwrap_err();
            assert_eq!(error.code(), Some("validation_failed"), "{id}");
        }
    }
}
