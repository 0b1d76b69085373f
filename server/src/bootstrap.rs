//! No default accounts: the first SUPER comes from a one-time bootstrap code printed at
//! first start (single use, 60 minutes), or from `LINTEL_BOOTSTRAP_ADMIN`.

use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::password::Password;
use crate::auth::secret::{Secret, grouped_code};
use crate::db::Db;
use crate::directory::person_write::search_text;
use crate::sites;
use proto::domain::PersonFields;

pub const CODE_LIFETIME_SECS: i64 = 60 * 60;

pub async fn has_super<'e, E: crate::db::Executor<'e>>(db: E) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE rank <> 'REGULAR' AND rank = 'SUPER' AND deleted_at IS NULL",
    )
    .fetch_one(db)
    .await?;
    Ok(n > 0)
}

/// Used and expired codes are of no use; they are deleted.
pub async fn purge_codes(db: &Db, now: i64) -> sqlx::Result<u64> {
    let _turn = crate::db::turn(db).await;
    let done = sqlx::query("DELETE FROM bootstrap_codes WHERE used_at IS NOT NULL OR expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Issues a fresh code (earlier unused ones stop working) and returns it to be printed.
pub async fn issue_code(db: &Db, now: i64) -> sqlx::Result<Secret> {
    let code = grouped_code();
    let mut tx = crate::db::write(db).await?;
    sqlx::query("UPDATE bootstrap_codes SET used_at = $1 WHERE used_at IS NULL").bind(now).execute(&mut *tx).await?;
    sqlx::query("INSERT INTO bootstrap_codes (code_hash, created_at, expires_at) VALUES ($1, $2, $3)")
        .bind(code.hash())
        .bind(now)
        .bind(now + CODE_LIFETIME_SECS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(code)
}

#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    #[error("the bootstrap code is wrong, used or expired")]
    BadCode,
    #[error("this installation already has a SUPER")]
    AlreadyDone,
    #[error("username {0:?} is taken")]
    Taken(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] anyhow::Error),
}

/// Creates the first SUPER: a login with a SUPER account on every site. With `code`, the
/// code is consumed in the same transaction.
pub async fn create_first_super(
    db: &Db,
    hasher: &crate::auth::password::Hasher,
    code: Option<&Secret>,
    username: &str,
    password: &Password,
    source_ip: &str,
    now: i64,
) -> Result<i64, BootstrapError> {
    // Cheap refusals first: no Argon2 work for a request that cannot succeed.
    if has_super(db).await? {
        return Err(BootstrapError::AlreadyDone);
    }
    if let Some(code) = code {
        let live: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM bootstrap_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > $2",
        )
        .bind(code.hash())
        .bind(now)
        .fetch_optional(db)
        .await?;
        if live.is_none() {
            return Err(BootstrapError::BadCode);
        }
    }
    let hash = hasher.hash(password).await?;
    let mut tx = crate::db::write(db).await?;
    if has_super(&mut *tx).await? {
        return Err(BootstrapError::AlreadyDone);
    }
    if let Some(code) = code {
        let used = sqlx::query(
            "UPDATE bootstrap_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $1",
        )
        .bind(now)
        .bind(code.hash())
        .execute(&mut *tx)
        .await?;
        if used.rows_affected() != 1 {
            return Err(BootstrapError::BadCode);
        }
    }
    let login_id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO logins (username, password_hash, password_changed_at, created_at) VALUES ($1, $2, $3, $3)
         ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(username)
    .bind(&hash)
    .bind(now)
    .fetch_optional(&mut *tx)
    .await?;
    let login_id = login_id.ok_or_else(|| BootstrapError::Taken(username.to_owned()))?;
    let site_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM sites ORDER BY id").fetch_all(&mut *tx).await?;
    for site_id in site_ids {
        let user_id = sites::next_user_id(&mut tx, site_id).await?;
        let text =
            search_text(&PersonFields { name: username.into(), username: Some(username.into()), ..Default::default() });
        let row: i64 = sqlx::query_scalar(
            "INSERT INTO users (site_id, login_id, user_id, name, username, search_text, rank, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4, $5, 'SUPER', $6, $6) RETURNING id",
        )
        .bind(site_id)
        .bind(login_id)
        .bind(&user_id)
        .bind(username)
        .bind(&text)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        crate::db::search::add(&mut tx, row, row).await?;
        let after = serde_json::json!({"username": username, "user_id": user_id, "rank": "SUPER"});
        let how = if code.is_some() { "bootstrap code" } else { "LINTEL_BOOTSTRAP_ADMIN" };
        let entry =
            Entry::new(Some(site_id), how, source_ip, Action::BootstrapCreateSuper).target(username).after(after);
        audit::record(&mut tx, now, entry).await?;
    }
    tx.commit().await?;
    Ok(login_id)
}
