//! What kind of Supabase API key a string is: the check that keeps a secret key out of the
//! per-request client (where it would bypass Row Level Security for every visitor) and a
//! publishable key out of [`SupabaseAdmin`](crate::SupabaseAdmin).
//!
//! New keys say what they are in their prefix (`sb_publishable_…`, `sb_secret_…`); legacy keys
//! are JWTs whose `role` claim says it (`anon`, `service_role`). The JWT is only read, never
//! verified: this is a guard against a configuration mistake, not an authentication.

/// The kinds of key a project has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiKeyKind {
    /// `sb_secret_…`, or a legacy JWT with `role: service_role`: full access, bypasses RLS.
    Secret,
    /// `sb_publishable_…`.
    Publishable,
    /// A legacy JWT with `role: anon`.
    LegacyAnon,
    /// A JWT with another role (a user's access token, say).
    OtherJwt(String),
    /// Neither prefix nor a JWT with a `role` claim.
    Unknown,
}

impl ApiKeyKind {
    /// Reads the kind of `key`.
    pub(crate) fn of(key: &str) -> Self {
        let key = key.trim();
        if key.starts_with("sb_secret_") {
            return Self::Secret;
        }
        if key.starts_with("sb_publishable_") {
            return Self::Publishable;
        }
        match jwt_role(key).as_deref() {
            Some("service_role") => Self::Secret,
            Some("anon") => Self::LegacyAnon,
            Some(role) => Self::OtherJwt(role.to_owned()),
            None => Self::Unknown,
        }
    }

    /// The kind in words, for error messages (never the key).
    pub(crate) fn describe(&self) -> String {
        match self {
            Self::Secret => "a secret key".to_owned(),
            Self::Publishable => "a publishable key (sb_publishable_…)".to_owned(),
            Self::LegacyAnon => "a legacy anon key (a JWT with role anon)".to_owned(),
            Self::OtherJwt(role) => format!("a JWT with role {role:?}"),
            Self::Unknown => "not a Supabase API key".to_owned(),
        }
    }
}

/// The `role` claim of an unverified JWT, if `token` looks like one.
fn jwt_role(token: &str) -> Option<String> {
    let claims = crate::jwt_payload::decode(token).ok()?;
    claims.get("role")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;

    fn jwt(payload: &str) -> String {
        let encode = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.signature",
            encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            encode(payload)
        )
    }

    #[test]
    fn keys_are_told_apart_by_prefix_or_role() {
        assert_eq!(ApiKeyKind::of("sb_secret_abc"), ApiKeyKind::Secret);
        assert_eq!(ApiKeyKind::of(" sb_secret_abc "), ApiKeyKind::Secret);
        assert_eq!(
            ApiKeyKind::of("sb_publishable_abc"),
            ApiKeyKind::Publishable
        );
        assert_eq!(
            ApiKeyKind::of(&jwt(r#"{"iss":"supabase","role":"service_role"}"#)),
            ApiKeyKind::Secret
        );
        assert_eq!(
            ApiKeyKind::of(&jwt(r#"{"iss":"supabase","role":"anon"}"#)),
            ApiKeyKind::LegacyAnon
        );
        assert_eq!(
            ApiKeyKind::of(&jwt(r#"{"role":"authenticated"}"#)),
            ApiKeyKind::OtherJwt("authenticated".into())
        );
        for unknown in [
            "",
            "anon",
            "a.b.c",
            &jwt(r#"{"sub":"x"}"#),
            &jwt(r#"{"role":7}"#),
        ] {
            assert_eq!(ApiKeyKind::of(unknown), ApiKeyKind::Unknown, "{unknown}");
        }
    }

    #[test]
    fn descriptions_never_hold_the_key() {
        let key = "sb_publishable_do-not-print";
        assert!(!ApiKeyKind::of(key).describe().contains("do-not-print"));
    }
}
