//! Listing and searching people: every filter of the API, one stable order, and pages.
//! Each filter is a plain indexed comparison where it can be; the substring search runs
//! over one lower-cased column. What a query may ask is checked in [`bounds`]; how a
//! search's page finds its people, in [`search_plan`].

mod bounds;
mod search_plan;

use super::person_read::{PersonRow, VISIBLE, access_groups_of, json_columns};
use crate::db::search::Few;
use crate::db::search_sample::Samples;
use crate::error::ApiResult;
use crate::sync::state::DoorCounts;
use bounds::{bad, check};
use proto::api::user::UserPage;
use proto::api::user::{SortBy, SortOrder};
use search_plan::{IDS_FIRST_ABOVE, Narrowed, Walk, after_the_walk, ids_in_order, narrow, push_walk};
use sqlx::QueryBuilder;

pub use bounds::{MAX_OFFSET, MAX_SEARCH_CHARS, since};
pub use proto::api::user::UserQuery;

/// The search term as the search text holds it (lower case), if there is one.
fn search_term(q: &UserQuery) -> Option<String> {
    q.search.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_lowercase)
}

/// Adds the WHERE clause of `q` (after `WHERE u.site_id = …`); `among` narrows to a search's
/// few matches, and the search term is matched unless `match_term` is false. Answers
/// whether the search term is matched in the query itself.
fn push_filters(
    b: &mut QueryBuilder<'_, crate::db::Backend>,
    site_id: i64,
    q: &UserQuery,
    since: Option<i64>,
    among: Option<&Few>,
    match_term: bool,
) -> ApiResult<bool> {
    if let Some(few) = among {
        crate::db::search::push_few(b, few);
    }
    let term = search_term(q).filter(|_| match_term && !(among.is_some() && crate::db::search::FEW_ARE_EXACT));
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
pub async fn page(
    db: &mut crate::db::Conn,
    samples: &Samples,
    site_id: i64,
    time_zone: &str,
    q: &UserQuery,
) -> ApiResult<UserPage> {
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
    let empty = UserPage { users: vec![], has_more: false, next_offset: None };
    let Some(mut narrowed) = narrow(&mut *db, samples, site_id, time_zone, q).await? else { return Ok(empty) };
    let order_by = in_order(&keys, "u.id");
    let (rows, mut skip) = (i64::from(limit) + 1, offset as i64);
    let read = |narrowed: &Narrowed, skip: i64| {
        let (mut b, matches_term) = query(site_id, q, narrowed, &around, &what, true)?;
        b.push(format!(" ORDER BY {order_by} LIMIT ")).push_bind(rows);
        b.push(" OFFSET ").push_bind(skip).push(") page) page_rows");
        // Its shape follows only which filters are given (a search's matches are a
        // phrase or one array), so it stays prepared, but for a term matched on PostgreSQL.
        let prepared = !(matches_term && crate::db::search::MATCH_PLANNED_EACH_TIME);
        ApiResult::Ok((b, prepared))
    };
    let ids = match (search_term(q), narrowed.people) {
        // A common term (its probe read the directory's size): its page walks the sort
        // order, up to a bound.
        (Some(term), Some(people)) if narrowed.among.is_none() && crate::db::search::WALK_GIVES_UP => {
            let bound = crate::db::search::walk_bound(people, rows + skip);
            narrowed.walk = Some(Walk { order_by: order_by.clone(), bound, rows, skip });
            let (mut b, prepared) = read(&narrowed, 0)?;
            let text: String = b.build_query_scalar().persistent(prepared).fetch_one(&mut *db).await?;
            let page = people_of(&text)?;
            if page.len() as i64 == rows {
                return Ok(page_of(page, limit, offset));
            }
            Some(after_the_walk(&mut *db, site_id, q, &mut narrowed, &term, people).await?)
        }
        // Many matches, or a term whose walk does not give up (PostgreSQL: the walk then
        // reads the sort index alone, and the page's statement, built on the IDs it found,
        // stays prepared): the page's people are found first, then only they are read.
        (Some(_), _)
            if narrowed.found > IDS_FIRST_ABOVE * rows + skip
                || (narrowed.among.is_none() && !crate::db::search::WALK_GIVES_UP) =>
        {
            Some(ids_in_order(&mut *db, site_id, q, &narrowed, &order_by, rows, skip).await?)
        }
        _ => None,
    };
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(empty);
        }
        narrowed = Narrowed { among: Some(Few::of(ids)), walk: None, ..narrowed };
        skip = 0;
    }
    let (mut b, prepared) = read(&narrowed, skip)?;
    let text: String = b.build_query_scalar().persistent(prepared).fetch_one(&mut *db).await?;
    Ok(page_of(people_of(&text)?, limit, offset))
}

/// The page of `limit` people of `rows` (one more tells there are more), from `offset`.
fn page_of(rows: Vec<(PersonRow, Vec<u32>, DoorCounts)>, limit: u32, offset: u64) -> UserPage {
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
    UserPage { has_more, next_offset: has_more.then(|| offset + u64::from(limit)), users }
}

/// The people of a page, read from its statement's one value.
fn people_of(text: &str) -> ApiResult<Vec<(PersonRow, Vec<u32>, DoorCounts)>> {
    Ok(crate::db::read_json_row(text)?)
}

/// The query of everyone matching `q`'s filters (its page and sort aside; its search term
/// only if `match_term`), selecting `what`, after `around` (the start of a query around
/// it), and whether it matches the search term itself.
fn query<'q>(
    site_id: i64,
    q: &'q UserQuery,
    narrowed: &Narrowed,
    around: &str,
    what: &str,
    match_term: bool,
) -> ApiResult<(QueryBuilder<'q, crate::db::Backend>, bool)> {
    // With the few matching IDs known, look them up by ID (not by the site's sort index,
    // which would walk every person of the site).
    let among = narrowed.among.as_ref();
    let by_id = among.is_some() || narrowed.walk.is_some();
    let site = if by_id { crate::db::without_index("u.site_id") } else { "u.site_id".to_owned() };
    let mut b = QueryBuilder::new(format!("{around}SELECT {what} FROM users u WHERE {VISIBLE} AND {site} = "));
    b.push_bind(site_id);
    let match_term = match_term && narrowed.walk.is_none();
    let matches_term = push_filters(&mut b, site_id, q, narrowed.since, among, match_term)?;
    if let Some(walk) = &narrowed.walk {
        b.push(" AND u.id IN (");
        push_walk(&mut b, site_id, q, narrowed.since, walk)?;
        b.push(")");
    }
    Ok((b, matches_term))
}

/// [`narrow`], then [`query`].
async fn matching<'q>(
    db: &mut crate::db::Conn,
    samples: &Samples,
    site_id: i64,
    time_zone: &str,
    q: &'q UserQuery,
    around: &str,
    what: &str,
) -> ApiResult<Option<(QueryBuilder<'q, crate::db::Backend>, bool)>> {
    let Some(narrowed) = narrow(db, samples, site_id, time_zone, q).await? else { return Ok(None) };
    query(site_id, q, &narrowed, around, what, true).map(Some)
}

/// How many people of a site match `q`'s filters.
pub async fn count(
    db: &mut crate::db::Conn,
    samples: &Samples,
    site_id: i64,
    time_zone: &str,
    q: &UserQuery,
) -> ApiResult<u64> {
    let Some((mut b, _)) = matching(&mut *db, samples, site_id, time_zone, q, "", "count(*)").await? else {
        return Ok(0);
    };
    let n: i64 = b.build_query_scalar().persistent(false).fetch_one(&mut *db).await?;
    Ok(n.max(0) as u64)
}

/// The directory IDs of everyone matching `q`'s filters (a bulk action "on all N matching").
pub async fn matching_ids(
    db: &mut crate::db::Conn,
    samples: &Samples,
    site_id: i64,
    time_zone: &str,
    q: &UserQuery,
) -> ApiResult<Vec<i64>> {
    let Some((mut b, _)) = matching(&mut *db, samples, site_id, time_zone, q, "", "u.id").await? else {
        return Ok(vec![]);
    };
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
    push_filters(&mut b, site_id, q, since, None, true)?;
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
