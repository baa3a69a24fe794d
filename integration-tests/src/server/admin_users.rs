//! The admin side of users (`gotrue:internal/api/admin.go`): create, update, delete and list,
//! with the Go server's validation messages and error codes.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::factors::normalize_phone;
use super::state::Inner;
use super::users::User;

/// The body of `POST /admin/users` and `PUT /admin/users/{id}` (`AdminUserParams`). Every field
/// may be absent or null, as Go's decoder allows.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AdminUserParams {
    id: Option<String>,
    role: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    password: Option<String>,
    password_hash: Option<String>,
    email_confirm: Option<bool>,
    phone_confirm: Option<bool>,
    user_metadata: Option<Map<String, Value>>,
    app_metadata: Option<Map<String, Value>>,
    ban_duration: Option<String>,
}

impl AdminUserParams {
    /// Parses a request body (`bad_json` when a field has the wrong type).
    pub(crate) fn from_body(body: Value) -> Result<Self, ApiError> {
        serde_json::from_value(body).map_err(|e| {
            ApiError::bad_request(
                "bad_json",
                format!("Could not parse request body as JSON: {e}"),
            )
        })
    }

    fn text(field: Option<&String>) -> &str {
        field.map_or("", String::as_str)
    }
}

/// The Go server's `validateEmail`: lower-cased, or 400 `validation_failed`.
pub(crate) fn validate_email(email: &str) -> Result<String, ApiError> {
    let invalid = |m: &str| ApiError::bad_request("validation_failed", m);
    if email.is_empty() {
        return Err(invalid("An email address is required"));
    }
    if email.len() > 255 {
        return Err(invalid("An email address is too long"));
    }
    let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !domain.contains('@')
            && !email.chars().any(char::is_whitespace)
    });
    if !well_formed {
        return Err(invalid("Unable to validate email address: invalid format"));
    }
    Ok(email.to_lowercase())
}

fn validate_phone(phone: &str) -> Result<String, ApiError> {
    normalize_phone(phone).ok_or_else(|| {
        ApiError::bad_request(
            "validation_failed",
            "Invalid phone number format (E.164 required)",
        )
    })
}

/// `ban_duration`: `none` lifts a ban (`Some(0)`), anything else is a Go duration (`24h`,
/// `1h30m`); `None` when not given.
fn ban_duration_ms(value: &str) -> Result<Option<i64>, ApiError> {
    match value {
        "" => Ok(None),
        "none" => Ok(Some(0)),
        _ => parse_go_duration(value).map(Some).map_err(|e| {
            ApiError::bad_request(
                "validation_failed",
                format!("invalid format for ban duration: {e}"),
            )
        }),
    }
}

/// Go's `time.ParseDuration` (a signed sequence of decimal numbers with units `ns`, `us`, `µs`,
/// `ms`, `s`, `m`, `h`), in milliseconds; the error text is Go's.
fn parse_go_duration(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration \"{text}\"");
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total_ms = 0f64;
    while !rest.is_empty() {
        let number_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number: f64 = rest[..number_len].parse().map_err(|_| invalid())?;
        rest = &rest[number_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let ms_per_unit = match unit {
            "" => return Err(format!("time: missing unit in duration \"{text}\"")),
            "ns" => 1e-6,
            "us" | "µs" | "μs" => 1e-3,
            "ms" => 1.0,
            "s" => 1e3,
            "m" => 60e3,
            "h" => 3600e3,
            other => {
                return Err(format!(
                    "time: unknown unit \"{other}\" in duration \"{text}\""
                ));
            }
        };
        total_ms += number * ms_per_unit;
    }
    // Go's durations stop at about 292 years.
    if total_ms > 9.2e15 {
        return Err(invalid());
    }
    #[allow(clippy::cast_possible_truncation)]
    let ms = total_ms as i64;
    Ok(if negative { -ms } else { ms })
}

/// Sets and removes keys as the Go server's `UpdateUserMetaData`/`UpdateAppMetaData` do: a null value
/// removes the key.
fn apply_metadata(target: &mut Value, changes: &Map<String, Value>) {
    if let Some(map) = target.as_object_mut() {
        for (k, v) in changes {
            if v.is_null() {
                map.remove(k);
            } else {
                map.insert(k.clone(), v.clone());
            }
        }
    }
}

/// The Go server's `obfuscateValue`: base64url(SHA-256(id + value)), used when soft-deleting.
fn obfuscate(id: &str, value: &str) -> String {
    let d = digest::digest(&digest::SHA256, format!("{id}{value}").as_bytes());
    URL_SAFE_NO_PAD.encode(d.as_ref())
}

fn email_exists() -> ApiError {
    ApiError::unprocessable(
        "email_exists",
        "A user with this email address has already been registered",
    )
}

/// `loadUser`'s answer for an id that is not a UUID or not a user.
pub(crate) fn check_user_id(inner: &Inner, id: &str) -> Result<(), ApiError> {
    if uuid::Uuid::parse_str(id).is_err() {
        return Err(ApiError::new(
            404,
            "validation_failed",
            "user_id must be an UUID",
        ));
    }
    if inner.user(id).is_none() {
        return Err(ApiError::new(404, "user_not_found", "User not found"));
    }
    Ok(())
}

impl Inner {
    /// `POST /admin/users`: the new user's JSON.
    pub(crate) fn admin_create_user(
        &mut self,
        params: &AdminUserParams,
    ) -> Result<Value, ApiError> {
        let email = AdminUserParams::text(params.email.as_ref());
        let phone = AdminUserParams::text(params.phone.as_ref());
        if email.is_empty() && phone.is_empty() {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Cannot create a user without either an email or phone",
            ));
        }
        let mut providers = Vec::new();
        let email = if email.is_empty() {
            String::new()
        } else {
            let email = validate_email(email)?;
            if self.user_by_email(&email).is_some() {
                return Err(email_exists());
            }
            providers.push("email");
            email
        };
        let phone = if phone.is_empty() {
            String::new()
        } else {
            let phone = validate_phone(phone)?;
            if self.user_by_phone(&phone).is_some() {
                return Err(ApiError::unprocessable(
                    "phone_exists",
                    "Phone number already registered by another user",
                ));
            }
            providers.push("phone");
            phone
        };
        if params.password.is_some() && params.password_hash.is_some() {
            return Err(ApiError::bad_request(
                "validation_failed",
                "Only a password or a password hash should be provided",
            ));
        }
        if params.password_hash.is_some() {
            // Not stored by this test server: say so rather than create a user who cannot sign in.
            return Err(ApiError::bad_request(
                "validation_failed",
                "password_hash is not supported by the local test server; send password",
            ));
        }
        let now = self.clock.now_ms();
        let mut user = User::new(email, phone, now);
        if let Some(id) = params.id.as_deref().filter(|id| !id.is_empty()) {
            let parsed = uuid::Uuid::parse_str(id).map_err(|_| {
                ApiError::bad_request("validation_failed", "ID must conform to the uuid v4 format")
            })?;
            if parsed.is_nil() {
                return Err(ApiError::bad_request(
                    "validation_failed",
                    "ID cannot be a nil uuid",
                ));
            }
            if self.user(&parsed.to_string()).is_some() {
                return Err(ApiError::internal("admin create: duplicate user id"));
            }
            user.id = parsed.to_string();
        }
        let ban = ban_duration_ms(AdminUserParams::text(params.ban_duration.as_ref()))?;
        user.password = params.password.clone().filter(|p| !p.is_empty());
        if let Some(meta) = &params.user_metadata {
            user.user_metadata = Value::Object(meta.clone());
        }
        user.app_metadata = json!({ "provider": providers[0], "providers": providers });
        if let Some(role) = params.role.as_deref().filter(|r| !r.is_empty()) {
            role.clone_into(&mut user.role);
        }
        let id = user.id.clone();
        let (email, phone) = (user.email.clone(), user.phone.clone());
        self.users.push(user);
        // One identity per address, as `createNewIdentity` makes them (unverified at first).
        if !email.is_empty() {
            let data = json!({"email": email, "email_verified": false, "phone_verified": false, "sub": id});
            self.add_identity(&id, "email", &id, data)?;
        }
        if !phone.is_empty() {
            let data = json!({"email_verified": false, "phone": phone, "phone_verified": false, "sub": id});
            self.add_identity(&id, "phone", &id, data)?;
        }
        self.apply_admin_changes(&id, params, ban, now);
        self.admin_user_json(&id)
    }

    /// `PUT /admin/users/{id}` of a user [`check_user_id`] found: the updated user's JSON.
    pub(crate) fn admin_update_user(
        &mut self,
        id: &str,
        params: &AdminUserParams,
    ) -> Result<Value, ApiError> {
        let email = match AdminUserParams::text(params.email.as_ref()) {
            "" => None,
            e => Some(validate_email(e)?),
        };
        if let Some(email) = &email
            && self.user_by_email(email).is_some_and(|u| u.id != id)
        {
            return Err(email_exists());
        }
        let phone = match AdminUserParams::text(params.phone.as_ref()) {
            "" => None,
            p => Some(validate_phone(p)?),
        };
        let ban = ban_duration_ms(AdminUserParams::text(params.ban_duration.as_ref()))?;
        if let Some(password) = &params.password {
            self.check_password(password)?;
        }
        let now = self.clock.now_ms();
        let user = self
            .user_mut(id)
            .ok_or_else(|| ApiError::internal("checked user vanished"))?;
        if let Some(password) = &params.password {
            user.password = Some(password.clone());
        }
        if let Some(role) = params.role.as_deref().filter(|r| !r.is_empty()) {
            role.clone_into(&mut user.role);
        }
        if let Some(email) = &email {
            if user.anonymous && params.email_confirm == Some(true) {
                user.anonymous = false;
            }
            user.email.clone_from(email);
        }
        if let Some(phone) = &phone {
            if user.anonymous && params.phone_confirm == Some(true) {
                user.anonymous = false;
            }
            user.phone.clone_from(phone);
        }
        if let Some(email) = email {
            let verified = params.email_confirm == Some(true);
            self.set_address_identity(id, "email", &email, verified)?;
        }
        if let Some(phone) = phone {
            let verified = params.phone_confirm == Some(true);
            self.set_address_identity(id, "phone", &phone, verified)?;
        }
        self.apply_admin_changes(id, params, ban, now);
        self.admin_user_json(id)
    }

    /// Points the user's `email` or `phone` identity at a new address, or creates it, as the
    /// Go server's admin update does (`email_verified`/`phone_verified` from the confirm flag).
    fn set_address_identity(
        &mut self,
        id: &str,
        provider: &str,
        address: &str,
        verified: bool,
    ) -> Result<(), ApiError> {
        let now = self.clock.now_ms();
        let verified_key = format!("{provider}_verified");
        let existing = self
            .user_mut(id)
            .and_then(|u| u.identities.iter_mut().find(|i| i.provider == provider));
        if let Some(identity) = existing {
            if let Some(data) = identity.data.as_object_mut() {
                data.insert(provider.to_owned(), json!(address));
                data.insert(verified_key, json!(verified));
            }
            if provider == "email" {
                identity.email = Some(address.to_owned());
            }
            identity.updated_at = now;
            return Ok(());
        }
        let mut data = json!({"email_verified": false, "phone_verified": false, "sub": id});
        if let Some(map) = data.as_object_mut() {
            map.insert(provider.to_owned(), json!(address));
            map.insert(verified_key, json!(verified));
        }
        self.add_identity(id, provider, id, data).map(|_| ())
    }

    /// What create and update share: confirmations, metadata, ban, `updated_at`.
    fn apply_admin_changes(
        &mut self,
        id: &str,
        params: &AdminUserParams,
        ban_ms: Option<i64>,
        now: i64,
    ) {
        let Some(user) = self.user_mut(id) else {
            return;
        };
        if let Some(changes) = &params.app_metadata {
            apply_metadata(&mut user.app_metadata, changes);
        }
        if let Some(changes) = &params.user_metadata {
            apply_metadata(&mut user.user_metadata, changes);
        }
        if params.email_confirm == Some(true) {
            user.email_confirmed_at = Some(now);
            if let Some(meta) = user.user_metadata.as_object_mut() {
                meta.insert("email_verified".to_owned(), true.into());
            }
        }
        if params.phone_confirm == Some(true) {
            user.phone_confirmed_at = Some(now);
        }
        match ban_ms {
            Some(0) => user.banned_until = None,
            Some(ms) => user.banned_until = Some(now.saturating_add(ms)),
            None => {}
        }
        user.updated_at = now;
    }

    fn admin_user_json(&self, id: &str) -> Result<Value, ApiError> {
        self.user(id)
            .map(User::to_json)
            .ok_or_else(|| ApiError::internal("admin user vanished"))
    }

    /// `DELETE /admin/users/{id}`. A hard delete removes the user; a soft one keeps it with
    /// `deleted_at`, its email and phone obfuscated, no password, no metadata, no factors. Either
    /// way its sessions and codes go. The user is one [`check_user_id`] found.
    pub(crate) fn admin_delete_user(&mut self, id: &str, soft: bool) -> Result<(), ApiError> {
        let now = self.clock.now_ms();
        let factor_ids: Vec<String> = self
            .user(id)
            .map(|u| u.factors.iter().map(|f| f.id.clone()).collect())
            .unwrap_or_default();
        if soft {
            let user = self
                .user_mut(id)
                .ok_or_else(|| ApiError::internal("checked user vanished"))?;
            if user.deleted_at.is_some() {
                return Ok(());
            }
            user.email = obfuscate(id, &user.email);
            user.phone = obfuscate(id, &user.phone).chars().take(15).collect();
            user.new_email = user.new_email.as_deref().map(|e| obfuscate(id, e));
            user.password = None;
            user.user_metadata = Value::Object(Map::new());
            user.factors.clear();
            // The Go server keeps them with obfuscated provider ids; gone is as unusable.
            user.identities.clear();
            user.deleted_at = Some(now);
            user.updated_at = now;
        } else {
            self.users.retain(|u| u.id != id);
            // The Go server's foreign key cascades to the user's WebAuthn credentials.
            self.passkeys.retain(|p| p.user_id != id);
        }
        for session_id in self.sessions_of(id) {
            self.delete_session(&session_id);
        }
        self.otps.retain(|r| r.user_id != id);
        self.mfa_challenges
            .retain(|c| !factor_ids.contains(&c.factor_id));
        Ok(())
    }

    /// The users of one page, newest first (the Go server sorts by `created_at desc`), and the total.
    /// `filter` keeps users whose email contains it or whose `full_name` contains it in any
    /// case, as the Go server's `filter` query parameter does.
    pub(crate) fn admin_list_users(
        &self,
        page: u64,
        per_page: u64,
        filter: &str,
    ) -> (Vec<Value>, u64) {
        let lower = filter.to_lowercase();
        let mut users: Vec<(usize, &User)> = self
            .users
            .iter()
            .enumerate()
            .filter(|(_, u)| {
                filter.is_empty()
                    || u.email.contains(filter)
                    || u.user_metadata["full_name"]
                        .as_str()
                        .is_some_and(|n| n.to_lowercase().contains(&lower))
            })
            .collect();
        users.sort_by_key(|(index, u)| std::cmp::Reverse((u.created_at, *index)));
        let total = users.len() as u64;
        let skip = page.max(1).saturating_sub(1).saturating_mul(per_page);
        let page_users = users
            .into_iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(per_page).unwrap_or(usize::MAX))
            .map(|(_, u)| u.to_json())
            .collect();
        (page_users, total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("24h"), Ok(86_400_000));
        assert_eq!(parse_go_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_go_duration("1.5s"), Ok(1_500));
        assert_eq!(parse_go_duration("0"), Ok(0));
        assert_eq!(
            parse_go_duration("1d"),
            Err("time: unknown unit \"d\" in duration \"1d\"".to_owned())
        );
        assert_eq!(
            parse_go_duration("10"),
            Err("time: missing unit in duration \"10\"".to_owned())
        );
        assert_eq!(
            parse_go_duration("soon"),
            Err("time: invalid duration \"soon\"".to_owned())
        );
    }

    #[test]
    fn emails_are_checked_and_lowered() {
        assert_eq!(validate_email("A@Example.com").unwrap(), "a@example.com");
        assert_eq!(
            validate_email("nope").unwrap_err().code,
            "validation_failed"
        );
        assert_eq!(
            validate_email("").unwrap_err().message,
            "An email address is required"
        );
    }
}
