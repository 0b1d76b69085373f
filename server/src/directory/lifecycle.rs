//! Lifecycle actions on a person (SPEC.md, Lifecycle), as the domain's state machine
//! allows them, with what each implies: cleared access groups and rank on deactivation,
//! ended sessions, device work, and blocked cards after a deletion.

use super::outbox;
use super::person_read::PersonRow;
use crate::auth::session;
use crate::error::{ApiError, ApiResult};
use crate::ranks::is_last_super;
use proto::domain::{Action, Rank, Status, Transition};
use sqlx::SqliteConnection;

/// Applies `action` to a person; `actor_row` is the caller's own account on this site.
pub async fn apply(
    tx: &mut SqliteConnection,
    site_id: i64,
    person: &PersonRow,
    action: Action,
    actor_row: Option<i64>,
    now: i64,
) -> ApiResult<Transition> {
    if actor_row == Some(person.id) && action != Action::CredentialsChanged && action != Action::Reactivate {
        return Err(ApiError::forbidden(format!("you cannot {} yourself", action.as_str())));
    }
    let from = person.status();
    let t = from
        .apply(action, person.has_credentials())
        .map_err(|e| ApiError::conflict(e.to_string()).with_field("status"))?;
    let loses_super = t.to.is_none_or(|s| !s.may_sign_in()) || t.clears_access_groups_and_rank;
    if person.rank() == Rank::Super && loses_super && is_last_super(tx, site_id, person.id).await? {
        return Err(ApiError::conflict(format!(
            "user {}: the last SUPER of the site cannot be {}; make someone else SUPER first",
            person.user_id,
            match action {
                Action::Delete => "deleted",
                Action::Deactivate => "deactivated",
                _ => "suspended",
            }
        ))
        .with_field("rank"));
    }
    match t.to {
        None => delete(tx, person, now).await?,
        Some(to) => {
            sqlx::query(
                "UPDATE users SET status = $1, rank = CASE WHEN $2 THEN 'REGULAR' ELSE rank END,
                     version = version + 1, updated_at = $3 WHERE id = $4",
            )
            .bind(to.as_str())
            .bind(t.clears_access_groups_and_rank)
            .bind(now)
            .bind(person.id)
            .execute(&mut *tx)
            .await?;
            if t.clears_access_groups_and_rank {
                sqlx::query("DELETE FROM user_access_groups WHERE user_row = $1")
                    .bind(person.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
    }
    if t.ends_sessions {
        session::revoke_account(&mut *tx, person.id, now).await?;
    }
    outbox::enqueue(tx, site_id, person.id, &person.user_id, from.on_devices(), t.to, now).await?;
    Ok(t)
}

/// A deletion keeps a tombstone row (hidden everywhere) until the sync worker confirms the
/// removal from every device; until then the person's cards stay, blocking their reuse.
/// Secrets and biometrics go at once: the directory no longer needs them.
async fn delete(tx: &mut SqliteConnection, person: &PersonRow, now: i64) -> ApiResult<()> {
    sqlx::query(
        "UPDATE users SET deleted_at = $1, pin_hash = NULL, photo = NULL, version = version + 1, updated_at = $1
         WHERE id = $2",
    )
    .bind(now)
    .bind(person.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM user_access_groups WHERE user_row = $1").bind(person.id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM biometrics WHERE user_row = $1").bind(person.id).execute(&mut *tx).await?;
    sqlx::query(
        "UPDATE mobile_invitations SET state = 'REVOKED', revoked_at = $1 WHERE user_row = $2 AND state <> 'REVOKED'",
    )
    .bind(now)
    .bind(person.id)
    .execute(&mut *tx)
    .await?;
    let pending: Option<i64> = sqlx::query_scalar("SELECT id FROM outbox WHERE user_row = $1 LIMIT 1")
        .bind(person.id)
        .fetch_optional(&mut *tx)
        .await?;
    if !person.status().on_devices() && pending.is_none() {
        // No device ever held this person, or all work is done: nothing to wait for.
        sqlx::query("DELETE FROM cards WHERE user_row = $1").bind(person.id).execute(&mut *tx).await?;
    }
    Ok(())
}

/// After credentials changed: PENDING and ACTIVE follow whether any credential is held.
pub async fn credentials_changed(
    tx: &mut SqliteConnection,
    site_id: i64,
    id: i64,
    was: Status,
    user_id: &str,
    now: i64,
) -> ApiResult<Status> {
    let held: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM cards WHERE user_row = $1)
             OR EXISTS (SELECT 1 FROM biometrics WHERE user_row = $1)
             OR EXISTS (SELECT 1 FROM users WHERE id = $1 AND pin_hash IS NOT NULL)",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let t = was
        .apply(Action::CredentialsChanged, held)
        .map_err(|e| ApiError::conflict(e.to_string()).with_field("status"))?;
    let to = t.to.unwrap_or(was);
    sqlx::query("UPDATE users SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3")
        .bind(to.as_str())
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    outbox::enqueue(tx, site_id, id, user_id, was.on_devices(), Some(to), now).await?;
    Ok(to)
}
