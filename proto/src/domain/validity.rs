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
                Problem::Invalid(format!("{} is before {start_field} {}", self.end, self.start)),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
