//! Changing one's own password (with the old one). Every other session of the login ends.

use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::caller::{Signed, SourceIp};
use crate::auth::logins;
use crate::auth::password;
use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::session::ChangePassword;

#[utoipa::path(put, path = "/v1/password", tag = "sign-in", security(("session" = []), ("bearer" = [])), request_body = ChangePassword, responses((status = 204, description = "changed; every other session ended"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn change_own(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Signed(caller): Signed,
    Json(req): Json<ChangePassword>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let (login_id, session_id) = caller.login()?;
    let hash = logins::password_hash(&state.db, login_id).await?;
    let matches = state.passwords.verify(&req.old_password, hash).await.map_err(|e| {
        tracing::error!(error = %e, "password check failed");
        ApiError::internal()
    })?;
    if !matches {
        let entry = Entry::new(caller.site_id(), &caller.username, &ip, Action::PasswordChange)
            .target(&caller.username)
            .failed();
        audit::record_alone(&state.db, now, entry).await?;
        return Err(ApiError::forbidden("old_password: does not match").with_field("old_password"));
    }
    password::check_policy(&req.new_password).map_err(|e| ApiError::from_policy(&e).with_field("new_password"))?;
    let new_hash = state.passwords.hash(&req.new_password).await.map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        ApiError::internal()
    })?;
    let mut tx = crate::db::write(&state.db).await?;
    logins::set_password(&mut tx, login_id, &new_hash, false, now).await?;
    let ended = session::revoke_login(&mut *tx, login_id, Some(session_id), now).await?;
    let entry = Entry::new(caller.site_id(), &caller.username, &ip, Action::PasswordChange)
        .target(&caller.username)
        .after(serde_json::json!({"other_sessions_ended": ended}));
    audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
