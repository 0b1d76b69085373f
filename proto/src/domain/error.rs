//! The one error type of the domain rules: which field, and what is wrong with it.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A rule violation, displayed as `field: problem`, e.g. `name: 53 characters, at most 48`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct FieldError {
    /// The field's path, e.g. `name` or `users[2].cards[0].data`.
    pub field: String,
    pub problem: Problem,
}

impl FieldError {
    pub fn new(field: impl Into<String>, problem: Problem) -> Self {
        Self { field: field.into(), problem }
    }

    /// Places the field inside a parent path: `cards` within `users[2]` is `users[2].cards`.
    #[must_use]
    pub fn within(mut self, parent: impl fmt::Display) -> Self {
        self.field = format!("{parent}.{}", self.field);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Characters,
    Bytes,
    Digits,
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::Characters => "characters",
            Unit::Bytes => "bytes",
            Unit::Digits => "digits",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Problem {
    #[error("is required")]
    Missing,
    #[error("{len} {unit}, at most {max}")]
    TooLong { len: usize, max: usize, unit: Unit },
    #[error("{len} {unit}, at least {min}")]
    TooShort { len: usize, min: usize, unit: Unit },
    #[error("{count} given, at most {max}")]
    TooMany { count: usize, max: usize },
    #[error("{value} is outside {min}..={max}")]
    OutOfRange { value: String, min: String, max: String },
    #[error("{0}")]
    Invalid(String),
}

/// Checks a list's length against its limit.
pub fn check_count(field: &str, count: usize, max: usize) -> Result<(), FieldError> {
    if count > max {
        return Err(FieldError::new(field, Problem::TooMany { count, max }));
    }
    Ok(())
}

/// Checks a byte string's length against its limit.
pub fn check_bytes(field: &str, len: usize, max: usize) -> Result<(), FieldError> {
    if len > max {
        return Err(FieldError::new(field, Problem::TooLong { len, max, unit: Unit::Bytes }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_names_field_size_and_limit() {
        let e = FieldError::new("name", Problem::TooLong { len: 53, max: 48, unit: Unit::Characters });
        assert_eq!(e.to_string(), "name: 53 characters, at most 48");
        assert_eq!(e.within("users[2]").to_string(), "users[2].name: 53 characters, at most 48");
        assert_eq!(check_count("cards", 9, 8).unwrap_err().to_string(), "cards: 9 given, at most 8");
    }
}
