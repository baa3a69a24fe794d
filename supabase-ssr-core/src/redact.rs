//! Stand-ins for secrets in `Debug` output.
//!
//! Tokens, refresh tokens, cookie values, PKCE verifiers, passwords and the JWT secret never
//! appear in `Debug` (nor in logs, which often format values with `{:?}`). Types that hold one
//! implement `Debug` by hand and print one of these in its place. The publishable key is public
//! by design (every browser of the site gets it) and is printed.

use std::fmt;

/// Prints `<redacted>` in place of a secret.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Prints `<redacted, N bytes>` in place of a secret: its length helps debugging (an empty
/// value, a value cut by a proxy) and says nothing about its content.
pub(crate) struct RedactedLen(pub(crate) usize);

impl fmt::Debug for RedactedLen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<redacted, {} bytes>", self.0)
    }
}

/// `Some(<redacted>)` or `None`, for an optional secret.
pub(crate) fn optional<T>(secret: Option<&T>) -> Option<Redacted> {
    secret.map(|_| Redacted)
}

/// A `Set-Cookie` value with its cookie value redacted: `name=<redacted>; Path=/; …`. The name
/// and attributes stay (they are what one debugs); a deletion's empty value stays empty.
pub(crate) struct RedactedSetCookie<'a>(pub(crate) &'a str);

impl fmt::Debug for RedactedSetCookie<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (pair, attributes) = self.0.split_at(self.0.find(';').unwrap_or(self.0.len()));
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = if value.is_empty() { "" } else { "<redacted>" };
        write!(f, "\"{name}={value}{attributes}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_cookie_values_keep_their_name_and_attributes() {
        let set = "sb-x-auth-token=base64-eyJzZWNyZXQ; Path=/; Max-Age=34560000; SameSite=Lax";
        assert_eq!(
            format!("{:?}", RedactedSetCookie(set)),
            "\"sb-x-auth-token=<redacted>; Path=/; Max-Age=34560000; SameSite=Lax\""
        );
        let deletion = "sb-x-auth-token=; Path=/; Max-Age=0";
        assert_eq!(
            format!("{:?}", RedactedSetCookie(deletion)),
            format!("{deletion:?}")
        );
        assert_eq!(format!("{:?}", RedactedSetCookie("odd")), "\"odd=\"");
        assert_eq!(format!("{:?}", RedactedLen(7)), "<redacted, 7 bytes>");
    }
}
