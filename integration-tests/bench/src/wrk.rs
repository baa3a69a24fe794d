//! The load generator: Debian's `wrk`, run on the runner's CPU, its report parsed.

use std::process::Command;

use crate::Error;

/// What one `wrk` run measured.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Completed requests.
    pub requests: u64,
    /// Requests per second.
    pub per_second: f64,
    /// Median latency, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Responses other than 2xx/3xx plus socket errors.
    pub failures: u64,
}

/// Drives `GET url` with `cookie` from `connections` keep-alive connections for `seconds`.
pub fn run(url: &str, cookie: &str, connections: u32, seconds: u64) -> Result<Load, Error> {
    let output = Command::new("wrk")
        .args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")])
        .args(["--latency", "-H", &format!("Cookie: {cookie}"), url])
        .output()
        .map_err(|e| format!("wrk is needed (`apt-get install wrk`): {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "wrk failed on {url}: {}{text}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    parse(&text).ok_or_else(|| format!("could not read wrk's report:\n{text}").into())
}

/// Reads the summary `wrk --latency` prints.
fn parse(report: &str) -> Option<Load> {
    let mut load = Load {
        requests: 0,
        per_second: 0.0,
        p50_ms: f64::NAN,
        p99_ms: f64::NAN,
        failures: 0,
    };
    for line in report.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => load.p50_ms = millis(value)?,
            ["99%", value] => load.p99_ms = millis(value)?,
            [count, "requests", "in", ..] => load.requests = count.parse().ok()?,
            ["Requests/sec:", value] => load.per_second = value.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", count] => {
                load.failures += count.parse::<u64>().ok()?;
            }
            ["Socket", "errors:", rest @ ..] => {
                // `connect 0, read 0, write 0, timeout 0`
                for count in rest.iter().skip(1).step_by(2) {
                    load.failures += count.trim_end_matches(',').parse::<u64>().ok()?;
                }
            }
            _ => {}
        }
    }
    (load.requests > 0 && load.p50_ms.is_finite() && load.p99_ms.is_finite()).then_some(load)
}

/// `850.00us`, `1.23ms`, `2.00s`, `1.00m` in milliseconds.
fn millis(value: &str) -> Option<f64> {
    let split = value.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = value.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "Running 1s test @ http://127.0.0.1:40000/api/whoami
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.46ms  230.12us   4.10ms   88.00%
    Req/Sec    21.90k     1.20k   23.00k    70.00%
  Latency Distribution
     50%  850.00us
     75%    1.50ms
     90%    1.80ms
     99%    2.50s
  21795 requests in 1.00s, 6.90MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  21790.12
Transfer/sec:      6.89MB
";

    #[test]
    fn reads_every_figure_of_the_report() {
        let load = parse(REPORT).unwrap();
        assert_eq!(load.requests, 21795);
        assert!((load.per_second - 21790.12).abs() < 1e-9);
        assert!((load.p50_ms - 0.85).abs() < 1e-9);
        assert!((load.p99_ms - 2500.0).abs() < 1e-9);
        assert_eq!(load.failures, 6);
    }

    #[test]
    fn a_report_without_requests_is_not_read() {
        assert!(parse("unable to connect to 127.0.0.1:1 Connection refused").is_none());
        assert!(millis("12.0parsecs").is_none());
    }
}
