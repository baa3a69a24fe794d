//! The flows of the Supabase SSR guide, as framework-free handlers returning a [`Reply`].

use serde::Serialize;
use supabase_ssr_core::SupabaseClient;
use supabase_ssr_core::auth::{
    OAuthSignIn, OtpSignIn, OtpType, PasswordCredentials, Resend, SignUp, VerifyOtp,
};
use supabase_ssr_core::redirect::safe_redirect_path;

use crate::config::Site;
use crate::forms::{
    CallbackQuery, ConfirmQuery, Credentials, LoginQuery, MagicLinkForm, OAuthQuery, ResendForm,
    query_component as encode,
};
use crate::pages::{self, LoginPage, Todos};
use crate::reply::{Reply, error_status};
use crate::routes;

fn page(html: String) -> Reply {
    Reply::Page { status: 200, html }
}

/// Where to go once signed in: `next` if it is a path on this site, else the private page.
pub(crate) fn next_path(next: Option<&str>) -> String {
    safe_redirect_path(next, routes::PRIVATE)
}

/// Back to the sign-in page with `message`, keeping where the user was going.
fn login_error(message: &str, next: Option<&str>) -> Reply {
    let next = encode(&next_path(next));
    Reply::Redirect(format!(
        "{}?error={}&next={next}",
        routes::LOGIN,
        encode(message)
    ))
}

impl Site {
    /// The sign-in page with a message, and offline the link of the last email to `email`;
    /// with `resend`, the form sending that address's confirmation email again.
    fn login_with(
        &self,
        status: u16,
        message: Result<&str, &str>,
        email: Option<&str>,
        next: Option<&str>,
        resend: Option<&str>,
    ) -> Reply {
        let link = email.and_then(|email| self.outbox_link(email));
        let (notice, error) = match message {
            Ok(notice) => (Some(notice), None),
            Err(error) => (None, Some(error)),
        };
        let page = Reply::Page {
            status,
            html: pages::login(&LoginPage {
                error,
                notice,
                outbox_link: link.as_deref(),
                demo: self.demo(),
                next: &next_path(next),
                resend,
            }),
        };
        // The offline link signs its holder in: no cache may keep a copy.
        if link.is_some() {
            Reply::NoStore(Box::new(page))
        } else {
            page
        }
    }

    /// `GET /`.
    pub async fn home(&self, client: &SupabaseClient) -> Reply {
        let claims = client.optional_claims().await;
        page(pages::home(claims.as_ref().and_then(|c| c.email())))
    }

    /// `GET /login?error&next`: the form, with an `error` from a failed flow if any; `next`
    /// (checked) rides along in a hidden field.
    pub fn login_page(&self, query: &LoginQuery) -> Reply {
        page(pages::login(&LoginPage {
            error: query.error.as_deref(),
            demo: self.demo(),
            next: &next_path(query.next.as_deref()),
            ..LoginPage::default()
        }))
    }

    /// `POST /login`: `303` to the form's `next` (checked again: the field is input like any
    /// other; default `/private`), or the form again with the error (400).
    pub async fn login(&self, client: &SupabaseClient, form: &Credentials) -> Reply {
        let credentials = PasswordCredentials::email(&form.email, &form.password);
        let next = form.next.as_deref();
        match client.auth().sign_in_with_password(&credentials).await {
            Ok(_) => Reply::Redirect(next_path(next)),
            Err(error) => self.login_with(400, Err(&error.to_string()), None, next, None),
        }
    }

    /// `POST /signup`: signed in at once when the project confirms automatically, else a
    /// notice to check the email (offline: with the link) and the form to resend it.
    pub async fn signup(&self, client: &SupabaseClient, form: &Credentials) -> Reply {
        let mut sign_up = SignUp::email(&form.email, &form.password);
        sign_up.email_redirect_to = Some(format!("{}/auth/confirm", self.origin()));
        let next = form.next.as_deref();
        match client.auth().sign_up(&sign_up).await {
            Ok(response) if response.session.is_some() => Reply::Redirect(next_path(next)),
            Ok(_) => self.login_with(
                200,
                Ok("Check your email to confirm your account."),
                Some(&form.email),
                next,
                Some(&form.email),
            ),
            Err(error) => self.login_with(400, Err(&error.to_string()), None, next, None),
        }
    }

    /// `POST /signup/resend`: sends the sign-up's confirmation email again (offline: shows
    /// the new link), keeping the form to resend it; the Auth server's refusal (e.g. an email
    /// sent too recently, `429`) is shown with its status.
    pub async fn resend_signup(&self, client: &SupabaseClient, form: &ResendForm) -> Reply {
        let confirm = format!("{}{}", self.origin(), routes::CONFIRM);
        let resend = Resend::signup(&form.email).email_redirect_to(confirm);
        let (email, next) = (Some(form.email.as_str()), form.next.as_deref());
        match client.auth().resend(&resend).await {
            Ok(_) => {
                let sent = Ok("We sent the confirmation email again.");
                self.login_with(200, sent, email, next, email)
            }
            Err(error) => {
                let status = error_status(&error);
                self.login_with(status, Err(&error.to_string()), None, next, email)
            }
        }
    }

    /// `POST /magic-link`: sends the link (offline: shows it), whose confirmation leads to the
    /// form's `next` (checked; `/private` without one).
    pub async fn magic_link(&self, client: &SupabaseClient, form: &MagicLinkForm) -> Reply {
        let next = form.next.as_deref();
        let mut otp = OtpSignIn::email(&form.email);
        otp.email_redirect_to = Some(format!(
            "{}{}?next={}",
            self.origin(),
            routes::CONFIRM,
            encode(&next_path(next))
        ));
        match client.auth().sign_in_with_otp(&otp).await {
            Ok(_) => self.login_with(
                200,
                Ok("Check your email for the sign-in link."),
                Some(&form.email),
                next,
                None,
            ),
            Err(error) => login_error(&error.to_string(), next),
        }
    }

    /// `GET /private`: the user's page, or `303 /login?next=/private`.
    pub async fn private(&self, client: &SupabaseClient) -> Reply {
        let Some(claims) = client.optional_claims().await else {
            let next = encode(routes::PRIVATE);
            return Reply::Redirect(format!("{}?next={next}", routes::LOGIN));
        };
        let todos = if self.is_offline() {
            Todos::Offline
        } else {
            match client
                .from("todos")
                .select("*")
                .execute::<Vec<serde_json::Value>>()
                .await
            {
                Ok(rows) => Todos::Rows(rows),
                Err(error) => Todos::Error(error.to_string()),
            }
        };
        page(pages::private(
            claims.email().unwrap_or("(no email)"),
            claims.user_id(),
            &todos,
        ))
    }

    /// `GET /api/whoami`: the verified claims, or `401 {"error"}`.
    pub async fn whoami(&self, client: &SupabaseClient) -> Reply {
        match client.require_claims(Some("application/json")).await {
            Ok(claims) => Reply::Json {
                status: 200,
                body: serde_json::to_string(&WhoAmI {
                    sub: claims.user_id(),
                    email: claims.email(),
                    role: claims.role(),
                    aal: claims.aal(),
                    session_id: claims.session_id(),
                })
                .unwrap_or_default(),
            },
            Err(rejection) => Reply::Json {
                status: rejection.status.as_u16(),
                body: rejection.body,
            },
        }
    }

    /// `GET /api/health`: `{"status":"ok"}`, without looking at the session.
    pub fn health(&self) -> Reply {
        Reply::Json {
            status: 200,
            body: r#"{"status":"ok"}"#.to_owned(),
        }
    }

    /// `POST /logout`: signs this browser out, then `303 /`.
    pub async fn logout(&self, client: &SupabaseClient) -> Reply {
        if let Err(error) = client.auth().sign_out().await {
            tracing::warn!(%error, "sign-out could not reach the Auth server; cookies were cleared");
        }
        Reply::Redirect("/".into())
    }

    /// `GET /auth/confirm?token_hash&type&next`: verifies an email link, then `303` to `next`
    /// if it is a path on this site (else `/private`).
    pub async fn confirm(&self, client: &SupabaseClient, query: &ConfirmQuery) -> Reply {
        let next = query.next.as_deref();
        let (Some(token_hash), Some(otp_type)) = (
            query.token_hash.clone(),
            query.otp_type.as_deref().and_then(OtpType::parse),
        ) else {
            return login_error("The confirmation link is incomplete.", next);
        };
        let verify = VerifyOtp::TokenHash {
            token_hash,
            otp_type,
        };
        match client.auth().verify_otp(&verify).await {
            Ok(_) => Reply::Redirect(next_path(next)),
            Err(error) => login_error(&error.to_string(), next),
        }
    }

    /// `GET /auth/callback?code&next&sb_flow_id`: exchanges the PKCE code for a session with
    /// the verifier of the flow [`Site::oauth`] started (which it then removes), then `303` to
    /// `next` if it is a path on this site (else `/private`).
    pub async fn callback(&self, client: &SupabaseClient, query: &CallbackQuery) -> Reply {
        let next = query.next.as_deref();
        let Some(code) = query.code.as_deref() else {
            let reason = query
                .error_description
                .as_deref()
                .unwrap_or("The sign-in was cancelled.");
            return login_error(reason, next);
        };
        let flow_id = query.flow_id.as_deref();
        match client.auth().exchange_code_for_session(code, flow_id).await {
            Ok(_) => Reply::Redirect(next_path(next)),
            Err(error) => login_error(&error.to_string(), next),
        }
    }

    /// `GET /auth/oauth?provider&next`: `303` to the provider, with the PKCE verifier cookies
    /// set. The callback URL carries `next` (checked) and the flow id.
    pub fn oauth(&self, client: &SupabaseClient, query: &OAuthQuery) -> Reply {
        let mut oauth = OAuthSignIn::new(query.provider.as_deref().unwrap_or("github"));
        let next = encode(&next_path(query.next.as_deref()));
        let callback = format!("{}{}?next={next}", self.origin(), routes::CALLBACK);
        oauth.redirect_to = Some(callback);
        match client.auth().sign_in_with_oauth(&oauth) {
            Ok(redirect) => Reply::Redirect(redirect.url),
            Err(error) => login_error(&error.to_string(), query.next.as_deref()),
        }
    }
}

/// The body of `GET /api/whoami`.
#[derive(Serialize)]
struct WhoAmI<'a> {
    sub: &'a str,
    email: Option<&'a str>,
    role: Option<&'a str>,
    aal: Option<&'a str>,
    session_id: Option<&'a str>,
}
