//! User records and their JSON shape (the Go server's `models.User`, key order as in
//! `V:server_flows` results).

use serde_json::{Map, Value, json};

use super::clock::rfc3339;
use super::errors::ApiError;
use super::factors::Factor;
use super::identities::Identity;
use super::options::SeedUser;
use super::random;
use super::state::Inner;

/// A stored user. Times are epoch milliseconds of the server clock.
// Field names mirror the JSON keys of the Go server.
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) password: Option<String>,
    pub(crate) email_confirmed_at: Option<i64>,
    pub(crate) phone_confirmed_at: Option<i64>,
    pub(crate) confirmation_sent_at: Option<i64>,
    pub(crate) recovery_sent_at: Option<i64>,
    pub(crate) email_change_sent_at: Option<i64>,
    pub(crate) new_email: Option<String>,
    /// A new phone number waiting for its code (`phone_change`).
    pub(crate) phone_change: Option<String>,
    pub(crate) phone_change_sent_at: Option<i64>,
    pub(crate) reauthentication_sent_at: Option<i64>,
    pub(crate) last_sign_in_at: Option<i64>,
    pub(crate) app_metadata: Value,
    pub(crate) user_metadata: Value,
    pub(crate) created_at: i64,
    /// Signed up with `signInAnonymously` (no email, no phone).
    pub(crate) anonymous: bool,
    pub(crate) updated_at: i64,
    pub(crate) banned_until: Option<i64>,
    /// `role` (and the access token's `role` claim); `authenticated` unless an admin set another.
    pub(crate) role: String,
    /// When an admin invited the user (`POST /invite`, `generate_link` type `invite`).
    pub(crate) invited_at: Option<i64>,
    /// When an admin soft-deleted the user (email and phone are obfuscated then).
    pub(crate) deleted_at: Option<i64>,
    /// MFA factors, verified or not, oldest first.
    pub(crate) factors: Vec<Factor>,
    /// Sign-in identities, oldest first.
    pub(crate) identities: Vec<Identity>,
    /// Created by SSO (`is_sso_user`): kept apart from other users with the same email, and
    /// its email, phone and password belong to the identity provider.
    pub(crate) sso: bool,
}

impl User {
    /// A user with a fresh id, created at `now`: no password, nothing confirmed, empty metadata.
    pub(crate) fn new(email: String, phone: String, now: i64) -> Self {
        Self {
            id: random::uuid(),
            email,
            phone,
            password: None,
            email_confirmed_at: None,
            phone_confirmed_at: None,
            confirmation_sent_at: None,
            recovery_sent_at: None,
            email_change_sent_at: None,
            new_email: None,
            phone_change: None,
            phone_change_sent_at: None,
            reauthentication_sent_at: None,
            last_sign_in_at: None,
            app_metadata: Value::Object(Map::new()),
            user_metadata: Value::Object(Map::new()),
            created_at: now,
            anonymous: false,
            updated_at: now,
            banned_until: None,
            role: "authenticated".to_owned(),
            invited_at: None,
            deleted_at: None,
            factors: Vec::new(),
            identities: Vec::new(),
            sso: false,
        }
    }

    /// Whether the user is banned at `now_ms`.
    pub(crate) fn is_banned(&self, now_ms: i64) -> bool {
        self.banned_until.is_some_and(|until| until > now_ms)
    }

    /// The JSON the API returns for this user.
    pub(crate) fn to_json(&self) -> Value {
        let mut m = Map::new();
        let ts = |v: Option<i64>| v.map(rfc3339);
        m.insert("id".into(), json!(self.id));
        m.insert("aud".into(), json!("authenticated"));
        m.insert("role".into(), json!(self.role));
        m.insert("email".into(), json!(self.email));
        if let Some(t) = ts(self.email_confirmed_at) {
            m.insert("email_confirmed_at".into(), json!(t));
        }
        if let Some(t) = ts(self.invited_at) {
            m.insert("invited_at".into(), json!(t));
        }
        m.insert("phone".into(), json!(self.phone));
        if let Some(t) = ts(self.phone_confirmed_at) {
            m.insert("phone_confirmed_at".into(), json!(t));
        }
        if let Some(t) = ts(self.email_confirmed_at.or(self.phone_confirmed_at)) {
            m.insert("confirmed_at".into(), json!(t));
        }
        for (key, value) in [
            ("confirmation_sent_at", self.confirmation_sent_at),
            ("recovery_sent_at", self.recovery_sent_at),
            ("email_change_sent_at", self.email_change_sent_at),
        ] {
            if let Some(t) = ts(value) {
                m.insert(key.into(), json!(t));
            }
        }
        if let Some(new_email) = &self.new_email {
            m.insert("new_email".into(), json!(new_email));
        }
        if let Some(phone) = &self.phone_change {
            m.insert("new_phone".into(), json!(phone));
        }
        for (key, value) in [
            ("phone_change_sent_at", self.phone_change_sent_at),
            ("reauthentication_sent_at", self.reauthentication_sent_at),
        ] {
            if let Some(t) = ts(value) {
                m.insert(key.into(), json!(t));
            }
        }
        if let Some(t) = ts(self.last_sign_in_at) {
            m.insert("last_sign_in_at".into(), json!(t));
        }
        m.insert("app_metadata".into(), self.app_metadata.clone());
        m.insert("user_metadata".into(), self.user_metadata.clone());
        // `factors` is `omitempty` on GoTrue's user.
        if !self.factors.is_empty() {
            let factors: Vec<Value> = self.factors.iter().map(Factor::to_json).collect();
            m.insert("factors".into(), Value::Array(factors));
        }
        let identities: Vec<Value> = self
            .identities
            .iter()
            .map(|i| i.to_json(&self.id))
            .collect();
        m.insert("identities".into(), Value::Array(identities));
        m.insert("created_at".into(), json!(rfc3339(self.created_at)));
        m.insert("updated_at".into(), json!(rfc3339(self.updated_at)));
        if let Some(t) = ts(self.banned_until) {
            m.insert("banned_until".into(), json!(t));
        }
        if let Some(t) = ts(self.deleted_at) {
            m.insert("deleted_at".into(), json!(t));
        }
        m.insert("is_anonymous".into(), json!(self.anonymous));
        Value::Object(m)
    }
}

/// Merges the keys of `extra` (if an object) into `base` (if an object).
pub(crate) fn merge(base: &mut Value, extra: &Value) {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
}

impl Inner {
    /// Creates a user; `provider` names the sign-in method in `app_metadata`.
    pub(crate) fn create_user(
        &mut self,
        seed: &SeedUser,
        provider: &str,
    ) -> Result<String, ApiError> {
        let email = seed.email.trim().to_lowercase();
        if !email.is_empty() && self.user_by_email(&email).is_some() {
            return Err(ApiError::unprocessable(
                "user_already_exists",
                "User already registered",
            ));
        }
        let now = self.clock.now_ms();
        let mut user_metadata = json!({ "email_verified": seed.confirmed });
        merge(&mut user_metadata, &seed.user_metadata);
        let mut app_metadata = json!({ "provider": provider, "providers": [provider] });
        merge(&mut app_metadata, &seed.app_metadata);
        let mut user = User::new(email, seed.phone.clone(), now);
        user.password = Some(seed.password.clone()).filter(|p| !p.is_empty());
        user.email_confirmed_at = seed.confirmed.then_some(now);
        user.app_metadata = app_metadata;
        user.user_metadata = user_metadata;
        user.anonymous = provider == "anonymous";
        let id = user.id.clone();
        let (email, phone, confirmed) = (user.email.clone(), user.phone.clone(), seed.confirmed);
        self.users.push(user);
        // Email and phone users hold an identity for their address whose subject is the user
        // id; provider sign-ins add their own, anonymous users have none.
        match provider {
            "email" if !email.is_empty() => {
                let data = json!({
                    "email": email,
                    "email_verified": confirmed,
                    "phone_verified": false,
                    "sub": id,
                });
                self.add_identity(&id, "email", &id, data)?;
            }
            "phone" if !phone.is_empty() => {
                let data = json!({
                    "email_verified": false,
                    "phone": phone,
                    "phone_verified": false,
                    "sub": id,
                });
                self.add_identity(&id, "phone", &id, data)?;
            }
            _ => {}
        }
        Ok(id)
    }

    /// The (non-SSO) user with this email: SSO users share emails with others and are found
    /// through their identity instead, as on the Go server.
    pub(crate) fn user_by_email(&self, email: &str) -> Option<&User> {
        let email = email.trim().to_lowercase();
        self.users
            .iter()
            .find(|u| !u.sso && !u.email.is_empty() && u.email == email)
    }

    pub(crate) fn user_by_phone(&self, phone: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| !u.phone.is_empty() && u.phone == phone)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub(crate) fn user_mut(&mut self, id: &str) -> Option<&mut User> {
        self.users.iter_mut().find(|u| u.id == id)
    }

    /// A user by id or email (what the library API accepts).
    /// (An SSO user's email finds it when no other user has that email.)
    pub(crate) fn find_user_id(&self, id_or_email: &str) -> Option<String> {
        let email = id_or_email.trim().to_lowercase();
        self.user(id_or_email)
            .or_else(|| self.user_by_email(id_or_email))
            .or_else(|| self.users.iter().find(|u| u.sso && u.email == email))
            .map(|u| u.id.clone())
    }

    /// `weak_password` if `password` breaks the password rules (`checkPasswordStrength`:
    /// reasons `length` and `characters`, their messages joined).
    pub(crate) fn check_password(&self, password: &str) -> Result<(), ApiError> {
        match self.password_weakness(password) {
            Some((reasons, message)) => Err(ApiError::weak_password(reasons, message)),
            None => Ok(()),
        }
    }

    /// The reasons and message `password` is weak for, if it is.
    pub(crate) fn password_weakness(&self, password: &str) -> Option<(Vec<String>, String)> {
        let (mut reasons, mut messages) = (Vec::new(), Vec::new());
        let min = self.settings.min_password_length;
        if password.len() < min {
            reasons.push("length".to_owned());
            messages.push(format!("Password should be at least {min} characters."));
        }
        let sets = &self.settings.password_required_characters;
        if sets
            .iter()
            .any(|set| !set.is_empty() && !password.chars().any(|c| set.contains(c)))
        {
            reasons.push("characters".to_owned());
            messages.push(format!(
                "Password should contain at least one character of each: {}.",
                sets.join(", ")
            ));
        }
        (!reasons.is_empty()).then(|| (reasons, messages.join(" ")))
    }
}
