//! The retries of idempotent Data API requests, as postgrest-js 2.119.1's `fetchWithRetry`:
//! a `GET`, `HEAD` or `OPTIONS` is sent again, at most 3 times, when the connection fails
//! (a connect timeout included, but not the request's own timeout) or the answer is 503
//! (`PostgREST`'s schema cache is loading) or 520 (a Cloudflare connection error). The wait is
//! the answer's `Retry-After` seconds, or 1, 2, then 4 seconds; each retry carries
//! `X-Retry-Count: <n>`.
//!
//! One difference from postgrest-js: a `Retry-After` longer than [`MAX_WAIT`] (30 s, the
//! backoff's cap) ends the retries and the 503/520 is the answer. The waits are outside the
//! client's `api_timeout`, so honouring `Retry-After: 3600` would hold a request for hours.

use std::time::Duration;

use http::{HeaderValue, Method};

/// Retries after the first attempt (`DEFAULT_MAX_RETRIES`).
pub(crate) const MAX_RETRIES: u32 = 3;

/// The statuses worth another try (`RETRYABLE_STATUS_CODES`).
const RETRYABLE_STATUSES: [u16; 2] = [520, 503];

/// The longest wait between two attempts: the backoff's cap, and the longest `Retry-After`
/// honoured (a longer one ends the retries).
pub(crate) const MAX_WAIT: Duration = Duration::from_secs(30);

/// `getRetryDelay`: 1 s, 2 s, 4 s, … at most 30 s, for the zero-based retry `attempt`.
pub(crate) fn backoff(attempt: u32) -> Duration {
    let millis = 1000u64.saturating_mul(2u64.saturating_pow(attempt));
    Duration::from_millis(millis).min(MAX_WAIT)
}

/// The wait a `Retry-After` value asks for, read as postgrest-js reads it:
/// `max(0, parseInt(value, 10) || 0)` seconds, so an HTTP date (not a number) means no wait.
pub(crate) fn retry_after(value: &str) -> Duration {
    let value = value.trim_start();
    let (negative, digits) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    let seconds: u64 = if negative {
        0
    } else {
        // More digits than a u64 holds: wait as long as a u64 says (JavaScript would wait
        // longer still).
        digits[..end]
            .parse()
            .unwrap_or(if end == 0 { 0 } else { u64::MAX })
    };
    Duration::from_secs(seconds)
}

fn retryable_method(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Sends `request`, retrying it as postgrest-js does when `enabled`.
pub(crate) async fn send(
    http: &reqwest::Client,
    request: reqwest::Request,
    enabled: bool,
) -> Result<reqwest::Response, reqwest::Error> {
    let retryable = enabled && retryable_method(request.method());
    let mut attempt = 0u32;
    loop {
        // A body that cannot be cloned (never the case for the Data API's text bodies) is
        // sent once.
        let Some(mut this) = (retryable && attempt < MAX_RETRIES)
            .then(|| request.try_clone())
            .flatten()
        else {
            let mut last = request;
            if attempt > 0 {
                last.headers_mut()
                    .insert("x-retry-count", HeaderValue::from(attempt));
            }
            return http.execute(last).await;
        };
        if attempt > 0 {
            this.headers_mut()
                .insert("x-retry-count", HeaderValue::from(attempt));
        }
        let delay = match http.execute(this).await {
            // The request's own timeout is the caller's limit, not a transient failure
            // (postgrest-js does not retry an aborted fetch either); a connect timeout is a
            // failed connection, which postgrest-js retries.
            Err(error) if (error.is_timeout() && !error.is_connect()) || error.is_builder() => {
                return Err(error);
            }
            Err(error) => {
                // Without the URL: its query holds the filters' values.
                let error = crate::ErrorSource::http(error);
                tracing::debug!(attempt, error = %error, "Data API request failed; retrying");
                backoff(attempt)
            }
            Ok(response) if RETRYABLE_STATUSES.contains(&response.status().as_u16()) => {
                let delay = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .map_or_else(
                        || backoff(attempt),
                        |v| retry_after(&String::from_utf8_lossy(v.as_bytes())),
                    );
                if delay > MAX_WAIT {
                    tracing::debug!(
                        attempt,
                        status = response.status().as_u16(),
                        "Data API asked to retry after more than 30 seconds; not retrying"
                    );
                    return Ok(response);
                }
                tracing::debug!(
                    attempt,
                    status = response.status().as_u16(),
                    "Data API answered a transient error; retrying"
                );
                // Dropped unread: reading a slow or large body could stall the retry (the
                // connection is closed rather than pooled).
                drop(response);
                delay
            }
            Ok(response) => return Ok(response),
        };
        attempt += 1;
        tokio::time::sleep(delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_one_second_up_to_thirty() {
        let waits: Vec<u64> = (0..7).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 30, 30]);
        assert_eq!(backoff(200), Duration::from_secs(30));
    }

    #[test]
    fn retry_after_is_read_like_parse_int() {
        let secs = |v: &str| retry_after(v).as_secs();
        assert_eq!(secs("5"), 5);
        assert_eq!(secs("  7 "), 7);
        assert_eq!(secs("2.9"), 2);
        assert_eq!(secs("3s"), 3);
        assert_eq!(secs("+4"), 4);
        assert_eq!(secs("-3"), 0);
        assert_eq!(secs("Wed, 21 Oct 2015 07:28:00 GMT"), 0);
        assert_eq!(secs(""), 0);
        assert_eq!(secs("99999999999999999999999"), u64::MAX);
    }
}
