//! Listing and searching people: every filter of the API, one stable order, and pages.
//! Each filter is a plain indexed comparison where it can be; the substring search runs
//! over one lower-cased column.

use super::person_read::{PersonRow, VISIBLE, access_groups_of, json_columns};
use crate::db::search::Few;
use crate::error::{ApiError, ApiResult};
use crate::sync::state::DoorCounts;
use proto::api::user::{DEFAULT_PAGE, MAX_PAGE, UserPage};
use proto::api::user::{SortBy, SortOrder};
use sqlx::QueryBuilder;

pub use proto::api::user::UserQuery;

fn bad(field: &str, message: String) -> ApiError {
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
fn check(q: &UserQuery) -> ApiResult<(u32, u64)> {
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

/// The search term as the search text holds it (lower case), if there is one.
fn search_term(q: &UserQuery) -> Option<String> {
    q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase)
}

/// The people matching a search term when they are few (the trigram index answers at
/// once for terms of 3 characters or more); `None` when the term is short or common.
async fn few_matches(db: &mut crate::db::Conn, site_id: i64, q: &UserQuery) -> sqlx::Result<Option<(i64, Few)>> {
    let Some(term) = search_term(q).filter(|s| s.chars().count() >= 3) else { return Ok(None) };
    if crate::db::search::clearly_common(db, site_id, &term).await? {
        return Ok(None);
    }
    let cap = crate::db::search::few_cap(db).await?;
    crate::db::search::few(db, &term, cap).await
}

/// Adds the WHERE clause of `q` (after `WHERE u.site_id = …`); `among` narrows to a search's
/// few matches. Answers whether the search term is matched in the query itself.
fn push_filters(
    b: &mut QueryBuilder<'_, crate::db::Backend>,
    site_id: i64,
    q: &UserQuery,
    since: Option<i64>,
    among: Option<&Few>,
) -> ApiResult<bool> {
    if let Some(few) = among {
        crate::db::search::push_few(b, few);
    }
    let term = search_term(q).filter(|_| !(among.is_some() && crate::db::search::FEW_ARE_EXACT));
    if let Some(term) = &term {
        crate::db::search::push_contains(b, term);
    }
    if let Some(email) = &q.email {
        b.push(" AND u.email = ").push_bind(email.trim().to_lowercase());
    }
    if let Some(prefix) = q.username_prefix.as_deref().filter(|p| !p.is_empty()) {
        let prefix = prefix.to_lowercase();
        b.push(" AND u.username >= ").push_bind(prefix.clone());
        b.push(" AND u.username < ").push_bind(format!("{prefix}\u{10FFFF}"));
    }
    if let Some(domain) = &q.email_domain {
        let domain = domain.trim().trim_start_matches('@').to_lowercase();
        b.push(" AND u.email LIKE ")
            .push_bind(format!("%@{}", crate::db::search::like_escape(&domain)))
            .push(" ESCAPE '\\'");
    }
    if let Some(status) = q.status {
        b.push(" AND u.status = ").push_bind(status.as_str());
    }
    if let Some(tag) = q.tag {
        b.push(" AND u.tag = ").push_bind(tag.as_str());
    }
    if let Some(group) = q.access_group {
        b.push(" AND EXISTS (SELECT 1 FROM user_access_groups g WHERE g.user_row = u.id AND g.group_id = ")
            .push_bind(i64::from(group))
            .push(")");
    }
    if let Some(department) = q.department.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        b.push(" AND lower(u.department) = ").push_bind(department.to_lowercase());
    }
    if let Some(card) = q.card.as_deref().filter(|c| !c.trim().is_empty()) {
        let number = proto::domain::CardNumber::parse("card", card).map_err(|e| bad("card", e.problem.to_string()))?;
        // From the card's index to its holders, not from every person to their cards.
        b.push(" AND u.id IN (SELECT c.user_row FROM cards c WHERE c.site_id = ")
            .push_bind(site_id)
            .push(" AND c.card_key = ")
            .push_bind(number.key().to_vec())
            .push(")");
    }
    if let Some(system_id) = &q.system_id {
        b.push(" AND u.system_id = ").push_bind(system_id.clone());
    }
    if let Some(user_id) = &q.user_id {
        b.push(" AND u.user_id = ").push_bind(user_id.clone());
    }
    if let Some(name) = &q.name {
        b.push(" AND u.name = ").push_bind(name.clone());
    }
    if let Some(id) = q.id {
        b.push(" AND u.id = ").push_bind(id);
    }
    if let Some(since) = since {
        b.push(" AND u.updated_at >= ").push_bind(since);
    }
    Ok(term.is_some())
}

/// One page of the people of a site matching `q`, each with their access groups and where
/// they stand at the doors.
///
/// The page is one value from the database: the people's JSON rows, each with their groups
/// and door state read by subqueries, joined in the page's order (its sort keys are
/// selected as `k1`, `k2` for that). One query instead of three, and one value through the
/// driver instead of a message per person.
pub async fn page(db: &mut crate::db::Conn, site_id: i64, time_zone: &str, q: &UserQuery) -> ApiResult<UserPage> {
    let (limit, offset) = check(q)?;
    let order = match q.order.unwrap_or_default() {
        SortOrder::Asc => "ASC",
        SortOrder::Desc => "DESC",
    };
    // Names sort case-insensitively, numeric user IDs by value; `order` is one of two
    // keywords, so no clause holds user text.
    let keys = match q.sort.unwrap_or_default() {
        SortBy::Name => vec!["lower(u.name)".to_owned()],
        SortBy::UserId => vec!["length(u.user_id)".to_owned(), "u.user_id".to_owned()],
        other => vec![format!("u.{}", other.column())],
    };
    let aliases: Vec<String> = (1..=keys.len()).map(|i| format!("k{i}")).collect();
    let selected: Vec<String> = keys.iter().zip(&aliases).map(|(k, a)| format!("{k} AS {a}")).collect();
    let in_order = |keys: &[String], id: &str| {
        keys.iter().map(|k| format!("{k} {order}, ")).collect::<String>() + &format!("{id} {order}")
    };
    let around = format!(
        "SELECT coalesce('[' || string_agg(r, ',' ORDER BY {}) || ']', '[]') FROM (
           SELECT {}, id, '[' || j || ',' || {} || ',' || {} || ']' AS r FROM (",
        in_order(&aliases, "id"),
        aliases.join(", "),
        access_groups_of("page.id"),
        crate::sync::state::door_sync_of("page.id"),
    );
    let what = format!("u.id AS id, {}, {} AS j", selected.join(", "), json_columns());
    let Some(mut narrowed) = narrow(&mut *db, site_id, time_zone, q).await? else {
        return Ok(UserPage { users: vec![], has_more: false, next_offset: None });
    };
    let mut skip = offset as i64;
    if crate::db::search::WALK_FOR_IDS_FIRST && narrowed.among.is_none() && search_term(q).is_some() {
        // The walk in a statement of its own, which reads only the sort index; the page
        // is then built from the IDs it found, by a statement that stays prepared.
        let (mut b, _) = query(site_id, q, &narrowed, "", "u.id")?;
        b.push(format!(" ORDER BY {} LIMIT ", in_order(&keys, "u.id")));
        b.push_bind(i64::from(limit) + 1).push(" OFFSET ").push_bind(skip);
        let ids: Vec<i64> = b.build_query_scalar().persistent(false).fetch_all(&mut *db).await?;
        if ids.is_empty() {
            return Ok(UserPage { users: vec![], has_more: false, next_offset: None });
        }
        narrowed.among = Some(Few::of(ids));
        skip = 0;
    }
    let (mut b, matches_term) = query(site_id, q, &narrowed, &around, &what)?;
    b.push(format!(" ORDER BY {} LIMIT ", in_order(&keys, "u.id")));
    b.push_bind(i64::from(limit) + 1);
    b.push(" OFFSET ").push_bind(skip).push(") page) page_rows");
    // Its shape follows only which filters are given (a search's matches are a phrase or
    // one array), so it stays prepared, but for a term matched on PostgreSQL.
    let prepared = !(matches_term && crate::db::search::MATCH_PLANNED_EACH_TIME);
    let text: String = b.build_query_scalar().persistent(prepared).fetch_one(&mut *db).await?;
    let rows: Vec<(PersonRow, Vec<u32>, DoorCounts)> = crate::db::read_json_row(&text)?;
    let has_more = rows.len() > limit as usize;
    let users = rows
        .into_iter()
        .take(limit as usize)
        .map(|(person, groups, doors)| {
            let mut user = person.view(groups, None);
            user.doors = Some(doors.into());
            user
        })
        .collect();
    Ok(UserPage { has_more, next_offset: has_more.then(|| offset + u64::from(limit)), users })
}

/// What a query of `q` starts from: the instant of its `since` and, for a search term
/// with few matches, those people.
struct Narrowed {
    since: Option<i64>,
    among: Option<Few>,
}

/// Checks `q` and looks up a search's few matches; `None` when they show nobody matches.
async fn narrow(db: &mut crate::db::Conn, site_id: i64, time_zone: &str, q: &UserQuery) -> ApiResult<Option<Narrowed>> {
    // A page outside its bounds is refused even where the page does not apply, as the
    // API document says.
    check(q)?;
    let since = since(q, time_zone)?;
    match few_matches(&mut *db, site_id, q).await? {
        Some((0, _)) => Ok(None),
        Some((_, few)) => Ok(Some(Narrowed { since, among: Some(few) })),
        None => Ok(Some(Narrowed { since, among: None })),
    }
}

/// The query of everyone matching `q`'s filters (its page and sort aside), selecting
/// `what`, after `around` (the start of a query around it), and whether it matches the
/// search term itself.
fn query<'q>(
    site_id: i64,
    q: &'q UserQuery,
    narrowed: &Narrowed,
    around: &str,
    what: &str,
) -> ApiResult<(QueryBuilder<'q, crate::db::Backend>, bool)> {
    // With the few matching IDs known, look them up by ID (not by the site's sort index,
    // which would walk every person of the site).
    let among = narrowed.among.as_ref();
    let site = if among.is_some() { crate::db::without_index("u.site_id") } else { "u.site_id".to_owned() };
    let mut b = QueryBuilder::new(format!("{around}SELECT {what} FROM users u WHERE {VISIBLE} AND {site} = "));
    b.push_bind(site_id);
    let matches_term = push_filters(&mut b, site_id, q, narrowed.since, among)?;
    Ok((b, matches_term))
}

/// [`narrow`], then [`query`].
async fn matching<'q>(
    db: &mut crate::db::Conn,
    site_id: i64,
    time_zone: &str,
    q: &'q UserQuery,
    around: &str,
    what: &str,
) -> ApiResult<Option<(QueryBuilder<'q, crate::db::Backend>, bool)>> {
    let Some(narrowed) = narrow(db, site_id, time_zone, q).await? else { return Ok(None) };
    query(site_id, q, &narrowed, around, what).map(Some)
}

/// How many people of a site match `q`'s filters.
pub async fn count(db: &mut crate::db::Conn, site_id: i64, time_zone: &str, q: &UserQuery) -> ApiResult<u64> {
    let Some((mut b, _)) = matching(&mut *db, site_id, time_zone, q, "", "count(*)").await? else { return Ok(0) };
    let n: i64 = b.build_query_scalar().persistent(false).fetch_one(&mut *db).await?;
    Ok(n.max(0) as u64)
}

/// The directory IDs of everyone matching `q`'s filters (a bulk action "on all N matching").
pub async fn matching_ids(
    db: &mut crate::db::Conn,
    site_id: i64,
    time_zone: &str,
    q: &UserQuery,
) -> ApiResult<Vec<i64>> {
    let Some((mut b, _)) = matching(&mut *db, site_id, time_zone, q, "", "u.id").await? else { return Ok(vec![]) };
    b.push(" ORDER BY u.id");
    Ok(b.build_query_scalar().persistent(false).fetch_all(&mut *db).await?)
}

/// The walk of an export: `select` (up to `FROM users u WHERE `) the people matching `q`
/// with a directory ID above `after`, in ID order.
fn walk_after<'q>(
    select: String,
    site_id: i64,
    since: Option<i64>,
    q: &'q UserQuery,
    after: i64,
) -> ApiResult<QueryBuilder<'q, crate::db::Backend>> {
    check(q)?;
    // Off the site's indexes, each page walks the primary key from `after` (a whole export
    // reads the table once) instead of sorting the whole site again for every page (27 ms a
    // page at 100,000 people).
    let site = crate::db::without_index("u.site_id");
    let mut b = QueryBuilder::new(format!("{select}{VISIBLE} AND {site} = "));
    b.push_bind(site_id);
    push_filters(&mut b, site_id, q, since, None)?;
    b.push(" AND u.id > ").push_bind(after).push(" ORDER BY u.id");
    Ok(b)
}

/// Up to `limit` people matching `q` with a directory ID above `after`, in ID order, as
/// one JSON array of their `columns` ([`crate::db::JSON_ROWS_START`]): the export reads a site
/// this way, a page at a time.
pub async fn json_page_after(
    db: &mut crate::db::Conn,
    columns: &str,
    site_id: i64,
    since: Option<i64>,
    q: &UserQuery,
    after: i64,
    limit: i64,
) -> ApiResult<String> {
    let select = format!(
        "{}SELECT u.id AS id, {} AS j FROM users u WHERE ",
        crate::db::JSON_ROWS_START,
        crate::db::json_row(columns)
    );
    let mut b = walk_after(select, site_id, since, q, after)?;
    b.push(" LIMIT ").push_bind(limit).push(crate::db::JSON_ROWS_END);
    Ok(b.build_query_scalar().persistent(false).fetch_one(&mut *db).await?)
}

/// The directory ID the page of [`json_page_after`] will end on, when it is full: the keys
/// alone, read ahead so that the page after it can be read at the same time.
pub async fn page_end_after(
    db: &mut crate::db::Conn,
    site_id: i64,
    since: Option<i64>,
    q: &UserQuery,
    after: i64,
    limit: i64,
) -> ApiResult<Option<i64>> {
    let mut b = walk_after("SELECT u.id FROM users u WHERE ".to_owned(), site_id, since, q, after)?;
    b.push(" LIMIT 1 OFFSET ").push_bind(limit - 1);
    Ok(b.build_query_scalar().persistent(false).fetch_optional(&mut *db).await?)
}
