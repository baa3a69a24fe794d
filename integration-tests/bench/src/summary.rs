//! Medians over rounds, ratios from the same run, and the targets of the issue checked.

use crate::run::{BurstSample, Results, STACKS, Scenario, Stack};

/// Medians of one server's runs of one scenario.
#[derive(Debug, Clone, Copy)]
pub struct Summary {
    /// Requests per second.
    pub per_second: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// Server CPU per request, µs.
    pub cpu_us: f64,
    /// Share of the run the server's core was busy.
    pub busy: f64,
    /// `/token` calls per 1000 requests.
    pub refresh_per_1000: f64,
}

/// The medians of `stack` under `scenario`, if it ran.
pub fn summary(results: &Results, stack: Stack, scenario: Scenario) -> Option<Summary> {
    let samples: Vec<_> = results
        .samples
        .iter()
        .filter(|s| s.stack == stack && s.scenario == scenario)
        .collect();
    if samples.is_empty() {
        return None;
    }
    let of =
        |f: &dyn Fn(&crate::run::Sample) -> f64| median(samples.iter().map(|s| f(s)).collect());
    #[expect(clippy::cast_precision_loss, reason = "counts stay far below 2^52")]
    Some(Summary {
        per_second: of(&|s| s.load.per_second),
        p50_ms: of(&|s| s.load.p50_ms),
        p99_ms: of(&|s| s.load.p99_ms),
        cpu_us: of(&|s| s.cpu_us),
        busy: of(&|s| s.busy),
        refresh_per_1000: of(&|s| s.calls.refresh as f64 * 1000.0 / s.load.requests as f64),
    })
}

/// The median, the mean of the middle two for an even count.
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => f64::midpoint(values[n / 2 - 1], values[n / 2]),
    }
}

/// One target of the issue, as measured.
#[derive(Debug, Clone)]
pub struct Target {
    /// What is promised.
    pub what: String,
    /// What this run measured.
    pub measured: String,
    /// Whether the promise held.
    pub met: bool,
    /// A behaviour rather than a speed: missing it fails the run, smoke runs included.
    pub behaviour: bool,
}

/// Peak RSS allowed per example server.
const RSS_LIMIT_KIB: u64 = 30 * 1024;

/// Every target, for every Rust stack.
pub fn targets(results: &Results) -> Vec<Target> {
    let mut targets = Vec::new();
    let node = STACKS.iter().copied().find(|s| !s.is_rust());
    let node_session = node.and_then(|n| summary(results, n, Scenario::Session));
    for stack in STACKS.iter().copied().filter(|s| s.is_rust()) {
        let name = stack.name;
        let session = summary(results, stack, Scenario::Session);
        let no_cache = summary(results, stack, Scenario::SessionNoCache);
        let bare = summary(results, stack, Scenario::Bare);
        if let (Some(ours), Some(node)) = (session, node_session) {
            let fraction = node.cpu_us / ours.cpu_us;
            targets.push(Target {
                what: format!("{name}: CPU per authenticated request ≤ 1/40 of Node's (cache on)"),
                measured: format!(
                    "1/{fraction:.0} ({:.1} µs vs {:.0} µs)",
                    ours.cpu_us, node.cpu_us
                ),
                met: fraction >= 40.0,
                behaviour: false,
            });
        }
        if let (Some(ours), Some(node)) = (no_cache, node_session) {
            let fraction = node.cpu_us / ours.cpu_us;
            targets.push(Target {
                what: format!("{name}: CPU per authenticated request ≤ 1/7 of Node's (cache off)"),
                measured: format!(
                    "1/{fraction:.2} ({:.1} µs vs {:.0} µs)",
                    ours.cpu_us, node.cpu_us
                ),
                met: fraction >= 7.0,
                behaviour: false,
            });
        }
        if let (Some(session), Some(bare)) = (session, bare) {
            let ratio = session.per_second / bare.per_second;
            targets.push(Target {
                what: format!("{name}: authenticated throughput ≥ 0.8 × bare route"),
                measured: format!(
                    "{ratio:.2} × ({:.0} vs {:.0} req/s)",
                    session.per_second, bare.per_second
                ),
                met: ratio >= 0.8,
                behaviour: false,
            });
        }
        targets.extend(burst_target(
            &results.storms,
            stack,
            "refresh storm (64 at once) → 1 `/token` call",
            |b| b.calls.refresh,
        ));
        targets.extend(burst_target(
            &results.cold_starts,
            stack,
            "cold start (32 at once) → 1 JWKS fetch",
            |b| b.calls.jwks,
        ));
        for (_, cache, kib) in results.peak_rss_kib.iter().filter(|r| r.0 == stack) {
            targets.push(Target {
                what: format!(
                    "{name}{}: peak RSS ≤ 30 MB",
                    if *cache { "" } else { " (cache off)" }
                ),
                measured: format!("{:.1} MiB", mib(*kib)),
                met: *kib <= RSS_LIMIT_KIB,
                behaviour: false,
            });
        }
    }
    // Every burst of every stack must be answered: a failure is a bug, not a slow run.
    for burst in results.storms.iter().chain(&results.cold_starts) {
        if burst.burst.ok != burst.burst.sent {
            targets.push(Target {
                what: format!(
                    "{}: every request of a burst answered 200",
                    burst.stack.name
                ),
                measured: format!("{} of {}", burst.burst.ok, burst.burst.sent),
                met: false,
                behaviour: true,
            });
        }
    }
    targets
}

fn burst_target(
    bursts: &[BurstSample],
    stack: Stack,
    what: &str,
    calls: impl Fn(&BurstSample) -> u64,
) -> Option<Target> {
    let counts: Vec<u64> = bursts
        .iter()
        .filter(|b| b.stack == stack)
        .map(calls)
        .collect();
    let most = *counts.iter().max()?;
    Some(Target {
        what: format!("{}: {what}", stack.name),
        measured: format!("{most} (most in {} rounds)", counts.len()),
        met: most == 1,
        behaviour: true,
    })
}

/// KiB in MiB.
#[expect(
    clippy::cast_precision_loss,
    reason = "memory sizes stay far below 2^52"
)]
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert!((median(vec![3.0, 1.0, 2.0]) - 2.0).abs() < f64::EPSILON);
        assert!((median(vec![4.0, 1.0, 3.0, 2.0]) - 2.5).abs() < f64::EPSILON);
        assert!(median(Vec::new()).is_nan());
    }
}
