//! Day-granularity time: the only clock reading the spool ever stores.

use std::fmt;

/// A day, counted from 1970-01-01 (day 0), in UTC.
///
/// Postern never stores a finer time than this next to a submission: a timestamp to the second
/// would let anyone holding the spool line submissions up with network logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub u32);

impl Day {
    /// The day that contains `secs_since_epoch` (seconds since 1970-01-01T00:00:00Z).
    pub fn from_unix_seconds(secs_since_epoch: u64) -> Day {
        Day(u32::try_from(secs_since_epoch / 86_400).unwrap_or(u32::MAX))
    }

    /// The day as (year, month, day) in the proleptic Gregorian calendar.
    pub fn to_ymd(self) -> (i64, u32, u32) {
        // Howard Hinnant's civil_from_days, for days since 1970-01-01.
        let z = i64::from(self.0) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let y = yoe + era * 400;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        let y = if m <= 2 { y + 1 } else { y };
        (
            y,
            u32::try_from(m).unwrap_or(1),
            u32::try_from(d).unwrap_or(1),
        )
    }
}

impl fmt::Display for Day {
    /// ISO 8601 calendar date, `YYYY-MM-DD`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.to_ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates() {
        assert_eq!(Day(0).to_string(), "1970-01-01");
        assert_eq!(Day(59).to_string(), "1970-03-01");
        assert_eq!(Day(11_016).to_string(), "2000-02-29");
        assert_eq!(
            Day::from_unix_seconds(1_795_910_400).to_string(),
            "2026-11-29"
        );
        assert_eq!(Day::from_unix_seconds(86_399), Day(0));
    }
}
