//! `GET /v1/users/export.csv`: any filtered list of people as CSV, in the import's columns
//! (no PIN, template or photo). The file is streamed a page of people at a time, each page
//! its own short read in directory-ID order, so the server's memory stays flat whatever
//! the site's size and a slow client holds no transaction.

use crate::api::users::site_time_zone;
use crate::auth::caller::OnSite;
use crate::clock::rfc3339;
use crate::directory::csv_rows::{self, line};
use crate::directory::listing::{self, UserQuery};
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::csv_stream;
use crate::web::extract::Query;
use axum::extract::State;
use axum::response::Response;
use proto::domain::person::JobCodeEntry as JobCode;
use proto::domain::validity::format_time;
use std::sync::Arc;

/// The export's columns after the import's (but the PIN).
const EXTRA_COLUMNS: &[&str] = &["id", "status", "rank", "updated_at"];

/// What one page needs to find the next.
struct Filter {
    site_id: i64,
    since: Option<i64>,
    query: UserQuery,
}

#[utoipa::path(get, path = "/v1/users/export.csv", tag = "import-export", security(("session" = []), ("bearer" = [])), params(UserQuery), description = "Every person matching the filters (limit and offset are ignored), as CSV in the import's columns plus id, status, rank and updated_at, in directory-ID order. No PIN, template or photo. Streamed: a failure after the first page ends the body early.", responses((status = 200, description = "the people", content_type = "text/csv"), (status = 400, description = "a bad filter", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 429, description = "too many exports are running; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(query): Query<UserQuery>,
) -> ApiResult<Response> {
    // A few exports at a time: each holds a connection per page and a client's pace.
    let slot = csv_stream::slot(&state.exports)?;
    let tz = site_time_zone(&state, account.site_id).await?;
    let filter = Arc::new(Filter { site_id: account.site_id, since: listing::since(&query, &tz)?, query });
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
/// cards (not the ones a mobile credential made) already joined by `;`. One query a page:
/// every row the driver hands over costs more than the database took to find it.
const EXPORT_COLUMNS: &str = "u.id, u.user_id, u.name, u.first_name, u.last_name, u.email, u.username, u.phone,
    u.department, u.title, u.notes, u.system_id, u.tag, u.status, u.rank, u.start_time, u.end_time,
    u.security_level, u.job_codes, u.computer_usernames, u.updated_at,
    (SELECT string_agg(CAST(g.group_id AS TEXT), ';' ORDER BY g.group_id) FROM user_access_groups g
      WHERE g.user_row = u.id) AS access_groups,
    (SELECT string_agg(c.number, ';' ORDER BY c.position) FROM cards c
      WHERE c.user_row = u.id AND c.mobile_invitation IS NULL) AS cards";

#[derive(sqlx::FromRow)]
struct ExportRow {
    id: i64,
    user_id: String,
    name: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    username: Option<String>,
    phone: Option<String>,
    department: Option<String>,
    title: Option<String>,
    notes: Option<String>,
    system_id: Option<String>,
    tag: String,
    status: String,
    rank: String,
    start_time: i64,
    end_time: i64,
    security_level: i64,
    job_codes: String,
    computer_usernames: String,
    updated_at: i64,
    access_groups: Option<String>,
    cards: Option<String>,
}

/// The CSV lines of the next page of people after directory ID `after`, and the ID to go
/// on from when the page was full.
async fn page(state: &AppState, filter: &Filter, after: i64) -> ApiResult<(String, Option<i64>)> {
    let mut conn = state.db.acquire().await?;
    let rows: Vec<ExportRow> = listing::rows_after(
        &mut conn,
        EXPORT_COLUMNS,
        filter.site_id,
        filter.since,
        &filter.query,
        after,
        csv_stream::PAGE_ROWS,
    )
    .await?;
    drop(conn);
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
        out += &line(&cells);
    }
    let next = rows.last().map(|r| r.id).filter(|_| rows.len() as i64 == csv_stream::PAGE_ROWS);
    Ok((out, next))
}

fn text(v: &Option<String>) -> &str {
    v.as_deref().unwrap_or_default()
}
