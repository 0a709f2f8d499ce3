//! The clock, passed in. Handlers, the storage layer and the commands ask a [`Clock`] for the
//! time instead of reading the system clock, as `postern-spool` takes its clock and RNG as
//! parameters: tests can pin "today", and there is one place where the day is computed.
//!
//! The server keeps no time finer than a day on disk or in a log; seconds exist only for
//! expiring things in memory (sessions, tokens) and for TOTP.

use std::time::{SystemTime, UNIX_EPOCH};

use postern_spool::day::Day;

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Seconds since the Unix epoch.
    fn unix_seconds(&self) -> u64;

    /// Today (UTC).
    fn today(&self) -> Day {
        Day::from_unix_seconds(self.unix_seconds())
    }
}

/// The system clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_seconds(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }
}

/// A clock stopped at one instant (tests).
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn unix_seconds(&self) -> u64 {
        self.0
    }
}

/// Parses `YYYY-MM-DD` into a day.
pub fn parse_day(s: &str) -> Option<Day> {
    let mut parts = s.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let day = Day(u32::try_from(days).ok()?);
    // Refuse dates that do not exist (2026-02-31).
    (day.to_string() == s).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fixed_clock_gives_its_day() {
        let d = parse_day("2026-12-01").unwrap();
        assert_eq!(FixedClock(u64::from(d.0) * 86_400 + 86_399).today(), d);
    }

    #[test]
    fn days_round_trip() {
        for d in [0u32, 1, 59, 60, 365, 10_957, 20_421, 40_000] {
            assert_eq!(parse_day(&Day(d).to_string()), Some(Day(d)), "{d}");
        }
        assert_eq!(parse_day("1970-01-01"), Some(Day(0)));
        for bad in [
            "2026-02-31",
            "2026-13-01",
            "2026-1-1",
            "x",
            "2026-01-01-01",
            "",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }
}
