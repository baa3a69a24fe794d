//! The server's clock: wall time plus an offset a test can move, so tokens can be made to
//! expire without sleeping.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock time shifted by a test-controlled offset.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Clock {
    offset_ms: i64,
}

impl Clock {
    /// Milliseconds since the Unix epoch, as the server sees them.
    pub(crate) fn now_ms(self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        wall.saturating_add(self.offset_ms)
    }

    /// Seconds since the Unix epoch, as the server sees them (JWT `iat`/`exp` unit).
    pub(crate) fn now_secs(self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// Moves the server's time forward.
    pub(crate) fn advance(&mut self, by: Duration) {
        let ms = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.offset_ms = self.offset_ms.saturating_add(ms);
    }

    /// Back to wall-clock time.
    pub(crate) fn reset(&mut self) {
        self.offset_ms = 0;
    }

    /// The current offset from wall-clock time, in milliseconds.
    pub(crate) fn offset_ms(self) -> i64 {
        self.offset_ms
    }
}

/// Formats epoch milliseconds the way the Go server renders timestamps:
/// `2026-01-01T00:00:00.000000Z` (microsecond precision, UTC).
pub(crate) fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let micros = ms.rem_euclid(1000) * 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_the_go_server() {
        assert_eq!(rfc3339(1_767_225_600_000), "2026-01-01T00:00:00.000000Z");
        assert_eq!(rfc3339(951_782_400_123), "2000-02-29T00:00:00.123000Z");
    }

    #[test]
    fn advance_moves_now_forward() {
        let mut clock = Clock::default();
        let before = clock.now_secs();
        clock.advance(Duration::from_secs(3600));
        assert!(clock.now_secs() >= before + 3600);
        clock.reset();
        assert_eq!(clock.offset_ms(), 0);
    }
}
