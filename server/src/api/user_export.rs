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
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Query;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sqlx::QueryBuilder;
use std::collections::HashMap;
use tokio_stream::wrappers::ReceiverStream;

/// The export's columns after the import's (but the PIN).
const EXTRA_COLUMNS: &[&str] = &["id", "status", "rank", "updated_at"];

/// People per page read and sent.
const PAGE: i64 = 1000;
/// Exports running at once; more answer 429.
pub const MAX_CONCURRENT: usize = 4;
/// A client that takes no page for this long is dropped.
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

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
    let Ok(slot) = state.exports.clone().try_acquire_owned() else {
        let mut e = ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too many exports are running; retry in 5 s");
        e.retry_after = Some(5);
        return Err(e);
    };
    let tz = site_time_zone(&state, account.site_id).await?;
    let filter = Filter { site_id: account.site_id, since: listing::since(&query, &tz)?, query };
    // The first page is read before answering, so a bad filter is still a 400.
    let (mut text, last) = page(&state, &filter, 0).await?;
    let columns: Vec<&str> =
        csv_rows::COLUMNS.iter().copied().filter(|c| *c != "pin").chain(EXTRA_COLUMNS.iter().copied()).collect();
    text.insert_str(0, &line(&columns));
    // Two pages in flight at most: a slow client holds back the reading. Each page is its
    // own short read (pages go by ID, so nobody is missed or repeated), so a stalled client
    // holds no transaction; one that takes no page for SEND_TIMEOUT is dropped.
    let (pages, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(2);
    tokio::spawn(async move {
        let _slot = slot;
        let next = |after| page(&state, &filter, after);
        if pump(&pages, (text, last), next, SEND_TIMEOUT).await == Ended::Stalled {
            tracing::warn!("an export's client stopped reading; the export ends");
        }
    });
    let headers = [
        (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
        (header::CONTENT_DISPOSITION, "attachment; filename=\"people.csv\""),
    ];
    Ok((headers, Body::from_stream(ReceiverStream::new(receiver))).into_response())
}

/// How a streamed export ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ended {
    Done,
    ClientLeft,
    /// The client took no page for the send timeout.
    Stalled,
    /// A page could not be read; the body ends with an error.
    Failed,
}

/// Sends `first` and the pages after it, reading the next page only once the channel has
/// room for it: memory stays at two pages, and a client that takes nothing for `timeout`
/// is dropped (its slot with it).
async fn pump<F, Fut>(
    pages: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    first: (String, Option<i64>),
    mut next: F,
    timeout: std::time::Duration,
) -> Ended
where
    F: FnMut(i64) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(String, Option<i64>)>>,
{
    let (mut text, mut last) = first;
    loop {
        match tokio::time::timeout(timeout, pages.send(Ok(Bytes::from(text)))).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => return Ended::ClientLeft,
            Err(_) => return Ended::Stalled,
        }
        let Some(after) = last else { return Ended::Done };
        match next(after).await {
            Ok(page) => (text, last) = page,
            Err(e) => {
                tracing::error!(error = %e.message, "an export stopped part-way");
                let _ = pages.send(Err(std::io::Error::other("the export stopped part-way"))).await;
                return Ended::Failed;
            }
        }
    }
}

/// The CSV lines of the next page of people after directory ID `after`, and the ID to go
/// on from when the page was full.
async fn page(state: &AppState, filter: &Filter, after: i64) -> ApiResult<(String, Option<i64>)> {
    let mut tx = state.db.begin().await?;
    let db: &mut crate::db::Conn = &mut tx;
    let rows = listing::rows_after(&mut *db, filter.site_id, filter.since, &filter.query, after, PAGE).await?;
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
    let next = ids.last().copied().filter(|_| rows.len() as i64 == PAGE);
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
        for (user_row, number) in q.build_query_as::<(i64, String)>().fetch_all(&mut *db).await? {
            cards.entry(user_row).or_default().push(number);
        }
    }
    Ok(cards)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    /// Endless pages, counting how many were read.
    fn endless(read: &AtomicI64) -> impl FnMut(i64) -> std::future::Ready<ApiResult<(String, Option<i64>)>> + '_ {
        move |after| {
            read.fetch_add(1, Ordering::Relaxed);
            std::future::ready(Ok((format!("page after {after}\n"), Some(after + 1))))
        }
    }

    #[tokio::test]
    async fn a_client_that_stops_reading_is_dropped_and_nothing_is_read_ahead() {
        let (pages, _stalled_client) = tokio::sync::mpsc::channel(2);
        let read = AtomicI64::new(0);
        let first = ("header\n".to_owned(), Some(0));
        let ended = pump(&pages, first, endless(&read), Duration::from_millis(50)).await;
        assert_eq!(ended, Ended::Stalled);
        assert_eq!(read.load(Ordering::Relaxed), 2, "two pages wait in the channel; no third is read");
    }

    #[tokio::test]
    async fn a_client_that_leaves_ends_the_export() {
        let (pages, client) = tokio::sync::mpsc::channel(2);
        drop(client);
        let read = AtomicI64::new(0);
        let ended = pump(&pages, ("header\n".to_owned(), Some(0)), endless(&read), Duration::from_secs(30)).await;
        assert_eq!((ended, read.load(Ordering::Relaxed)), (Ended::ClientLeft, 0));
    }

    #[tokio::test]
    async fn every_page_arrives_in_order() {
        let (pages, mut client) = tokio::sync::mpsc::channel(2);
        let next = |after: i64| std::future::ready(Ok((format!("{after}\n"), (after < 3).then_some(after + 1))));
        let sender =
            tokio::spawn(async move { pump(&pages, ("h\n".to_owned(), Some(1)), next, Duration::from_secs(30)).await });
        let mut got = String::new();
        while let Some(page) = client.recv().await {
            got.push_str(std::str::from_utf8(&page.unwrap()).unwrap());
        }
        assert_eq!((got.as_str(), sender.await.unwrap()), ("h\n1\n2\n3\n", Ended::Done));
    }
}
