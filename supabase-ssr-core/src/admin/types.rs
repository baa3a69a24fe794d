//! The requests and answers of the admin Auth API (auth-js `GoTrueAdminApi`).

use serde_json::{Map, Value};

use crate::User;
use crate::json::{Json, Object};
use crate::redact;

/// A user's attributes as an admin sets them, for
/// [`AdminAuth::create_user`](super::AdminAuth::create_user) and
/// [`AdminAuth::update_user_by_id`](super::AdminAuth::update_user_by_id) (auth-js
/// `AdminUserAttributes`). Only the fields set are sent.
///
/// `Debug` redacts the password, its hash and the nonce.
///
/// ```
/// use supabase_ssr_core::admin::AdminUserAttributes;
///
/// let new_user = AdminUserAttributes::default()
///     .with_email("ada@example.com")
///     .with_password("correct horse battery staple")
///     .with_email_confirm(true);
/// assert_eq!(new_user.email.as_deref(), Some("ada@example.com"));
/// ```
#[derive(Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct AdminUserAttributes {
    /// The user's email address.
    pub email: Option<String>,
    /// The user's phone number.
    pub phone: Option<String>,
    /// The user's password.
    pub password: Option<String>,
    /// Confirms the email address without sending a confirmation email.
    pub email_confirm: Option<bool>,
    /// Confirms the phone number without sending an SMS.
    pub phone_confirm: Option<bool>,
    /// `user_metadata` (what the user may edit too).
    pub user_metadata: Option<Map<String, Value>>,
    /// `app_metadata` (what only the server and admins write: roles, plans…).
    pub app_metadata: Option<Map<String, Value>>,
    /// Bans the user for this long (a Go duration such as `24h`), or `none` to lift a ban.
    pub ban_duration: Option<String>,
    /// The Postgres role of the user's tokens (`authenticated` unless set).
    pub role: Option<String>,
    /// The reauthentication nonce, for a password change when the project requires one.
    pub nonce: Option<String>,
    /// A bcrypt hash to use instead of `password` (importing users).
    pub password_hash: Option<String>,
    /// The id of a new user (a UUID), instead of a generated one.
    pub id: Option<String>,
}

/// Setters, since the struct is `#[non_exhaustive]`: start from
/// [`AdminUserAttributes::default`].
impl AdminUserAttributes {
    /// The email address.
    #[must_use]
    pub fn with_email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }

    /// The phone number.
    #[must_use]
    pub fn with_phone(mut self, phone: impl Into<String>) -> Self {
        self.phone = Some(phone.into());
        self
    }

    /// The password.
    #[must_use]
    pub fn with_password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }

    /// Whether the email address is confirmed.
    #[must_use]
    pub fn with_email_confirm(mut self, confirmed: bool) -> Self {
        self.email_confirm = Some(confirmed);
        self
    }

    /// Whether the phone number is confirmed.
    #[must_use]
    pub fn with_phone_confirm(mut self, confirmed: bool) -> Self {
        self.phone_confirm = Some(confirmed);
        self
    }

    /// `user_metadata`.
    #[must_use]
    pub fn with_user_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.user_metadata = Some(metadata);
        self
    }

    /// `app_metadata`.
    #[must_use]
    pub fn with_app_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.app_metadata = Some(metadata);
        self
    }

    /// A ban of this length (a Go duration such as `24h`, or `none` to lift one).
    #[must_use]
    pub fn with_ban_duration(mut self, duration: impl Into<String>) -> Self {
        self.ban_duration = Some(duration.into());
        self
    }

    /// The Postgres role of the user's tokens.
    #[must_use]
    pub fn with_role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }

    /// The reauthentication nonce.
    #[must_use]
    pub fn with_nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// A bcrypt password hash.
    #[must_use]
    pub fn with_password_hash(mut self, hash: impl Into<String>) -> Self {
        self.password_hash = Some(hash.into());
        self
    }

    /// The id of a new user.
    #[must_use]
    pub fn with_id(mut self, id: impl Into<String>) -> Self {
        self.id = Some(id.into());
        self
    }

    /// The JSON body: the fields that are set.
    pub(crate) fn body(&self) -> Json {
        let mut body = Object::new();
        let strings = [
            ("email", &self.email),
            ("phone", &self.phone),
            ("password", &self.password),
            ("nonce", &self.nonce),
        ];
        for (name, value) in strings {
            if let Some(value) = value {
                body.insert(name, value.as_str());
            }
        }
        if let Some(confirmed) = self.email_confirm {
            body.insert("email_confirm", confirmed);
        }
        if let Some(confirmed) = self.phone_confirm {
            body.insert("phone_confirm", confirmed);
        }
        if let Some(metadata) = &self.user_metadata {
            body.insert("user_metadata", Json::from_map(metadata));
        }
        if let Some(metadata) = &self.app_metadata {
            body.insert("app_metadata", Json::from_map(metadata));
        }
        let more = [
            ("ban_duration", &self.ban_duration),
            ("role", &self.role),
            ("password_hash", &self.password_hash),
            ("id", &self.id),
        ];
        for (name, value) in more {
            if let Some(value) = value {
                body.insert(name, value.as_str());
            }
        }
        Json::Object(body)
    }
}

impl std::fmt::Debug for AdminUserAttributes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminUserAttributes")
            .field("email", &self.email)
            .field("phone", &self.phone)
            .field("password", &redact::optional(self.password.as_ref()))
            .field("email_confirm", &self.email_confirm)
            .field("phone_confirm", &self.phone_confirm)
            .field("user_metadata", &self.user_metadata)
            .field("app_metadata", &self.app_metadata)
            .field("ban_duration", &self.ban_duration)
            .field("role", &self.role)
            .field("nonce", &redact::optional(self.nonce.as_ref()))
            .field(
                "password_hash",
                &redact::optional(self.password_hash.as_ref()),
            )
            .field("id", &self.id)
            .finish()
    }
}

/// Which page of users [`AdminAuth::list_users`](super::AdminAuth::list_users) returns
/// (auth-js `PageParams`); the server's defaults (page 1, 50 users) when unset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ListUsers {
    /// The page, from 1.
    pub page: Option<u32>,
    /// Users per page.
    pub per_page: Option<u32>,
}

impl ListUsers {
    /// Page `page` (from 1).
    #[must_use]
    pub fn with_page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// `per_page` users per page.
    #[must_use]
    pub fn with_per_page(mut self, per_page: u32) -> Self {
        self.per_page = Some(per_page);
        self
    }
}

/// One page of users, and where the others are.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UserPage {
    /// The users of this page.
    pub users: Vec<User>,
    /// The audience of the listing (`authenticated`).
    pub aud: String,
    /// The next page, when there is one (the `Link` header's `rel="next"`).
    pub next_page: Option<u32>,
    /// The last page (the `Link` header's `rel="last"`; 0 when the server sent none).
    pub last_page: u32,
    /// How many users there are in all (`X-Total-Count`).
    pub total: u64,
    /// Every other field of the answer's body.
    pub extra: Map<String, Value>,
}

/// Options of [`AdminAuth::invite_user_by_email`](super::AdminAuth::invite_user_by_email)
/// (auth-js `inviteUserByEmail`'s options).
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct InviteOptions {
    /// `user_metadata` of the invited user.
    pub data: Option<Map<String, Value>>,
    /// Where the invitation link leads (must be allowed in the project's redirect URLs).
    pub redirect_to: Option<String>,
}

impl InviteOptions {
    /// `user_metadata` of the invited user.
    #[must_use]
    pub fn with_data(mut self, data: Map<String, Value>) -> Self {
        self.data = Some(data);
        self
    }

    /// Where the invitation link leads.
    #[must_use]
    pub fn with_redirect_to(mut self, url: impl Into<String>) -> Self {
        self.redirect_to = Some(url.into());
        self
    }
}

/// What kind of link [`AdminAuth::generate_link`](super::AdminAuth::generate_link) makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkType {
    /// Confirms a new account (created with the password given).
    Signup,
    /// Invites a new user.
    Invite,
    /// Signs an existing user in.
    Magiclink,
    /// Resets a password.
    Recovery,
    /// Confirms an email change from the current address.
    EmailChangeCurrent,
    /// Confirms an email change from the new address.
    EmailChangeNew,
}

impl LinkType {
    /// The name the Auth API uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Signup => "signup",
            Self::Invite => "invite",
            Self::Magiclink => "magiclink",
            Self::Recovery => "recovery",
            Self::EmailChangeCurrent => "email_change_current",
            Self::EmailChangeNew => "email_change_new",
        }
    }
}

/// A link to generate, for [`AdminAuth::generate_link`](super::AdminAuth::generate_link)
/// (auth-js `GenerateLinkParams`). The link is returned, not emailed.
///
/// `Debug` redacts the password.
///
/// ```
/// use supabase_ssr_core::admin::GenerateLink;
///
/// let link = GenerateLink::magiclink("ada@example.com").redirect_to("https://example.com/welcome");
/// # let _ = link;
/// ```
#[derive(Clone, PartialEq)]
#[must_use]
pub struct GenerateLink {
    link_type: LinkType,
    email: String,
    password: Option<String>,
    new_email: Option<String>,
    data: Option<Map<String, Value>>,
    redirect_to: Option<String>,
}

impl GenerateLink {
    fn new(link_type: LinkType, email: impl Into<String>) -> Self {
        Self {
            link_type,
            email: email.into(),
            password: None,
            new_email: None,
            data: None,
            redirect_to: None,
        }
    }

    /// A sign-up confirmation link; the account is created with `password`.
    pub fn signup(email: impl Into<String>, password: impl Into<String>) -> Self {
        let mut link = Self::new(LinkType::Signup, email);
        link.password = Some(password.into());
        link
    }

    /// An invitation link.
    pub fn invite(email: impl Into<String>) -> Self {
        Self::new(LinkType::Invite, email)
    }

    /// A sign-in (magic) link.
    pub fn magiclink(email: impl Into<String>) -> Self {
        Self::new(LinkType::Magiclink, email)
    }

    /// A password-recovery link.
    pub fn recovery(email: impl Into<String>) -> Self {
        Self::new(LinkType::Recovery, email)
    }

    /// The link confirming an email change, sent to the current address.
    pub fn email_change_current(email: impl Into<String>, new_email: impl Into<String>) -> Self {
        let mut link = Self::new(LinkType::EmailChangeCurrent, email);
        link.new_email = Some(new_email.into());
        link
    }

    /// The link confirming an email change, sent to the new address.
    pub fn email_change_new(email: impl Into<String>, new_email: impl Into<String>) -> Self {
        let mut link = Self::new(LinkType::EmailChangeNew, email);
        link.new_email = Some(new_email.into());
        link
    }

    /// `user_metadata` for the user a sign-up, invite or magic link creates.
    pub fn data(mut self, data: Map<String, Value>) -> Self {
        self.data = Some(data);
        self
    }

    /// Where the link leads after verification.
    pub fn redirect_to(mut self, url: impl Into<String>) -> Self {
        self.redirect_to = Some(url.into());
        self
    }

    /// The kind of link.
    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    pub(crate) fn redirect(&self) -> Option<&str> {
        self.redirect_to.as_deref()
    }

    /// The body auth-js sends: the parameters, then the options (`data`, and `redirectTo`
    /// too, which the server ignores: the query's `redirect_to` is the one it reads), then
    /// `new_email`.
    pub(crate) fn body(&self) -> Json {
        let mut body = Object::new();
        body.insert("type", self.link_type.as_str());
        body.insert("email", self.email.as_str());
        if let Some(password) = &self.password {
            body.insert("password", password.as_str());
        }
        if let Some(data) = &self.data {
            body.insert("data", Json::from_map(data));
        }
        if let Some(redirect_to) = &self.redirect_to {
            body.insert("redirectTo", redirect_to.as_str());
        }
        if let Some(new_email) = &self.new_email {
            body.insert("new_email", new_email.as_str());
        }
        Json::Object(body)
    }
}

impl std::fmt::Debug for GenerateLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GenerateLink")
            .field("link_type", &self.link_type)
            .field("email", &self.email)
            .field("password", &redact::optional(self.password.as_ref()))
            .field("new_email", &self.new_email)
            .field("data", &self.data)
            .field("redirect_to", &self.redirect_to)
            .finish()
    }
}

/// A link made by [`AdminAuth::generate_link`](super::AdminAuth::generate_link), and its user.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct GeneratedLink {
    /// The user the link is for (every field of the answer that is not a link property).
    pub user: User,
    /// The link and its parts.
    pub properties: LinkProperties,
}

/// The parts of a generated link (auth-js `GenerateLinkProperties`).
///
/// The link, the code and the hashed token each sign the user in: `Debug` redacts them.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct LinkProperties {
    /// The link to send to the user (it verifies and redirects).
    pub action_link: String,
    /// The one-time code of the same verification.
    pub email_otp: String,
    /// The token for a verification through your own page
    /// ([`VerifyOtp::TokenHash`](crate::auth::VerifyOtp::TokenHash)).
    pub hashed_token: String,
    /// Where the link leads after verification.
    pub redirect_to: String,
    /// The verification type (`signup`, `invite`, `magiclink`, `recovery`, `email_change`…).
    pub verification_type: String,
}

impl std::fmt::Debug for LinkProperties {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkProperties")
            .field("action_link", &redact::Redacted)
            .field("email_otp", &redact::Redacted)
            .field("hashed_token", &redact::Redacted)
            .field("redirect_to", &self.redirect_to)
            .field("verification_type", &self.verification_type)
            .finish()
    }
}

/// The link properties' keys; everything else in the answer is the user.
const LINK_PROPERTIES: [&str; 5] = [
    "action_link",
    "email_otp",
    "hashed_token",
    "redirect_to",
    "verification_type",
];

impl GeneratedLink {
    /// Splits the answer as auth-js does: the link properties, and the rest is the user.
    pub(crate) fn from_object(object: &Object) -> Self {
        let text = |key: &str| match object.get(key) {
            Some(Json::String(value)) => value.clone(),
            _ => String::new(),
        };
        let user: Object = object
            .iter()
            .filter(|(key, _)| !LINK_PROPERTIES.contains(&key.as_str()))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        Self {
            user: User::from_object(&user),
            properties: LinkProperties {
                action_link: text("action_link"),
                email_otp: text("email_otp"),
                hashed_token: text("hashed_token"),
                redirect_to: text("redirect_to"),
                verification_type: text("verification_type"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_attributes_set_are_sent() {
        let body = AdminUserAttributes::default()
            .with_email("a@example.com")
            .with_email_confirm(true)
            .with_app_metadata(Map::from_iter([("plan".to_owned(), "pro".into())]))
            .body();
        assert_eq!(
            body.to_string(),
            r#"{"email":"a@example.com","email_confirm":true,"app_metadata":{"plan":"pro"}}"#
        );
        assert_eq!(AdminUserAttributes::default().body().to_string(), "{}");
    }

    #[test]
    fn generate_link_bodies_follow_auth_js() {
        let change = GenerateLink::email_change_new("a@example.com", "b@example.com")
            .redirect_to("https://example.com/done");
        assert_eq!(
            change.body().to_string(),
            r#"{"type":"email_change_new","email":"a@example.com","redirectTo":"https://example.com/done","new_email":"b@example.com"}"#
        );
        let signup = GenerateLink::signup("a@example.com", "pw-123456");
        assert_eq!(
            signup.body().to_string(),
            r#"{"type":"signup","email":"a@example.com","password":"pw-123456"}"#
        );
    }

    #[test]
    fn a_generated_link_splits_into_properties_and_user() {
        let answer: Object = serde_json::from_str(
            r#"{"id":"u1","email":"a@example.com","action_link":"https://x/verify?token=t","email_otp":"123456","hashed_token":"h","redirect_to":"https://x","verification_type":"magiclink"}"#,
        )
        .unwrap();
        let link = GeneratedLink::from_object(&answer);
        assert_eq!(link.user.id(), "u1");
        assert!(!link.user.fields().contains_key("action_link"));
        assert_eq!(link.properties.verification_type, "magiclink");
        let printed = format!("{link:?}");
        for secret in ["token=t", "123456", "\"h\""] {
            assert!(!printed.contains(secret), "{printed}");
        }
    }
}
