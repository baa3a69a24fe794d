//! Sign-in, sign-up and account flows (spec §13, §16, §17).

use std::fmt::Write as _;

use percent_encoding::utf8_percent_encode;
use reqwest::Method;
use serde_json::{Map, Value};

use super::http::AuthRequest;
use super::pkce::{self, PkceFlow};
use super::responses::{AuthResponse, OtpResponse, WeakPassword};
use super::session_response::session_from_response;
use super::types::{
    Identifier, OAuthRedirect, OAuthSignIn, OtpSignIn, PasswordCredentials, SignUp, UserAttributes,
    VerifyOtp, meta_security,
};
use super::{Auth, AuthError};
use crate::User;
use crate::cookies::URI_COMPONENT;
use crate::json::{Json, Object};

impl Auth<'_> {
    /// Signs in with email or phone and password; the session cookies are written.
    #[doc(alias = "login", alias = "log_in", alias = "signin", alias = "sign_in")]
    pub async fn sign_in_with_password(
        &self,
        credentials: &PasswordCredentials,
    ) -> Result<AuthResponse, AuthError> {
        self.first_party("sign_in_with_password")?;
        let body = credentials.body();
        let mut request = AuthRequest::new(Method::POST, "token");
        request.query = &[("grant_type", "password")];
        request.body = Some(&body);
        let response = self.sign_in(request).await?;
        if response.session.is_none() {
            // auth-js: AuthInvalidTokenResponseError.
            return Err(AuthError::InvalidResponse(
                "the sign-in response holds no session".into(),
            ));
        }
        Ok(response)
    }

    /// Creates an account. Email sign-ups use PKCE: the confirmation link carries a code that
    /// [`Auth::exchange_code_for_session`] turns into a session. When the project confirms
    /// automatically, the response holds a session and its cookies are written.
    #[doc(alias = "register", alias = "signup", alias = "create_account")]
    pub async fn sign_up(&self, sign_up: &SignUp) -> Result<AuthResponse, AuthError> {
        self.first_party("sign_up")?;
        let mut body = Object::new();
        sign_up.identifier.insert_into(&mut body);
        body.insert("password", sign_up.password.as_str());
        body.insert("data", Json::from_map(&sign_up.data));
        body.insert(
            "gotrue_meta_security",
            meta_security(sign_up.captcha_token.as_deref()),
        );
        let flow = match sign_up.identifier {
            Identifier::Email(_) => Some(self.start_flow(&mut body, "")),
            Identifier::Phone(_) => {
                body.insert("channel", "sms");
                None
            }
        };
        let call = FlowCall::new(Method::POST, "signup", body, flow.as_ref());
        let answer = self
            .send_flow(call, sign_up.email_redirect_to.as_deref())
            .await?;
        self.signed_in(answer)
    }

    /// Signs in as a new anonymous user.
    pub async fn sign_in_anonymously(
        &self,
        data: Map<String, Value>,
        captcha_token: Option<&str>,
    ) -> Result<AuthResponse, AuthError> {
        self.first_party("sign_in_anonymously")?;
        let mut body = Object::new();
        body.insert("data", Json::from_map(&data));
        body.insert("gotrue_meta_security", meta_security(captcha_token));
        let body = Json::Object(body);
        let mut request = AuthRequest::new(Method::POST, "signup");
        request.body = Some(&body);
        self.sign_in(request).await
    }

    /// Sends a magic link / code by email (PKCE) or a code by SMS. The answer carries the SMS
    /// provider's message id when the server reports one.
    #[doc(alias = "magic_link", alias = "magiclink", alias = "passwordless")]
    pub async fn sign_in_with_otp(&self, otp: &OtpSignIn) -> Result<OtpResponse, AuthError> {
        self.first_party("sign_in_with_otp")?;
        let mut body = Object::new();
        otp.identifier.insert_into(&mut body);
        body.insert("data", Json::from_map(&otp.data));
        body.insert("create_user", otp.should_create_user);
        body.insert(
            "gotrue_meta_security",
            meta_security(otp.captcha_token.as_deref()),
        );
        let flow = if matches!(otp.identifier, Identifier::Email(_)) {
            Some(self.start_flow(&mut body, ""))
        } else {
            body.insert("channel", "sms");
            None
        };
        // An SMS code has no link, so no redirect either.
        let email_redirect_to = otp.email_redirect_to.as_deref().filter(|_| flow.is_some());
        let call = FlowCall::new(Method::POST, "otp", body, flow.as_ref());
        let answer = self.send_flow(call, email_redirect_to).await?;
        Ok(OtpResponse::from_answer(answer))
    }

    /// Verifies a one-time password or a link's `token_hash`; on success the session cookies
    /// are written.
    pub async fn verify_otp(&self, verify: &VerifyOtp) -> Result<AuthResponse, AuthError> {
        self.first_party("verify_otp")?;
        let (body, redirect_to) = match verify {
            VerifyOtp::TokenHash {
                token_hash,
                otp_type,
            } => (
                Json::Object(Object::from_iter([
                    ("type", Json::from(otp_type.as_str())),
                    ("token_hash", Json::from(token_hash.as_str())),
                    ("gotrue_meta_security", Json::Object(Object::new())),
                ])),
                None,
            ),
            VerifyOtp::Code {
                identifier,
                token,
                otp_type,
                redirect_to,
            } => {
                let mut body = Object::new();
                match identifier {
                    Identifier::Email(email) => body.insert("email", email.as_str()),
                    Identifier::Phone(phone) => body.insert("phone", phone.as_str()),
                }
                body.insert("token", token.as_str());
                body.insert("type", otp_type.as_str());
                if let Some(redirect_to) = redirect_to {
                    // auth-js sends its options object along; the server ignores it.
                    let options =
                        Object::from_iter([("redirectTo", Json::from(redirect_to.as_str()))]);
                    body.insert("options", options);
                }
                body.insert("gotrue_meta_security", Object::new());
                (Json::Object(body), redirect_to.as_deref())
            }
        };
        let query = redirect_query(redirect_to);
        let mut request = AuthRequest::new(Method::POST, "verify");
        request.query = &query;
        request.body = Some(&body);
        let response = self.http().send(request).await?;
        let (session, user) = session_from_response(response)?;
        if let Some(session) = &session {
            self.client.cookies().set_session(session);
        }
        Ok(AuthResponse {
            session,
            user,
            weak_password: None,
        })
    }

    /// Starts an OAuth sign-in: stores the PKCE verifier cookies (readable by the JS library
    /// too) and returns the URL to redirect the browser to. The provider sends the user back to
    /// `redirect_to` with a `code` for [`Auth::exchange_code_for_session`] (and the flow id, with
    /// [`OAuthSignIn::append_flow_id_to_redirect`] or
    /// [`SupabaseBuilder::append_flow_id_to_redirects`](crate::SupabaseBuilder::append_flow_id_to_redirects)).
    pub fn sign_in_with_oauth(&self, oauth: &OAuthSignIn) -> Result<OAuthRedirect, AuthError> {
        self.first_party("sign_in_with_oauth")?;
        let flow = PkceFlow::generate();
        pkce::store_verifier(&mut self.client.cookies(), &flow, "");
        let url = format!(
            "{}/authorize?{}",
            self.client.config().auth_url(),
            self.provider_query(oauth, &flow)
        );
        Ok(OAuthRedirect {
            provider: oauth.provider.clone(),
            url,
            flow_id: flow.flow_id,
        })
    }

    /// The query `provider=…` with the OAuth options and the flow's challenge, encoded and
    /// ordered as auth-js's `_getUrlForProvider` writes it.
    pub(super) fn provider_query(&self, oauth: &OAuthSignIn, flow: &PkceFlow) -> String {
        let encode = |v: &str| utf8_percent_encode(v, URI_COMPONENT).to_string();
        let mut url = format!("provider={}", encode(&oauth.provider));
        let redirect_to = if oauth.append_flow_id_to_redirect {
            oauth
                .redirect_to
                .as_deref()
                .map(|to| pkce::append_flow_id(to, &flow.flow_id))
        } else {
            self.flow_redirect(oauth.redirect_to.as_deref(), Some(flow))
        };
        if let Some(redirect_to) = redirect_to {
            let _ = write!(url, "&redirect_to={}", encode(&redirect_to));
        }
        if let Some(scopes) = &oauth.scopes {
            let _ = write!(url, "&scopes={}", encode(scopes));
        }
        let _ = write!(
            url,
            "&code_challenge={}&code_challenge_method=s256",
            flow.challenge
        );
        if !oauth.query_params.is_empty() {
            let extra: String = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(&oauth.query_params)
                .finish();
            url.push('&');
            url.push_str(&extra);
        }
        url
    }

    /// Exchanges the `code` of an OAuth or email-link redirect for a session, with the PKCE
    /// verifier stored when the flow started (the flow's own one when `flow_id` is given, else
    /// the most recent). Without a verifier no request is made; a `flow_id` that is not a
    /// valid flow id (8 to 64 of `[A-Za-z0-9_-]`, e.g. a tampered
    /// [`FLOW_ID_PARAM`](super::FLOW_ID_PARAM)) finds none. Afterwards the verifier is removed:
    /// with `flow_id`, all of the flow's cookies; without, only the most recent one's fixed
    /// slot (the flow's own slot and the flow index stay until sign-out, as in auth-js).
    #[doc(alias = "callback", alias = "oauth_callback", alias = "pkce")]
    pub async fn exchange_code_for_session(
        &self,
        code: &str,
        flow_id: Option<&str>,
    ) -> Result<AuthResponse, AuthError> {
        self.first_party("exchange_code_for_session")?;
        let stored = pkce::read_verifier(&self.client.cookies(), flow_id)
            .ok_or(AuthError::PkceVerifierMissing)?;
        let body = Json::Object(Object::from_iter([
            ("auth_code", Json::from(code)),
            ("code_verifier", Json::from(stored.verifier)),
        ]));
        let mut request = AuthRequest::new(Method::POST, "token");
        request.query = &[("grant_type", "pkce")];
        request.body = Some(&body);
        let result = self.http().send(request).await;
        pkce::remove_verifier(&mut self.client.cookies(), flow_id);
        let (session, user) = session_from_response(result?)?;
        let session = session.ok_or_else(|| {
            AuthError::InvalidResponse("the code exchange returned no session".into())
        })?;
        self.client.cookies().set_session(&session);
        Ok(AuthResponse {
            session: Some(session),
            user,
            weak_password: None,
        })
    }

    /// Sends a password-recovery email whose link carries a PKCE code.
    #[doc(
        alias = "forgot_password",
        alias = "reset_password",
        alias = "password_reset"
    )]
    pub async fn reset_password_for_email(
        &self,
        email: &str,
        redirect_to: Option<&str>,
        captcha_token: Option<&str>,
    ) -> Result<(), AuthError> {
        self.first_party("reset_password_for_email")?;
        let mut body = Object::new();
        body.insert("email", email);
        let flow = self.start_flow(&mut body, "/recovery");
        body.insert("gotrue_meta_security", meta_security(captcha_token));
        let call = FlowCall::new(Method::POST, "recover", body, Some(&flow));
        self.send_flow(call, redirect_to).await.map(drop)
    }

    /// Updates the signed-in user; the session cookies are rewritten with the new user. An
    /// email change starts a PKCE flow confirmed by a link to `email_redirect_to`.
    pub async fn update_user(
        &self,
        attributes: &UserAttributes,
        email_redirect_to: Option<&str>,
    ) -> Result<User, AuthError> {
        self.first_party("update_user")?;
        let session = self.require_session().await?;
        let mut body = Object::new();
        let fields = [
            ("email", &attributes.email),
            ("phone", &attributes.phone),
            ("password", &attributes.password),
            ("current_password", &attributes.current_password),
            ("nonce", &attributes.nonce),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                body.insert(name, value.as_str());
            }
        }
        if let Some(data) = &attributes.data {
            body.insert("data", Json::from_map(data));
        }
        let flow = if attributes.email.is_some() {
            Some(self.start_flow(&mut body, ""))
        } else {
            body.insert("code_challenge", Json::Null);
            body.insert("code_challenge_method", Json::Null);
            None
        };
        let mut call = FlowCall::new(Method::PUT, "user", body, flow.as_ref());
        call.bearer = Some(session.access_token());
        let result = self.send_flow(call, email_redirect_to).await;
        let user = match result? {
            Json::Object(user) => User::from_object(&user),
            _ => {
                return Err(AuthError::InvalidResponse(
                    "PUT /user returned no user".into(),
                ));
            }
        };
        self.client.cookies().set_session(&session.with_user(&user));
        Ok(user)
    }

    /// Sends the signed-in user a reauthentication code (`GET /reauthenticate`), by email, or
    /// by SMS when the user has no confirmed email. Pass it to [`Auth::update_user`] with
    /// [`UserAttributes::with_nonce`] when the project requires reauthentication to change a
    /// password ("Secure password change"; the server answers `reauthentication_needed`
    /// without it, `reauthentication_not_valid` for a wrong or expired code).
    ///
    /// Without a session: [`AuthError::SessionMissing`], no call made.
    pub async fn reauthenticate(&self) -> Result<(), AuthError> {
        self.first_party("reauthenticate")?;
        let session = self.require_session().await?;
        let mut request = AuthRequest::new(Method::GET, "reauthenticate");
        request.bearer = Some(session.access_token());
        self.http().send(request).await.map(drop)
    }

    /// Sends a sign-in request whose success response may hold a session, and stores it (the
    /// one session write: chunked cookies, the response made no-store).
    pub(super) async fn sign_in(
        &self,
        request: AuthRequest<'_>,
    ) -> Result<AuthResponse, AuthError> {
        let answer = self.http().send(request).await?;
        self.signed_in(answer)
    }

    /// The answer of a sign-in: its session (if any) stored through the one session write.
    fn signed_in(&self, answer: Json) -> Result<AuthResponse, AuthError> {
        let weak_password = WeakPassword::from_answer(&answer);
        let (session, user) = session_from_response(answer)?;
        if let Some(session) = &session {
            self.client.cookies().set_session(session);
        }
        Ok(AuthResponse {
            session,
            user,
            weak_password,
        })
    }

    /// Sends a call that may have started a PKCE flow: `redirect_to` goes in the query (with
    /// the flow's id when the client appends them), and a refused call forgets the flow's
    /// verifier (its link will never come).
    pub(super) async fn send_flow(
        &self,
        call: FlowCall<'_>,
        redirect_to: Option<&str>,
    ) -> Result<Json, AuthError> {
        let body = Json::Object(call.body);
        let redirect_to = self.flow_redirect(redirect_to, call.flow);
        let query = redirect_query(redirect_to.as_deref());
        let mut request = AuthRequest::new(call.method, call.path);
        request.query = &query;
        request.bearer = call.bearer;
        request.body = Some(&body);
        let result = self.http().send(request).await;
        self.end_failed_flow(call.flow, &result);
        result
    }

    /// `redirect_to` as a flow sends it: with the flow's id appended when the client is built
    /// with [`append_flow_id_to_redirects`](crate::SupabaseBuilder::append_flow_id_to_redirects).
    pub(super) fn flow_redirect(
        &self,
        redirect_to: Option<&str>,
        flow: Option<&PkceFlow>,
    ) -> Option<String> {
        let redirect_to = redirect_to?;
        Some(match flow {
            Some(flow) if self.client.shared.append_flow_id => {
                pkce::append_flow_id(redirect_to, &flow.flow_id)
            }
            _ => redirect_to.to_owned(),
        })
    }

    /// Generates a PKCE flow, stores its verifier and adds the challenge to `body`.
    pub(super) fn start_flow(&self, body: &mut Object, suffix: &str) -> PkceFlow {
        let flow = PkceFlow::generate();
        pkce::store_verifier(&mut self.client.cookies(), &flow, suffix);
        body.insert("code_challenge", flow.challenge.clone());
        body.insert("code_challenge_method", "s256");
        flow
    }

    /// A flow whose start failed forgets its verifier.
    pub(super) fn end_failed_flow<T>(
        &self,
        flow: Option<&PkceFlow>,
        result: &Result<T, AuthError>,
    ) {
        if let (Some(flow), Err(_)) = (flow, result) {
            pkce::remove_verifier(&mut self.client.cookies(), Some(&flow.flow_id));
        }
    }
}

pub(super) fn redirect_query(redirect_to: Option<&str>) -> Vec<(&'static str, &str)> {
    redirect_to
        .map(|r| ("redirect_to", r))
        .into_iter()
        .collect()
}

/// A call for [`Auth::send_flow`]: where it goes, its body, and the PKCE flow it started.
pub(super) struct FlowCall<'a> {
    method: Method,
    path: &'a str,
    body: Object,
    flow: Option<&'a PkceFlow>,
    /// The user's access token, for calls on the signed-in user.
    pub bearer: Option<&'a str>,
}

impl<'a> FlowCall<'a> {
    pub(super) fn new(
        method: Method,
        path: &'a str,
        body: Object,
        flow: Option<&'a PkceFlow>,
    ) -> Self {
        Self {
            method,
            path,
            body,
            flow,
            bearer: None,
        }
    }
}
