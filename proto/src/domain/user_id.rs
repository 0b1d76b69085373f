//! User IDs: what identifies a person on the devices.

use super::error::{FieldError, Problem, Unit};
use super::limits::{NUMERIC_USER_ID_MAX, NUMERIC_USER_ID_MIN, USER_ID_MAX_BYTES};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which IDs a device (or a site) accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKind {
    /// Digits only, 1..=4294967294, no leading zero.
    Numeric,
    /// ASCII letters, digits, `-` and `_`.
    Alphanumeric,
}

/// A user ID that passed the rules of its [`IdKind`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn parse(field: &str, id: &str, kind: IdKind) -> Result<Self, FieldError> {
        let err = |problem| Err(FieldError::new(field, problem));
        if id.is_empty() {
            return err(Problem::Missing);
        }
        if id.len() > USER_ID_MAX_BYTES {
            return err(Problem::TooLong { len: id.len(), max: USER_ID_MAX_BYTES, unit: Unit::Bytes });
        }
        if id == "0" {
            return err(Problem::Invalid("\"0\" is not a valid user ID".into()));
        }
        let numeric = id.bytes().all(|b| b.is_ascii_digit());
        match kind {
            IdKind::Numeric if !numeric => err(Problem::Invalid(format!(
                "\"{}\" is not numeric; this device accepts digits only ({NUMERIC_USER_ID_MIN}..={NUMERIC_USER_ID_MAX})",
                id.escape_debug()
            ))),
            IdKind::Numeric => {
                if id.starts_with('0') {
                    return err(Problem::Invalid(format!("\"{id}\" has a leading zero")));
                }
                // At most 32 digits, so u128 holds it.
                let value: u128 = id.parse().unwrap_or(u128::MAX);
                if !(u128::from(NUMERIC_USER_ID_MIN)..=u128::from(NUMERIC_USER_ID_MAX)).contains(&value) {
                    return err(Problem::OutOfRange {
                        value: id.to_owned(),
                        min: NUMERIC_USER_ID_MIN.to_string(),
                        max: NUMERIC_USER_ID_MAX.to_string(),
                    });
                }
                Ok(Self(id.to_owned()))
            }
            IdKind::Alphanumeric => {
                if let Some(c) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_')) {
                    return err(Problem::Invalid(format!("{c:?} is not allowed; use letters, digits, '-' and '_'")));
                }
                Ok(Self(id.to_owned()))
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The kind this ID needs from a device: numeric IDs fit every device.
    pub fn kind(&self) -> IdKind {
        if Self::parse("", &self.0, IdKind::Numeric).is_ok() { IdKind::Numeric } else { IdKind::Alphanumeric }
    }
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limits() {
        let n = IdKind::Numeric;
        assert!(UserId::parse("id", "1", n).is_ok());
        assert!(UserId::parse("id", "4294967294", n).is_ok());
        assert_eq!(
            UserId::parse("id", "4294967295", n).unwrap_err().to_string(),
            "id: 4294967295 is outside 1..=4294967294"
        );
        assert!(UserId::parse("id", "0", IdKind::Alphanumeric).is_err());
        assert!(UserId::parse("id", "", n).is_err());
        assert!(UserId::parse("id", "007", n).is_err());
        assert!(UserId::parse("id", "ann-01", n).unwrap_err().to_string().contains("not numeric"));
        assert!(UserId::parse("id", "ann-01", IdKind::Alphanumeric).is_ok());
        assert!(UserId::parse("id", "ann 01", IdKind::Alphanumeric).is_err());
        let long = "a".repeat(33);
        assert_eq!(
            UserId::parse("id", &long, IdKind::Alphanumeric).unwrap_err().to_string(),
            "id: 33 bytes, at most 32"
        );
    }

    proptest! {
        #[test]
        fn every_numeric_id_in_range_passes(v in 1u64..=4_294_967_294) {
            let id = UserId::parse("id", &v.to_string(), IdKind::Numeric).unwrap();
            prop_assert_eq!(id.kind(), IdKind::Numeric);
        }

        #[test]
        fn alphanumeric_ids_up_to_32_bytes_pass(id in "[A-Za-z][A-Za-z0-9_-]{0,31}") {
            let parsed = UserId::parse("id", &id, IdKind::Alphanumeric).unwrap();
            prop_assert_eq!(parsed.kind(), IdKind::Alphanumeric);
        }
    }
}
