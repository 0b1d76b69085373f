//! `GET /v1/users/export.csv`: any filtered list of people as CSV, in the import's columns
//! (no PIN, template or photo). The file is streamed a page of people at a time, each page
//! its own short read in directory-ID order, so the server's memory stays flat whatever
//! the site's size and a slow client holds no transaction.

use crate::api::users::query_time_zone;
use crate::auth::caller::OnSite;
use crate::clock::rfc3339;
use crate::directory::csv_rows::{self, line, push_line};
use crate::directory::listing::{self, UserQuery};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::csv_stream;
use crate::web::extract::Query;
use axum::extract::State;
use axum::response::Response;
use proto::domain::person::JobCodeEntry as JobCode;
use proto::domain::validity::format_time;
use std::borrow::Cow;
use std::sync::Arc;

/// The export's columns after the import's (but the PIN).
const EXTRA_COLUMNS: &[&str] = &["id", "status", "rank", "updated_at"];

/// What one page needs to find the next.
struct Filter {
    site_id: i64,
    since: Option<i64>,
    query: UserQuery,
    /// The page after the one being read, read at the same time (a connection each: on
    /// PostgreSQL a page's query is most of an export's time, and two run on two cores).
    ahead: std::sync::Mutex<Option<Ahead>>,
}

/// The next page being read: where it starts (where a keys-only read found the page
/// before it ends) and its rows; `None` when the page before is the last.
type Ahead = tokio::task::JoinHandle<ApiResult<Option<(i64, String)>>>;

#[utoipa::path(get, path = "/v1/users/export.csv", tag = "import-export", security(("session" = []), ("bearer" = [])), params(UserQuery), description = "Every person matching the filters (limit and offset are ignored), as CSV in the import's columns plus id, status, rank and updated_at, in directory-ID order. No PIN, template or photo. Streamed: a failure after the first page ends the body early.", responses((status = 200, description = "the people", content_type = "text/csv"), (status = 400, description = "a bad filter", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 429, description = "too many exports are running; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(query): Query<UserQuery>,
) -> ApiResult<Response> {
    // A few exports at a time: each holds a connection per page and a client's pace.
    let slot = csv_stream::slot(&state.exports)?;
    let tz = query_time_zone(&state, account.site_id, &query).await?;
    let since = listing::since(&query, &tz)?;
    let filter = Arc::new(Filter { site_id: account.site_id, since, query, ahead: Default::default() });
    // The first page is read before answering, so a bad filter is still a 400.
    let (mut text, last) = page(&state, &filter, 0).await?;
    let columns: Vec<&str> =
        csv_rows::COLUMNS.iter().copied().filter(|c| *c != "pin").chain(EXTRA_COLUMNS.iter().copied()).collect();
    text.insert_str(0, &line(&columns));
    // Pages go by directory ID, so nobody is missed or repeated.
    let next = move |after| {
        let (state, filter) = (state.clone(), filter.clone());
        async move { page(&state, &filter, after).await }
    };
    Ok(csv_stream::respond(slot, "people.csv".to_owned(), (text, last), next))
}

/// What the export reads of a person: their columns, and their access groups and own
/// cards (not the ones a mobile credential made) already joined by `;`; one JSON array a
/// row ([`crate::db::json_row`]), in the order of [`ExportRow`]'s fields; a page of them
/// in one array.
const EXPORT_COLUMNS: &str = "u.id, u.user_id, u.name, u.first_name, u.last_name, u.email, u.username, u.phone,
    u.department, u.title, u.notes, u.system_id, u.tag, u.status, u.rank, u.start_time, u.end_time,
    u.security_level, u.job_codes, u.computer_usernames, u.updated_at,
    (SELECT string_agg(CAST(g.group_id AS TEXT), ';' ORDER BY g.group_id) FROM user_access_groups g
      WHERE g.user_row = u.id),
    (SELECT string_agg(c.number, ';' ORDER BY c.position) FROM cards c
      WHERE c.user_row = u.id AND c.mobile_invitation IS NULL)";

/// A row of [`EXPORT_COLUMNS`], read from its JSON array by position.
#[derive(serde::Deserialize)]
struct ExportRow<'a> {
    id: i64,
    #[serde(borrow)]
    user_id: Cow<'a, str>,
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    first_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    last_name: Option<Cow<'a, str>>,
    #[serde(borrow)]
    email: Option<Cow<'a, str>>,
    #[serde(borrow)]
    username: Option<Cow<'a, str>>,
    #[serde(borrow)]
    phone: Option<Cow<'a, str>>,
    #[serde(borrow)]
    department: Option<Cow<'a, str>>,
    #[serde(borrow)]
    title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    notes: Option<Cow<'a, str>>,
    #[serde(borrow)]
    system_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tag: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    rank: Cow<'a, str>,
    start_time: i64,
    end_time: i64,
    security_level: i64,
    #[serde(borrow)]
    job_codes: Cow<'a, str>,
    #[serde(borrow)]
    computer_usernames: Cow<'a, str>,
    updated_at: i64,
    #[serde(borrow)]
    access_groups: Option<Cow<'a, str>>,
    #[serde(borrow)]
    cards: Option<Cow<'a, str>>,
}

/// Up to a page of people after directory ID `after`, as one JSON array of
/// [`EXPORT_COLUMNS`] arrays.
async fn read_rows(state: &AppState, filter: &Filter, after: i64) -> ApiResult<String> {
    let mut conn = state.db.acquire().await?;
    let (site_id, since, limit) = (filter.site_id, filter.since, csv_stream::PAGE_ROWS);
    listing::json_page_after(&mut conn, EXPORT_COLUMNS, site_id, since, &filter.query, after, limit).await
}

/// Where the page after directory ID `after` ends, when it is full.
async fn page_end(state: &AppState, filter: &Filter, after: i64) -> ApiResult<Option<i64>> {
    let mut conn = state.db.acquire().await?;
    listing::page_end_after(&mut conn, filter.site_id, filter.since, &filter.query, after, csv_stream::PAGE_ROWS).await
}

/// The CSV lines of the next page of people after directory ID `after`, and the ID to go
/// on from when the page was full. The page after it starts reading at once, beside it.
async fn page(state: &AppState, filter: &Arc<Filter>, after: i64) -> ApiResult<(String, Option<i64>)> {
    let ahead = filter.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    let (state_ahead, reading) = (state.clone(), filter.clone());
    let following = tokio::spawn(async move {
        let Some(end) = page_end(&state_ahead, &reading, after).await? else { return Ok(None) };
        Ok(Some((end, read_rows(&state_ahead, &reading, end).await?)))
    });
    *filter.ahead.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(following);
    let read_ahead = match ahead {
        Some(read) => read.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "reading a page of an export failed");
            Err(crate::error::ApiError::internal())
        })?,
        None => None,
    };
    // Read again when the page before ended elsewhere than its keys said (someone left the
    // directory between the two reads).
    let json = match read_ahead {
        Some((start, json)) if start == after => json,
        _ => read_rows(state, filter, after).await?,
    };
    let rows: Vec<ExportRow> = crate::db::read_json_row(&json)?;
    let next = rows.last().map(|r| r.id).filter(|_| rows.len() as i64 == csv_stream::PAGE_ROWS);
    let mut out = String::with_capacity(rows.len() * 128);
    for r in &rows {
        let time = |t: i64| u32::try_from(t).ok().and_then(format_time).unwrap_or_default();
        let job_codes: Vec<JobCode> = serde_json::from_str(&r.job_codes).unwrap_or_default();
        let job_codes: Vec<String> = job_codes
            .iter()
            .map(|j| if j.label.is_empty() { j.code.to_string() } else { format!("{}:{}", j.code, j.label) })
            .collect();
        let computer_usernames: Vec<String> = serde_json::from_str(&r.computer_usernames).unwrap_or_default();
        let cells: [&str; 23] = [
            &r.user_id,
            &r.name,
            text(&r.first_name),
            text(&r.last_name),
            text(&r.email),
            text(&r.username),
            text(&r.phone),
            text(&r.department),
            text(&r.title),
            text(&r.notes),
            text(&r.system_id),
            &r.tag,
            &time(r.start_time),
            &time(r.end_time),
            text(&r.access_groups),
            &job_codes.join(";"),
            &r.security_level.to_string(),
            &computer_usernames.join(";"),
            text(&r.cards),
            &r.id.to_string(),
            &r.status,
            &r.rank,
            &rfc3339(r.updated_at),
        ];
        push_line(&mut out, &cells);
    }
    Ok((out, next))
}

fn text<'a>(v: &'a Option<Cow<'_, str>>) -> &'a str {
    v.as_deref().unwrap_or_default()
}
