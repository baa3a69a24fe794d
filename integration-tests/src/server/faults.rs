//! Fault injection: per endpoint, switchable at run time, for a number of calls or until
//! cleared. The gate middleware applies them before the handler runs.

use std::collections::{BTreeMap, VecDeque};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::endpoint::Endpoint;

/// What happens to a request that meets a fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait this long, then answer normally.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Answer with this status and the Auth API error body for it (429
    /// `over_request_rate_limit`, 409 `conflict`, 504 `request_timeout`, else
    /// `unexpected_failure`), in the shape the request asked for.
    Status {
        /// HTTP status.
        status: u16,
        /// A `Retry-After` header to send with it (seconds or an HTTP date), as rate limiters and
        /// proxies send with 429 and 503.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// Answer with this status and a body that is not JSON (`text/html`), as a proxy would.
    NotJson {
        /// HTTP status.
        status: u16,
        /// The body; default `<html><body>Bad Gateway</body></html>`.
        #[serde(default = "default_html")]
        body: String,
    },
    /// Answer with exactly this response (to reproduce any recorded server behaviour).
    Respond {
        /// HTTP status.
        status: u16,
        /// Headers, in order.
        #[serde(default)]
        headers: Vec<(String, String)>,
        /// Raw body.
        #[serde(default)]
        body: String,
        /// The HTTP/1.1 reason phrase instead of the canonical one (`""` for none: clients then
        /// see an empty `statusText`).
        #[serde(default)]
        reason: Option<String>,
    },
    /// Close the connection without answering.
    Drop,
    /// Never answer (until the client gives up or the server stops).
    Hang,
}

fn default_html() -> String {
    "<html><body>Bad Gateway</body></html>".to_owned()
}

/// A fault and how many calls it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// What it does.
    #[serde(flatten)]
    pub kind: FaultKind,
    /// Applies to this many calls, then disappears; `None` until cleared.
    #[serde(default)]
    pub times: Option<u32>,
}

impl Fault {
    /// Added latency before a normal answer.
    pub fn latency(delay: Duration) -> Self {
        Self::until_cleared(FaultKind::Latency {
            ms: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        })
    }

    /// A fixed error status with the matching Auth API error body.
    pub fn status(status: u16) -> Self {
        Self::until_cleared(FaultKind::Status {
            status,
            retry_after: None,
        })
    }

    /// `429 over_request_rate_limit` with `Retry-After: <retry_after>` (seconds or an HTTP date).
    pub fn rate_limited(retry_after: impl Into<String>) -> Self {
        Self::until_cleared(FaultKind::Status {
            status: 429,
            retry_after: Some(retry_after.into()),
        })
    }

    /// A non-JSON (HTML) body with `status`.
    pub fn not_json(status: u16) -> Self {
        Self::until_cleared(FaultKind::NotJson {
            status,
            body: default_html(),
        })
    }

    /// An exact response.
    pub fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<String>) -> Self {
        Self::until_cleared(FaultKind::Respond {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
            reason: None,
        })
    }

    /// Sets the reason phrase of a [`FaultKind::Respond`] fault (no effect on other kinds).
    #[must_use]
    pub fn reason(mut self, phrase: impl Into<String>) -> Self {
        if let FaultKind::Respond { reason, .. } = &mut self.kind {
            *reason = Some(phrase.into());
        }
        self
    }

    /// The connection is closed without an answer.
    pub fn drop_connection() -> Self {
        Self::until_cleared(FaultKind::Drop)
    }

    /// The request never gets an answer.
    pub fn hang() -> Self {
        Self::until_cleared(FaultKind::Hang)
    }

    /// Limits the fault to the next `n` calls.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn until_cleared(kind: FaultKind) -> Self {
        Self { kind, times: None }
    }
}

/// The faults waiting per endpoint. The first of an endpoint's queue applies; when its count
/// runs out the next one takes over.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    queues: BTreeMap<Endpoint, VecDeque<Fault>>,
}

impl FaultTable {
    /// Replaces the endpoint's faults with `fault`.
    pub(crate) fn set(&mut self, endpoint: Endpoint, fault: Fault) {
        self.queues.insert(endpoint, VecDeque::from([fault]));
    }

    /// Queues `fault` after the endpoint's current ones.
    pub(crate) fn push(&mut self, endpoint: Endpoint, fault: Fault) {
        self.queues.entry(endpoint).or_default().push_back(fault);
    }

    pub(crate) fn clear(&mut self, endpoint: Endpoint) {
        self.queues.remove(&endpoint);
    }

    pub(crate) fn clear_all(&mut self) {
        self.queues.clear();
    }

    /// The fault for the next call to `endpoint`, counting it down.
    pub(crate) fn take(&mut self, endpoint: Endpoint) -> Option<FaultKind> {
        let queue = self.queues.get_mut(&endpoint)?;
        // Zero-count faults never apply; drop them.
        while queue.front().is_some_and(|f| f.times == Some(0)) {
            queue.pop_front();
        }
        let front = queue.front_mut()?;
        let kind = front.kind.clone();
        if let Some(n) = front.times.as_mut() {
            *n -= 1;
            if *n == 0 {
                queue.pop_front();
            }
        }
        Some(kind)
    }

    /// The faults still waiting.
    pub(crate) fn snapshot(&self) -> BTreeMap<Endpoint, Vec<Fault>> {
        self.queues
            .iter()
            .filter(|(_, q)| !q.is_empty())
            .map(|(e, q)| (*e, q.iter().cloned().collect()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counted_faults_run_out_then_the_next_applies() {
        let mut t = FaultTable::default();
        t.push(Endpoint::TokenRefresh, Fault::status(503).times(2));
        t.push(Endpoint::TokenRefresh, Fault::drop_connection().times(1));
        assert_eq!(
            t.take(Endpoint::TokenRefresh),
            Some(FaultKind::Status {
                status: 503,
                retry_after: None
            })
        );
        assert_eq!(
            t.take(Endpoint::TokenRefresh),
            Some(FaultKind::Status {
                status: 503,
                retry_after: None
            })
        );
        assert_eq!(t.take(Endpoint::TokenRefresh), Some(FaultKind::Drop));
        assert_eq!(t.take(Endpoint::TokenRefresh), None);
        assert_eq!(t.take(Endpoint::Jwks), None);
    }

    #[test]
    fn uncounted_faults_last_until_cleared() {
        let mut t = FaultTable::default();
        t.set(Endpoint::Jwks, Fault::hang());
        for _ in 0..5 {
            assert_eq!(t.take(Endpoint::Jwks), Some(FaultKind::Hang));
        }
        t.clear(Endpoint::Jwks);
        assert_eq!(t.take(Endpoint::Jwks), None);
    }

    #[test]
    fn admin_json_shape() {
        let f: Fault = serde_json::from_str(r#"{"kind":"status","status":429,"times":1}"#).unwrap();
        assert_eq!(f, Fault::status(429).times(1));
        let f: Fault =
            serde_json::from_str(r#"{"kind":"status","status":429,"retry_after":"2"}"#).unwrap();
        assert_eq!(f, Fault::rate_limited("2"));
        let f: Fault = serde_json::from_str(r#"{"kind":"latency","ms":50}"#).unwrap();
        assert_eq!(f, Fault::latency(Duration::from_millis(50)));
    }
}
