//! `GET /v1/sessions`, `DELETE /v1/sessions/{id}`: one's own sign-ins, to see and end them.

use crate::auth::caller::Signed;
use crate::auth::session;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::session::{SessionKind, SessionList, SessionRow};

#[utoipa::path(get, path = "/v1/sessions", tag = "sign-in", security(("session" = []), ("bearer" = [])), responses((status = 200, body = SessionList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, Signed(caller): Signed) -> ApiResult<axum::Json<SessionList>> {
    let (login, current) = caller.login()?;
    let now = state.clock.now();
    let rows = session::live_of_login(&state.db, login, now).await?;
    let sessions = rows
        .into_iter()
        .map(|(id, kind, source_ip, created, seen, expires)| SessionRow {
            id,
            kind: if kind == "cookie" { SessionKind::Cookie } else { SessionKind::Bearer },
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
    if !session::revoke_own(&state.db, login, id, state.clock.now()).await? {
        return Err(ApiError::not_found(format!("session {id}: no such live session of yours")));
    }
    Ok(StatusCode::NO_CONTENT)
}
