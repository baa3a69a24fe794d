//! Bursts: many first requests at once, each on its own connection.

use std::time::{Duration, Instant};

use futures_util::future::join_all;

use crate::Error;

/// How a burst went.
#[derive(Debug, Clone, Copy)]
pub struct Burst {
    /// Requests answered 200.
    pub ok: usize,
    /// Requests sent.
    pub sent: usize,
    /// From the first request out to the last response in.
    pub elapsed: Duration,
}

/// Sends `count` concurrent `GET url` with `cookie`, each on a new connection.
pub async fn fire(url: &str, cookie: &str, count: usize) -> Result<Burst, Error> {
    // A fresh client per burst: no connection is reused from earlier traffic.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(30))
        .build()?;
    let started = Instant::now();
    let requests = (0..count).map(|_| http.get(url).header("cookie", cookie).send());
    let responses = join_all(requests).await;
    let elapsed = started.elapsed();
    let ok = responses
        .iter()
        .filter(|r| r.as_ref().is_ok_and(|r| r.status() == 200))
        .count();
    Ok(Burst {
        ok,
        sent: count,
        elapsed,
    })
}
