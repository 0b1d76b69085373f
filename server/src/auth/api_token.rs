//! API tokens for integrations: each belongs to a service account (a person of the site
//! with no password and no door access), carries scopes and an expiry, is shown once and
//! stored as its SHA-256.

use super::caller::{Account, Caller, Via};
use super::secret::Secret;
use crate::db::Db;
use proto::api::Scope;
use proto::domain::Rank;

pub const PREFIX: &str = "ltk_";
/// Lifetime limits, in days.
pub const MAX_DAYS: i64 = 365;
pub const DEFAULT_DAYS: i64 = 90;

pub async fn identify(db: &Db, secret: &Secret, now: i64) -> sqlx::Result<Option<Caller>> {
    let row: Option<(i64, String, String, i64, i64, String, String)> = sqlx::query_as(
        "SELECT t.id, t.name, t.scopes, t.user_row, t.site_id, s.name, u.user_id
         FROM api_tokens t JOIN sites s ON s.id = t.site_id JOIN users u ON u.id = t.user_row
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
         AND u.deleted_at IS NULL AND u.status NOT IN ('SUSPENDED', 'DEACTIVATED')",
    )
    .bind(secret.hash())
    .bind(now)
    .fetch_optional(db)
    .await?;
    let Some((token_id, name, scopes, user_row, site_id, site_name, user_id)) = row else { return Ok(None) };
    sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2").bind(now).bind(token_id).execute(db).await?;
    let scopes = scopes.split_whitespace().filter_map(Scope::parse).collect();
    Ok(Some(Caller {
        via: Via::ApiToken { token_id, scopes },
        login_id: None,
        username: format!("token:{name}"),
        account: Some(Account { user_row, site_id, site_name, user_id, rank: Rank::Regular }),
    }))
}
