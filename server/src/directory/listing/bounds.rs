//! What a query of people may ask: its page's bounds, its search text, the instant of
//! its `since`. Every refusal names the field and its limit.

use crate::error::{ApiError, ApiResult};
use proto::api::user::{DEFAULT_PAGE, MAX_PAGE, UserQuery};

pub(super) fn bad(field: &str, message: String) -> ApiError {
    ApiError::bad_request(format!("{field}: {message}")).with_field(field)
}

/// The instant `since` (site time zone) or `since_utc` means, as Unix seconds; `time_zone`
/// is read only for `since`.
pub fn since(q: &UserQuery, time_zone: &str) -> ApiResult<Option<i64>> {
    if let Some(text) = &q.since_utc {
        let instant = text.parse::<jiff::Timestamp>().map(|t| t.as_second()).or_else(|_| {
            text.parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|d| d.to_zoned(jiff::tz::TimeZone::UTC).ok())
                .map(|z| z.timestamp().as_second())
                .ok_or(())
        });
        return instant
            .map(Some)
            .map_err(|_| bad("since_utc", format!("{text:?} is not an ISO 8601 instant (2025-03-01T08:00:00Z)")));
    }
    let Some(text) = &q.since else { return Ok(None) };
    let tz = jiff::tz::TimeZone::get(time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let local = text
        .parse::<jiff::civil::DateTime>()
        .ok()
        .or_else(|| text.parse::<jiff::civil::Date>().ok().map(|d| d.to_datetime(jiff::civil::Time::midnight())));
    let local = local.ok_or_else(|| {
        bad("since", format!("{text:?} is not a local ISO 8601 date or date-time (2025-03-01, 2025-03-01T08:00)"))
    })?;
    let zoned = local.to_zoned(tz).map_err(|e| bad("since", e.to_string()))?;
    Ok(Some(zoned.timestamp().as_second()))
}

/// Longest search text, in characters.
pub const MAX_SEARCH_CHARS: usize = 128;
/// Largest `offset` (deeper pages are reached by narrowing the filter).
pub use proto::api::MAX_OFFSET;

/// The search text must be text a person could type: no control characters (a NUL would
/// reach the index as a terminator), and not longer than any field it could match.
fn check_search(q: &UserQuery) -> ApiResult<()> {
    let Some(term) = q.search.as_deref() else { return Ok(()) };
    let len = term.chars().count();
    if len > MAX_SEARCH_CHARS {
        return Err(bad("search", format!("{len} characters, at most {MAX_SEARCH_CHARS}")));
    }
    if let Some(c) = term.chars().find(|c| c.is_control()) {
        return Err(bad("search", format!("{c:?} is a control character; search for printable text")));
    }
    Ok(())
}

/// Checks what every query shares (the export ignores the page but refuses a bad one
/// alike); returns the page's limit and offset.
pub(super) fn check(q: &UserQuery) -> ApiResult<(u32, u64)> {
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(bad("limit", format!("{limit} is outside 1..={MAX_PAGE}")));
    }
    let offset = q.offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(bad("offset", format!("{offset} is outside 0..={MAX_OFFSET}")));
    }
    check_search(q)?;
    Ok((limit, offset))
}
