//! Access groups as site objects: the ID the devices know, a name, the devices it covers.

use super::error::{FieldError, Problem};
use super::limits::{NUMERIC_USER_ID_MAX, NUMERIC_USER_ID_MIN};

/// Characters in a group's name (BioStar's limit).
pub const NAME_MAX_CHARS: usize = 48;

/// A group ID as the devices hold it: 1 to 4,294,967,294.
pub fn check_id(field: &str, id: u32) -> Result<(), FieldError> {
    if !(NUMERIC_USER_ID_MIN..=NUMERIC_USER_ID_MAX).contains(&u64::from(id)) {
        return Err(FieldError::new(
            field,
            Problem::OutOfRange {
                value: id.to_string(),
                min: NUMERIC_USER_ID_MIN.to_string(),
                max: NUMERIC_USER_ID_MAX.to_string(),
            },
        ));
    }
    Ok(())
}

/// A group's name: required, at most 48 characters, no control characters.
pub fn check_name(field: &str, name: &str) -> Result<(), FieldError> {
    if name.trim().is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    super::text::validate_bounded(field, name, NAME_MAX_CHARS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names_name_their_limit() {
        assert!(check_id("group_id", 1).is_ok());
        assert!(check_id("group_id", 0).unwrap_err().to_string().contains("1"));
        assert!(check_id("group_id", u32::MAX).is_err());
        assert!(check_name("name", "Lobby").is_ok());
        assert_eq!(check_name("name", " ").unwrap_err().to_string(), "name: is required");
        assert!(check_name("name", &"x".repeat(49)).unwrap_err().to_string().contains("at most 48"));
    }
}
