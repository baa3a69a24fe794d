//! End to end over HTTPS, each example server built ALONE (`cargo build -p example-<fw>`, so
//! its features are its own and not the workspace's): the example talks to `local-auth --tls`
//! at `https://127.0.0.1:<port>`, trusting its CA through `SUPABASE_CA_CERT`, and is driven
//! over HTTP like a browser would: sign in, verified claims, a refresh after the access token
//! expired, verified claims again, then MFA through the JSON routes (enroll, verify, `aal2`).
//!
//! It needs the binaries built one at a time, so plain `cargo test` reports it as ignored;
//! `.ci/alone.sh` builds them and runs it with `--ignored`, passing
//! `HTTPS_EXAMPLE_BINS=<path>:<name>,…` (the format of `integration-tests/browser/run.sh`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use serde_json::Value;
use supabase_ssr_core::Config;
use supabase_ssr_core::cookies::{CookieState, StoredSession};
use supabase_ssr_testing::jar::BrowserJar;
use supabase_ssr_testing::totp_code;

const EMAIL: &str = "e2e-https@example.com";
const PASSWORD: &str = "password123";
/// Short enough that a token expires during the test (the core refreshes 90 s before expiry,
/// so every request may refresh; the one after the sleep must).
const ACCESS_TOKEN_TTL_SECS: u64 = 3;
/// How long a process may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process killed when the test ends, passed or not.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn spawn(name: &str, command: &mut Command) -> (Self, ChildStdout) {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: could not start: {e}"));
        let stdout = child.stdout.take().unwrap();
        (Self(child), stdout)
    }
}

/// The first `count` lines of a child's stdout (read on a thread, so a silent child fails the
/// test after [`START_TIMEOUT`] instead of hanging it); the rest is drained in the background.
fn first_lines(name: &str, stdout: ChildStdout, count: usize) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // Once nobody listens, sending fails and is ignored: the loop keeps draining so the
        // child never blocks on a full pipe.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (0..count)
        .map(|_| {
            rx.recv_timeout(START_TIMEOUT)
                .unwrap_or_else(|_| panic!("{name}: fewer than {count} lines on stdout in time"))
        })
        .collect()
}

fn scratch_dir() -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("https-examples-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `local-auth --tls`: its URL, publishable key and the process.
fn start_local_auth(ca_path: &Path) -> (Running, String, String) {
    let (server, stdout) = Running::spawn(
        "local-auth",
        Command::new(env!("CARGO_BIN_EXE_local-auth"))
            .args(["--tls", "--port", "0", "--cert-out"])
            .arg(ca_path)
            .args(["--user", &format!("{EMAIL}:{PASSWORD}")])
            .args(["--access-token-ttl", &ACCESS_TOKEN_TTL_SECS.to_string()]),
    );
    let lines = first_lines("local-auth", stdout, 3);
    let url = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("local-auth printed {lines:?}"))
        .to_owned();
    assert!(url.starts_with("https://127.0.0.1:"), "{url}");
    let key = lines[1]
        .strip_prefix("publishable key: ")
        .unwrap_or_else(|| panic!("local-auth printed {lines:?}"))
        .to_owned();
    assert_eq!(
        lines[2],
        format!(
            "secret key: {}",
            supabase_ssr_testing::server::DEFAULT_SECRET_KEY
        ),
        "the secret key comes right after the publishable key"
    );
    let pem = std::fs::read_to_string(ca_path).unwrap();
    assert!(
        pem.contains("BEGIN CERTIFICATE"),
        "--cert-out wrote {pem:?}"
    );
    (server, url, key)
}

/// One example started against the HTTPS server; its origin (`http://127.0.0.1:<port>`).
fn start_example(bin: &str, name: &str, auth_url: &str, key: &str, ca: &Path) -> (Running, String) {
    let (example, stdout) = Running::spawn(
        name,
        Command::new(bin)
            .env("PORT", "0")
            .env("SUPABASE_URL", auth_url)
            .env("SUPABASE_PUBLISHABLE_KEY", key)
            .env("SUPABASE_CA_CERT", ca)
            .env("RUST_LOG", "warn")
            .env_remove("SUPABASE_ANON_KEY"),
    );
    let lines = first_lines(name, stdout, 2);
    let origin = lines[0]
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{name} printed {lines:?}"))
        .to_owned();
    assert!(
        lines[1].starts_with("using the Supabase project at https://127.0.0.1:"),
        "{name} is not in online mode: {lines:?}"
    );
    (example, origin)
}

/// The access token and `expires_at` of the session the jar holds.
fn session_in(jar: &BrowserJar, auth_url: &str) -> (String, i64) {
    let config = Arc::new(Config::new(auth_url, "unused").unwrap());
    let header = jar.header();
    let StoredSession::Present(session) =
        CookieState::new(config, [header.as_str()]).stored_session()
    else {
        panic!("no session in the jar (cookies: {:?})", jar.names());
    };
    (
        session.access_token().to_owned(),
        session.expires_at().unwrap_or_default(),
    )
}

struct Browser {
    http: reqwest::Client,
    origin: String,
    jar: BrowserJar,
}

impl Browser {
    /// Sends a request with the jar's cookies, stores the answer's cookies; returns the answer
    /// and how many `Set-Cookie` headers it carried.
    async fn send(&mut self, request: reqwest::RequestBuilder) -> (reqwest::Response, usize) {
        let request = request
            .header(COOKIE, self.jar.header())
            // The origin of the site itself, as a browser sends on a same-site form post.
            .header(ORIGIN, &self.origin);
        let response = request.send().await.unwrap();
        let set_cookies: Vec<String> = response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect();
        self.jar.apply(&set_cookies);
        (response, set_cookies.len())
    }

    /// `POST /login` with the test user: `303 /private` and the session cookie in the jar.
    async fn sign_in(&mut self, name: &str) {
        let login = self
            .http
            .post(format!("{}/login", self.origin))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(format!(
                "email={}&password={PASSWORD}",
                EMAIL.replace('@', "%40")
            ));
        let (response, _) = self.send(login).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "{name}: POST /login"
        );
        let location = response.headers().get(LOCATION);
        assert_eq!(
            location.and_then(|v| v.to_str().ok()),
            Some("/private"),
            "{name}: POST /login"
        );
    }

    /// A JSON call: its status and body.
    async fn json(&mut self, request: reqwest::RequestBuilder) -> (StatusCode, Value, usize) {
        let request = request.header(ACCEPT, "application/json");
        let (response, set_cookies) = self.send(request).await;
        let status = response.status();
        (status, response.json().await.unwrap(), set_cookies)
    }

    async fn whoami(&mut self, name: &str) -> (Value, usize) {
        let url = format!("{}/api/whoami", self.origin);
        let (response, set_cookies) = self.send(self.http.get(url)).await;
        assert_eq!(response.status(), StatusCode::OK, "{name}: /api/whoami");
        (response.json().await.unwrap(), set_cookies)
    }
}

async fn drive(name: &str, origin: String, auth_url: &str) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let mut browser = Browser {
        http,
        origin,
        jar: BrowserJar::new(),
    };

    // Sign in: the example calls /token over HTTPS and writes the session cookie.
    browser.sign_in(name).await;
    let (signed_in_token, _) = session_in(&browser.jar, auth_url);

    // Verified claims (the JWKS fetched over HTTPS).
    let (first, _) = browser.whoami(name).await;
    assert_eq!(first["email"], EMAIL, "{name}: {first}");
    let sub = first["sub"].as_str().unwrap_or_default().to_owned();
    assert!(!sub.is_empty(), "{name}: {first}");

    // Let the access token in the jar expire: the next request can only succeed by refreshing
    // over HTTPS, and the new session comes back in Set-Cookie.
    let (before, expires_at) = session_in(&browser.jar, auth_url);
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap();
    let wait = u64::try_from((expires_at - now + 1).max(0)).unwrap();
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let (refreshed, set_cookies) = browser.whoami(name).await;
    assert!(
        set_cookies > 0,
        "{name}: no Set-Cookie after the token expired"
    );
    let (after, new_expires_at) = session_in(&browser.jar, auth_url);
    assert_ne!(after, before, "{name}: the session was not refreshed");
    assert_ne!(after, signed_in_token, "{name}");
    assert!(new_expires_at > expires_at, "{name}");
    assert_eq!(refreshed["sub"], sub.as_str(), "{name}: {refreshed}");
    assert_eq!(
        refreshed["session_id"], first["session_id"],
        "{name}: {refreshed}"
    );

    // The refreshed cookie is accepted.
    let (again, _) = browser.whoami(name).await;
    assert_eq!(again["email"], EMAIL, "{name}: {again}");
    mfa(name, &mut browser).await;
    println!("ok   {name}: sign-in, claims, refresh, claims and MFA over HTTPS");
}

/// MFA through the JSON routes against the HTTPS Auth server: a TOTP factor enrolled and
/// verified (`aal2`, new cookies), `/api/aal2` passing; a second sign-in refused with
/// `mfa_required`; then the factor removed (needs `aal2`), as the next example signs in the
/// same user.
async fn mfa(name: &str, browser: &mut Browser) {
    let origin = browser.origin.clone();
    let enroll = browser.http.post(format!("{origin}/api/mfa/enroll"));
    let (status, enrolled, _) = browser.json(enroll).await;
    assert_eq!(status, StatusCode::OK, "{name}: POST /api/mfa/enroll");
    let factor_id = enrolled["factor_id"].as_str().unwrap().to_owned();
    let code = totp_code(enrolled["secret"].as_str().unwrap());
    let verify = browser
        .http
        .post(format!("{origin}/api/mfa/verify"))
        .header(CONTENT_TYPE, "application/json")
        .body(serde_json::json!({ "factor_id": factor_id, "code": code }).to_string());
    let (status, verified, set_cookies) = browser.json(verify).await;
    assert_eq!(status, StatusCode::OK, "{name}: POST /api/mfa/verify");
    assert_eq!(verified, serde_json::json!({ "aal": "aal2" }), "{name}");
    assert!(
        set_cookies > 0,
        "{name}: no new session cookie after verify"
    );
    let aal2 = browser.http.get(format!("{origin}/api/aal2"));
    let (status, body, _) = browser.json(aal2).await;
    assert_eq!(status, StatusCode::OK, "{name}: GET /api/aal2: {body}");
    assert_eq!(body["aal"], "aal2", "{name}: {body}");

    let mut second = Browser {
        http: browser.http.clone(),
        origin: origin.clone(),
        jar: BrowserJar::new(),
    };
    second.sign_in(name).await;
    let aal2 = second.http.get(format!("{origin}/api/aal2"));
    let (status, body, _) = second.json(aal2).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "{name}: GET /api/aal2 at aal1"
    );
    assert_eq!(
        body,
        serde_json::json!({ "error": "mfa_required" }),
        "{name}"
    );

    let unenroll = browser
        .http
        .post(format!("{origin}/mfa/unenroll"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("factor_id={factor_id}"));
    let (response, _) = browser.send(unenroll).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{name}: POST /mfa/unenroll"
    );
}

#[tokio::test]
#[ignore = "needs the example binaries built one at a time: run .ci/alone.sh (sets HTTPS_EXAMPLE_BINS)"]
async fn every_example_built_alone_signs_in_and_refreshes_over_https() {
    let bins = std::env::var("HTTPS_EXAMPLE_BINS").expect(
        "HTTPS_EXAMPLE_BINS=<path>:<name>,… is not set: run .ci/alone.sh, which builds each \
         example alone and runs this test",
    );
    let examples: Vec<(&str, &str)> = bins
        .split(',')
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            entry.rsplit_once(':').unwrap_or_else(|| {
                panic!("HTTPS_EXAMPLE_BINS entry `{entry}` is not <path>:<name>")
            })
        })
        .collect();
    assert!(!examples.is_empty(), "HTTPS_EXAMPLE_BINS names no binary");

    let dir = scratch_dir();
    let ca_path = dir.join("local-auth-ca.pem");
    let (server, auth_url, key) = start_local_auth(&ca_path);
    for (bin, name) in &examples {
        let (example, origin) = start_example(bin, name, &auth_url, &key, &ca_path);
        drive(name, origin, &auth_url).await;
        drop(example);
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "end-to-end HTTPS: {} examples built alone passed",
        examples.len()
    );
}
