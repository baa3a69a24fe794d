//! What the run ran on, for the page.

use std::process::Command;

/// CPU model and count, kernel, and the versions of the tools that matter.
pub fn describe() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name").and_then(|r| r.split_once(':')))
        .map_or("unknown CPU", |(_, m)| m.trim());
    let cpus = cpuinfo
        .lines()
        .filter(|l| l.starts_with("processor"))
        .count();
    let kernel = first_line("uname", &["-r"]);
    let date = first_line("date", &["-u", "+%Y-%m-%d"]);
    format!(
        "{model}, {cpus} CPUs, Linux {kernel}; {}; Node {}; {}; run on {date}",
        first_line("rustc", &["--version"]),
        first_line("node", &["--version"]),
        first_line("wrk", &["--version"])
            .split(" [")
            .next()
            .unwrap_or_default(),
    )
}

/// The first line a command prints on stdout or stderr (`wrk --version` uses stderr).
fn first_line(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .and_then(|o| {
            let text = [o.stdout, o.stderr].concat();
            String::from_utf8_lossy(&text)
                .lines()
                .next()
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{program}: unknown"))
}
