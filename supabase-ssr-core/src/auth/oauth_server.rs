//! The signed-in user's side of the project's OAuth 2.1 server (auth-js `auth.oauth`): what a
//! server-rendered consent page needs (the authorization's details, approve, deny) and the
//! user's grants to third-party apps (list, revoke).
//!
//! The Auth server sends the browser of a third-party app's user to the project's consent page
//! with `?authorization_id=…`. The page, as the signed-in user, reads
//! [`OAuthServer::authorization_details`], shows the client and the scopes, and on the user's
//! answer calls [`OAuthServer::approve_authorization`] or
//! [`OAuthServer::deny_authorization`], then redirects the browser to the URL they return (the
//! app's redirect URI with a `code`, or with `error=access_denied`).

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::http::AuthRequest;
use super::{Auth, AuthError, stays_in_its_segment};
use crate::json::{Json, Object};

/// The user's OAuth-server API; from [`Auth::oauth`]. Every call needs a session (without one:
/// [`AuthError::SessionMissing`], no call made).
#[derive(Debug, Clone)]
pub struct OAuthServer<'a> {
    auth: Auth<'a>,
}

impl<'a> Auth<'a> {
    /// The project's OAuth 2.1 server, as this request's user (auth-js `auth.oauth`).
    ///
    /// A consent page, in outline (rendering and the form are the application's):
    ///
    /// ```no_run
    /// use supabase_ssr_core::SupabaseClient;
    /// use supabase_ssr_core::auth::{AuthError, AuthorizationDetails};
    ///
    /// /// `GET /oauth/consent?authorization_id=…`: a page to show, or where to send the browser.
    /// async fn consent_page(client: &SupabaseClient, id: &str) -> Result<String, AuthError> {
    ///     Ok(match client.auth().oauth().authorization_details(id).await? {
    ///         AuthorizationDetails::Consent(details) => format!(
    ///             "{} asks for: {}",
    ///             details.client.name,
    ///             details.scopes().collect::<Vec<_>>().join(", ")
    ///         ),
    ///         AuthorizationDetails::AlreadyApproved { redirect_url } => redirect_url,
    ///     })
    /// }
    ///
    /// /// `POST /oauth/consent`: the URL to redirect the browser to (303).
    /// async fn decide(client: &SupabaseClient, id: &str, allow: bool) -> Result<String, AuthError> {
    ///     let oauth = client.auth().oauth();
    ///     if allow {
    ///         oauth.approve_authorization(id).await
    ///     } else {
    ///         oauth.deny_authorization(id).await
    ///     }
    /// }
    /// ```
    pub fn oauth(&self) -> OAuthServer<'a> {
        OAuthServer { auth: self.clone() }
    }
}

/// The app asking for access, as the consent page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthClientInfo {
    /// The client's id.
    #[serde(default)]
    pub id: String,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// Its home page (empty when not registered).
    #[serde(default)]
    pub uri: String,
    /// Its logo (empty when not registered).
    #[serde(default)]
    pub logo_uri: String,
}

/// A pending authorization the user has to consent to (auth-js `OAuthAuthorizationDetails`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthAuthorization {
    /// The authorization's id (the consent page's `authorization_id`).
    #[serde(default)]
    pub authorization_id: String,
    /// Where the app gets its answer.
    #[serde(default)]
    pub redirect_uri: String,
    /// The app.
    #[serde(default)]
    pub client: OAuthClientInfo,
    /// The user it would act for (`id`, `email`).
    #[serde(default)]
    pub user: Map<String, Value>,
    /// The scopes asked for, space-separated.
    #[serde(default)]
    pub scope: String,
}

impl OAuthAuthorization {
    /// The scopes asked for, one by one.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.split_whitespace()
    }
}

/// What [`OAuthServer::authorization_details`] found: one of the two answers auth-js types
/// (`OAuthAuthorizationDetails | OAuthRedirect`).
#[derive(Debug, Clone, PartialEq)]
pub enum AuthorizationDetails {
    /// The user has to consent: show the page.
    Consent(Box<OAuthAuthorization>),
    /// The user already granted these scopes to this app: the server approved the
    /// authorization at once; redirect the browser to this URL (it carries the code).
    AlreadyApproved {
        /// The app's redirect URI with the code.
        redirect_url: String,
    },
}

/// An app the user granted access to (auth-js `OAuthGrant`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OAuthGrant {
    /// The app.
    #[serde(default)]
    pub client: OAuthClientInfo,
    /// The scopes granted.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// When (RFC 3339).
    #[serde(default)]
    pub granted_at: String,
}

impl OAuthServer<'_> {
    /// The pending authorization `authorization_id`
    /// (`GET /oauth/authorizations/{authorization_id}`), which it binds to the signed-in user.
    /// An unknown, expired or other user's authorization is `oauth_authorization_not_found`.
    pub async fn authorization_details(
        &self,
        authorization_id: &str,
    ) -> Result<AuthorizationDetails, AuthError> {
        self.auth.first_party("oauth().authorization_details")?;
        let path = authorization_path(authorization_id, "")?;
        let body = self
            .send(Method::GET, &path, "oauth/authorizations/{id}", &[], None)
            .await?;
        if let Some(redirect_url) = redirect_url_of(&body)
            && body
                .as_object()
                .is_some_and(|o| !o.contains_key("authorization_id"))
        {
            return Ok(AuthorizationDetails::AlreadyApproved { redirect_url });
        }
        serde_json::from_value(body.to_value())
            .map(|details| AuthorizationDetails::Consent(Box::new(details)))
            .map_err(|error| {
                AuthError::InvalidResponse(format!("the authorization is not readable: {error}"))
            })
    }

    /// Approves the authorization
    /// (`POST /oauth/authorizations/{authorization_id}/consent`, `action: approve`) and returns
    /// where to redirect the browser: the app's redirect URI with the `code` (and `state`).
    ///
    /// auth-js redirects a browser itself unless `skipBrowserRedirect`; on a server the
    /// redirect is the caller's to send.
    pub async fn approve_authorization(&self, authorization_id: &str) -> Result<String, AuthError> {
        self.auth.first_party("oauth().approve_authorization")?;
        self.consent(authorization_id, "approve").await
    }

    /// Denies the authorization (`action: deny`) and returns where to redirect the browser:
    /// the app's redirect URI with `error=access_denied` (and `state`).
    pub async fn deny_authorization(&self, authorization_id: &str) -> Result<String, AuthError> {
        self.auth.first_party("oauth().deny_authorization")?;
        self.consent(authorization_id, "deny").await
    }

    /// The apps the user granted access to (`GET /user/oauth/grants`).
    pub async fn list_grants(&self) -> Result<Vec<OAuthGrant>, AuthError> {
        self.auth.first_party("oauth().list_grants")?;
        let body = self
            .send(
                Method::GET,
                "user/oauth/grants",
                "user/oauth/grants",
                &[],
                None,
            )
            .await?;
        serde_json::from_value(body.to_value()).map_err(|error| {
            AuthError::InvalidResponse(format!("the grants are not a list of grants: {error}"))
        })
    }

    /// Revokes the user's grant to the app `client_id` (`DELETE /user/oauth/grants?client_id=`):
    /// the app's sessions for the user end. No grant for it: `oauth_consent_not_found`.
    pub async fn revoke_grant(&self, client_id: &str) -> Result<(), AuthError> {
        self.auth.first_party("oauth().revoke_grant")?;
        let query = [("client_id", client_id)];
        self.send(
            Method::DELETE,
            "user/oauth/grants",
            "user/oauth/grants",
            &query,
            None,
        )
        .await
        .map(drop)
    }

    async fn consent(&self, authorization_id: &str, action: &str) -> Result<String, AuthError> {
        let path = authorization_path(authorization_id, "/consent")?;
        let body = Json::Object(Object::from_iter([("action", Json::from(action))]));
        let answer = self
            .send(
                Method::POST,
                &path,
                "oauth/authorizations/{id}/consent",
                &[],
                Some(&body),
            )
            .await?;
        redirect_url_of(&answer).ok_or_else(|| {
            AuthError::InvalidResponse("the consent's answer holds no redirect_url".into())
        })
    }

    /// One call as the signed-in user (the session refreshed first when it is about to expire).
    async fn send(
        &self,
        method: Method,
        path: &str,
        endpoint: &'static str,
        query: &[(&str, &str)],
        body: Option<&Json>,
    ) -> Result<Json, AuthError> {
        let session = self.auth.require_session().await?;
        let mut request = AuthRequest::new(method, path);
        request.endpoint = Some(endpoint);
        request.query = query;
        request.body = body;
        request.bearer = Some(session.access_token());
        self.auth.http().send(request).await
    }
}

/// `oauth/authorizations/{id}{rest}`, for an id that cannot leave its path segment.
fn authorization_path(authorization_id: &str, rest: &str) -> Result<String, AuthError> {
    if stays_in_its_segment(authorization_id) {
        Ok(format!("oauth/authorizations/{authorization_id}{rest}"))
    } else {
        Err(AuthError::InvalidArgument(
            "expected an authorization id of letters, digits and dashes".to_owned(),
        ))
    }
}

fn redirect_url_of(body: &Json) -> Option<String> {
    match body.as_object()?.get("redirect_url")? {
        Json::String(url) if !url.is_empty() => Some(url.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorization_ids_stay_in_their_segment() {
        assert!(authorization_path("abc-DEF-123", "").is_ok());
        for bad in ["", "../user", "a/b", "a?b", "a#b"] {
            assert!(
                matches!(
                    authorization_path(bad, ""),
                    Err(AuthError::InvalidArgument(_))
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn details_read_the_servers_shape() {
        let body = serde_json::json!({
            "authorization_id": "a1",
            "redirect_uri": "https://app.example/cb",
            "client": {"id": "c1", "name": "App"},
            "user": {"id": "u1", "email": "a@example.com"},
            "scope": "openid email"
        });
        let details: OAuthAuthorization = serde_json::from_value(body).unwrap();
        assert_eq!(details.client.name, "App");
        assert_eq!(details.scopes().collect::<Vec<_>>(), ["openid", "email"]);
        assert_eq!(details.user["email"], "a@example.com");
    }
}
