//! Headers sent with every call of a handle (supabase-js `global.headers`).

use std::sync::Arc;

use http::{HeaderMap, HeaderName};

use crate::config::ConfigError;

/// The headers an application asked to send with every Auth, Data API, Storage and Functions
/// call, checked once at build time.
///
/// `apikey` and `Authorization` are refused: on a server, a handle serves every visitor, so a
/// fixed bearer would replace each visitor's session token (supabase-js lets a global
/// `Authorization` win over the session; third-party tokens have
/// [`SupabaseBuilder::access_token`](crate::SupabaseBuilder::access_token) instead), and the
/// key belongs in the builder, where it is checked.
#[derive(Clone, Default)]
pub(crate) struct GlobalHeaders(Arc<HeaderMap>);

/// The names a global header may not take.
const RESERVED: [&str; 2] = ["apikey", "authorization"];

impl GlobalHeaders {
    /// Checks `headers`; every value is marked sensitive, since an application header may carry
    /// a credential of its own (and `http` then keeps it out of `Debug` and HPACK tables).
    pub(crate) fn new(mut headers: HeaderMap) -> Result<Self, ConfigError> {
        if let Some(name) = RESERVED
            .into_iter()
            .find(|name| headers.contains_key(*name))
        {
            return Err(ConfigError::ReservedGlobalHeader {
                name: name.to_owned(),
            });
        }
        for value in headers.values_mut() {
            value.set_sensitive(true);
        }
        Ok(Self(Arc::new(headers)))
    }

    /// [`GlobalHeaders::new`] for the per-request client, without an `X-Client-Info`: as
    /// `@supabase/ssr`'s `createServerClient` sets its own over `global.headers`, the client
    /// info of a per-request client is this crate's.
    pub(crate) fn for_server_client(mut headers: HeaderMap) -> Result<Self, ConfigError> {
        headers.remove("x-client-info");
        Self::new(headers)
    }

    /// The headers.
    pub(crate) fn map(&self) -> &HeaderMap {
        &self.0
    }

    /// Whether the application set `name`, which then replaces this crate's default of it
    /// (`X-Client-Info` of the admin client, `X-Supabase-Api-Version`), as supabase-js merges
    /// `global.headers` over its defaults.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }
}

// Names only: values may be credentials.
impl std::fmt::Debug for GlobalHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.keys().map(HeaderName::as_str))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_refused_and_values_stay_out_of_debug() {
        for name in ["apikey", "Authorization"] {
            let mut headers = HeaderMap::new();
            headers.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                "x".parse().unwrap(),
            );
            let error = GlobalHeaders::new(headers).unwrap_err();
            assert_eq!(
                error,
                ConfigError::ReservedGlobalHeader {
                    name: name.to_ascii_lowercase()
                }
            );
        }
        let mut headers = HeaderMap::new();
        headers.insert("x-app-token", "s3cret".parse().unwrap());
        let global = GlobalHeaders::new(headers).unwrap();
        assert!(global.has("X-App-Token"));
        assert_eq!(format!("{global:?}"), r#"["x-app-token"]"#);
        assert!(global.map()["x-app-token"].is_sensitive());
    }
}
