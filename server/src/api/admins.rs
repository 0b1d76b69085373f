//! Site admins, as the Instabase account API has them: `GET /v1/admins`, and
//! `POST` / `DELETE /v1/admins {usernames}` answering per-username `error_details`;
//! plus `PUT /v1/users/{id}/rank` for one person (409 for the last SUPER).

use crate::auth::caller::{Account, Caller, OnSite, SourceIp};
use crate::error::{ApiError, ApiResult};
use crate::ranks::{self, Change, SetError};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use proto::api::BatchStatus;
use proto::api::admin::{AdminView, AdminsResponse, BatchResult, RankView, RemoveAdmins, SetAdmins, SetRank};
use proto::domain::{Rank, Status};
use std::collections::BTreeMap;

/// A batch may name at most this many usernames.
pub const MAX_USERNAMES: usize = 1000;

#[utoipa::path(get, path = "/v1/admins", tag = "admins", security(("session" = []), ("bearer" = [])), responses((status = 200, body = AdminsResponse), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<axum::Json<AdminsResponse>> {
    let rows = ranks::admins(&state.db, account.site_id).await?;
    let admins = rows
        .into_iter()
        .map(|r| {
            let active = Status::parse(&r.status).is_some_and(Status::may_sign_in);
            AdminView {
                is_admin: true,
                is_active: active,
                is_disabled: !active,
                id: r.id,
                user_id: r.user_id,
                username: r.username,
                name: r.name,
                rank: Rank::parse(&r.rank).unwrap_or(Rank::Regular),
                registered_at: crate::clock::rfc3339(r.created_at),
            }
        })
        .collect();
    Ok(axum::Json(AdminsResponse { status: BatchStatus::Ok, admins }))
}

#[utoipa::path(post, path = "/v1/admins", tag = "admins", security(("session" = []), ("bearer" = [])), request_body = SetAdmins, responses((status = 200, description = "per-username results", body = BatchResult), (status = 400, description = "bad request", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Json(req): Json<SetAdmins>,
) -> ApiResult<axum::Json<BatchResult>> {
    let rank = req.rank.unwrap_or(Rank::Admin);
    if rank == Rank::Regular {
        return Err(ApiError::bad_request("rank: use DELETE /v1/admins to remove admin rights").with_field("rank"));
    }
    let change = change(&state, &caller, &account, &ip);
    batch(&state, &change, &req.usernames, rank, "Failed to set all usernames to admin.").await
}

#[utoipa::path(delete, path = "/v1/admins", tag = "admins", security(("session" = []), ("bearer" = [])), request_body = RemoveAdmins, responses((status = 200, description = "per-username results", body = BatchResult), (status = 400, description = "bad request", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Json(req): Json<RemoveAdmins>,
) -> ApiResult<axum::Json<BatchResult>> {
    let change = change(&state, &caller, &account, &ip);
    batch(&state, &change, &req.usernames, Rank::Regular, "Failed to unset all usernames from admin.").await
}

/// Who changes ranks, from where, and when (for the audit rows).
fn change<'a>(state: &AppState, caller: &'a Caller, account: &Account, ip: &'a str) -> Change<'a> {
    Change {
        site_id: account.site_id,
        actor_row: account.user_row,
        actor: &caller.username,
        source_ip: ip,
        now: state.clock.now(),
    }
}

/// Each username in its own transaction: one refusal never undoes another's change.
async fn batch(
    state: &AppState,
    change: &Change<'_>,
    usernames: &[String],
    rank: Rank,
    failed: &str,
) -> ApiResult<axum::Json<BatchResult>> {
    if usernames.is_empty() || usernames.len() > MAX_USERNAMES {
        let n = usernames.len();
        return Err(ApiError::bad_request(format!("usernames: {n} given, 1 to {MAX_USERNAMES} allowed"))
            .with_field("usernames"));
    }
    let mut updated = Vec::new();
    let mut error_details = BTreeMap::new();
    for username in usernames {
        let key = username.to_lowercase();
        let mut tx = crate::db::write(&state.db).await?;
        let row = ranks::person_by_username(&mut tx, change.site_id, &key).await?;
        let Some(row) = row else {
            let e = ApiError::not_found(format!("User ({username}) not found")).with_field("usernames");
            error_details.insert(username.clone(), e.item_error());
            continue;
        };
        match ranks::set(&mut tx, change, row, &key, rank).await {
            Ok(_) => {
                tx.commit().await?;
                updated.push(username.clone());
            }
            Err(SetError::Rule(e)) => {
                error_details.insert(username.clone(), ApiError::from(e).item_error());
            }
            Err(SetError::Db(e)) => return Err(e.into()),
        }
    }
    let ok = error_details.is_empty();
    Ok(axum::Json(BatchResult {
        status: if ok { BatchStatus::Ok } else { BatchStatus::Error },
        msg: (!ok).then(|| failed.to_owned()),
        updated,
        error_details,
    }))
}

/// One person's rank (Allthenticate's modifyrank): 403 for one's own, 409 for the last SUPER.
#[utoipa::path(put, path = "/v1/users/{id}/rank", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = SetRank, responses((status = 200, body = RankView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_one(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
    Json(req): Json<SetRank>,
) -> ApiResult<axum::Json<RankView>> {
    let change = change(&state, &caller, &account, &ip);
    let mut tx = crate::db::write(&state.db).await?;
    let changed = ranks::set(&mut tx, &change, id, &format!("user {id}"), req.rank).await?;
    tx.commit().await?;
    Ok(axum::Json(RankView { id, rank: req.rank, changed }))
}
