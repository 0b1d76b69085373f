//! Changing a person's console rank on a site: nobody changes their own, guests, service
//! accounts and deactivated people get none, and the last SUPER of a site stays SUPER.
//! A change ends the person's sessions on that site at once.

use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::session;
use crate::error::ApiError;
use axum::http::StatusCode;
use proto::domain::rank::{is_live_super, may_end_live_super};
use proto::domain::{Rank, Status};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RankError {
    #[error("nobody changes their own rank")]
    Own,
    #[error("{0} is the last SUPER of this site; make someone else SUPER first")]
    LastSuper(String),
    #[error("{0} is a guest; promote them to USER first")]
    Guest(String),
    #[error("{0} is a service account; service accounts have no rank")]
    Service(String),
    #[error("{0} is deactivated; reactivate them first")]
    Deactivated(String),
    #[error("{0} is not a person of this site")]
    NotFound(String),
}

impl From<RankError> for ApiError {
    fn from(e: RankError) -> Self {
        let status = match e {
            RankError::Own => StatusCode::FORBIDDEN,
            RankError::LastSuper(_) | RankError::Deactivated(_) => StatusCode::CONFLICT,
            RankError::Guest(_) | RankError::Service(_) => StatusCode::UNPROCESSABLE_ENTITY,
            RankError::NotFound(_) => StatusCode::NOT_FOUND,
        };
        ApiError::new(status, e.to_string()).with_field("rank")
    }
}

/// Who changes whose rank, for the audit row.
pub struct Change<'a> {
    pub site_id: i64,
    pub actor_row: i64,
    pub actor: &'a str,
    pub source_ip: &'a str,
    pub now: i64,
}

/// Sets the rank of user row `target` (named `label` in messages); returns whether it changed.
pub async fn set(
    tx: &mut crate::db::Conn,
    c: &Change<'_>,
    target: i64,
    label: &str,
    rank: Rank,
) -> Result<bool, SetError> {
    let row: Option<(String, String, String, bool)> =
        sqlx::query_as("SELECT rank, tag, status, is_service FROM users WHERE id = $1 AND site_id = $2")
            .bind(target)
            .bind(c.site_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((old, tag, status, is_service)) = row else { return Err(RankError::NotFound(label.into()).into()) };
    let old = Rank::parse(&old).unwrap_or(Rank::Regular);
    if target == c.actor_row {
        return Err(RankError::Own.into());
    }
    if old == rank {
        return Ok(false);
    }
    if is_service {
        return Err(RankError::Service(label.into()).into());
    }
    if rank != Rank::Regular && tag == "GUEST" {
        return Err(RankError::Guest(label.into()).into());
    }
    if rank != Rank::Regular && status == Status::Deactivated.as_str() {
        return Err(RankError::Deactivated(label.into()).into());
    }
    let status = Status::parse(&status).unwrap_or(Status::Deactivated);
    if is_live_super(old, status) && !may_end_live_super(live_supers(tx, c.site_id).await?) {
        return Err(RankError::LastSuper(label.into()).into());
    }
    sqlx::query("UPDATE users SET rank = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(rank.as_str())
        .bind(c.now)
        .bind(target)
        .execute(&mut *tx)
        .await?;
    // Demotions take effect at once; promotions are harmless to keep, but a fresh sign-in
    // keeps the rule simple: any rank change ends the person's sessions on this site.
    session::revoke_account(&mut *tx, c.site_id, target, c.now).await?;
    let entry = Entry::new(Some(c.site_id), c.actor, c.source_ip, Action::UserRank)
        .target(label)
        .before(serde_json::json!({"rank": old}))
        .after(serde_json::json!({"rank": rank}));
    audit::record(tx, c.now, entry).await?;
    Ok(true)
}

/// How many live SUPERs (rank SUPER, may sign in) the site has; the last-SUPER rule
/// ([`proto::domain::rank::may_end_live_super`]) decides with this count.
pub async fn live_supers(tx: &mut crate::db::Conn, site_id: i64) -> sqlx::Result<u64> {
    let sql = format!(
        // `rank <> 'REGULAR'` lets SQLite use the partial index of admins (users_site_admins)
        // instead of scanning the site: this runs on every status change.
        "SELECT COUNT(*) FROM users WHERE site_id = $1 AND rank <> 'REGULAR' AND rank = 'SUPER' AND status IN {}
         AND deleted_at IS NULL",
        crate::db::status_list(Status::may_sign_in)
    );
    let n: i64 = sqlx::query_scalar(&sql).bind(site_id).fetch_one(&mut *tx).await?;
    Ok(u64::try_from(n).unwrap_or_default())
}

#[derive(Debug, thiserror::Error)]
pub enum SetError {
    #[error(transparent)]
    Rule(#[from] RankError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<SetError> for ApiError {
    fn from(e: SetError) -> Self {
        match e {
            SetError::Rule(r) => r.into(),
            SetError::Db(d) => d.into(),
        }
    }
}

/// A person of a site with a rank above REGULAR.
#[derive(sqlx::FromRow)]
pub struct AdminRow {
    pub id: i64,
    pub user_id: String,
    pub username: Option<String>,
    pub name: String,
    pub rank: String,
    pub status: String,
    pub created_at: i64,
}

/// The site's admins and SUPERs, in directory-ID order.
pub async fn admins(db: &crate::db::Db, site_id: i64) -> sqlx::Result<Vec<AdminRow>> {
    sqlx::query_as(
        "SELECT u.id, u.user_id, l.username, u.name, u.rank, u.status, u.created_at
         FROM users u LEFT JOIN logins l ON l.id = u.login_id
         WHERE u.site_id = $1 AND u.rank <> 'REGULAR' AND u.deleted_at IS NULL ORDER BY u.id",
    )
    .bind(site_id)
    .fetch_all(db)
    .await
}

/// The person of a site with this (lower-case) username, login or not.
pub async fn person_by_username(db: &mut crate::db::Conn, site_id: i64, username: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM users WHERE username = $1 AND site_id = $2 AND deleted_at IS NULL")
        .bind(username)
        .bind(site_id)
        .fetch_optional(db)
        .await
}
