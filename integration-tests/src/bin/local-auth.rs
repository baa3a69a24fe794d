//! `local-auth`: runs the local Supabase Auth server until killed.
//!
//! The first three lines on stdout are `listening on http://127.0.0.1:<port>` (`https://` with
//! `--tls`), `publishable key: <key>` and `secret key: <key>`, for scripts that start it. With `--cert-out <file>` the
//! CA certificate is in that file before the first line is printed.

// The binary is a thin shell over the library; the library's dependencies are not its own.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use supabase_ssr_testing::cli::{Cli, init_tracing};
use supabase_ssr_testing::server::LocalAuth;

#[tokio::main]
async fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let options = match cli.options() {
        Ok(options) => options,
        Err(error) => {
            eprintln!("local-auth: {error}");
            return ExitCode::from(2);
        }
    };
    let server = match LocalAuth::start(options).await {
        Ok(server) => server,
        Err(error) => {
            eprintln!("local-auth: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let (Some(path), Some(pem)) = (&cli.cert_out, server.ca_certificate_pem())
        && let Err(error) = std::fs::write(path, pem)
    {
        eprintln!("local-auth: could not write {}: {error}", path.display());
        return ExitCode::FAILURE;
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", server.url());
    let _ = writeln!(out, "publishable key: {}", server.publishable_key());
    let _ = writeln!(out, "secret key: {}", server.secret_key());
    let _ = out.flush();
    drop(out);
    std::future::pending::<()>().await;
    ExitCode::SUCCESS
}
