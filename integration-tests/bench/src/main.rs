//! The benchmark runner: every example server and the `@supabase/ssr` stack on Node under the
//! same load, on one pinned core, against one local Auth server.
//!
//! `cargo run --release -p supabase-ssr-bench` builds the examples with the runner's own
//! profile, runs every scenario and writes `docs/benchmarks/README.md` with two SVG charts.
//! `-- --smoke` is the short run `.ci/run` does to keep the runner working; it writes to
//! `target/bench-smoke/`. Needs Linux (`/proc`, `taskset`), `wrk`, Node.js and npm.

mod auth;
mod burst;
mod chart;
mod machine;
mod process;
mod report;
mod run;
mod summary;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::Parser;
use supabase_ssr_testing::node::NodeScripts;

use crate::run::{Bench, LOAD_CPU, Plan};

/// Errors end the run with their message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The runner's options.
#[derive(Debug, Parser)]
#[command(name = "supabase-ssr-bench")]
struct Options {
    /// One short round (1 s runs, no warm-up) to check that everything starts and answers.
    #[arg(long)]
    smoke: bool,
    /// Rounds over every server and scenario.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Seconds of each measured run.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Seconds of load before each measured run.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// `wrk` connections.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Only these servers (names as in the tables: axum, actix-web, hyper, poem, rocket, node).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where the page and charts go (default `docs/benchmarks`, `target/bench-smoke` with `--smoke`).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The example binaries and the Auth server, built with the runner's profile.
const PACKAGES: [&str; 6] = [
    "supabase-ssr-testing",
    "example-axum",
    "example-actix-web",
    "example-hyper",
    "example-poem",
    "example-rocket",
];

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("supabase-ssr-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(options: &Options) -> Result<bool, Error> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let plan = if options.smoke {
        Plan {
            rounds: 1,
            seconds: 1,
            warmup: 0,
            connections: options.connections,
        }
    } else {
        Plan {
            rounds: options.rounds,
            seconds: options.seconds,
            warmup: options.warmup,
            connections: options.connections,
        }
    };
    let out = options.out.clone().unwrap_or_else(|| {
        root.join(if options.smoke {
            "target/bench-smoke"
        } else {
            "docs/benchmarks"
        })
    });
    let machine = machine::describe();
    require("wrk", "apt-get install wrk")?;
    require("taskset", "apt-get install util-linux")?;
    let bin_dir = build()?;
    let node = NodeScripts::ensure()?;
    let log_dir = root.join("target/bench-logs");
    std::fs::create_dir_all(&log_dir)?;
    std::fs::create_dir_all(&out)?;
    // Everything the runner starts inherits its CPU; the servers are then moved to the other.
    process::pin(std::process::id(), LOAD_CPU)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let results = runtime.block_on(async {
        let auth = auth::Auth::start(&bin_dir, &log_dir, LOAD_CPU)?;
        let bench = Bench {
            auth: &auth,
            node: &node,
            bin_dir: &bin_dir,
            log_dir: &log_dir,
            only: &options.only,
        };
        bench.run(plan).await
    })?;
    let page = report::markdown(&results, &machine, options.smoke);
    std::fs::write(out.join("README.md"), &page)?;
    chart::write(&out, &results)?;
    eprintln!("wrote {}", out.join("README.md").display());
    if options.smoke {
        eprintln!("smoke run: speed targets not checked (debug builds, 1 s runs)");
    }
    let mut ok = true;
    for target in summary::targets(&results) {
        // A smoke run's speeds mean nothing; its behaviours (one `/token` per storm, one JWKS
        // fetch per cold start, every burst answered) still must hold.
        if !target.met && (target.behaviour || !options.smoke) {
            eprintln!("target missed: {}: {}", target.what, target.measured);
            ok &= !target.behaviour;
        }
    }
    Ok(ok)
}

/// Builds the servers with this binary's profile; returns the directory holding them.
fn build() -> Result<PathBuf, Error> {
    let release = !cfg!(debug_assertions);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut command = Command::new(cargo);
    // `local-auth` is behind the test crate's `cli` feature.
    command.args([
        "build",
        "--locked",
        "--bins",
        "--features",
        "supabase-ssr-testing/cli",
    ]);
    if release {
        command.arg("--release");
    }
    for package in PACKAGES {
        command.args(["-p", package]);
    }
    eprintln!(
        "building the servers ({})",
        if release { "release" } else { "debug" }
    );
    if !command.status()?.success() {
        return Err("building the servers failed".into());
    }
    let exe = std::env::current_exe()?;
    Ok(exe
        .parent()
        .ok_or("the runner has no directory")?
        .to_owned())
}

/// Fails with an install hint when `program` is not on PATH.
fn require(program: &str, install: &str) -> Result<(), Error> {
    let found = std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()));
    if found {
        Ok(())
    } else {
        Err(format!("`{program}` is not on PATH; install it (`{install}`)").into())
    }
}
