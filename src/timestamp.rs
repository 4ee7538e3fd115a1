//! Timestamps as SOPS (Go's `time` package) reads and writes them: `lastmodified`,
//! `created_at`, and YAML timestamp values.

use std::time::{SystemTime, UNIX_EPOCH};

/// A calendar timestamp with the pieces Go's RFC 3339 formatting needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// Fractional-second digits as written (may be empty), trailing zeros included.
    fraction: String,
    /// Offset from UTC in minutes; `None` means `Z`.
    offset_minutes: Option<i32>,
}

impl Timestamp {
    /// The current time in UTC, whole seconds.
    pub fn now() -> Timestamp {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp::from_unix(secs)
    }

    /// A UTC timestamp from seconds since the Unix epoch.
    pub fn from_unix(secs: i64) -> Timestamp {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        Timestamp {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
            fraction: String::new(),
            offset_minutes: None,
        }
    }

    /// Seconds since the Unix epoch (fraction dropped).
    pub fn unix(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let local = days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second);
        local - i64::from(self.offset_minutes.unwrap_or(0)) * 60
    }

    /// Parses Go's `time.RFC3339` layout (`2006-01-02T15:04:05Z07:00`), which also accepts a
    /// fractional second.
    pub fn parse_rfc3339(s: &str) -> Option<Timestamp> {
        let mut p = Cursor::new(s);
        let year = p.digits(4, 4)?;
        p.expect(b'-')?;
        let month = p.digits(2, 2)?;
        p.expect(b'-')?;
        let day = p.digits(2, 2)?;
        p.expect(b'T')?;
        let hour = p.digits(2, 2)?;
        p.expect(b':')?;
        let minute = p.digits(2, 2)?;
        p.expect(b':')?;
        let second = p.digits(2, 2)?;
        let fraction = p.fraction();
        let offset_minutes = p.zone()?;
        p.end()?;
        Timestamp {
            year: year as i64,
            month,
            day,
            hour,
            minute,
            second,
            fraction,
            offset_minutes,
        }
        .checked()
    }

    /// Parses a plain YAML scalar the way `yaml.v3` resolves timestamps: RFC 3339 with
    /// one- or two-digit fields (`T` or `t`), `2006-1-2 15:4:5` without a zone, or a date.
    pub fn parse_yaml(s: &str) -> Option<Timestamp> {
        let b = s.as_bytes();
        // yaml.v3's quick check: exactly four digits, then '-'.
        if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
            return None;
        }
        let mut p = Cursor::new(s);
        let year = p.digits(4, 4)?;
        p.expect(b'-')?;
        let month = p.digits(1, 2)?;
        p.expect(b'-')?;
        let day = p.digits(1, 2)?;
        let mut t = Timestamp {
            year: year as i64,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
            fraction: String::new(),
            offset_minutes: None,
        };
        if p.at_end() {
            return t.checked();
        }
        let zoned = match p.next()? {
            b'T' | b't' => true,
            b' ' => false,
            _ => return None,
        };
        t.hour = p.digits(1, 2)?;
        p.expect(b':')?;
        t.minute = p.digits(1, 2)?;
        p.expect(b':')?;
        t.second = p.digits(1, 2)?;
        t.fraction = p.fraction();
        t.offset_minutes = if zoned { p.zone()? } else { None };
        p.end()?;
        t.checked()
    }

    /// The timestamp, if its fields are in range (Go rejects February 30th); a zero offset
    /// is written `Z`.
    fn checked(mut self) -> Option<Timestamp> {
        let in_range = (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour <= 23
            && self.minute <= 59
            && self.second <= 59;
        self.offset_minutes = self.offset_minutes.filter(|&m| m != 0);
        in_range.then_some(self)
    }

    /// Go's `Format(time.RFC3339)`: whole seconds, `Z` or `±hh:mm`.
    pub fn to_rfc3339(&self) -> String {
        self.format(false)
    }

    /// Go's `MarshalText` (`time.RFC3339Nano`): fraction kept, trailing zeros trimmed.
    pub fn to_rfc3339_nano(&self) -> String {
        self.format(true)
    }

    fn format(&self, with_fraction: bool) -> String {
        let mut out = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
        if with_fraction {
            let frac = self.fraction.trim_end_matches('0');
            if !frac.is_empty() {
                out.push('.');
                out.push_str(frac);
            }
        }
        match self.offset_minutes {
            None => out.push('Z'),
            Some(m) => {
                let sign = if m < 0 { '-' } else { '+' };
                let m = m.unsigned_abs();
                out.push_str(&format!("{sign}{:02}:{:02}", m / 60, m % 60));
            }
        }
        out
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Self {
        Cursor {
            b: s.as_bytes(),
            i: 0,
        }
    }

    fn at_end(&self) -> bool {
        self.i == self.b.len()
    }

    fn end(&self) -> Option<()> {
        self.at_end().then_some(())
    }

    fn next(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        self.i += 1;
        Some(c)
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }

    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.b[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    /// An optional `.ddd` (Go also accepts `,ddd`) fractional second, up to 9 digits.
    fn fraction(&mut self) -> String {
        if matches!(self.b.get(self.i), Some(b'.') | Some(b','))
            && self.b.get(self.i + 1).is_some_and(u8::is_ascii_digit)
        {
            self.i += 1;
            let start = self.i;
            while self.i < self.b.len() && self.b[self.i].is_ascii_digit() {
                self.i += 1;
            }
            String::from_utf8_lossy(&self.b[start..self.i]).into_owned()
        } else {
            String::new()
        }
    }

    /// `Z` or `±hh:mm`; returns the offset in minutes (`None` for `Z`).
    fn zone(&mut self) -> Option<Option<i32>> {
        match self.next()? {
            b'Z' => Some(None),
            sign @ (b'+' | b'-') => {
                let h = self.digits(2, 2)?;
                self.expect(b':')?;
                let m = self.digits(2, 2)?;
                if h > 24 || m > 59 {
                    return None;
                }
                let total = (h * 60 + m) as i32;
                Some(Some(if sign == b'-' { -total } else { total }))
            }
            _ => None,
        }
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(year) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trip() {
        let t = Timestamp::from_unix(1_795_385_474);
        assert_eq!(t.to_rfc3339(), "2026-11-22T22:11:14Z");
        assert_eq!(t.unix(), 1_795_385_474);
        assert_eq!(Timestamp::from_unix(0).to_rfc3339(), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn rfc3339_normalization_matches_go() {
        let f = Timestamp::parse_rfc3339("2026-11-22T22:11:14.123456Z").unwrap();
        assert_eq!(f.to_rfc3339(), "2026-11-22T22:11:14Z");
        let o = Timestamp::parse_rfc3339("2026-11-22T23:11:14+01:00").unwrap();
        assert_eq!(o.to_rfc3339(), "2026-11-22T23:11:14+01:00");
        assert_eq!(o.unix(), f.unix());
        let z = Timestamp::parse_rfc3339("2026-11-22T22:11:14+00:00").unwrap();
        assert_eq!(z.to_rfc3339(), "2026-11-22T22:11:14Z");
        assert!(Timestamp::parse_rfc3339("2026-11-22 22:11:14Z").is_none());
        assert!(Timestamp::parse_rfc3339("2026-02-30T00:00:00Z").is_none());
        assert!(Timestamp::parse_rfc3339("2026-1-2T00:00:00Z").is_none());
    }

    #[test]
    fn yaml_timestamps_as_yaml_v3() {
        let cases = [
            ("2024-01-02", Some("2024-01-02T00:00:00Z")),
            ("2024-1-2", Some("2024-01-02T00:00:00Z")),
            ("2024-01-02T03:04:05Z", Some("2024-01-02T03:04:05Z")),
            (
                "2024-01-02t03:04:05.500+02:00",
                Some("2024-01-02T03:04:05.5+02:00"),
            ),
            ("2024-01-02 03:04:05.5", Some("2024-01-02T03:04:05.5Z")),
            ("2024-01-02 03:04:05.5 +02:00", None),
            ("2024-02-30", None),
            ("20240102", None),
            ("2024-01-02x", None),
        ];
        for (input, want) in cases {
            let got = Timestamp::parse_yaml(input).map(|t| t.to_rfc3339_nano());
            assert_eq!(got.as_deref(), want, "{input}");
        }
    }
}
