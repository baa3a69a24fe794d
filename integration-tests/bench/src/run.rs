//! The measurement plan: which servers run, which load each gets, in which order.

use std::path::Path;
use std::process::Command;

use supabase_ssr_testing::node::NodeScripts;

use crate::Error;
use crate::auth::{Auth, Counts, PUBLISHABLE_KEY};
use crate::burst::{self, Burst};
use crate::process::Process;
use crate::wrk::{self, Load};

/// The CPU the servers under test run on; the runner, `wrk` and the Auth server use the other.
pub const SERVER_CPU: u32 = 0;
/// The CPU of everything else.
pub const LOAD_CPU: u32 = 1;
/// Concurrent requests on one expiring session.
const STORM_REQUESTS: usize = 64;
/// Concurrent first requests to a server just started.
const COLD_START_REQUESTS: usize = 32;

/// A server implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stack {
    /// Its name in the tables.
    pub name: &'static str,
    /// The example binary, or `None` for the `@supabase/ssr` server on Node.
    binary: Option<&'static str>,
}

impl Stack {
    /// Whether this is one of ours.
    pub fn is_rust(self) -> bool {
        self.binary.is_some()
    }
}

/// Every stack, the JavaScript one last.
pub const STACKS: [Stack; 6] = [
    Stack {
        name: "axum",
        binary: Some("example-axum"),
    },
    Stack {
        name: "actix-web",
        binary: Some("example-actix-web"),
    },
    Stack {
        name: "hyper",
        binary: Some("example-hyper"),
    },
    Stack {
        name: "poem",
        binary: Some("example-poem"),
    },
    Stack {
        name: "rocket",
        binary: Some("example-rocket"),
    },
    Stack {
        name: "node",
        binary: None,
    },
];

/// A steady load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scenario {
    /// `GET /api/health`: the framework alone.
    Bare,
    /// `GET /api/whoami` with a valid session, verified-claims cache on.
    Session,
    /// The same with the cache off: every request checks the signature (ours only; the
    /// JavaScript stack has no such cache).
    SessionNoCache,
    /// `GET /api/whoami` replaying one cookie whose access token needs a refresh.
    Refresh,
}

impl Scenario {
    /// Every scenario, in the tables' order.
    pub const ALL: [Self; 4] = [
        Self::Bare,
        Self::Session,
        Self::SessionNoCache,
        Self::Refresh,
    ];

    /// Its name in the tables.
    pub fn label(self) -> &'static str {
        match self {
            Self::Bare => "bare route",
            Self::Session => "valid session",
            Self::SessionNoCache => "valid session, cache off",
            Self::Refresh => "refresh every request",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Bare => "/api/health",
            Self::Session | Self::SessionNoCache | Self::Refresh => "/api/whoami",
        }
    }

    fn runs_on(self, stack: Stack, cache: bool) -> bool {
        match self {
            Self::SessionNoCache => stack.is_rust() && !cache,
            Self::Bare | Self::Session | Self::Refresh => cache,
        }
    }
}

/// How long and how hard to drive each server.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Rounds over every server and scenario.
    pub rounds: usize,
    /// Seconds of each measured run.
    pub seconds: u64,
    /// Seconds of load before each measured run (0: none).
    pub warmup: u64,
    /// `wrk` connections.
    pub connections: u32,
}

/// One measured run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// Which server.
    pub stack: Stack,
    /// Which load.
    pub scenario: Scenario,
    /// What `wrk` saw.
    pub load: Load,
    /// Server CPU time per completed request, in microseconds.
    pub cpu_us: f64,
    /// Server CPU time over the run's length: near 1 when the server, not `wrk`, was the limit.
    pub busy: f64,
    /// Auth server calls during the run.
    pub calls: Counts,
}

/// One burst of first requests.
#[derive(Debug, Clone, Copy)]
pub struct BurstSample {
    /// Which server.
    pub stack: Stack,
    /// How the requests fared.
    pub burst: Burst,
    /// Auth server calls it caused.
    pub calls: Counts,
}

/// Everything one run of the runner measured.
#[derive(Debug)]
pub struct Results {
    /// The plan it followed.
    pub plan: Plan,
    /// Steady loads, every round.
    pub samples: Vec<Sample>,
    /// 64 requests at once on one expiring session, every round.
    pub storms: Vec<BurstSample>,
    /// 32 first requests to a server just started, every round.
    pub cold_starts: Vec<BurstSample>,
    /// Peak RSS of each long-running server after all rounds, in KiB (with cache on/off).
    pub peak_rss_kib: Vec<(Stack, bool, u64)>,
}

/// Starts servers for a run.
#[derive(Debug)]
pub struct Bench<'a> {
    /// The shared Auth server.
    pub auth: &'a Auth,
    /// The JavaScript side.
    pub node: &'a NodeScripts,
    /// Where the example binaries are.
    pub bin_dir: &'a Path,
    /// Where server logs go.
    pub log_dir: &'a Path,
    /// The servers to run (all when empty).
    pub only: &'a [String],
}

impl Bench<'_> {
    fn start(&self, stack: Stack, cache: bool, name: &str) -> Result<Process, Error> {
        let mut command = match stack.binary {
            Some(binary) => {
                let mut command = Command::new(self.bin_dir.join(binary));
                command.env("RUST_LOG", "warn");
                if !cache {
                    command.env("SUPABASE_CLAIMS_CACHE", "0");
                }
                command
            }
            None => self.node.command("bench-server.mjs"),
        };
        command
            .env("PORT", "0")
            .env("SUPABASE_URL", self.auth.url())
            .env("SUPABASE_PUBLISHABLE_KEY", PUBLISHABLE_KEY);
        Process::start(name, command, self.log_dir, SERVER_CPU)
    }

    /// Follows `plan`; fails on the first request that goes wrong.
    pub async fn run(&self, plan: Plan) -> Result<Results, Error> {
        let valid = first(self.auth.valid_sessions(self.node, 1).await?)?;
        let expiring = first(self.auth.expiring_sessions(self.node, 1).await?)?;
        let mut servers = Vec::new();
        let selected =
            |stack: &Stack| self.only.is_empty() || self.only.iter().any(|n| n == stack.name);
        for stack in STACKS.iter().copied().filter(selected) {
            for cache in [true, false] {
                if stack.is_rust() || cache {
                    let name = format!("{}{}", stack.name, if cache { "" } else { "-nocache" });
                    servers.push((stack, cache, self.start(stack, cache, &name)?));
                }
            }
        }
        let mut results = Results {
            plan,
            samples: Vec::new(),
            storms: Vec::new(),
            cold_starts: Vec::new(),
            peak_rss_kib: Vec::new(),
        };
        for round in 0..plan.rounds {
            eprintln!("round {}/{}", round + 1, plan.rounds);
            // Each round starts with another server, so drift over time hits all of them alike.
            let mut order: Vec<_> = servers.iter().collect();
            let first = round % order.len();
            order.rotate_left(first);
            for scenario in Scenario::ALL {
                let cookie = if scenario == Scenario::Refresh {
                    &expiring
                } else {
                    &valid
                };
                for (stack, cache, process) in &order {
                    if scenario.runs_on(*stack, *cache) {
                        let sample = self.steady(*stack, scenario, process, cookie, plan).await?;
                        results.samples.push(sample);
                    }
                }
            }
            let stacks: Vec<Stack> = order.iter().filter(|s| s.1).map(|s| s.0).collect();
            let storm_sessions = self.auth.expiring_sessions(self.node, stacks.len()).await?;
            for (stack, session) in stacks.iter().zip(&storm_sessions) {
                let process = &servers
                    .iter()
                    .find(|s| s.0 == *stack && s.1)
                    .ok_or("no server")?
                    .2;
                results
                    .storms
                    .push(self.storm(*stack, process, session).await?);
            }
            for stack in &stacks {
                results
                    .cold_starts
                    .push(self.cold_start(*stack, &valid).await?);
            }
        }
        for (stack, cache, process) in &servers {
            results
                .peak_rss_kib
                .push((*stack, *cache, process.peak_rss_kib()?));
        }
        Ok(results)
    }

    async fn steady(
        &self,
        stack: Stack,
        scenario: Scenario,
        process: &Process,
        cookie: &str,
        plan: Plan,
    ) -> Result<Sample, Error> {
        let url = format!("{}{}", process.url(), scenario.path());
        if plan.warmup > 0 {
            wrk::run(&url, cookie, plan.connections, plan.warmup)?;
        }
        let (calls_before, cpu_before) = (self.auth.counts().await?, process.cpu_seconds()?);
        let load = wrk::run(&url, cookie, plan.connections, plan.seconds)?;
        let cpu = process.cpu_seconds()? - cpu_before;
        let calls = self.auth.counts().await?.since(calls_before);
        if load.failures > 0 {
            return Err(format!(
                "{} / {}: {} of {} requests failed",
                stack.name,
                scenario.label(),
                load.failures,
                load.requests
            )
            .into());
        }
        #[expect(
            clippy::cast_precision_loss,
            reason = "request counts stay far below 2^52"
        )]
        let cpu_us = cpu * 1e6 / load.requests as f64;
        #[expect(clippy::cast_precision_loss, reason = "a few seconds")]
        let busy = cpu / plan.seconds as f64;
        eprintln!(
            "  {:<10} {:<26} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  {:>8.1} µs CPU/request  {:>3.0} % busy",
            stack.name,
            scenario.label(),
            load.per_second,
            load.p50_ms,
            load.p99_ms,
            cpu_us,
            busy * 100.0
        );
        Ok(Sample {
            stack,
            scenario,
            load,
            cpu_us,
            busy,
            calls,
        })
    }

    async fn storm(
        &self,
        stack: Stack,
        process: &Process,
        cookie: &str,
    ) -> Result<BurstSample, Error> {
        let url = format!("{}{}", process.url(), Scenario::Refresh.path());
        let before = self.auth.counts().await?;
        let burst = burst::fire(&url, cookie, STORM_REQUESTS).await?;
        let calls = self.auth.counts().await?.since(before);
        eprintln!(
            "  {:<10} refresh storm: {}/{} ok in {:?}, {} /token",
            stack.name, burst.ok, burst.sent, burst.elapsed, calls.refresh
        );
        Ok(BurstSample {
            stack,
            burst,
            calls,
        })
    }

    async fn cold_start(&self, stack: Stack, cookie: &str) -> Result<BurstSample, Error> {
        let before = self.auth.counts().await?;
        let process = self.start(stack, true, &format!("{}-cold", stack.name))?;
        let url = format!("{}{}", process.url(), Scenario::Session.path());
        let burst = burst::fire(&url, cookie, COLD_START_REQUESTS).await?;
        let calls = self.auth.counts().await?.since(before);
        eprintln!(
            "  {:<10} cold start: {}/{} ok in {:?}, {} JWKS fetch(es)",
            stack.name, burst.ok, burst.sent, burst.elapsed, calls.jwks
        );
        Ok(BurstSample {
            stack,
            burst,
            calls,
        })
    }
}

fn first(mut sessions: Vec<String>) -> Result<String, Error> {
    sessions.pop().ok_or_else(|| "no session was minted".into())
}
