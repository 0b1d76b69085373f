//! Console usernames: 1 to 64 characters of letters, digits and `._@-`, compared
//! case-insensitively (stored lower-case).

use super::error::{FieldError, Problem, Unit};

pub const MAX_CHARS: usize = 64;

pub fn check(username: &str) -> Result<String, FieldError> {
    let field = "username";
    if username.is_empty() {
        return Err(FieldError::new(field, Problem::Missing));
    }
    let len = username.chars().count();
    if len > MAX_CHARS {
        return Err(FieldError::new(field, Problem::TooLong { len, max: MAX_CHARS, unit: Unit::Characters }));
    }
    if let Some(c) = username.chars().find(|c| !(c.is_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))) {
        return Err(FieldError::new(
            field,
            Problem::Invalid(format!("{c:?} is not allowed; use letters, digits and . _ @ -")),
        ));
    }
    Ok(username.to_lowercase())
}
