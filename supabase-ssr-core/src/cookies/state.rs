//! The cookie state of one request: what the browser sent, what the request changed, and the
//! `Set-Cookie` values that make the browser's jar match.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::cache::{self, CACHE_HEADERS};
use super::chunk::{MAX_CHUNK_SIZE, combine_chunks, create_chunks, is_chunk_like};
use super::codec::{decode_value, encode_value};
use super::contents::CookieContents;
use super::header::{RequestCookie, find_cookie, parse_cookie_headers};
use super::options::{MAX_AGE_SECONDS, URI_COMPONENT};
use crate::config::Config;
use crate::redact;
use crate::session::{Session, SessionError};

/// Above this many incoming cookies, lookups go through a hash index.
const INDEX_THRESHOLD: usize = 32;

/// What is stored under the session key.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StoredSession {
    /// Nothing, or a value that cannot be decoded or is not JSON (left alone, never deleted).
    Absent,
    /// A session.
    Present(Session),
    /// JSON that is not a session: the JS library deletes it, and so does
    /// [`CookieState::remove_session`].
    Invalid(SessionError),
}

/// The cookie state of one request.
///
/// Built from the request's `Cookie` header(s); reads items (the session, PKCE verifiers)
/// through chunk combining and decoding; records item writes; and finally produces the
/// `Set-Cookie` values. Writes are net: whatever happened during the request, each cookie gets
/// at most one `Set-Cookie` (two for a deletion when a `Domain` is configured: host-only first),
/// and a write equal to what the browser already holds is skipped.
///
/// ```
/// use std::sync::Arc;
/// use supabase_ssr_core::Config;
/// use supabase_ssr_core::cookies::CookieState;
///
/// let config = Arc::new(Config::new("http://127.0.0.1:54321", "publishable-key")?);
/// let mut state = CookieState::new(config, ["theme=dark"]);
/// state.set_item("sb-127-auth-token", r#"{"access_token":"a","refresh_token":"r","expires_at":1}"#);
/// let response = state.response_cookies();
/// assert_eq!(response.set_cookies().len(), 1);
/// assert!(response.set_cookies()[0].starts_with("sb-127-auth-token=base64-eyJ"));
/// assert_eq!(response.cache_headers().len(), 3);
/// # Ok::<(), supabase_ssr_core::ConfigError>(())
/// ```
///
/// `Debug` shows cookie names, never values.
#[derive(Clone)]
pub struct CookieState {
    config: Arc<Config>,
    /// The request's `Cookie` lines joined with `; `.
    raw_header: String,
    /// Where each line ends in `raw_header`.
    line_ends: Vec<usize>,
    /// Parsed on first use: a request answered from the claims cache never needs it.
    incoming: OnceLock<Vec<RequestCookie>>,
    index: OnceLock<HashMap<String, usize>>,
    session: OnceLock<StoredSession>,
    /// Item writes in first-touch order: `Some` sets, `None` removes.
    writes: Vec<(String, Option<String>)>,
    /// The changes the writes make, kept until the next write: a request that refreshes the
    /// session needs them for the rewritten `Cookie` header and again for the response, and
    /// encoding and chunking a session takes a microsecond or two.
    changes: OnceLock<Changes>,
    /// Deletions at other scopes ([`CookieState::clear_auth_cookies`]), rendered.
    scoped_deletions: Vec<String>,
}

impl std::fmt::Debug for CookieState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Names only, and only of what was already parsed: formatting changes nothing.
        let incoming: Option<Vec<&str>> = self
            .incoming
            .get()
            .map(|cookies| cookies.iter().map(|c| c.name.as_str()).collect());
        let writes: Vec<(&str, &str)> = self
            .writes
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str(),
                    if value.is_some() { "set" } else { "remove" },
                )
            })
            .collect();
        f.debug_struct("CookieState")
            .field("storage_key", &self.config.storage_key())
            .field("cookie_header", &redact::RedactedLen(self.raw_header.len()))
            .field("incoming", &incoming)
            .field("session", &self.session.get())
            .field("writes", &writes)
            .field("scoped_deletions", &self.scoped_deletions.len())
            .finish_non_exhaustive()
    }
}

impl CookieState {
    /// The state of a request that sent these `Cookie` header values.
    pub fn new<'a>(config: Arc<Config>, cookie_headers: impl IntoIterator<Item = &'a str>) -> Self {
        let mut raw_header = String::new();
        let mut line_ends = Vec::new();
        for line in cookie_headers {
            if !line_ends.is_empty() {
                raw_header.push_str("; ");
            }
            raw_header.push_str(line);
            line_ends.push(raw_header.len());
        }
        Self {
            config,
            raw_header,
            line_ends,
            incoming: OnceLock::new(),
            index: OnceLock::new(),
            session: OnceLock::new(),
            writes: Vec::new(),
            changes: OnceLock::new(),
            scoped_deletions: Vec::new(),
        }
    }

    /// The project configuration this state writes with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The cookies the request sent (parsed, first of duplicates kept).
    pub fn incoming(&self) -> &[RequestCookie] {
        self.incoming
            .get_or_init(|| parse_cookie_headers(self.lines()))
    }

    /// The request's `Cookie` lines.
    fn lines(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.line_ends.iter().map(move |&end| {
            let line = &self.raw_header[start..end];
            start = end + 2;
            line
        })
    }

    /// The value of an incoming cookie.
    pub fn incoming_value(&self, name: &str) -> Option<&str> {
        // A scan is fastest for the handful of cookies a browser normally sends; a hostile
        // header with thousands of chunks gets an index so combining them stays linear.
        let incoming = self.incoming();
        if incoming.len() <= INDEX_THRESHOLD {
            return incoming
                .iter()
                .find(|c| c.name == name)
                .map(|c| c.value.as_str());
        }
        let index = self.index.get_or_init(|| {
            incoming
                .iter()
                .enumerate()
                .map(|(i, c)| (c.name.clone(), i))
                .collect()
        });
        index.get(name).map(|&i| incoming[i].value.as_str())
    }

    /// Reads an item (spec §4.2): a value written during this request, else the request's
    /// cookies combined and decoded. Undecodable values read as absent, with a warning.
    pub fn get_item(&self, key: &str) -> Option<Cow<'_, str>> {
        if let Some((_, written)) = self.writes.iter().find(|(k, _)| k == key) {
            return written.as_deref().map(Cow::Borrowed);
        }
        let combined = combine_chunks(key, |name| self.incoming_value(name))?;
        let decoded = match decode_value(&combined) {
            Ok((Cow::Owned(text), _)) => Some(text),
            Ok((Cow::Borrowed(_), _)) => None,
            Err(error) => {
                tracing::warn!(
                    cookie = key,
                    %error,
                    "could not base64url-decode the cookie value, treating it as absent; its \
                     chunks may come from different responses"
                );
                return None;
            }
        };
        Some(decoded.map_or(combined, Cow::Owned))
    }

    /// Reads the session item (spec §10.2). The value is never logged. Read once per request:
    /// later calls reuse the result until the session item is written.
    pub fn stored_session(&self) -> StoredSession {
        self.session.get_or_init(|| self.read_session()).clone()
    }

    fn read_session(&self) -> StoredSession {
        let key = self.config.storage_key();
        let Some(text) = self.get_item(key) else {
            return StoredSession::Absent;
        };
        match Session::from_json(&text) {
            Ok(session) => StoredSession::Present(session),
            Err(SessionError::NotJson) => {
                if self.is_base64_cookie(key) {
                    tracing::warn!(
                        cookie = key,
                        "the cookie decoded to invalid JSON, treating it as absent; its chunks \
                         may come from different responses"
                    );
                }
                StoredSession::Absent
            }
            Err(error) => StoredSession::Invalid(error),
        }
    }

    fn is_base64_cookie(&self, key: &str) -> bool {
        !self.writes.iter().any(|(k, _)| k == key)
            && combine_chunks(key, |name| self.incoming_value(name))
                .is_some_and(|v| v.starts_with(super::codec::BASE64_PREFIX))
    }

    /// Stores an item for the rest of the request and for the response.
    pub fn set_item(&mut self, key: &str, value: impl Into<String>) {
        self.record(key, Some(value.into()));
    }

    /// Removes an item: every cookie chunk of it is deleted in the response.
    pub fn remove_item(&mut self, key: &str) {
        self.record(key, None);
    }

    /// Stores a session under the storage key: the whole session, or with
    /// [`CookieContents::TokensOnly`] the session without its user, the user being kept for
    /// the rest of the request (auth-js `_saveSession` with a `userStorage`). A session without
    /// a user, like any [`set_item`](Self::set_item) or [`remove_item`](Self::remove_item) of
    /// the storage key, forgets the kept user.
    pub fn set_session(&mut self, session: &Session) {
        let key = self.config.storage_key().to_owned();
        match self.config.cookie_contents() {
            CookieContents::Full => self.record(&key, Some(session.to_json())),
            CookieContents::TokensOnly => {
                self.record(&key, Some(session.without_user().to_json()));
            }
        }
        // The rest of the request reads the session just stored, user included (auth-js's
        // in-memory `userStorage`), without parsing back what was written. Any later write of
        // the session item empties this, so a user never outlives its own tokens.
        let _ = self.session.set(StoredSession::Present(session.clone()));
    }

    /// Removes the session and everything that belongs to it, as the JS library's sign-out
    /// does (spec §14): the session, the `-user` item and every PKCE verifier item.
    pub fn remove_session(&mut self) {
        let key = self.config.storage_key().to_owned();
        let mut items = vec![
            key.clone(),
            format!("{key}-code-verifier"),
            format!("{key}-flows-code-verifier"),
        ];
        let slot_prefix = format!("{key}-flow-");
        for cookie in self.incoming() {
            let item = match cookie.name.rsplit_once('.') {
                Some((base, _)) if is_chunk_like(&cookie.name, base) => base,
                _ => cookie.name.as_str(),
            };
            if item.starts_with(&slot_prefix)
                && item.ends_with("-code-verifier")
                && !items.iter().any(|i| i == item)
            {
                items.push(item.to_owned());
            }
        }
        items.push(format!("{key}-user"));
        for item in items {
            self.record(&item, None);
        }
    }

    fn record(&mut self, key: &str, value: Option<String>) {
        if key == self.config.storage_key() {
            self.session = OnceLock::new();
        }
        self.changes = OnceLock::new();
        match self.writes.iter_mut().find(|(k, _)| k == key) {
            Some((_, slot)) => *slot = value,
            None => self.writes.push((key.to_owned(), value)),
        }
    }

    /// Whether this request left the session item alone (no write, no removal).
    pub(crate) fn session_untouched(&self) -> bool {
        let key = self.config.storage_key();
        !self.writes.iter().any(|(k, _)| k == key)
    }

    /// The session item exactly as the request's cookies carry it (chunks joined, not decoded),
    /// or `None` when there is none or this request wrote or removed the session.
    pub(crate) fn incoming_session_value(&self) -> Option<Cow<'_, str>> {
        if !self.session_untouched() {
            return None;
        }
        let key = self.config.storage_key();
        // The common case, one unchunked cookie without escapes, is read straight from the
        // header, without parsing every cookie the browser sent.
        if self.incoming.get().is_none()
            && let Some(value) = find_cookie(self.lines(), key)
            && !value.is_empty()
            && memchr::memchr(b'%', value.as_bytes()).is_none()
        {
            return Some(Cow::Borrowed(value));
        }
        combine_chunks(key, |name| self.incoming_value(name))
    }

    /// Whether this request stored a session (a sign-in or a refresh): it came from the Auth
    /// server moments ago and is not refreshed again in the same request.
    pub fn wrote_session(&self) -> bool {
        let key = self.config.storage_key();
        self.writes.iter().any(|(k, v)| k == key && v.is_some())
    }

    /// Whether this request wrote or removed any item.
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    /// Deletes the session cookie and its chunks at other scopes (paths, domains) than the
    /// configured one, like `clearAuthCookiesAtScopes` of `@supabase/ssr`: see
    /// [`clear_auth_cookies`](super::clear_auth_cookies) for what is deleted. The deletions
    /// are added to [`CookieState::response_cookies`], before this request's own changes. The
    /// `Cookie` header the rest of the request sees is unchanged (the request does not say at
    /// which scope each cookie lives). An invalid scope records nothing.
    ///
    /// Unlike the JS helper, a scope that is the configured one (same `Domain`, `Path` and
    /// partitioning: the scope of the live cookies) is skipped while the request holds a
    /// session, which those deletions would end; use sign-out for that. Without a session it
    /// is kept (there is nothing live to lose). Calling this again with the same scopes adds
    /// no duplicate deletion.
    pub fn clear_auth_cookies(
        &mut self,
        scopes: &[super::CookieOptions],
    ) -> Result<(), super::CookieOptionsError> {
        for scope in scopes {
            scope.validate()?;
        }
        let keeps_session = matches!(self.stored_session(), StoredSession::Present(_));
        let configured = self.config.cookie_options();
        let scopes: Vec<super::CookieOptions> = scopes
            .iter()
            .filter(|scope| !(keeps_session && scope.same_scope(configured)))
            .cloned()
            .collect();
        let deletions =
            super::clear_auth_cookies(self.incoming(), self.config.storage_key(), &scopes)?;
        for deletion in deletions {
            if !self.scoped_deletions.contains(&deletion) {
                self.scoped_deletions.push(deletion);
            }
        }
        Ok(())
    }

    /// The cookie changes to send: the deletions [`CookieState::clear_auth_cookies`] recorded,
    /// deletions of cookies that no longer hold anything, then the new values (spec §7), each
    /// rendered as a `Set-Cookie` value.
    pub fn response_cookies(&self) -> ResponseCookies {
        let changes = self.changes();
        let options = self.config.cookie_options();
        let mut set_cookies = Vec::with_capacity(
            self.scoped_deletions.len() + changes.deletions.len() * 2 + changes.sets.len(),
        );
        set_cookies.extend(self.scoped_deletions.iter().cloned());
        if options.scope_domain().is_some() {
            // A cookie set without `Domain` is only reached by a host-only deletion; a jar keyed
            // by name alone must end with the domain-scoped one (ssr issue #256).
            let host_only = options.host_only();
            for name in &changes.deletions {
                set_cookies.push(host_only.render(name, "", Some(0)));
            }
        }
        for name in &changes.deletions {
            set_cookies.push(options.render(name, "", Some(0)));
        }
        for (name, value) in &changes.sets {
            set_cookies.push(options.render(name, value, Some(MAX_AGE_SECONDS)));
        }
        let bytes: usize = set_cookies.iter().map(String::len).sum();
        let budget = self.config.cookie_size_budget();
        if bytes > budget {
            tracing::warn!(
                bytes,
                budget,
                cookies = set_cookies.len(),
                "the auth cookies of this response exceed the size budget; a proxy with a header \
                 limit may drop the response (large user metadata makes large sessions)"
            );
        }
        ResponseCookies {
            set_cookies,
            session_read: false,
        }
    }

    /// The `Cookie` header the rest of this request should see: the incoming one with this
    /// request's writes applied. `None` when nothing changed.
    pub fn request_cookie_header(&self) -> Option<String> {
        let changes = self.changes();
        if changes.deletions.is_empty() && changes.sets.is_empty() {
            return None;
        }
        let replaced = |name: &str| {
            changes.deletions.iter().any(|d| d == name)
                || changes.sets.iter().any(|(n, _)| n == name)
        };
        let mut parts: Vec<Cow<'_, str>> = self
            .raw_header
            .split(';')
            .filter(|pair| {
                pair.split_once('=')
                    .is_some_and(|(name, _)| !replaced(name.trim_matches([' ', '\t'])))
            })
            .map(|pair| Cow::Borrowed(pair.trim_matches([' ', '\t'])))
            .collect();
        for (name, value) in &changes.sets {
            let encoded = percent_encoding::utf8_percent_encode(value, URI_COMPONENT);
            parts.push(Cow::Owned(format!("{name}={encoded}")));
        }
        Some(parts.join("; "))
    }

    fn changes(&self) -> &Changes {
        self.changes.get_or_init(|| self.compute_changes())
    }

    fn compute_changes(&self) -> Changes {
        let mut changes = Changes::default();
        if self.writes.is_empty() {
            return changes;
        }
        let incoming = self.incoming();
        let existing = |key: &str| -> Vec<&RequestCookie> {
            incoming
                .iter()
                .filter(|c| is_chunk_like(&c.name, key))
                .collect()
        };
        for (key, _) in self.writes.iter().filter(|(_, v)| v.is_none()) {
            changes
                .deletions
                .extend(existing(key).into_iter().map(|c| c.name.clone()));
        }
        for (key, value) in &self.writes {
            let Some(value) = value else { continue };
            let encoded = encode_value(value, self.config.encoding());
            let chunks = create_chunks(key, &encoded, MAX_CHUNK_SIZE);
            changes.deletions.extend(
                existing(key)
                    .into_iter()
                    .filter(|c| !chunks.iter().any(|chunk| chunk.name == c.name))
                    .map(|c| c.name.clone()),
            );
            changes.sets.extend(
                chunks
                    .into_iter()
                    .filter(|chunk| self.incoming_value(&chunk.name) != Some(chunk.value.as_str()))
                    .map(|chunk| (chunk.name, chunk.value)),
            );
        }
        changes
    }
}

#[derive(Debug, Clone, Default)]
struct Changes {
    deletions: Vec<String>,
    sets: Vec<(String, String)>,
}

/// The cookies a response must carry, and whether the handler read the user's session (which
/// decides the caching headers, [`ResponseCookies::cache_headers_for`]).
///
/// `Debug` shows each `Set-Cookie` with its value redacted (`name=<redacted>; Path=/; …`).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ResponseCookies {
    set_cookies: Vec<String>,
    session_read: bool,
}

impl std::fmt::Debug for ResponseCookies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseCookies")
            .field(
                "set_cookies",
                &self
                    .set_cookies
                    .iter()
                    .map(|c| redact::RedactedSetCookie(c))
                    .collect::<Vec<_>>(),
            )
            .field("session_read", &self.session_read)
            .finish()
    }
}

impl ResponseCookies {
    /// The `Set-Cookie` values, in order. Append each as its own header; never join them.
    pub fn set_cookies(&self) -> &[String] {
        &self.set_cookies
    }

    /// Consumes the list.
    pub fn into_set_cookies(self) -> Vec<String> {
        self.set_cookies
    }

    /// Whether there is no cookie to write. The response may still need caching headers
    /// ([`ResponseCookies::session_read`]).
    pub fn is_empty(&self) -> bool {
        self.set_cookies.is_empty()
    }

    /// Whether the handler read the user's session: verified claims, the session, the user, or
    /// a Data API, Storage or Functions call made with the user's token. The middleware's own
    /// read before the handler does not count. [`SupabaseClient::response_cookies`] sets it.
    ///
    /// [`SupabaseClient::response_cookies`]: crate::SupabaseClient::response_cookies
    pub fn session_read(&self) -> bool {
        self.session_read
    }

    /// Marks the response as rendered from the user's session, for integrations that read it
    /// through [`CookieState`] directly.
    #[must_use]
    pub fn mark_session_read(mut self) -> Self {
        self.session_read = true;
        self
    }

    /// The three no-store headers when any auth cookie is written, else none. The complete
    /// rule, with the private-cache headers of responses rendered from the session, is
    /// [`ResponseCookies::cache_headers_for`].
    pub fn cache_headers(&self) -> &'static [(&'static str, &'static str)] {
        if self.set_cookies.is_empty() {
            &[]
        } else {
            &CACHE_HEADERS
        }
    }

    /// The caching headers to set on the response, each replacing the response's header of
    /// that name, given the `Cache-Control` and `Vary` values the handler set:
    ///
    /// - auth cookies written: the three no-store headers ([`CACHE_HEADERS`]), whatever the
    ///   handler set;
    /// - no cookie, but the handler read the session ([`ResponseCookies::session_read`]):
    ///   `Cache-Control: private` when the handler set no `Cache-Control`, and `Vary` with
    ///   `Cookie` added to the handler's fields (not when already there, nor with `Vary: *`);
    /// - otherwise nothing.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use supabase_ssr_core::Config;
    /// use supabase_ssr_core::cookies::CookieState;
    ///
    /// let config = Arc::new(Config::new("https://abcdefghijklmnop.supabase.co", "key")?);
    /// let read = CookieState::new(config, []).response_cookies().mark_session_read();
    /// let headers = read.cache_headers_for(None, &["Accept-Encoding"]);
    /// assert_eq!(headers[0], ("Cache-Control", "private".into()));
    /// assert_eq!(headers[1], ("Vary", "Accept-Encoding, Cookie".into()));
    /// // The handler's own Cache-Control is kept.
    /// assert_eq!(read.cache_headers_for(Some("max-age=60"), &[]), [("Vary", "Cookie".into())]);
    /// # Ok::<(), supabase_ssr_core::ConfigError>(())
    /// ```
    pub fn cache_headers_for(
        &self,
        cache_control: Option<&str>,
        vary: &[&str],
    ) -> Vec<(&'static str, Cow<'static, str>)> {
        cache::cache_headers(!self.is_empty(), self.session_read, cache_control, vary)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(header: &str) -> CookieState {
        let config = Config::new("https://abcdefghijklmnop.supabase.co", "key").unwrap();
        CookieState::new(Arc::new(config), [header])
    }

    fn tokens_only_state(header: &str) -> CookieState {
        let config = Config::new("https://abcdefghijklmnop.supabase.co", "key")
            .unwrap()
            .with_cookie_contents(CookieContents::TokensOnly);
        CookieState::new(Arc::new(config), [header])
    }

    // The access token's payload is `{"sub":"u"}`: the kept user goes only with its own tokens.
    const FULL: &str = r#"{"access_token":"h.eyJzdWIiOiJ1In0.s","token_type":"bearer","expires_in":3600,"expires_at":4102444800,"refresh_token":"r","user":{"id":"u","email":"e@x"},"weak_password":null}"#;
    const TOKENS: &str = r#"{"access_token":"h.eyJzdWIiOiJ1In0.s","token_type":"bearer","expires_in":3600,"expires_at":4102444800,"refresh_token":"r","weak_password":null}"#;
    /// Another user's tokens: the payload is `{"sub":"v"}`.
    const OTHER_TOKENS: &str =
        r#"{"access_token":"h.eyJzdWIiOiJ2In0.s","expires_at":4102444800,"refresh_token":"r2"}"#;

    #[test]
    fn clearing_at_scopes_spares_the_live_session_and_adds_no_duplicate() {
        use crate::cookies::CookieOptions;
        let key = "sb-abcdefghijklmnop-auth-token";
        let live = format!(
            "{key}={}",
            encode_value(FULL, crate::cookies::CookieEncoding::Base64Url)
        );
        let scopes = [
            CookieOptions::default().with_domain(".example.com"),
            // The configured scope (`Path=/`, host-only), with other attributes.
            CookieOptions::default().with_secure(true),
            CookieOptions::default().with_domain(".example.com"),
        ];
        let old = format!("{key}=; Max-Age=0; Domain=.example.com; Path=/; SameSite=Lax");
        let mut with_session = state(&live);
        with_session.clear_auth_cookies(&scopes).unwrap();
        with_session.clear_auth_cookies(&scopes[..1]).unwrap();
        assert_eq!(
            with_session.response_cookies().set_cookies(),
            std::slice::from_ref(&old)
        );
        // No session to keep (not JSON): the configured scope is cleared too.
        let mut without = state(&format!("{key}=garbage"));
        without.clear_auth_cookies(&scopes).unwrap();
        without.clear_auth_cookies(&scopes).unwrap();
        assert_eq!(
            without.response_cookies().set_cookies(),
            [
                old,
                format!("{key}=; Max-Age=0; Path=/; Secure; SameSite=Lax")
            ]
        );
        // An invalid scope is still refused, even the configured one.
        assert!(
            state(&live)
                .clear_auth_cookies(&[CookieOptions::default().with_partitioned(true)])
                .is_err()
        );
    }

    #[test]
    fn the_kept_user_goes_only_with_its_own_tokens() {
        type Write = fn(&mut CookieState);
        let key = "sb-abcdefghijklmnop-auth-token";
        let read = |state: &CookieState| match state.stored_session() {
            StoredSession::Present(session) => session.user().map(|u| u.id().to_owned()),
            other => panic!("no session: {other:?}"),
        };
        // A session stored without its user, a `set_item` or a `remove_item` of the session
        // item: each forgets the user kept so far.
        let writes: [(&str, Write); 4] = [
            ("set_session", |state| {
                state.set_session(&Session::from_json(OTHER_TOKENS).unwrap());
            }),
            ("set_item", |state| {
                state.set_item("sb-abcdefghijklmnop-auth-token", OTHER_TOKENS);
            }),
            ("set_item of the same user's tokens", |state| {
                state.set_item("sb-abcdefghijklmnop-auth-token", TOKENS);
            }),
            ("remove_item then set_item", |state| {
                state.remove_item("sb-abcdefghijklmnop-auth-token");
                state.set_item("sb-abcdefghijklmnop-auth-token", TOKENS);
            }),
        ];
        for (name, write) in writes {
            let mut state = tokens_only_state("");
            state.set_session(&Session::from_json(FULL).unwrap());
            assert_eq!(read(&state).as_deref(), Some("u"), "{name}");
            write(&mut state);
            assert_eq!(read(&state), None, "{name}");
            assert!(state.get_item(key).is_some(), "{name}");
        }
    }

    #[test]
    fn tokens_only_writes_the_session_without_its_user_and_keeps_the_user_for_the_request() {
        let mut state = tokens_only_state("");
        state.set_session(&Session::from_json(FULL).unwrap());
        assert_eq!(
            state.get_item("sb-abcdefghijklmnop-auth-token").as_deref(),
            Some(TOKENS)
        );
        let response = state.response_cookies();
        assert_eq!(
            response.set_cookies(),
            [format!(
                "sb-abcdefghijklmnop-auth-token={}; Max-Age=34560000; Path=/; SameSite=Lax",
                encode_value(TOKENS, crate::cookies::CookieEncoding::Base64Url)
            )]
        );
        // Later in the same request the session still has its user (auth-js's userStorage).
        let StoredSession::Present(session) = state.stored_session() else {
            panic!("no session");
        };
        assert_eq!(session.user().unwrap().email(), Some("e@x"));
        state.remove_session();
        state.set_session(&Session::from_json(TOKENS).unwrap());
        let StoredSession::Present(session) = state.stored_session() else {
            panic!("no session");
        };
        assert!(session.user().is_none(), "sign-out forgets the user");
    }

    #[test]
    fn both_kinds_of_cookie_are_read_in_both_modes() {
        let cookie = |json: &str| {
            format!(
                "sb-abcdefghijklmnop-auth-token={}",
                encode_value(json, crate::cookies::CookieEncoding::Base64Url)
            )
        };
        for json in [FULL, TOKENS] {
            for state in [state(&cookie(json)), tokens_only_state(&cookie(json))] {
                let StoredSession::Present(session) = state.stored_session() else {
                    panic!("no session");
                };
                assert_eq!(session.as_json(), json);
                assert_eq!(session.access_token(), "h.eyJzdWIiOiJ1In0.s");
                assert_eq!(session.user().is_some(), json == FULL);
                assert_eq!(session.has_user(), json == FULL);
            }
        }
    }

    #[test]
    fn ten_thousand_chunks_combine_through_the_index() {
        let header: Vec<String> = (0..10_000)
            .map(|i| format!("sb-abcdefghijklmnop-auth-token.{i}=a"))
            .collect();
        let state = state(&header.join("; "));
        let item = state.get_item("sb-abcdefghijklmnop-auth-token").unwrap();
        assert_eq!(item.len(), 10_000);
        assert_eq!(state.stored_session(), StoredSession::Absent);
    }

    #[test]
    fn the_rewritten_request_header_keeps_other_cookies_untouched() {
        let mut state = state(
            "theme=%zz; sb-abcdefghijklmnop-auth-token.0=old; sb-abcdefghijklmnop-auth-token.1=old",
        );
        state.set_item("sb-abcdefghijklmnop-auth-token", "{}");
        assert_eq!(
            state.request_cookie_header().unwrap(),
            "theme=%zz; sb-abcdefghijklmnop-auth-token=base64-e30"
        );
    }

    #[test]
    fn the_session_is_read_again_after_it_is_written() {
        let mut state = state("");
        assert_eq!(state.stored_session(), StoredSession::Absent);
        state.set_item(
            "sb-abcdefghijklmnop-auth-token",
            r#"{"access_token":"a","refresh_token":"r","expires_at":1}"#,
        );
        assert!(matches!(state.stored_session(), StoredSession::Present(_)));
        state.remove_session();
        assert_eq!(state.stored_session(), StoredSession::Absent);
    }

    #[test]
    fn a_write_after_the_changes_were_read_is_sent() {
        let mut state = state("theme=dark; sb-abcdefghijklmnop-auth-token=old");
        state.set_item("sb-abcdefghijklmnop-auth-token", "{}");
        assert_eq!(
            state.request_cookie_header().unwrap(),
            "theme=dark; sb-abcdefghijklmnop-auth-token=base64-e30"
        );
        state.remove_session();
        assert_eq!(state.request_cookie_header().unwrap(), "theme=dark");
        let response = state.response_cookies();
        assert_eq!(response.set_cookies().len(), 1);
        assert!(response.set_cookies()[0].starts_with("sb-abcdefghijklmnop-auth-token=;"));
        assert!(response.set_cookies()[0].contains("Max-Age=0"));
    }

    #[test]
    fn an_identical_write_is_skipped() {
        let mut state = state("sb-abcdefghijklmnop-auth-token=base64-e30");
        state.set_item("sb-abcdefghijklmnop-auth-token", "{}");
        assert!(state.response_cookies().is_empty());
        assert_eq!(state.request_cookie_header(), None);
    }

    #[test]
    fn an_empty_domain_is_host_only_everywhere() {
        use crate::cookies::CookieOptions;
        let config = Config::new("https://abcdefghijklmnop.supabase.co", "key")
            .unwrap()
            .with_cookie_options(CookieOptions::default().with_domain(""))
            .unwrap();
        let mut state = CookieState::new(Arc::new(config), ["sb-abcdefghijklmnop-auth-token=x"]);
        state.remove_item("sb-abcdefghijklmnop-auth-token");
        // One host-only deletion, not a "host-only twin" of the same cookie.
        assert_eq!(
            state.response_cookies().set_cookies(),
            ["sb-abcdefghijklmnop-auth-token=; Max-Age=0; Path=/; SameSite=Lax"]
        );
    }

    #[test]
    fn sign_out_deletes_every_verifier_slot_and_chunk() {
        let mut state = state(
            "sb-abcdefghijklmnop-auth-token.0=a; sb-abcdefghijklmnop-auth-token.1=b; \
             sb-abcdefghijklmnop-auth-token-code-verifier=v; \
             sb-abcdefghijklmnop-auth-token-flow-0123456789abcdef-code-verifier=v; \
             sb-abcdefghijklmnop-auth-token-flows-code-verifier=i; unrelated=1",
        );
        state.remove_session();
        let response = state.response_cookies();
        let deleted: Vec<&str> = response
            .set_cookies()
            .iter()
            .map(|c| c.split('=').next().unwrap())
            .collect();
        assert_eq!(
            deleted,
            [
                "sb-abcdefghijklmnop-auth-token.0",
                "sb-abcdefghijklmnop-auth-token.1",
                "sb-abcdefghijklmnop-auth-token-code-verifier",
                "sb-abcdefghijklmnop-auth-token-flows-code-verifier",
                "sb-abcdefghijklmnop-auth-token-flow-0123456789abcdef-code-verifier",
            ]
        );
        assert!(
            response
                .set_cookies()
                .iter()
                .all(|c| c.contains("Max-Age=0"))
        );
    }
}
