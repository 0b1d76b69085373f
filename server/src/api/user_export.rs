//! `GET /v1/users/export.csv`: any filtered list of people as CSV, in the import's columns
//! (no PIN, template or photo). The file is streamed a page of people at a time, each page
//! its own short read in directory-ID order, so the server's memory stays flat whatever
//! the site's size and a slow client holds no transaction.

use crate::api::users::site_time_zone;
use crate::auth::caller::OnSite;
use crate::clock::rfc3339;
use crate::db::{IN_LIST_CHUNK, push_in_list};
use crate::directory::csv_rows::{self, line};
use crate::directory::listing::{self, UserQuery};
use crate::directory::person_read;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::csv_stream;
use crate::web::extract::Query;
use axum::extract::State;
use axum::response::Response;
use sqlx::QueryBuilder;
use std::collections::HashMap;
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

/// The CSV lines of the next page of people after directory ID `after`, and the ID to go
/// on from when the page was full.
async fn page(state: &AppState, filter: &Filter, after: i64) -> ApiResult<(String, Option<i64>)> {
    let mut tx = crate::db::snapshot(&state.db).await?;
    let db: &mut crate::db::Conn = &mut tx;
    let rows = listing::rows_after(&mut *db, filter.site_id, filter.since, &filter.query, after, csv_stream::PAGE_ROWS)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut groups = person_read::access_groups(&mut *db, &ids).await?;
    let mut cards = card_numbers(&mut *db, &ids).await?;
    let mut out = String::new();
    for r in &rows {
        let f = r.fields(groups.remove(&r.id).unwrap_or_default());
        let join = |v: Vec<String>| v.join(";");
        let cells: Vec<String> = vec![
            r.user_id.clone(),
            f.name,
            f.first_name.unwrap_or_default(),
            f.last_name.unwrap_or_default(),
            f.email.unwrap_or_default(),
            f.username.unwrap_or_default(),
            f.phone.unwrap_or_default(),
            f.department.unwrap_or_default(),
            f.title.unwrap_or_default(),
            f.notes.unwrap_or_default(),
            f.system_id.unwrap_or_default(),
            f.tag.as_str().to_owned(),
            f.start_time.unwrap_or_default(),
            f.end_time.unwrap_or_default(),
            join(f.access_groups.iter().map(u32::to_string).collect()),
            join(
                f.job_codes
                    .iter()
                    .map(|j| if j.label.is_empty() { j.code.to_string() } else { format!("{}:{}", j.code, j.label) })
                    .collect(),
            ),
            f.security_level.to_string(),
            join(f.computer_usernames),
            join(cards.remove(&r.id).unwrap_or_default()),
            r.id.to_string(),
            r.status.clone(),
            r.rank.clone(),
            rfc3339(r.updated_at),
        ];
        let refs: Vec<&str> = cells.iter().map(String::as_str).collect();
        out += &line(&refs);
    }
    let next = ids.last().copied().filter(|_| rows.len() as i64 == csv_stream::PAGE_ROWS);
    Ok((out, next))
}

/// The card numbers people hold themselves (not the ones a mobile credential made).
async fn card_numbers(db: &mut crate::db::Conn, ids: &[i64]) -> sqlx::Result<HashMap<i64, Vec<String>>> {
    let mut cards: HashMap<i64, Vec<String>> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_row, number FROM cards WHERE mobile_invitation IS NULL AND user_row");
        push_in_list(&mut q, chunk.iter().copied());
        q.push(" ORDER BY user_row, position");
        for (user_row, number) in q.build_query_as::<(i64, String)>().persistent(false).fetch_all(&mut *db).await? {
            cards.entry(user_row).or_default().push(number);
        }
    }
    Ok(cards)
}
