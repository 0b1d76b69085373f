//! Names and labels: bounded in characters, no control characters.

use super::error::{FieldError, Problem, Unit};
use super::limits::{JOB_CODE_LABEL_MAX_CHARS, NAME_MAX_BYTES, NAME_MAX_CHARS};

/// A user's display name as the devices hold it (may be empty).
pub fn validate_name(field: &str, name: &str) -> Result<(), FieldError> {
    bounded_text(field, name, NAME_MAX_CHARS)?;
    // 48 characters of UTF-8 never exceed 192 bytes; checked anyway since devices count bytes.
    if name.len() > NAME_MAX_BYTES {
        let len = name.len();
        return Err(FieldError::new(field, Problem::TooLong { len, max: NAME_MAX_BYTES, unit: Unit::Bytes }));
    }
    Ok(())
}

pub fn validate_job_code_label(field: &str, label: &str) -> Result<(), FieldError> {
    bounded_text(field, label, JOB_CODE_LABEL_MAX_CHARS)
}

/// Text of at most `max` characters without control characters.
pub fn validate_bounded(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    bounded_text(field, text, max)
}

fn bounded_text(field: &str, text: &str, max: usize) -> Result<(), FieldError> {
    let len = text.chars().count();
    if len > max {
        return Err(FieldError::new(field, Problem::TooLong { len, max, unit: Unit::Characters }));
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(field, Problem::Invalid("contains a control character".into())));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn names_up_to_48_characters_pass(name in "[a-zA-Zéü漢 ]{0,48}") {
            prop_assert!(validate_name("name", &name).is_ok());
        }

        #[test]
        fn longer_names_fail_with_their_length(name in "[a-zA-Zéü漢]{49,80}") {
            let e = validate_name("name", &name).unwrap_err();
            let len = name.chars().count();
            prop_assert_eq!(e.to_string(), format!("name: {len} characters, at most 48"));
        }
    }

    #[test]
    fn control_characters_refused() {
        assert!(validate_name("name", "Ann\nBee").is_err());
    }
}
