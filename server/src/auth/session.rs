//! Sessions: a browser's cookie or a script's bearer token from `/v1/login`. The secret is
//! 32 random bytes; only its SHA-256 is stored.

use super::secret::Secret;
use crate::db::Db;
use std::collections::HashSet;

/// A cookie session ends after 30 minutes without use ...
pub const COOKIE_IDLE_SECS: i64 = 30 * 60;
/// ... and 12 hours after sign-in, whatever happens.
pub const COOKIE_ABSOLUTE_SECS: i64 = 12 * 60 * 60;
/// Bearer tokens from `/v1/login` live one hour; scripts sign in again.
pub const BEARER_SECS: i64 = 60 * 60;
/// `last_seen_at` is written at most this often, to keep reads cheap.
const TOUCH_EVERY_SECS: i64 = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cookie,
    Bearer,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Cookie => "cookie",
            Kind::Bearer => "bearer",
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub kind: String,
    pub login_id: i64,
    pub user_row: Option<i64>,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// The login's username.
    pub username: String,
    /// The site account it acts as, read in the same query: (site_id, site name, user_id,
    /// rank, status), when that person still exists.
    #[sqlx(flatten)]
    pub account: AccountRow,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountRow {
    pub site_id: Option<i64>,
    pub site_name: Option<String>,
    pub user_id: Option<String>,
    pub rank: Option<String>,
    pub status: Option<String>,
}

pub async fn create(
    db: &Db,
    kind: Kind,
    login_id: i64,
    user_row: Option<i64>,
    ip: &str,
    now: i64,
) -> sqlx::Result<(Secret, i64)> {
    let lifetime = match kind {
        Kind::Cookie => COOKIE_ABSOLUTE_SECS,
        Kind::Bearer => BEARER_SECS,
    };
    insert(db, kind, login_id, user_row, None, ip, now, now + lifetime).await
}

/// A site-scoped bearer token minted from bearer session `parent`: it ends when the parent
/// ends (revoked: [`find`] checks; expired: it never outlives it). Returns it and its end.
pub async fn create_child(db: &Db, parent_id: i64, user_row: i64, ip: &str, now: i64) -> sqlx::Result<(Secret, i64)> {
    let (login_id, parent_ends): (i64, i64) =
        sqlx::query_as("SELECT login_id, expires_at FROM sessions WHERE id = $1").bind(parent_id).fetch_one(db).await?;
    let expires_at = (now + BEARER_SECS).min(parent_ends);
    let (secret, _) = insert(db, Kind::Bearer, login_id, Some(user_row), Some(parent_id), ip, now, expires_at).await?;
    Ok((secret, expires_at))
}

#[allow(clippy::too_many_arguments)]
async fn insert(
    db: &Db,
    kind: Kind,
    login_id: i64,
    user_row: Option<i64>,
    parent_id: Option<i64>,
    ip: &str,
    now: i64,
    expires_at: i64,
) -> sqlx::Result<(Secret, i64)> {
    let prefix = match kind {
        Kind::Cookie => "lts_",
        Kind::Bearer => "ltb_",
    };
    let secret = Secret::generate(prefix);
    let _turn = crate::db::turn(db).await;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, kind, login_id, user_row, parent_id, source_ip, created_at, last_seen_at,
                               expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING id",
    )
    .bind(secret.hash())
    .bind(kind.as_str())
    .bind(login_id)
    .bind(user_row)
    .bind(parent_id)
    .bind(ip)
    .bind(now)
    .bind(expires_at)
    .fetch_one(db)
    .await?;
    Ok((secret, id))
}

/// Sessions that ended (revoked or expired) more than a day ago are deleted; the audit
/// keeps the sign-ins and sign-outs.
pub async fn purge(db: &Db, now: i64) -> sqlx::Result<u64> {
    let cutoff = now - 24 * 60 * 60;
    let _turn = crate::db::turn(db).await;
    let done = sqlx::query(
        "DELETE FROM sessions WHERE (expires_at <= $1 OR revoked_at <= $1)
         AND NOT EXISTS (SELECT 1 FROM sessions c WHERE c.parent_id = sessions.id)",
    )
    .bind(cutoff)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// The live session a secret opens, if any, with its login's name and site account (one
/// query: it runs on every request); refreshes its idle timer.
pub async fn find(db: &Db, kind: Kind, secret: &Secret, now: i64) -> sqlx::Result<Option<Session>> {
    let session: Option<Session> = sqlx::query_as(
        "SELECT s.id, s.kind, s.login_id, s.user_row, s.created_at, s.last_seen_at, s.expires_at, l.username,
                u.site_id, st.name AS site_name, u.user_id, u.rank, u.status
         FROM sessions s
         JOIN logins l ON l.id = s.login_id
         LEFT JOIN users u ON u.id = s.user_row AND u.deleted_at IS NULL
         LEFT JOIN sites st ON st.id = u.site_id
         LEFT JOIN sessions p ON p.id = s.parent_id
         WHERE s.token_hash = $1 AND s.kind = $2 AND s.revoked_at IS NULL
         AND (s.parent_id IS NULL OR p.revoked_at IS NULL)",
    )
    .bind(secret.hash())
    .bind(kind.as_str())
    .fetch_optional(db)
    .await?;
    let Some(session) = session else { return Ok(None) };
    let idle_over = kind == Kind::Cookie && now >= session.last_seen_at + COOKIE_IDLE_SECS;
    if now >= session.expires_at || idle_over {
        return Ok(None);
    }
    if now - session.last_seen_at >= TOUCH_EVERY_SECS {
        let _turn = crate::db::turn(db).await;
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session.id)
            .execute(db)
            .await?;
    }
    Ok(Some(session))
}

pub async fn set_account(db: &Db, session_id: i64, user_row: i64) -> sqlx::Result<()> {
    let _turn = crate::db::turn(db).await;
    sqlx::query("UPDATE sessions SET user_row = $1 WHERE id = $2").bind(user_row).bind(session_id).execute(db).await?;
    Ok(())
}

pub async fn revoke(db: &Db, session_id: i64, now: i64) -> sqlx::Result<()> {
    let _turn = crate::db::turn(db).await;
    sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(now)
        .bind(session_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Ends every session of a login (password change or reset), except `keep` if given.
pub async fn revoke_login<'e, E: crate::db::Executor<'e>>(
    db: E,
    login_id: i64,
    keep: Option<i64>,
    now: i64,
) -> sqlx::Result<u64> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at = $1 WHERE login_id = $2 AND revoked_at IS NULL AND ($3 IS NULL OR id <> $3)",
    )
    .bind(now)
    .bind(login_id)
    .bind(keep)
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// Ends every session and API token acting as one site account (demotion, suspension,
/// deactivation, deletion, an admin's "end sessions"). Returns the sessions ended.
pub async fn revoke_account(tx: &mut crate::db::Conn, site_id: i64, user_row: i64, now: i64) -> sqlx::Result<u64> {
    revoke_accounts(tx, site_id, &[user_row], now).await
}

/// [`revoke_account`] for many people of a site at once (bulk lifecycle calls). The logins'
/// bearer tokens not yet scoped to a site go too: they are the way back in.
///
/// The live sessions and tokens, and the site's people with a login, are few; the people
/// named may be 10,000. So those are read and matched here, and only what must end is
/// written: the people's IDs in the statements took a tenth of a bulk suspension.
pub async fn revoke_accounts(tx: &mut crate::db::Conn, site_id: i64, user_rows: &[i64], now: i64) -> sqlx::Result<u64> {
    use crate::db::{Backend, IN_LIST_CHUNK, push_in_list};
    let named: HashSet<i64> = user_rows.iter().copied().collect();
    let with_login: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, login_id FROM users WHERE site_id = $1 AND login_id IS NOT NULL")
            .bind(site_id)
            .fetch_all(&mut *tx)
            .await?;
    let logins: HashSet<i64> =
        with_login.into_iter().filter(|(id, _)| named.contains(id)).map(|(_, login)| login).collect();
    let live: Vec<(i64, Option<i64>, i64)> =
        sqlx::query_as("SELECT id, user_row, login_id FROM sessions WHERE revoked_at IS NULL")
            .fetch_all(&mut *tx)
            .await?;
    let sessions: Vec<i64> = live
        .into_iter()
        .filter(|(_, user_row, login)| match user_row {
            Some(row) => named.contains(row),
            None => logins.contains(login),
        })
        .map(|(id, _, _)| id)
        .collect();
    let tokens: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, user_row FROM api_tokens WHERE site_id = $1 AND revoked_at IS NULL")
            .bind(site_id)
            .fetch_all(&mut *tx)
            .await?;
    let tokens: Vec<i64> = tokens.into_iter().filter(|(_, row)| named.contains(row)).map(|(id, _)| id).collect();
    for (table, ids) in [("sessions", &sessions), ("api_tokens", &tokens)] {
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let mut q = sqlx::QueryBuilder::<Backend>::new(format!("UPDATE {table} SET revoked_at = "));
            q.push_bind(now).push(" WHERE id");
            push_in_list(&mut q, chunk.iter().copied());
            q.build().persistent(false).execute(&mut *tx).await?;
        }
    }
    Ok(sessions.len() as u64)
}

/// A live session as its owner sees it: id, kind, source IP, created, last seen, expires.
pub type LiveSession = (i64, String, Option<String>, i64, i64, i64);

/// The live sessions and bearer tokens of a login, newest first.
pub async fn live_of_login(db: &Db, login_id: i64, now: i64) -> sqlx::Result<Vec<LiveSession>> {
    sqlx::query_as(
        "SELECT id, kind, source_ip, created_at, last_seen_at, expires_at FROM sessions
         WHERE login_id = $1 AND revoked_at IS NULL AND expires_at > $2
           AND (kind = 'bearer' OR last_seen_at > $3)
         ORDER BY id DESC",
    )
    .bind(login_id)
    .bind(now)
    .bind(now - COOKIE_IDLE_SECS)
    .fetch_all(db)
    .await
}

/// Ends one live session of a login; false when it has no such session.
pub async fn revoke_own(db: &Db, login_id: i64, session_id: i64, now: i64) -> sqlx::Result<bool> {
    let _turn = crate::db::turn(db).await;
    let done =
        sqlx::query("UPDATE sessions SET revoked_at = $1 WHERE id = $2 AND login_id = $3 AND revoked_at IS NULL")
            .bind(now)
            .bind(session_id)
            .bind(login_id)
            .execute(db)
            .await?;
    Ok(done.rows_affected() > 0)
}
