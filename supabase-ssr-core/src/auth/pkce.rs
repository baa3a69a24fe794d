//! PKCE: code verifiers, challenges and flow ids (spec §16), and where verifiers are stored so
//! the JavaScript library can read them too.

use base64::Engine as _;
use percent_encoding::utf8_percent_encode;
use serde_json::Value;

use crate::cookies::{CookieState, URI_COMPONENT};

/// At most this many flows wait for their code at once; starting a sixth evicts the oldest.
const MAX_PENDING_FLOWS: usize = 5;

/// The query parameter that carries a PKCE flow id on a redirect URL: auth-js's reserved
/// `sb_flow_id`, appended by every PKCE flow of a client built with
/// [`SupabaseBuilder::append_flow_id_to_redirects`] (auth-js:
/// `experimental.appendPkceFlowIdToRedirects`), and by an OAuth sign-in with
/// [`OAuthSignIn::append_flow_id_to_redirect`]. A callback passes its value to
/// [`Auth::exchange_code_for_session`], which checks it.
///
/// [`SupabaseBuilder::append_flow_id_to_redirects`]: crate::SupabaseBuilder::append_flow_id_to_redirects
/// [`OAuthSignIn::append_flow_id_to_redirect`]: super::OAuthSignIn::append_flow_id_to_redirect
/// [`Auth::exchange_code_for_session`]: super::Auth::exchange_code_for_session
pub const FLOW_ID_PARAM: &str = "sb_flow_id";

/// A new PKCE flow: its id, verifier and challenge.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PkceFlow {
    pub flow_id: String,
    pub verifier: String,
    pub challenge: String,
}

// The verifier is what proves the code exchange is ours; the id and the challenge are public.
impl std::fmt::Debug for PkceFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PkceFlow")
            .field("flow_id", &self.flow_id)
            .field("verifier", &crate::redact::Redacted)
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl PkceFlow {
    /// A fresh flow: 112 lowercase hex characters of verifier (what auth-js generates) and a
    /// 32-character hex flow id, both from the system's secure random source.
    pub(crate) fn generate() -> Self {
        let mut random = [0u8; 56 + 16];
        // The generator only fails when the OS has no entropy source, which leaves no secure
        // way to continue.
        #[allow(clippy::expect_used, reason = "no entropy means no safe fallback")]
        crate::crypto::fill_random(&mut random).expect("the system random source failed");
        let (verifier_bytes, flow_bytes) = random.split_at(56);
        let verifier = hex(verifier_bytes);
        Self {
            flow_id: hex(flow_bytes),
            challenge: challenge(&verifier),
            verifier,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// The S256 challenge of a verifier: unpadded base64url of its SHA-256.
pub(crate) fn challenge(verifier: &str) -> String {
    let hash = crate::crypto::sha256(verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(hash)
}

/// Flow ids the JS library accepts: 8 to 64 characters of `[A-Za-z0-9_-]`.
pub(crate) fn is_valid_flow_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `redirect_to` with `sb_flow_id=<flow_id>` as its last query parameter, replacing any it
/// had. Works on the string, as auth-js does, so custom schemes and the encoding of the app's
/// own parameters are kept; a fragment stays at the end.
pub(crate) fn append_flow_id(redirect_to: &str, flow_id: &str) -> String {
    let (before_fragment, fragment) = match redirect_to.find('#') {
        Some(at) => redirect_to.split_at(at),
        None => (redirect_to, ""),
    };
    let (path, query) = before_fragment
        .split_once('?')
        .unwrap_or((before_fragment, ""));
    let is_flow_id = |pair: &str| {
        pair.strip_prefix(FLOW_ID_PARAM)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
    };
    let mut url = path.to_owned();
    let mut separator = '?';
    for pair in query.split('&').filter(|p| !p.is_empty() && !is_flow_id(p)) {
        url.push(separator);
        url.push_str(pair);
        separator = '&';
    }
    let flow_id = utf8_percent_encode(flow_id, URI_COMPONENT);
    format!("{url}{separator}{FLOW_ID_PARAM}={flow_id}{fragment}")
}

fn legacy_key(storage_key: &str) -> String {
    format!("{storage_key}-code-verifier")
}

fn index_key(storage_key: &str) -> String {
    format!("{storage_key}-flows-code-verifier")
}

fn slot_key(storage_key: &str, flow_id: &str) -> String {
    format!("{storage_key}-flow-{flow_id}-code-verifier")
}

/// Stores a flow's verifier in its slot, the flow index and the legacy slot, exactly as auth-js
/// does, so either library can finish the flow. `suffix` is `/recovery` for password resets.
pub(crate) fn store_verifier(cookies: &mut CookieState, flow: &PkceFlow, suffix: &str) {
    let key = cookies.config().storage_key().to_owned();
    let stored = Value::String(format!("{}{suffix}", flow.verifier)).to_string();
    cookies.set_item(&slot_key(&key, &flow.flow_id), stored.clone());
    let mut index = read_index(cookies, &key);
    index.retain(|id| id != &flow.flow_id);
    index.push(flow.flow_id.clone());
    while index.len() > MAX_PENDING_FLOWS {
        let oldest = index.remove(0);
        cookies.remove_item(&slot_key(&key, &oldest));
    }
    cookies.set_item(&index_key(&key), Value::from(index).to_string());
    cookies.set_item(&legacy_key(&key), stored);
}

fn read_index(cookies: &CookieState, key: &str) -> Vec<String> {
    cookies
        .get_item(&index_key(key))
        .and_then(|text| serde_json::from_str::<Vec<String>>(&text).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|id| is_valid_flow_id(id))
        .collect()
}

/// A stored verifier, split into the verifier and the redirect type (`recovery` or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredVerifier {
    pub verifier: String,
    pub recovery: bool,
}

/// The verifier for a code exchange: the flow's own slot when a valid flow id is given, else the
/// legacy slot (the last flow started).
pub(crate) fn read_verifier(
    cookies: &CookieState,
    flow_id: Option<&str>,
) -> Option<StoredVerifier> {
    let key = cookies.config().storage_key();
    let item = match flow_id {
        Some(id) if is_valid_flow_id(id) => slot_key(key, id),
        Some(_) => return None,
        None => legacy_key(key),
    };
    let text = cookies.get_item(&item)?;
    let stored: String = serde_json::from_str(&text).ok()?;
    let (verifier, kind) = stored.split_once('/').unwrap_or((&stored, ""));
    (!verifier.is_empty()).then(|| StoredVerifier {
        verifier: verifier.to_owned(),
        recovery: kind == "recovery",
    })
}

/// Forgets a verifier after its exchange (success or failure): the flow's slot and index entry,
/// and the legacy slot when it holds the same verifier; without a flow id, the legacy slot.
pub(crate) fn remove_verifier(cookies: &mut CookieState, flow_id: Option<&str>) {
    let key = cookies.config().storage_key().to_owned();
    let Some(id) = flow_id.filter(|id| is_valid_flow_id(id)) else {
        cookies.remove_item(&legacy_key(&key));
        return;
    };
    let slot = slot_key(&key, id);
    let same_as_legacy = cookies.get_item(&slot) == cookies.get_item(&legacy_key(&key));
    cookies.remove_item(&slot);
    let mut index = read_index(cookies, &key);
    index.retain(|i| i != id);
    if index.is_empty() {
        cookies.remove_item(&index_key(&key));
    } else {
        cookies.set_item(&index_key(&key), Value::from(index).to_string());
    }
    if same_as_legacy {
        cookies.remove_item(&legacy_key(&key));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::Config;

    fn state() -> CookieState {
        let config = Config::new("https://abcdefghijklmnop.supabase.co", "k").unwrap();
        CookieState::new(Arc::new(config), [])
    }

    #[test]
    fn challenges_match_the_js_library() {
        // From the vectors' `pkce/challenge_vectors`.
        assert_eq!(
            challenge("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
            "ZtNPunH49FD35FWYhT5Tv8I7vRKQJ8uxMaL0_9eHjNA"
        );
        assert_eq!(
            challenge("dBjftJeZ4CVP-mJ92K9jNiyWQ6yC8hN5zQ7kY3Q1qaA"),
            "HuEx72vGuugz9egdC8Y2AOJZWm0oKPck95xpAqOsNz0"
        );
    }

    #[test]
    fn generated_flows_have_the_js_shape() {
        let flow = PkceFlow::generate();
        assert_eq!(flow.verifier.len(), 112);
        assert!(flow.verifier.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(is_valid_flow_id(&flow.flow_id));
        assert_ne!(flow.verifier, PkceFlow::generate().verifier);
    }

    #[test]
    fn flow_ids_are_validated_like_the_js_library() {
        for (id, valid) in [
            ("0123456789abcdef0123456789abcdef", true),
            ("short", false),
            ("abcdefgh", true),
            (&"a".repeat(64), true),
            (&"a".repeat(65), false),
            ("has space123", false),
            ("a_b-c_d-e", true),
        ] {
            assert_eq!(is_valid_flow_id(id), valid, "{id}");
        }
    }

    #[test]
    fn flow_ids_are_appended_to_redirects_like_auth_js() {
        let id = "0123456789abcdef0123456789abcdef";
        for (redirect_to, expected) in [
            ("https://app/cb", "https://app/cb?sb_flow_id=ID"),
            (
                "https://app/cb?next=%2Fa",
                "https://app/cb?next=%2Fa&sb_flow_id=ID",
            ),
            ("https://app/cb#frag", "https://app/cb?sb_flow_id=ID#frag"),
            (
                "https://app/cb?a=1&sb_flow_id=old&b=2#f?x",
                "https://app/cb?a=1&b=2&sb_flow_id=ID#f?x",
            ),
            (
                "https://app/cb?sb_flow_id&&",
                "https://app/cb?sb_flow_id=ID",
            ),
            (
                "https://app/cb?sb_flow_idx=1",
                "https://app/cb?sb_flow_idx=1&sb_flow_id=ID",
            ),
            ("myapp://callback", "myapp://callback?sb_flow_id=ID"),
        ] {
            assert_eq!(
                append_flow_id(redirect_to, id),
                expected.replace("ID", id),
                "{redirect_to}"
            );
        }
    }

    #[test]
    fn a_sixth_flow_evicts_the_oldest_slot() {
        let mut cookies = state();
        let flows: Vec<PkceFlow> = (0..6).map(|_| PkceFlow::generate()).collect();
        for flow in &flows {
            store_verifier(&mut cookies, flow, "");
        }
        let key = "sb-abcdefghijklmnop-auth-token";
        assert!(
            cookies
                .get_item(&slot_key(key, &flows[0].flow_id))
                .is_none()
        );
        assert_eq!(read_index(&cookies, key).len(), 5);
        let last = read_verifier(&cookies, None).unwrap();
        assert_eq!(last.verifier, flows[5].verifier);
        let first_kept = read_verifier(&cookies, Some(&flows[1].flow_id)).unwrap();
        assert_eq!(first_kept.verifier, flows[1].verifier);
    }

    #[test]
    fn recovery_verifiers_are_marked() {
        let mut cookies = state();
        let flow = PkceFlow::generate();
        store_verifier(&mut cookies, &flow, "/recovery");
        let stored = read_verifier(&cookies, Some(&flow.flow_id)).unwrap();
        assert!(stored.recovery);
        assert_eq!(stored.verifier, flow.verifier);
        remove_verifier(&mut cookies, Some(&flow.flow_id));
        assert!(read_verifier(&cookies, Some(&flow.flow_id)).is_none());
        assert!(read_verifier(&cookies, None).is_none());
    }
}
