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
/// end (`end_of_day`). Range checks are [`ValidityWindow::validate`]'s.
pub fn parse_time(field: &str, text: &str, end_of_day: bool) -> Result<u32, FieldError> {
    let text = text.trim();
    let invalid = || {
        FieldError::new(
            field,
            Problem::Invalid(format!(
                "{text:?} is not an ISO 8601 date (2025-03-01) or date-time (2025-03-01T08:00:00Z)"
            )),
        )
    };
    let seconds = if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        ts.as_second()
    } else {
        let date: jiff::civil::Date = text.parse().map_err(|_| invalid())?;
        let time = if end_of_day { jiff::civil::time(23, 59, 59, 0) } else { jiff::civil::Time::midnight() };
        date.to_datetime(time).to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| invalid())?.timestamp().as_second()
    };
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
    jiff::Timestamp::from_second(i64::from(unix)).ok().map(|t| t.to_string())
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

    proptest! {
        #[test]
        fn ordered_windows_in_range_pass(a in VALIDITY_MIN_UNIX..=VALIDITY_MAX_UNIX, b in VALIDITY_MIN_UNIX..=VALIDITY_MAX_UNIX) {
            let w = ValidityWindow { start: a.min(b), end: a.max(b) };
            prop_assert!(w.validate("start", "end").is_ok());
        }
    }
}
