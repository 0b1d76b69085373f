//! Optimistic concurrency over HTTP: a person's version is their ETag; `If-Match` with an
//! older one gets 412 instead of overwriting someone else's change.

use crate::error::ApiError;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};

pub fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// Checks `If-Match` (if sent) against the current version.
pub fn check_if_match(headers: &HeaderMap, current: i64) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else { return Ok(()) };
    let text = value.to_str().unwrap_or_default();
    let matches = text.split(',').map(str::trim).any(|tag| {
        tag == "*" || tag.trim_start_matches("W/").trim_matches('"').parse::<i64>().is_ok_and(|v| v == current)
    });
    if matches {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("If-Match: this person is now at version {current}; reload and apply your change again"),
        )
        .with_field("version"))
    }
}
