//! Uniqueness is enforced by the database's unique indexes (so two concurrent requests
//! cannot both win); this turns a violation into a 409 naming the field.

use crate::error::ApiError;

/// (the violated rule as [`crate::db::unique_violation_key`] names it, the API field, what
/// must be unique)
const UNIQUE: &[(&str, &str, &str)] = &[
    ("users.email", "email", "an email address is unique in a site"),
    ("users.username", "username", "a username is unique in a site"),
    ("users.system_id", "system_id", "a system_id is unique in a site"),
    ("users.pin_hash", "pin", "this PIN is already in use in this site; choose another"),
    ("cards.card_key", "cards", "a card number is unique in a site unless allow_duplicates is set"),
    ("users.user_id", "user_id", "a user ID is unique in a site"),
];

/// A 409 for a unique-index violation; any other database error stays a 500.
pub fn unique_violation(e: sqlx::Error) -> ApiError {
    match crate::db::unique_violation_key(&e) {
        Some(key) => match UNIQUE.iter().find(|(k, ..)| *k == key) {
            Some((_, field, rule)) => ApiError::conflict(*rule).with_field(*field),
            None => ApiError::conflict("this value is already in use"),
        },
        None => ApiError::from(e),
    }
}
