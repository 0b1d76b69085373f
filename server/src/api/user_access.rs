//! An admin's hold on another person's sign-in: reset their password, end their sessions.
//!
//! A login may hold accounts on several sites, so a reset reaches all of them: it is
//! allowed only where the admin outranks the person on every one of those sites (a SUPER
//! may reset anyone below or at SUPER, an ADMIN only REGULAR people).

use crate::audit::{self, Entry};
use crate::auth::caller::{OnSite, SourceIp};
use crate::auth::password::Password;
use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::json::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use proto::domain::Rank;
use serde::Deserialize;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ResetPassword {
    #[schema(value_type = String)]
    pub new_password: Password,
}

/// The login behind user row `id` of this site.
async fn login_of(state: &AppState, site_id: i64, id: i64) -> ApiResult<(i64, String)> {
    let found: Option<(Option<i64>, Option<String>)> = sqlx::query_as(
        "SELECT u.login_id, l.username FROM users u LEFT JOIN logins l ON l.id = u.login_id WHERE u.id = $1 AND u.site_id = $2",
    )
    .bind(id)
    .bind(site_id)
    .fetch_optional(&state.db)
    .await?;
    match found {
        None => Err(ApiError::not_found(format!("user {id}: not a person of this site"))),
        Some((Some(login), Some(username))) => Ok((login, username)),
        Some(_) => Err(ApiError::conflict(format!("user {id}: has no console sign-in"))),
    }
}

/// Whether the caller (login `admin_login`) outranks login `target` on each of its sites.
async fn may_manage(state: &AppState, admin_login: Option<i64>, admin_row: i64, target: i64) -> ApiResult<()> {
    let accounts: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT t.site_id, t.rank, a.rank FROM users t
         LEFT JOIN users a ON a.site_id = t.site_id AND (a.login_id = $2 OR a.id = $3)
         WHERE t.login_id = $1",
    )
    .bind(target)
    .bind(admin_login)
    .bind(admin_row)
    .fetch_all(&state.db)
    .await?;
    for (site_id, target_rank, admin_rank) in accounts {
        let target_rank = Rank::parse(&target_rank).unwrap_or(Rank::Super);
        let allowed = match admin_rank.as_deref().and_then(Rank::parse) {
            Some(Rank::Super) => true,
            Some(Rank::Admin) => target_rank == Rank::Regular,
            _ => false,
        };
        if !allowed {
            return Err(ApiError::forbidden(format!(
                "this person is {target_rank} on site {site_id}; you do not outrank them there"
            )));
        }
    }
    Ok(())
}

#[utoipa::path(put, path = "/v1/users/{id}/password", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = ResetPassword, responses((status = 204, description = "reset; every session of that person ended"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
    Json(req): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    let (login, username) = login_of(&state, account.site_id, id).await?;
    if Some(login) == caller.login_id {
        return Err(ApiError::forbidden("change your own password with PUT /v1/password and the old one"));
    }
    may_manage(&state, caller.login_id, account.user_row, login).await?;
    req.new_password.check_policy().map_err(|e| ApiError::from_policy(&e).with_field("new_password"))?;
    let hash = req.new_password.hash().map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        ApiError::internal()
    })?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE logins SET password_hash = $1, password_changed_at = $2 WHERE id = $3")
        .bind(hash)
        .bind(now)
        .bind(login)
        .execute(&mut *tx)
        .await?;
    let ended = session::revoke_login(&mut *tx, login, None, now).await?;
    let entry = Entry::new(Some(account.site_id), &caller.username, &ip, "password.reset")
        .target(&username)
        .after(serde_json::json!({"sessions_ended": ended}));
    audit::record(&mut *tx, now, entry).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SessionsEnded {
    pub sessions_ended: u64,
}

#[utoipa::path(delete, path = "/v1/users/{id}/sessions", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = SessionsEnded), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<SessionsEnded>> {
    let (login, username) = login_of(&state, account.site_id, id).await?;
    may_manage(&state, caller.login_id, account.user_row, login).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let ended = session::revoke_account(&mut *tx, id, now).await?;
    let entry = Entry::new(Some(account.site_id), &caller.username, &ip, "sessions.end")
        .target(&username)
        .after(serde_json::json!({"sessions_ended": ended}));
    audit::record(&mut *tx, now, entry).await?;
    tx.commit().await?;
    Ok(axum::Json(SessionsEnded { sessions_ended: ended }))
}
