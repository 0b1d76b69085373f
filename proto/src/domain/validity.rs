//! Validity windows, enforced by the devices themselves.

use super::error::{FieldError, Problem};
use super::limits::{VALIDITY_MAX_UNIX, VALIDITY_MIN_UNIX};
use serde::{Deserialize, Serialize};

/// Start and end as Unix seconds; 0 means "no limit" on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidityWindow {
    pub start: u32,
    pub end: u32,
}

impl ValidityWindow {
    pub fn validate(&self, start_field: &str, end_field: &str) -> Result<(), FieldError> {
        for (field, value) in [(start_field, self.start), (end_field, self.end)] {
            if value != 0 && !(VALIDITY_MIN_UNIX..=VALIDITY_MAX_UNIX).contains(&value) {
                return Err(FieldError::new(
                    field,
                    Problem::OutOfRange {
                        value: value.to_string(),
                        min: format!("{VALIDITY_MIN_UNIX} (2001-01-01T00:00:00Z)"),
                        max: format!("{VALIDITY_MAX_UNIX} (2030-12-31T23:59:59Z)"),
                    },
                ));
            }
        }
        if self.start != 0 && self.end != 0 && self.start > self.end {
            return Err(FieldError::new(
                end_field,
                Problem::Invalid(format!(
                    "{} is before {start_field} {}",
                    format_time(self.end).unwrap_or_default(),
                    format_time(self.start).unwrap_or_default()
                )),
            ));
        }
        Ok(())
    }
}

/// Parses an ISO 8601 date (`2025-03-01`) or date-time with offset (`2025-03-01T08:00:00Z`)
/// as Unix seconds. A bare date is that day in UTC: its first second, or its last one for an
/// end (`end_of_day`). A date-time needs its offset: which instant a bare local time means
/// depends on a time zone the caller did not name. Range checks are
/// [`ValidityWindow::validate`]'s. (Written here, not with a date crate: the console's wasm
/// carries this rule, and a time-zone library would more than double its size.)
pub fn parse_time(field: &str, text: &str, end_of_day: bool) -> Result<u32, FieldError> {
    let text = text.trim();
    let seconds = iso8601::parse(text, end_of_day).map_err(|why| {
        FieldError::new(
            field,
            Problem::Invalid(format!(
                "{text:?} is not an ISO 8601 date (2025-03-01) or date-time with offset (2025-03-01T08:00:00Z): {why}"
            )),
        )
    })?;
    u32::try_from(seconds).map_err(|_| {
        FieldError::new(
            field,
            Problem::OutOfRange { value: text.into(), min: "2001-01-01".into(), max: "2030-12-31T23:59:59Z".into() },
        )
    })
}

/// Unix seconds as RFC 3339 UTC; 0 ("no limit") is `None`.
pub fn format_time(unix: u32) -> Option<String> {
    if unix == 0 {
        return None;
    }
    let (days, second_of_day) = (i64::from(unix) / 86_400, i64::from(unix) % 86_400);
    let (y, m, d) = iso8601::civil_from_days(days);
    let (h, min, s) = (second_of_day / 3600, second_of_day % 3600 / 60, second_of_day % 60);
    Some(format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z"))
}

/// The subset of ISO 8601 / RFC 3339 that validity periods take.
mod iso8601 {
    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
    pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` after 1970-01-01.
    pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let d = doy - (153 * mp + 2) / 5 + 1;
        let m = if mp < 10 { mp + 3 } else { mp - 9 };
        (yoe + era * 400 + i64::from(m <= 2), m, d)
    }

    fn days_in_month(y: i64, m: i64) -> i64 {
        match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    /// `n` ASCII digits as a number.
    fn digits(s: &str, n: usize) -> Option<i64> {
        let part = s.get(..n)?;
        part.bytes().all(|b| b.is_ascii_digit()).then(|| part.parse().ok())?
    }

    /// Unix seconds of `YYYY-MM-DD` (or `YYYYMMDD`), optionally followed by `T`, a time and
    /// its offset; a bare date is its first second, or its last with `end_of_day`.
    pub fn parse(text: &str, end_of_day: bool) -> Result<i64, &'static str> {
        let (date, rest) = match text.as_bytes().get(4) {
            Some(b'-') if text.as_bytes().get(7) == Some(&b'-') => (text.get(..10), text.get(10..)),
            _ => (text.get(..8), text.get(8..)),
        };
        let date = date.ok_or("no date")?;
        let compact = date.replace('-', "");
        let (Some(y), Some(m), Some(d)) = (
            digits(&compact, 4),
            compact.get(4..).and_then(|s| digits(s, 2)),
            compact.get(6..).and_then(|s| digits(s, 2)),
        ) else {
            return Err("the date is not YYYY-MM-DD");
        };
        if compact.len() != 8 || !(1..=12).contains(&m) || !(1..=days_in_month(y, m)).contains(&d) {
            return Err("no such date");
        }
        let midnight = days_from_civil(y, m, d) * 86_400;
        let rest = rest.unwrap_or_default();
        if rest.is_empty() {
            return Ok(midnight + if end_of_day { 86_399 } else { 0 });
        }
        let time = rest.strip_prefix(['T', 't', ' ']).ok_or("the time must follow a T")?;
        let end = time.find(['Z', 'z', '+', '-']).ok_or("a date-time needs its offset (Z or +01:00)")?;
        let (clock, offset) = time.split_at(end);
        Ok(midnight + seconds_of_day(clock)? - offset_seconds(offset)?)
    }

    /// `HH`, `HH:MM` or `HH:MM:SS` with an optional fraction (dropped); a leap second counts
    /// as the second before it.
    fn seconds_of_day(clock: &str) -> Result<i64, &'static str> {
        let whole = clock.split(['.', ',']).next().unwrap_or_default();
        if clock.len() > whole.len() {
            let fraction = &clock[whole.len() + 1..];
            if fraction.is_empty() || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return Err("a bad fraction of a second");
            }
        }
        let parts: Vec<&str> = whole.split(':').collect();
        if parts.len() > 3 || parts.iter().any(|p| p.len() != 2) {
            return Err("the time is not HH:MM:SS");
        }
        let number = |i: usize| parts.get(i).map_or(Some(0), |p| digits(p, 2));
        let (Some(h), Some(m), Some(s)) = (number(0), number(1), number(2)) else {
            return Err("the time is not HH:MM:SS");
        };
        if h > 23 || m > 59 || s > 60 {
            return Err("no such time of day");
        }
        Ok(h * 3600 + m * 60 + s.min(59))
    }

    /// `Z`, or `±HH`, `±HHMM`, `±HH:MM`, as seconds east of UTC.
    fn offset_seconds(offset: &str) -> Result<i64, &'static str> {
        if offset.eq_ignore_ascii_case("z") {
            return Ok(0);
        }
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let hm = offset[1..].replacen(':', "", 1);
        let (Some(h), m) =
            (digits(&hm, 2), if hm.len() == 2 { Some(0) } else { hm.get(2..).and_then(|s| digits(s, 2)) })
        else {
            return Err("the offset is not Z or ±HH:MM");
        };
        match m {
            Some(m) if (hm.len() == 2 || hm.len() == 4) && h <= 23 && m <= 59 => Ok(sign * (h * 3600 + m * 60)),
            _ => Err("the offset is not Z or ±HH:MM"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(parse_time("start", "2025-03-01", false).unwrap(), 1_740_787_200);
        assert_eq!(parse_time("end", "2025-03-01", true).unwrap(), 1_740_873_599);
        assert_eq!(parse_time("start", "2025-03-01T09:00:00+01:00", false).unwrap(), 1_740_816_000);
        assert_eq!(format_time(1_740_816_000).as_deref(), Some("2025-03-01T08:00:00Z"));
        assert_eq!(format_time(0), None);
        assert!(parse_time("start", "01/03/2025", false).unwrap_err().to_string().starts_with("start: "));
        assert!(parse_time("start", "1960-01-01", false).is_err());
        assert_eq!(parse_time("start", "20250301", false).unwrap(), 1_740_787_200);
        assert_eq!(parse_time("start", "2025-03-01t08:00z", false).unwrap(), 1_740_816_000);
        assert_eq!(parse_time("start", "2025-03-01T08:00:60.25Z", false).unwrap(), 1_740_816_059);
    }

    #[test]
    fn refuses_what_it_cannot_read_exactly() {
        // A local time without an offset is no instant: refused, never read as midnight.
        let e = parse_time("start_time", "2025-03-01T08:00", false).unwrap_err().to_string();
        assert!(e.starts_with("start_time: ") && e.ends_with("a date-time needs its offset (Z or +01:00)"), "{e}");
        for bad in [
            "2025-02-29",
            "2025-13-01",
            "2025-3-1",
            "2025-03-01T24:00Z",
            "2025-03-01T08:00+1",
            "2025-03-01T08:00:00.Z",
            "2025-03-01T8:00Z",
            "é025-03-01",
            "",
        ] {
            assert!(parse_time("start", bad, false).is_err(), "{bad}");
        }
    }
    use proptest::prelude::*;

    #[test]
    fn edges() {
        let ok = |start, end| ValidityWindow { start, end }.validate("start", "end").is_ok();
        assert!(ok(0, 0));
        assert!(ok(VALIDITY_MIN_UNIX, VALIDITY_MAX_UNIX));
        assert!(!ok(VALIDITY_MIN_UNIX - 1, 0));
        assert!(!ok(0, VALIDITY_MAX_UNIX + 1));
        assert!(!ok(VALIDITY_MAX_UNIX, VALIDITY_MIN_UNIX));
    }

    /// Times as RFC 3339 and ISO 8601 write them, in every form `parse_time` takes.
    fn written_time() -> impl Strategy<Value = String> {
        let date = (1971i64..2100, 1i64..=12, 1i64..=28, any::<bool>());
        let clock = (0i64..24, 0i64..60, 0i64..60, 0usize..4, prop::option::of(1u32..999_999_999));
        let offset = prop_oneof![
            Just("Z".to_owned()),
            Just("z".to_owned()),
            (any::<bool>(), 0i64..24, 0i64..60, any::<bool>()).prop_map(|(east, h, m, colon)| format!(
                "{}{h:02}{}{m:02}",
                if east { '+' } else { '-' },
                if colon { ":" } else { "" }
            ))
        ];
        (date, prop::option::of((clock, prop_oneof![Just('T'), Just('t'), Just(' ')], offset))).prop_map(
            |((y, mo, d, compact), time)| {
                let mut s = if compact { format!("{y:04}{mo:02}{d:02}") } else { format!("{y:04}-{mo:02}-{d:02}") };
                if let Some(((h, mi, se, parts, fraction), sep, offset)) = time {
                    s.push(sep);
                    s.push_str(&format!("{h:02}"));
                    if parts >= 1 {
                        s.push_str(&format!(":{mi:02}"));
                    }
                    if parts >= 2 {
                        s.push_str(&format!(":{se:02}"));
                    }
                    if let (3, Some(f)) = (parts, fraction) {
                        s.push_str(&format!(".{f}"));
                    }
                    s.push_str(&offset);
                }
                s
            },
        )
    }

    proptest! {
        /// The hand-written parser reads every such time as the `jiff` crate does.
        #[test]
        fn parses_as_jiff_does(text in written_time()) {
            let expected = match text.parse::<jiff::Timestamp>() {
                Ok(t) => t.as_second(),
                Err(_) => {
                    let date: jiff::civil::Date = text.parse().unwrap();
                    date.to_zoned(jiff::tz::TimeZone::UTC).unwrap().timestamp().as_second()
                }
            };
            prop_assert_eq!(iso8601::parse(&text, false), Ok(expected), "{}", text);
        }

        #[test]
        fn formats_as_jiff_does(unix in 1u32..) {
            let expected = jiff::Timestamp::from_second(i64::from(unix)).unwrap().to_string();
            prop_assert_eq!(format_time(unix), Some(expected));
        }

        #[test]
        fn ordered_windows_in_range_pass(a in VALIDITY_MIN_UNIX..=VALIDITY_MAX_UNIX, b in VALIDITY_MIN_UNIX..=VALIDITY_MAX_UNIX) {
            let w = ValidityWindow { start: a.min(b), end: a.max(b) };
            prop_assert!(w.validate("start", "end").is_ok());
        }
    }
}
