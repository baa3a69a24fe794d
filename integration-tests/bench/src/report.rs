//! The markdown page of a run: the machine, the method, the tables, the targets.

use std::fmt::Write as _;

use crate::run::{BurstSample, LOAD_CPU, Results, SERVER_CPU, STACKS, Scenario, Stack};
use crate::summary::{median, mib, summary, targets};

/// File names of the charts, written beside the page.
pub const CPU_CHART: &str = "cpu-per-request.svg";
/// The throughput chart.
pub const THROUGHPUT_CHART: &str = "throughput.svg";

/// Renders the page.
pub fn markdown(results: &Results, machine: &str, smoke: bool) -> String {
    let plan = results.plan;
    let mut page = String::from("# Benchmarks\n\n");
    if smoke {
        page.push_str("**Smoke run** (debug builds, short runs): it checks that the runner works; its numbers mean nothing.\n\n");
    }
    let _ = write!(
        page,
        "Produced by `cargo run --release -p supabase-ssr-bench` (see `integration-tests/bench/`).\n\n\
         **Machine:** {machine}.\n\n\
         **Method:** every server runs on CPU {SERVER_CPU} (`taskset`); `wrk` (1 thread, {} keep-alive \
         connections), the local Auth server and the runner share CPU {LOAD_CPU}. Each measured run \
         lasts {} s after {} s of warm-up; {} rounds, each starting with another server so drift hits \
         all alike; the tables give medians over rounds. CPU per request is the server's user + system \
         time (`/proc/<pid>/stat`) over the requests `wrk` completed. The cookie is the one \
         `@supabase/ssr` writes when it signs in (`integration-tests/js/cookie-interop.mjs`). \
         The Rust servers are the examples (`examples/*`, release builds); `node` is \
         `integration-tests/js/bench-server.mjs`: `createServerClient` + `auth.getClaims()` on \
         `node:http`. The bare route (`/api/health`) is skipped by each middleware's path filter. \
         Replaying one cookie whose session needs a refresh, the Rust servers answer from their \
         refresh reuse window (one `/token` call serves that refresh token for 10 s, as the \
         Auth server's own reuse interval allows), while Node calls `/token` on every request.\n\n",
        plan.connections, plan.seconds, plan.warmup, plan.rounds
    );
    let _ = writeln!(
        page,
        "![CPU per request]({CPU_CHART})\n\n![Throughput]({THROUGHPUT_CHART})\n"
    );
    steady_table(&mut page, results);
    ratio_table(&mut page, results);
    burst_table(&mut page, results);
    rss_table(&mut page, results);
    page.push_str("## Targets\n\n");
    for target in targets(results) {
        let mark = if target.met { "✓" } else { "✗" };
        let _ = writeln!(page, "- {mark} {}: {}", target.what, target.measured);
    }
    page
}

fn steady_table(page: &mut String, results: &Results) {
    page.push_str("## Steady load\n\nBusy: the server's CPU time over the run's length; below 100 % the load generator, not the server, set the pace.\n\n| Server | Scenario | req/s | p50 ms | p99 ms | CPU µs / request | busy | `/token` per 1000 requests |\n|---|---|--:|--:|--:|--:|--:|--:|\n");
    for scenario in Scenario::ALL {
        for stack in STACKS {
            if let Some(s) = summary(results, stack, scenario) {
                let _ = writeln!(
                    page,
                    "| {} | {} | {:.0} | {:.2} | {:.2} | {:.1} | {:.0} % | {:.1} |",
                    stack.name,
                    scenario.label(),
                    s.per_second,
                    s.p50_ms,
                    s.p99_ms,
                    s.cpu_us,
                    s.busy * 100.0,
                    s.refresh_per_1000
                );
            }
        }
    }
    page.push('\n');
}

fn ratio_table(page: &mut String, results: &Results) {
    let Some(node) = STACKS.iter().copied().find(|s| !s.is_rust()) else {
        return;
    };
    let node_cpu = |scenario| summary(results, node, scenario).map(|s| s.cpu_us);
    page.push_str("## Ratios (same run)\n\nAuthenticated ÷ bare: the valid-session route against the bare route of the same server, as measured throughput and as capacity (bare CPU per request ÷ authenticated CPU per request: the throughput ratio of a saturated core). CPU columns: the share of Node's CPU per request each server needs (1/40 = forty times less).\n\n| Framework | authenticated ÷ bare, throughput | authenticated ÷ bare, capacity | CPU vs Node, cache on | CPU vs Node, cache off | CPU vs Node, refresh |\n|---|--:|--:|--:|--:|--:|\n");
    for stack in STACKS.iter().copied().filter(|s| s.is_rust()) {
        let cpu = |scenario| summary(results, stack, scenario).map(|s| s.cpu_us);
        let share = |ours: Option<f64>, theirs: Option<f64>| match (ours, theirs) {
            (Some(ours), Some(theirs)) => format!("1/{:.0}", theirs / ours),
            _ => "–".to_owned(),
        };
        let (throughput, capacity) = match (
            summary(results, stack, Scenario::Session),
            summary(results, stack, Scenario::Bare),
        ) {
            (Some(session), Some(bare)) => (
                format!("{:.2}", session.per_second / bare.per_second),
                format!("{:.2}", bare.cpu_us / session.cpu_us),
            ),
            _ => ("–".to_owned(), "–".to_owned()),
        };
        let _ = writeln!(
            page,
            "| {} | {throughput} | {capacity} | {} | {} | {} |",
            stack.name,
            share(cpu(Scenario::Session), node_cpu(Scenario::Session)),
            share(cpu(Scenario::SessionNoCache), node_cpu(Scenario::Session)),
            share(cpu(Scenario::Refresh), node_cpu(Scenario::Refresh)),
        );
    }
    page.push('\n');
}

fn burst_table(page: &mut String, results: &Results) {
    page.push_str("## Bursts\n\nRefresh storm: 64 requests at once, each on its own connection, carrying one session that needs a refresh. Cold start: 32 requests at once to a server just started. Counts are the most seen in any round; times are medians.\n\n| Server | storm: `/token` calls | storm: time ms | cold start: JWKS fetches | cold start: time ms |\n|---|--:|--:|--:|--:|\n");
    let of = |bursts: &[BurstSample], stack: Stack, calls: fn(&BurstSample) -> u64| {
        let mine: Vec<_> = bursts.iter().filter(|b| b.stack == stack).collect();
        let most = mine.iter().map(|b| calls(b)).max().unwrap_or(0);
        let ms = median(
            mine.iter()
                .map(|b| b.burst.elapsed.as_secs_f64() * 1000.0)
                .collect(),
        );
        (most, ms)
    };
    for stack in STACKS {
        let (storm_calls, storm_ms) = of(&results.storms, stack, |b| b.calls.refresh);
        let (cold_calls, cold_ms) = of(&results.cold_starts, stack, |b| b.calls.jwks);
        let _ = writeln!(
            page,
            "| {} | {storm_calls} | {storm_ms:.1} | {cold_calls} | {cold_ms:.1} |",
            stack.name
        );
    }
    page.push('\n');
}

fn rss_table(page: &mut String, results: &Results) {
    page.push_str("## Peak memory\n\nPeak RSS (`VmHWM`) of each server after every round.\n\n| Server | cache on MiB | cache off MiB |\n|---|--:|--:|\n");
    for stack in STACKS {
        let of = |cache: bool| {
            results
                .peak_rss_kib
                .iter()
                .find(|r| r.0 == stack && r.1 == cache)
                .map_or_else(|| "–".to_owned(), |r| format!("{:.1}", mib(r.2)))
        };
        let _ = writeln!(page, "| {} | {} | {} |", stack.name, of(true), of(false));
    }
    page.push('\n');
}
