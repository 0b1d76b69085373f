//! `GET /v1/audit`: the site's audit rows, newest first, filtered and paged. SUPERs also
//! see rows that belong to no site (sign-in attempts).

use crate::audit;
use crate::auth::caller::OnSite;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Query;
use axum::extract::State;
use proto::api::MAX_OFFSET;
use proto::api::audit::{Action, AuditPage, AuditQuery, AuditRow, MAX_AUDIT_LIMIT as MAX_LIMIT, Outcome};

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
    let filter = audit::Filter {
        site_id: account.site_id,
        own_name: &caller.username,
        action: q.action.map(Action::as_str),
        actor: q.actor.as_deref(),
        target: q.target.as_deref(),
        outcome: q.outcome.map(Outcome::as_str),
        since: instant("since", q.since.as_deref())?,
        until: instant("until", q.until.as_deref())?,
    };
    let rows = audit::page(&state.db, &filter, limit + 1, offset).await?;
    let has_more = rows.len() as i64 > limit;
    let parse = |v: Option<String>| v.and_then(|s| serde_json::from_str(&s).ok());
    let rows = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, at, site_id, actor, source_ip, action, target, outcome, before, after)| {
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
        })
        .collect::<ApiResult<_>>()?;
    Ok(axum::Json(AuditPage { rows, has_more, next_offset: has_more.then_some(offset + limit) }))
}

/// An RFC 3339 instant of the query as Unix seconds (400 naming the parameter if not one).
fn instant(field: &str, text: Option<&str>) -> ApiResult<Option<i64>> {
    let Some(text) = text else { return Ok(None) };
    text.parse::<jiff::Timestamp>().map(|t| Some(t.as_second())).map_err(|_| {
        ApiError::bad_request(format!("{field}: {text:?} is not an RFC 3339 instant (2026-11-30T08:00:00Z)"))
            .with_field(field)
    })
}
