//! An admin's hold on another person's sign-in: give or reset their password, disable
//! their login, end their sessions.
//!
//! A login may hold accounts on several sites, so a reset reaches all of them: it is
//! allowed only where the admin outranks the person on every one of those sites (a SUPER
//! may reset anyone below or at SUPER, an ADMIN only REGULAR people).

use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::caller::{Account, Caller, OnSite, SourceIp};
use crate::auth::logins::{self, Holder, LoginError};
use crate::auth::password;
use crate::auth::session;
use crate::db;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::session::{ResetPassword, SessionsEnded};

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        match e {
            LoginError::NotFound(_) => ApiError::not_found(e.to_string()),
            LoginError::NoUsername(_) => ApiError::conflict(e.to_string()).with_field("username"),
            LoginError::Taken(_) => ApiError::conflict(e.to_string()).with_field("username"),
            LoginError::NoLogin(_) => ApiError::conflict(e.to_string()),
            LoginError::Db(e) => e.into(),
        }
    }
}

/// Whether the caller may manage `holder`'s sign-in: never their own (that takes the old
/// password), and only where they outrank the person — on every site the login reaches.
async fn may_manage(tx: &mut crate::db::Conn, caller: &Caller, account: &Account, holder: &Holder) -> ApiResult<()> {
    if holder.user_row == account.user_row || (holder.login_id.is_some() && holder.login_id == caller.login_id) {
        return Err(ApiError::forbidden("change your own password with PUT /v1/password and the old one"));
    }
    let ranks = match holder.login_id {
        Some(login) => logins::ranks_where_held(tx, login, caller.login_id, account.user_row).await?,
        None => vec![(account.site_id, holder.rank, Some(account.rank))],
    };
    for (site_id, target_rank, actor_rank) in ranks {
        if !actor_rank.is_some_and(|r| r.may_manage(target_rank)) {
            return Err(ApiError::forbidden(format!(
                "this person is {target_rank} on site {site_id}; you do not outrank them there"
            )));
        }
    }
    Ok(())
}

#[utoipa::path(put, path = "/v1/users/{id}/password", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body = ResetPassword, description = "Gives a person with a username a console login, or resets it (and enables it again). Every session of that person ends; they are asked to choose their own password at the next sign-in.", responses((status = 204, description = "set; every session of that person ended"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "no username, or the username signs in as someone else", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn reset_password(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
    Json(req): Json<ResetPassword>,
) -> ApiResult<StatusCode> {
    {
        let mut db = state.db.acquire().await?;
        let holder = logins::holder(&mut db, account.site_id, id).await?;
        may_manage(&mut db, &caller, &account, &holder).await?;
    }
    password::check_policy(&req.new_password).map_err(|e| ApiError::from_policy(&e).with_field("new_password"))?;
    let hash = state.passwords.hash(&req.new_password).await.map_err(|e| {
        tracing::error!(error = %e, "hashing failed");
        ApiError::internal()
    })?;
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    // Read again under the write lock: the person may have changed while the hash ran.
    let holder = logins::holder(&mut tx, account.site_id, id).await?;
    may_manage(&mut tx, &caller, &account, &holder).await?;
    let (action, login, ended) = match holder.login_id {
        Some(login) => {
            logins::set_password(&mut tx, login, &hash, true, now).await?;
            (Action::PasswordReset, login, session::revoke_login(&mut *tx, login, None, now).await?)
        }
        None => {
            let username = holder.username.clone().ok_or_else(|| LoginError::NoUsername(holder.user_id.clone()))?;
            (Action::LoginCreate, logins::create(&mut tx, id, &username, &hash, now).await?, 0)
        }
    };
    let entry = Entry::new(Some(account.site_id), &caller.username, &ip, action)
        .target(&holder.user_id)
        .after(serde_json::json!({"login_id": login, "sessions_ended": ended}));
    audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/users/{id}/password", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), description = "Disables a person's console login without deleting them; every session ends. PUT a password to enable it again.", responses((status = 204, description = "disabled; every session of that person ended"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "the person has no console sign-in", body = crate::error::ErrorBody)))]
pub async fn disable_login(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let holder = logins::holder(&mut tx, account.site_id, id).await?;
    may_manage(&mut tx, &caller, &account, &holder).await?;
    let login = holder.login_id.ok_or_else(|| LoginError::NoLogin(holder.user_id.clone()))?;
    logins::disable(&mut tx, login, now).await?;
    let ended = session::revoke_login(&mut *tx, login, None, now).await?;
    let entry = Entry::new(Some(account.site_id), &caller.username, &ip, Action::LoginDisable)
        .target(&holder.user_id)
        .after(serde_json::json!({"sessions_ended": ended}));
    audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/users/{id}/sessions", tag = "admins", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, body = SessionsEnded), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody)))]
pub async fn end_sessions(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<axum::Json<SessionsEnded>> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let holder = logins::holder(&mut tx, account.site_id, id).await?;
    may_manage(&mut tx, &caller, &account, &holder).await?;
    let ended = session::revoke_account(&mut tx, account.site_id, id, now).await?;
    let entry = Entry::new(Some(account.site_id), &caller.username, &ip, Action::SessionsEnd)
        .target(&holder.user_id)
        .after(serde_json::json!({"sessions_ended": ended}));
    audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    Ok(axum::Json(SessionsEnded { sessions_ended: ended }))
}
