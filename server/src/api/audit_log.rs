//! `GET /v1/audit`: the site's audit rows, newest first, filtered and paged; and
//! `GET /v1/audit/export.csv`: every row the same filters match, streamed. SUPERs also see
//! rows that belong to no site (sign-in attempts).

use crate::audit;
use crate::auth::caller::{Account, Caller, OnSite};
use crate::clock::rfc3339;
use crate::directory::csv_rows::line;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::csv_stream;
use crate::web::extract::Query;
use axum::extract::State;
use axum::response::Response;
use proto::api::MAX_OFFSET;
use proto::api::audit::{Action, AuditPage, AuditQuery, AuditRow, MAX_AUDIT_LIMIT as MAX_LIMIT, Outcome};
use std::sync::Arc;

#[utoipa::path(get, path = "/v1/audit", tag = "audit", security(("session" = []), ("bearer" = [])), params(AuditQuery), responses((status = 200, body = AuditPage), (status = 400, description = "bad request", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    OnSite(caller, account): OnSite,
    Query(q): Query<AuditQuery>,
) -> ApiResult<axum::Json<AuditPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit: {limit} is outside 1..={MAX_LIMIT}")).with_field("limit"));
    }
    let offset = q.offset.unwrap_or(0);
    if !(0..=MAX_OFFSET as i64).contains(&offset) {
        return Err(ApiError::bad_request(format!("offset: {offset} is outside 0..={MAX_OFFSET}")).with_field("offset"));
    }
    let filter = filter(&caller, &account, &q)?;
    let rows = audit::page(&state.db, &filter, None, limit + 1, offset).await?;
    let has_more = rows.len() as i64 > limit;
    let rows = rows.into_iter().take(limit as usize).map(row).collect::<ApiResult<_>>()?;
    Ok(axum::Json(AuditPage { rows, has_more, next_offset: has_more.then_some(offset + limit) }))
}

#[utoipa::path(get, path = "/v1/audit/export.csv", tag = "audit", security(("session" = []), ("bearer" = [])), params(AuditQuery), description = "Every audit row matching the filters (limit and offset are ignored), newest first, as CSV: id, at, site_id, actor, source_ip, action, target, outcome, before and after (JSON). Streamed: a failure after the first page ends the body early.", responses((status = 200, description = "the rows", content_type = "text/csv"), (status = 400, description = "a bad filter", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 429, description = "too many exports are running; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn export(
    State(state): State<AppState>,
    OnSite(caller, account): OnSite,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    let slot = csv_stream::slot(&state.exports)?;
    let filter = Arc::new(filter(&caller, &account, &q)?);
    // The first page is read before answering, so a failure is still an error status.
    let (mut text, last) = export_page(&state, &filter, None).await?;
    text.insert_str(
        0,
        &line(&["id", "at", "site_id", "actor", "source_ip", "action", "target", "outcome", "before", "after"]),
    );
    // Pages go by row ID, newest first: rows written meanwhile are after the export began.
    let next = move |before| {
        let (state, filter) = (state.clone(), filter.clone());
        async move { export_page(&state, &filter, Some(before)).await }
    };
    Ok(csv_stream::respond(slot, "audit.csv".to_owned(), (text, last), next))
}

/// The CSV lines of the rows older than `before`, and the row ID to go on from when the
/// page was full.
async fn export_page(
    state: &AppState,
    filter: &audit::Filter,
    before: Option<i64>,
) -> ApiResult<(String, Option<i64>)> {
    let rows = audit::page(&state.db, filter, before, csv_stream::PAGE_ROWS, 0).await?;
    let next = rows.last().map(|r| r.0).filter(|_| rows.len() as i64 == csv_stream::PAGE_ROWS);
    let mut out = String::new();
    for (id, at, site_id, actor, source_ip, action, target, outcome, before, after) in rows {
        let (id, at, site) = (id.to_string(), rfc3339(at), site_id.map(|s| s.to_string()).unwrap_or_default());
        out += &line(&[
            &id,
            &at,
            &site,
            &actor,
            source_ip.as_deref().unwrap_or_default(),
            &action,
            target.as_deref().unwrap_or_default(),
            &outcome,
            before.as_deref().unwrap_or_default(),
            after.as_deref().unwrap_or_default(),
        ]);
    }
    Ok((out, next))
}

/// The store's filter for a query, for this caller on this site.
fn filter(caller: &Caller, account: &Account, q: &AuditQuery) -> ApiResult<audit::Filter> {
    Ok(audit::Filter {
        site_id: account.site_id,
        own_name: caller.username.clone(),
        action: q.action.map(Action::as_str),
        actor: q.actor.clone(),
        target: q.target.clone(),
        outcome: q.outcome.map(Outcome::as_str),
        since: instant("since", q.since.as_deref())?,
        until: instant("until", q.until.as_deref())?,
    })
}

/// A stored row as the API shows it.
fn row(r: audit::Row) -> ApiResult<AuditRow> {
    let (id, at, site_id, actor, source_ip, action, target, outcome, before, after) = r;
    let parse = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    let action = Action::parse(&action).ok_or_else(|| {
        tracing::error!(id, action, "audit row with an unknown action");
        ApiError::internal()
    })?;
    Ok(AuditRow {
        id,
        at: rfc3339(at),
        site_id,
        actor,
        source_ip,
        action,
        target,
        outcome: if outcome == "success" { Outcome::Success } else { Outcome::Failure },
        before: parse(before),
        after: parse(after),
    })
}

/// An RFC 3339 instant of the query as Unix seconds (400 naming the parameter if not one).
fn instant(field: &str, text: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    text.parse::<jiff::Timestamp>().map(|t| Some(t.as_second())).map_err(|_| {
        ApiError::bad_request(format!("{field}: {text:?} is not an RFC 3339 instant (2026-11-30T08:00:00Z)"))
            .with_field(field)
    })
}
