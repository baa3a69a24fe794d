//! Deleting the auth cookies at scopes other than the configured one, like
//! `clearAuthCookiesAtScopes` of `@supabase/ssr` (spec §19).
//!
//! A browser keeps one cookie per name, domain and path. After a deploy that moves the auth
//! cookies (a new `Domain` or `Path`), the old ones stay in the browser at their old scope, and
//! sign-out cannot reach them: a deletion only hits the cookie of the same scope. These
//! deletions can.

use super::chunk::is_chunk_like;
use super::header::RequestCookie;
use super::options::{CookieOptions, CookieOptionsError};

/// The `Set-Cookie` deletions (`Max-Age=0`, empty value) of every cookie of the request that
/// holds the item `storage_key` (the session cookie and its chunks, spec §5.3), at each of
/// `scopes` in order: for each scope, each such cookie in the order the request sent them.
///
/// This is `clearAuthCookiesAtScopes` of `@supabase/ssr`: a scope is complete cookie options
/// (start from [`CookieOptions::default`], as the JS scope is merged over the defaults), there
/// is no host-only twin of a domain-scoped deletion, and no cookie of the request holding the
/// item, or no scope, means no deletion. Unlike the JS function, every scope is validated first
/// ([`CookieOptions::validate`]): a scope the browser would ignore (`SameSite=None` or
/// `Partitioned` without `Secure`) or that `cookie.serialize` would throw on is an error, and
/// nothing is returned.
///
/// A scope that is the one the session cookies live at (same `Domain`, `Path` and
/// partitioning) deletes the live session: this function does not know the configured scope
/// and deletes at every scope given. A scope for a domain the site does not own is ignored by
/// the browser. To record the deletions in a request's response, use
/// [`SupabaseClient::clear_auth_cookies`](crate::SupabaseClient::clear_auth_cookies) or
/// [`CookieState::clear_auth_cookies`](super::CookieState::clear_auth_cookies), which skip the
/// configured scope while the request holds a session and add no duplicate deletion.
///
/// ```
/// use supabase_ssr_core::cookies::{CookieOptions, clear_auth_cookies, parse_cookie_header};
///
/// let request = parse_cookie_header(
///     "sb-abc-auth-token.0=base64-eyJ; sb-abc-auth-token.1=fQ; theme=dark",
/// );
/// // The cookies used to live on the parent domain, and at /app before that.
/// let scopes = [
///     CookieOptions::default().with_domain(".example.com"),
///     CookieOptions::default().with_path(Some("/app".into())),
/// ];
/// let deletions = clear_auth_cookies(&request, "sb-abc-auth-token", &scopes)?;
/// assert_eq!(
///     deletions,
///     [
///         "sb-abc-auth-token.0=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
///         "sb-abc-auth-token.1=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
///         "sb-abc-auth-token.0=; Max-Age=0; Path=/app; SameSite=Lax",
///         "sb-abc-auth-token.1=; Max-Age=0; Path=/app; SameSite=Lax",
///     ]
/// );
/// # Ok::<(), supabase_ssr_core::cookies::CookieOptionsError>(())
/// ```
pub fn clear_auth_cookies(
    request_cookies: &[RequestCookie],
    storage_key: &str,
    scopes: &[CookieOptions],
) -> Result<Vec<String>, CookieOptionsError> {
    for scope in scopes {
        scope.validate()?;
    }
    let names: Vec<&str> = request_cookies
        .iter()
        .map(|cookie| cookie.name.as_str())
        .filter(|name| is_chunk_like(name, storage_key))
        .collect();
    Ok(scopes
        .iter()
        .flat_map(|scope| names.iter().map(|name| scope.render(name, "", Some(0))))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cookies::{Priority, SameSite, parse_cookie_header};

    /// Expected strings printed by `clearAuthCookiesAtScopes` of `@supabase/ssr` 0.12.7 (its
    /// `setAll` list rendered with `serializeCookieHeader`) for the same cookies and scopes.
    #[test]
    fn deletions_are_byte_identical_to_the_js_helper() {
        let request = parse_cookie_header(
            "sb-x-auth-token.1=b; theme=dark; sb-x-auth-token.0=a; sb-x-auth-token=w; \
             sb-x-auth-token.01=no; sb-x-auth-token-code-verifier=no",
        );
        let scopes = [
            CookieOptions::default().with_domain(".example.com"),
            CookieOptions::default()
                .with_path(Some("/app".into()))
                .with_secure(true)
                .with_partitioned(true)
                .with_priority(Some(Priority::High))
                .with_same_site(Some(SameSite::None)),
        ];
        let deletions = clear_auth_cookies(&request, "sb-x-auth-token", &scopes).unwrap();
        assert_eq!(
            deletions,
            [
                "sb-x-auth-token.1=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
                "sb-x-auth-token.0=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
                "sb-x-auth-token=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax",
                "sb-x-auth-token.1=; Max-Age=0; Path=/app; Secure; Partitioned; Priority=High; \
                 SameSite=None",
                "sb-x-auth-token.0=; Max-Age=0; Path=/app; Secure; Partitioned; Priority=High; \
                 SameSite=None",
                "sb-x-auth-token=; Max-Age=0; Path=/app; Secure; Partitioned; Priority=High; \
                 SameSite=None",
            ]
        );
    }

    #[test]
    fn nothing_to_clear_gives_no_deletion() {
        let request = parse_cookie_header("theme=dark; sb-x-auth-token-user=u");
        let scopes = [CookieOptions::default()];
        assert!(
            clear_auth_cookies(&request, "sb-x-auth-token", &scopes)
                .unwrap()
                .is_empty()
        );
        let request = parse_cookie_header("sb-x-auth-token=a");
        assert!(
            clear_auth_cookies(&request, "sb-x-auth-token", &[])
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_scope_the_browser_would_ignore_is_refused() {
        let request = parse_cookie_header("sb-x-auth-token=a");
        let scopes = [
            CookieOptions::default(),
            CookieOptions::default().with_partitioned(true),
        ];
        assert_eq!(
            clear_auth_cookies(&request, "sb-x-auth-token", &scopes),
            Err(CookieOptionsError::PartitionedWithoutSecure)
        );
    }
}
