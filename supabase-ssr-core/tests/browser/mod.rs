//! A browser for the flow tests: one cookie jar, a client per request, redirects read by hand.
#![allow(dead_code, clippy::unwrap_used)]

use supabase_ssr_core::{Supabase, SupabaseClient};
use supabase_ssr_testing::LocalAuth;
use supabase_ssr_testing::jar::BrowserJar;

/// Where the flows send the user back.
pub const CALLBACK: &str = "http://localhost:3000/auth/callback";

/// The cookies of one browser against one project.
pub struct Browser {
    pub supabase: Supabase,
    pub jar: BrowserJar,
}

impl Browser {
    /// A browser of a client that puts each flow's id on its redirects when `flow_ids`.
    pub fn new(auth: &LocalAuth, flow_ids: bool) -> Self {
        let supabase = Supabase::builder(auth.url(), auth.publishable_key())
            .append_flow_id_to_redirects(flow_ids)
            .build()
            .unwrap();
        Self {
            supabase,
            jar: BrowserJar::new(),
        }
    }

    /// The client of a new request carrying the jar's cookies.
    pub fn request(&self) -> SupabaseClient {
        self.supabase.client([self.jar.header().as_str()])
    }

    /// Keeps the cookies the request's response sets.
    pub fn keep(&mut self, client: &SupabaseClient) {
        self.jar.apply(client.response_cookies().set_cookies());
    }

    /// The flow ids of the PKCE verifier slots in the jar, in name order.
    pub fn pending_flows(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .jar
            .names()
            .into_iter()
            .filter_map(|name| {
                let rest = name.strip_prefix("sb-127-auth-token-flow-")?;
                Some(rest.strip_suffix("-code-verifier")?.to_owned())
            })
            .collect();
        ids.sort();
        ids
    }

    /// Every PKCE cookie in the jar (slots, the flow index, the fixed slot).
    pub fn verifier_cookies(&self) -> Vec<String> {
        let names = self.jar.names().into_iter();
        names
            .filter(|n| n.ends_with("-code-verifier"))
            .map(str::to_owned)
            .collect()
    }

    /// The one flow started since `before` was read.
    pub fn new_flow(&self, before: &[String]) -> String {
        let new: Vec<String> = self
            .pending_flows()
            .into_iter()
            .filter(|id| !before.contains(id))
            .collect();
        assert_eq!(new.len(), 1, "{new:?}");
        new.into_iter().next().unwrap()
    }
}

/// Where `url` redirects to (not followed).
pub async fn redirect_of(url: &str) -> url::Url {
    let response = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    let location = response.headers()["location"].to_str().unwrap();
    url::Url::parse(location).unwrap()
}

/// A query parameter of `url`.
pub fn query_value(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
