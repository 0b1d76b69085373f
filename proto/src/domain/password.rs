//! Passwords' length rule (NIST SP 800-63B: long, no composition rules). The server also
//! refuses common passwords, a list the console does not carry.

use super::error::{FieldError, Problem, Unit};

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// Whether a new password is long enough and not too long (`password: 5 characters, at
/// least 12`).
pub fn check_length(plain: &str) -> Result<(), FieldError> {
    let len = plain.chars().count();
    if len < MIN_CHARS {
        return Err(FieldError::new("password", Problem::TooShort { len, min: MIN_CHARS, unit: Unit::Characters }));
    }
    if len > MAX_CHARS {
        return Err(FieldError::new("password", Problem::TooLong { len, max: MAX_CHARS, unit: Unit::Characters }));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_to_128_characters() {
        assert_eq!(check_length("short").unwrap_err().to_string(), "password: 5 characters, at least 12");
        assert_eq!(check_length(&"é".repeat(129)).unwrap_err().to_string(), "password: 129 characters, at most 128");
        assert!(check_length("correct horse battery staple").is_ok());
    }
}
