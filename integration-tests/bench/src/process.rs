//! The processes under test: started with their output captured, moved to a CPU, read from
//! `/proc` (CPU time, peak RSS) and killed when dropped.

use std::fs::File;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc;
use std::time::Duration;

use crate::Error;

/// How long a server may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server that printed `listening on <url>` on its first lines of stdout.
#[derive(Debug)]
pub struct Process {
    name: String,
    child: Child,
    url: String,
}

impl Process {
    /// Spawns `command` (stderr to `<log_dir>/<name>.log`), waits for its `listening on` line,
    /// then pins it, every thread included, to `cpu`.
    pub fn start(
        name: &str,
        mut command: Command,
        log_dir: &Path,
        cpu: u32,
    ) -> Result<Self, Error> {
        let log_path = log_dir.join(format!("{name}.log"));
        let log = File::create(&log_path)?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("could not start {name}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        // Keeps draining stdout after the first line so a chatty server never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_owned());
                }
            }
        });
        let mut process = Self {
            name: name.to_owned(),
            child,
            url: String::new(),
        };
        process.url = rx.recv_timeout(START_TIMEOUT).map_err(|_| {
            format!(
                "{name} did not print `listening on <url>` within {START_TIMEOUT:?}; see {}",
                log_path.display()
            )
        })?;
        pin(process.pid(), cpu)?;
        Ok(process)
    }

    /// Where it listens, without a trailing slash.
    pub fn url(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User plus system CPU time of every thread so far, in seconds.
    pub fn cpu_seconds(&self) -> Result<f64, Error> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid()))?;
        // The command name may hold spaces and parentheses: fields are counted after the last `)`.
        let after_name = stat.rsplit_once(')').ok_or("malformed /proc/<pid>/stat")?.1;
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the file, 12th and 13th after the name.
        let ticks = |i: usize| -> Result<u64, Error> {
            Ok(fields.get(i).ok_or("short /proc/<pid>/stat")?.parse()?)
        };
        let total = ticks(11)? + ticks(12)?;
        #[expect(
            clippy::cast_precision_loss,
            reason = "tick counts stay far below 2^52"
        )]
        Ok(total as f64 / clock_ticks_per_second()?)
    }

    /// The peak resident set size so far (`VmHWM`), in KiB.
    pub fn peak_rss_kib(&self) -> Result<u64, Error> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))?;
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .ok_or_else(|| format!("no VmHWM for {}", self.name))?;
        Ok(line.trim().trim_end_matches("kB").trim().parse()?)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Moves process `pid` with all its threads to `cpu`; threads it starts later inherit it.
pub fn pin(pid: u32, cpu: u32) -> Result<(), Error> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", &cpu.to_string(), &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("taskset is needed to pin processes to a CPU (util-linux): {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset could not pin process {pid} to CPU {cpu}").into())
    }
}

/// `CLK_TCK`, the unit of the times in `/proc/<pid>/stat`.
fn clock_ticks_per_second() -> Result<f64, Error> {
    static TICKS: OnceLock<Option<f64>> = OnceLock::new();
    let ticks = TICKS.get_or_init(|| {
        let output = Command::new("getconf").arg("CLK_TCK").output().ok()?;
        String::from_utf8_lossy(&output.stdout).trim().parse().ok()
    });
    ticks.ok_or_else(|| "`getconf CLK_TCK` failed".into())
}
