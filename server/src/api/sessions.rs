//! `GET /v1/sessions`, `DELETE /v1/sessions/{id}`: one's own sign-ins, to see and end them.

use crate::auth::caller::Signed;
use crate::auth::session::COOKIE_IDLE_SECS;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionRow {
    pub id: i64,
    /// `cookie` (a browser) or `bearer` (a script).
    pub kind: String,
    pub source_ip: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    pub current: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionRow>,
}

#[utoipa::path(get, path = "/v1/sessions", tag = "sign-in", security(("session" = []), ("bearer" = [])), responses((status = 200, body = SessionList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, Signed(caller): Signed) -> ApiResult<axum::Json<SessionList>> {
    let (login, current) = caller.login()?;
    let now = state.clock.now();
    let rows: Vec<(i64, String, Option<String>, i64, i64, i64)> = sqlx::query_as(
        "SELECT id, kind, source_ip, created_at, last_seen_at, expires_at FROM sessions
         WHERE login_id = $1 AND revoked_at IS NULL AND expires_at > $2
           AND (kind = 'bearer' OR last_seen_at > $3)
         ORDER BY id DESC",
    )
    .bind(login)
    .bind(now)
    .bind(now - COOKIE_IDLE_SECS)
    .fetch_all(&state.db)
    .await?;
    let sessions = rows
        .into_iter()
        .map(|(id, kind, source_ip, created, seen, expires)| SessionRow {
            id,
            kind,
            source_ip,
            created_at: rfc3339(created),
            last_seen_at: rfc3339(seen),
            expires_at: rfc3339(expires),
            current: id == current,
        })
        .collect();
    Ok(axum::Json(SessionList { sessions }))
}

#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "sign-in", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 204, description = "ended"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn end(State(state): State<AppState>, Signed(caller): Signed, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let (login, _) = caller.login()?;
    let done =
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND login_id = $3 AND revoked_at IS NULL")
            .bind(state.clock.now())
            .bind(id)
            .bind(login)
            .execute(&state.db)
            .await?;
    if done.rows_affected() == 0 {
        return Err(ApiError::not_found(format!("session {id}: no such live session of yours")));
    }
    Ok(StatusCode::NO_CONTENT)
}
