//! Running the pinned JavaScript packages from Rust tests.
//!
//! The scripts live in `integration-tests/js/`; their npm dependencies are pinned exactly in its
//! `package.json` and `package-lock.json`. [`NodeScripts::ensure`] installs them with `npm ci` the
//! first time, so a fresh clone needs nothing but Node and npm.
//!
//! A missing `node` is an error with install instructions, never a silent skip: interop tests that
//! did not run must not look like tests that passed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// Flags every script runs with: supabase-js ≥ 2.114 needs the WebSocket global, which Node 20
/// only provides behind this flag (Node 22+ accepts and ignores it).
const NODE_FLAGS: &[&str] = &["--experimental-websocket", "--no-warnings"];

/// The oldest Node.js major version the pinned packages (and `--experimental-websocket`) work on.
pub const MIN_NODE_MAJOR: u32 = 20;

/// Why a Node script could not be run or failed.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// `node` or `npm` is not installed.
    #[error(
        "`{0}` was not found on PATH. The JavaScript interop tests need Node.js 20 or newer and \
         npm: install them (for example `apt-get install nodejs npm`) and run the tests again"
    )]
    Missing(&'static str),
    /// `node` is older than the pinned packages support.
    #[error(
        "Node.js {found} is too old: the JavaScript interop tests need Node.js {MIN_NODE_MAJOR} or \
         newer. Install a newer Node.js and run the tests again"
    )]
    TooOld {
        /// What `node --version` printed.
        found: String,
    },
    /// `npm ci` failed.
    #[error("`npm ci` in {dir} failed:\n{output}")]
    Install {
        /// The directory it ran in.
        dir: PathBuf,
        /// What npm printed.
        output: String,
    },
    /// The script exited with a failure status.
    #[error("node {script} failed ({status}):\nstdout:\n{stdout}\nstderr:\n{stderr}")]
    Script {
        /// The script file name.
        script: String,
        /// Its exit status.
        status: String,
        /// What it printed on stdout.
        stdout: String,
        /// What it printed on stderr.
        stderr: String,
    },
    /// Spawning or talking to the process failed.
    #[error("could not run {what}: {source}")]
    Io {
        /// What was being run.
        what: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// The `integration-tests/js/` directory with its npm dependencies installed.
#[derive(Debug, Clone)]
pub struct NodeScripts {
    dir: PathBuf,
}

impl NodeScripts {
    /// The scripts directory of this crate, with `npm ci` run once per process if
    /// `node_modules` is missing.
    pub fn ensure() -> Result<Self, NodeError> {
        static INSTALLED: OnceLock<Result<(), String>> = OnceLock::new();
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("js");
        check_node_version(&require("node")?)?;
        let installed = INSTALLED.get_or_init(|| install(&dir).map_err(|e| e.to_string()));
        match installed {
            Ok(()) => Ok(Self { dir }),
            Err(message) => Err(NodeError::Install {
                dir,
                output: message.clone(),
            }),
        }
    }

    /// [`NodeScripts::ensure`] for a test: panics with the error's message (what to install),
    /// never its `Debug` form (`Missing("node")` says nothing about what to do).
    ///
    /// # Panics
    ///
    /// When Node.js or npm is missing, Node.js is too old, or `npm ci` fails.
    pub fn for_test() -> Self {
        Self::ensure().unwrap_or_else(|error| panic!("{error}"))
    }

    /// The directory holding the scripts.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `node <script>` with the flags the pinned packages need, in the scripts directory: for
    /// scripts that keep running, such as a server.
    pub fn command(&self, script: &str) -> Command {
        let mut command = Command::new("node");
        command.args(NODE_FLAGS).arg(script).current_dir(&self.dir);
        command
    }

    /// Runs `node <script> <args…>` with `stdin` as its standard input and returns its standard
    /// output. A non-zero exit is an error carrying both output streams.
    pub fn run(&self, script: &str, args: &[&str], stdin: &str) -> Result<String, NodeError> {
        use std::io::Write as _;
        let mut child = self
            .command(script)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|source| NodeError::Io {
                what: format!("node {script}"),
                source,
            })?;
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .map_err(|source| NodeError::Io {
                    what: format!("stdin of node {script}"),
                    source,
                })?;
        }
        let output = child.wait_with_output().map_err(|source| NodeError::Io {
            what: format!("node {script}"),
            source,
        })?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(NodeError::Script {
                script: script.to_owned(),
                status: output.status.to_string(),
                stdout,
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }
}

/// What `<tool> --version` prints, or [`NodeError::Missing`].
fn require(tool: &'static str) -> Result<String, NodeError> {
    match Command::new(tool).arg("--version").output() {
        Ok(out) if out.status.success() => {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        }
        _ => Err(NodeError::Missing(tool)),
    }
}

/// Refuses a Node.js older than [`MIN_NODE_MAJOR`] up front, so a test fails with that reason
/// instead of a syntax or missing-global error from deep inside a script.
fn check_node_version(version: &str) -> Result<(), NodeError> {
    let major = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    match major {
        Some(major) if major >= MIN_NODE_MAJOR => Ok(()),
        _ => Err(NodeError::TooOld {
            found: version.to_owned(),
        }),
    }
}

fn install(dir: &Path) -> Result<(), NodeError> {
    if dir
        .join("node_modules/@supabase/ssr/package.json")
        .is_file()
    {
        return Ok(());
    }
    require("npm")?;
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .output()
        .map_err(|source| NodeError::Io {
            what: "npm ci".to_owned(),
            source,
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(NodeError::Install {
            dir: dir.to_owned(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{NodeError, NodeScripts, check_node_version};
    use std::process::Command;

    /// Set in the child process of the test below.
    const CHILD: &str = "SUPABASE_SSR_NODE_MISSING_CHILD";

    /// A machine without Node.js: the test fails, and says what to install. Runs this test
    /// binary again with a `PATH` that has no `node`.
    #[test]
    fn a_missing_node_is_an_error_that_says_what_to_install() {
        let name = "node::tests::a_missing_node_is_an_error_that_says_what_to_install";
        if std::env::var_os(CHILD).is_some() {
            let _ = NodeScripts::for_test();
            return;
        }
        let output = Command::new(std::env::current_exe().unwrap())
            .args([name, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env("PATH", "/nonexistent-supabase-ssr-test-path")
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!output.status.success(), "passed without node:\n{printed}");
        assert!(printed.contains("1 failed"), "{printed}");
        for wanted in [
            "`node` was not found on PATH",
            "Node.js 20 or newer",
            "apt-get install nodejs npm",
        ] {
            assert!(printed.contains(wanted), "no {wanted:?} in:\n{printed}");
        }
        assert!(!printed.contains("Missing("), "{printed}");
    }

    #[test]
    fn node_versions_below_20_are_refused_with_the_reason() {
        assert!(check_node_version("v20.20.2").is_ok());
        assert!(check_node_version("v22.1.0").is_ok());
        for old in ["v18.19.0", "v8.0.0", "", "not a version"] {
            let error = check_node_version(old).unwrap_err();
            assert!(matches!(error, NodeError::TooOld { .. }), "{old}");
            assert!(error.to_string().contains("Node.js 20 or newer"), "{error}");
        }
    }
}
