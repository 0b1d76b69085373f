//! Checking a username and password, for the browser and for scripts alike: throttled
//! per IP and per account, unknown user and wrong password answered the same, every
//! attempt audited (without the password).

use super::password::{Password, decoy_hash};
use super::throttle;
use crate::audit::{self, Entry};
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use proto::api::session::{AccountView, SiteRef};
use proto::domain::Rank;
use proto::domain::Status;

const WRONG: &str = "username or password is wrong";

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Login {
    pub id: i64,
    pub username: String,
    /// The password was set by someone else; the person should choose their own.
    pub must_change_password: bool,
}

pub async fn check(
    state: &AppState,
    username: &str,
    password: &Password,
    ip: &str,
    action: crate::audit::Action,
) -> Result<Login, ApiError> {
    let now = state.clock.now();
    // A name no login can have is refused alike, without writing anything.
    let Ok(key) = proto::domain::username::check(username) else {
        let _ = state.passwords.verify(password, decoy_hash().to_owned()).await;
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, WRONG));
    };
    let attempt = throttle::ip_attempt(&state.db, ip, now).await?.map_err(ApiError::too_many)?;
    match throttle::account_attempt(&state.db, &key, now).await {
        Ok(Ok(_)) => {}
        Ok(Err(wait)) => {
            throttle::ip_succeeded(&state.db, attempt).await; // refused before any check: not a failure
            return Err(ApiError::too_many(wait));
        }
        Err(e) => {
            throttle::ip_succeeded(&state.db, attempt).await;
            return Err(e.into());
        }
    }
    let found: Option<(i64, String, String, bool)> = sqlx::query_as(
        "SELECT id, username, password_hash, must_change_password FROM logins
         WHERE username = $1 AND disabled_at IS NULL",
    )
    .bind(&key)
    .fetch_optional(&state.db)
    .await?;
    // Verify against a decoy when the user is unknown, so both take as long.
    let hash = found.as_ref().map_or(decoy_hash(), |(_, _, h, _)| h.as_str()).to_owned();
    let password_ok = state.passwords.verify(password, hash).await.map_err(|e| {
        tracing::error!(error = %e, "password check failed");
        ApiError::internal()
    })?;
    let may_sign_in = match &found {
        Some((id, ..)) if password_ok => !accounts(state, *id).await?.is_empty(),
        _ => false,
    };
    match found {
        Some((id, username, _, must_change_password)) if may_sign_in => {
            throttle::account_succeeded(&state.db, &key).await?;
            throttle::ip_succeeded(&state.db, attempt).await;
            audit::record_alone(&state.db, now, Entry::new(None, &username, ip, action).target(&username)).await?;
            Ok(Login { id, username, must_change_password })
        }
        _ => {
            audit::record_alone(&state.db, now, Entry::new(None, &key, ip, action).target(&key).failed()).await?;
            Err(ApiError::new(StatusCode::UNAUTHORIZED, WRONG))
        }
    }
}

/// The site accounts of a login that may sign in, as `accounts/self` lists them.
pub async fn accounts(state: &AppState, login_id: i64) -> sqlx::Result<Vec<AccountView>> {
    let rows: Vec<(i64, String, i64, String, String, String)> = sqlx::query_as(
        "SELECT u.id, u.user_id, s.id, s.name, u.rank, u.status FROM users u JOIN sites s ON s.id = u.site_id
         WHERE u.login_id = $1 AND u.deleted_at IS NULL ORDER BY s.id",
    )
    .bind(login_id)
    .fetch_all(&state.db)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(.., status)| Status::parse(status).is_some_and(Status::may_sign_in))
        .map(|(id, user_id, site_id, site_name, rank, _)| AccountView {
            id,
            user_id,
            rank: Rank::parse(&rank).unwrap_or(Rank::Regular),
            site: SiteRef { id: site_id, name: site_name },
        })
        .collect())
}
