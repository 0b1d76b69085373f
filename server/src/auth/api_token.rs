//! API tokens for integrations: each belongs to a service account (a person of the site
//! with no password and no door access), carries scopes and an expiry, is shown once and
//! stored as its SHA-256.

use super::caller::{Account, Caller, Via};
use super::secret::Secret;
use crate::db::Db;
use proto::api::Scope;
use proto::domain::Rank;
use proto::domain::Status;
use std::sync::LazyLock;

pub const PREFIX: &str = "ltk_";
/// Lifetime limits, in days.
pub const MAX_DAYS: i64 = 365;
pub const DEFAULT_DAYS: i64 = 90;
/// How stale the recorded last use may get.
const LAST_USED_EVERY_SECS: i64 = 60;

/// A live token of a service account that may act (its status lets it sign in).
static IDENTIFY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT t.id AS token_id, t.name, t.scopes, t.user_row, t.site_id, s.name AS site_name, u.user_id, t.last_used_at
         FROM api_tokens t JOIN sites s ON s.id = t.site_id JOIN users u ON u.id = t.user_row
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
         AND u.deleted_at IS NULL AND u.status IN {}",
        crate::db::status_list(Status::may_sign_in)
    )
});

#[derive(sqlx::FromRow)]
struct LiveToken {
    token_id: i64,
    name: String,
    scopes: String,
    user_row: i64,
    site_id: i64,
    site_name: String,
    user_id: String,
    last_used_at: Option<i64>,
}

pub async fn identify(db: &Db, secret: &Secret, now: i64) -> sqlx::Result<Option<Caller>> {
    let row: Option<LiveToken> =
        sqlx::query_as(IDENTIFY.as_str()).bind(secret.hash()).bind(now).fetch_optional(db).await?;
    let Some(LiveToken { token_id, name, scopes, user_row, site_id, site_name, user_id, last_used_at }) = row else {
        return Ok(None);
    };
    // "Last used" to the minute: a script's every call need not be a database write.
    if last_used_at.is_none_or(|at| now - at >= LAST_USED_EVERY_SECS) {
        let _turn = crate::db::turn(db).await;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token_id)
            .execute(db)
            .await?;
    }
    let scopes = scopes.split_whitespace().filter_map(Scope::parse).collect();
    Ok(Some(Caller {
        via: Via::ApiToken { token_id, scopes },
        login_id: None,
        username: format!("token:{name}"),
        account: Some(Account { user_row, site_id, site_name, user_id, rank: Rank::Regular }),
    }))
}

/// A token about to be made.
pub struct NewToken<'a> {
    pub name: &'a str,
    /// Space-separated.
    pub scopes: &'a str,
    pub expires_at: i64,
    /// The admin's person.
    pub created_by: i64,
}

/// Makes the token's service account (user ID `user_id`) and the token; returns its ID.
pub async fn create(
    tx: &mut crate::db::Conn,
    site_id: i64,
    user_id: &str,
    new: &NewToken<'_>,
    secret: &Secret,
    now: i64,
) -> sqlx::Result<i64> {
    let service_row: i64 = sqlx::query_scalar(
        "INSERT INTO users (site_id, user_id, name, is_service, created_at, updated_at) VALUES ($1, $2, $3, TRUE, $4, $4) RETURNING id",
    )
    .bind(site_id)
    .bind(user_id)
    .bind(format!("service: {}", new.name))
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query_scalar(
        "INSERT INTO api_tokens (site_id, user_row, name, scopes, token_hash, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(site_id)
    .bind(service_row)
    .bind(new.name)
    .bind(new.scopes)
    .bind(secret.hash())
    .bind(new.created_by)
    .bind(now)
    .bind(new.expires_at)
    .fetch_one(&mut *tx)
    .await
}

/// A site's token as listed (never its secret).
#[derive(sqlx::FromRow)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub scopes: String,
    pub service_user_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Every token of a site, oldest first.
pub async fn list(db: &Db, site_id: i64) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT t.id, t.name, t.scopes, u.user_id AS service_user_id, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
         FROM api_tokens t JOIN users u ON u.id = t.user_row WHERE t.site_id = $1 ORDER BY t.id",
    )
    .bind(site_id)
    .fetch_all(db)
    .await
}

/// Revokes a live token of a site; returns its name (`None`: no such live token).
pub async fn revoke(tx: &mut crate::db::Conn, site_id: i64, id: i64, now: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND site_id = $3 AND revoked_at IS NULL RETURNING name",
    )
    .bind(now)
    .bind(id)
    .bind(site_id)
    .fetch_optional(tx)
    .await
}
