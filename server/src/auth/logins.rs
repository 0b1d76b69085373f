//! Console logins: the username and password a person signs in with. Every administrator
//! and every self-service person has one; an admin gives or resets it within the rank
//! rules, and may disable it without deleting the person.

use crate::db::Db;
use proto::domain::{Rank, Status};

/// What a person of a site has for signing in.
#[derive(Debug, Clone)]
pub struct Holder {
    pub user_row: i64,
    pub user_id: String,
    pub username: Option<String>,
    pub login_id: Option<i64>,
    pub rank: Rank,
}

#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("user {0}: no such person in this site")]
    NotFound(i64),
    #[error("username: user {0} has no username; give them one first")]
    NoUsername(String),
    #[error("username: {0:?} already signs in as someone else")]
    Taken(String),
    #[error("user {0}: has no console sign-in")]
    NoLogin(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The live (not deleted) person `id` of a site and their login, if any.
pub async fn holder(db: &mut crate::db::Conn, site_id: i64, id: i64) -> Result<Holder, LoginError> {
    let row: Option<(String, Option<String>, Option<i64>, String)> = sqlx::query_as(
        "SELECT user_id, username, login_id, rank FROM users WHERE id = $1 AND site_id = $2 AND deleted_at IS NULL",
    )
    .bind(id)
    .bind(site_id)
    .fetch_optional(&mut *db)
    .await?;
    let (user_id, username, login_id, rank) = row.ok_or(LoginError::NotFound(id))?;
    Ok(Holder { user_row: id, user_id, username, login_id, rank: Rank::parse(&rank).unwrap_or(Rank::Super) })
}

/// The ranks of login `login` on each site where it has a live account, with the rank the
/// acting person (login `actor_login` or person `actor_row`) holds there, if any live one.
pub async fn ranks_where_held(
    db: &mut crate::db::Conn,
    login: i64,
    actor_login: Option<i64>,
    actor_row: i64,
) -> sqlx::Result<Vec<(i64, Rank, Option<Rank>)>> {
    let sql = format!(
        "SELECT t.site_id, t.rank, a.rank FROM users t
         LEFT JOIN users a ON a.site_id = t.site_id AND (a.login_id = $2 OR a.id = $3)
              AND a.deleted_at IS NULL AND a.status IN {}
         WHERE t.login_id = $1 AND t.deleted_at IS NULL",
        crate::db::status_list(Status::may_sign_in)
    );
    let rows: Vec<(i64, String, Option<String>)> =
        sqlx::query_as(&sql).bind(login).bind(actor_login).bind(actor_row).fetch_all(&mut *db).await?;
    Ok(rows
        .into_iter()
        .map(|(site, target, actor)| {
            (site, Rank::parse(&target).unwrap_or(Rank::Super), actor.as_deref().and_then(Rank::parse))
        })
        .collect())
}

/// Sets a new password hash for a login and enables it; `by_someone_else` asks its owner
/// to choose their own at the next sign-in.
pub async fn set_password(
    tx: &mut crate::db::Conn,
    login: i64,
    hash: &str,
    by_someone_else: bool,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE logins SET password_hash = $1, password_changed_at = $2, must_change_password = $3, disabled_at = NULL
         WHERE id = $4",
    )
    .bind(hash)
    .bind(now)
    .bind(by_someone_else)
    .bind(login)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// Gives person `user_row` a login under their username; the password must be changed.
pub async fn create(
    tx: &mut crate::db::Conn,
    user_row: i64,
    username: &str,
    hash: &str,
    now: i64,
) -> Result<i64, LoginError> {
    let login: Option<i64> = sqlx::query_scalar(
        "INSERT INTO logins (username, password_hash, password_changed_at, created_at, must_change_password)
         VALUES ($1, $2, $3, $3, TRUE) ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(username)
    .bind(hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let login = login.ok_or_else(|| LoginError::Taken(username.to_owned()))?;
    sqlx::query("UPDATE users SET login_id = $1 WHERE id = $2").bind(login).bind(user_row).execute(&mut *tx).await?;
    Ok(login)
}

/// Disables a login: it can no longer sign in until a password is set again.
pub async fn disable(tx: &mut crate::db::Conn, login: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE logins SET disabled_at = $1 WHERE id = $2 AND disabled_at IS NULL")
        .bind(now)
        .bind(login)
        .execute(&mut *tx)
        .await?;
    Ok(())
}

/// The stored hash of a login's password.
pub async fn password_hash(db: &Db, login: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT password_hash FROM logins WHERE id = $1").bind(login).fetch_one(db).await
}

/// Whether the login's password was set by someone else and not yet replaced.
pub async fn must_change_password(db: &Db, login: i64) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT must_change_password FROM logins WHERE id = $1").bind(login).fetch_one(db).await
}
