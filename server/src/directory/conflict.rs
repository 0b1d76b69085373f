//! Uniqueness is enforced by the database's unique indexes (so two concurrent requests
//! cannot both win); this turns a violation into a 409 naming the field.

use crate::error::ApiError;

/// (a word of the violated index or column, the API field, what must be unique)
const UNIQUE: &[(&str, &str, &str)] = &[
    ("email", "email", "an email address is unique in a site"),
    ("username", "username", "a username is unique in a site"),
    ("system_id", "system_id", "a system_id is unique in a site"),
    ("pin", "pin", "this PIN is already in use in this site; choose another"),
    ("card_key", "cards", "a card number is unique in a site unless allow_duplicates is set"),
    ("cards_unique_number", "cards", "a card number is unique in a site unless allow_duplicates is set"),
    ("user_id", "user_id", "a user ID is unique in a site"),
];

/// A 409 for a unique-index violation; any other database error stays a 500.
pub fn unique_violation(e: sqlx::Error) -> ApiError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        let what = format!("{} {}", db.constraint().unwrap_or_default(), db.message());
        if let Some((_, field, rule)) = UNIQUE.iter().find(|(word, ..)| what.contains(word)) {
            return ApiError::conflict(*rule).with_field(*field);
        }
        return ApiError::conflict("this value is already in use");
    }
    ApiError::from(e)
}
