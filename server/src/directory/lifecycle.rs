//! Lifecycle actions on people (SPEC.md, Lifecycle), as the domain's state machine allows
//! them, with what each implies: cleared access groups and rank on deactivation, ended
//! sessions, device work, and blocked cards after a deletion. Bulk actions are set-based:
//! a few statements per 500 people, not a few per person.

use super::person_read::{PersonRow, StatusRow};
use super::{Actor, outbox};
use crate::auth::session;
use crate::db::push_in_list;
use crate::error::{ApiError, ApiResult};
use proto::domain::rank::{is_live_super, may_end_live_super};
use proto::domain::{Action, Status, Transition};
use sqlx::QueryBuilder;

const CHUNK: usize = 500;

/// SUPERs of the site who may still sign in.
/// Checks `action` on one person; `supers` counts the live SUPERs left and is lowered when
/// this person stops being one.
fn check(person: &StatusRow, action: Action, actor: &Actor, supers: &mut u64) -> ApiResult<Transition> {
    if actor.user_row == person.id && !matches!(action, Action::CredentialsChanged | Action::Reactivate) {
        return Err(ApiError::forbidden(format!("you cannot {} yourself", action.as_str())));
    }
    if !actor.rank.may_manage(person.rank()) && action != Action::CredentialsChanged {
        return Err(ApiError::forbidden(format!(
            "user {} is {}; only a SUPER may {} them",
            person.user_id,
            person.rank(),
            action.as_str()
        )));
    }
    let t = person
        .status()
        .apply(action, person.has_credentials)
        .map_err(|e| ApiError::conflict(format!("user {}: {e}", person.user_id)).with_field("status"))?;
    let was_super = is_live_super(person.rank(), person.status());
    let stays_super = t.to.is_some_and(|to| is_live_super(person.rank(), to)) && !t.clears_access_groups_and_rank;
    if was_super && !stays_super {
        if !may_end_live_super(*supers) {
            let done = match action {
                Action::Delete => "deleted",
                Action::Deactivate => "deactivated",
                _ => "suspended",
            };
            return Err(ApiError::conflict(format!(
                "user {}: the last SUPER of the site cannot be {done}; make someone else SUPER first",
                person.user_id
            ))
            .with_field("rank"));
        }
        *supers -= 1;
    }
    Ok(t)
}

/// Applies `action` to one person.
pub async fn apply(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    person: &PersonRow,
    action: Action,
    now: i64,
) -> ApiResult<Transition> {
    let site_id = actor.site_id;
    let mut supers = crate::ranks::live_supers(tx, site_id).await?;
    let subject = person.status_row();
    let t = check(&subject, action, actor, &mut supers)?;
    write_many(tx, site_id, &[(&subject, t)], now).await?;
    Ok(t)
}

/// Applies a lifecycle action (deletion too) to many people; each gets its own outcome.
pub async fn apply_many<'p>(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    people: &'p [StatusRow],
    action: Action,
    now: i64,
) -> ApiResult<Vec<(&'p StatusRow, ApiResult<Transition>)>> {
    let mut supers = crate::ranks::live_supers(tx, actor.site_id).await?;
    let outcomes: Vec<_> = people.iter().map(|p| (p, check(p, action, actor, &mut supers))).collect();
    let changes: Vec<(&StatusRow, Transition)> =
        outcomes.iter().filter_map(|(p, t)| t.as_ref().ok().map(|t| (*p, *t))).collect();
    write_many(tx, actor.site_id, &changes, now).await?;
    Ok(outcomes)
}

/// Writes status transitions set-wise: one UPDATE per target status and chunk.
async fn write_many(
    tx: &mut crate::db::Conn,
    site_id: i64,
    changes: &[(&StatusRow, Transition)],
    now: i64,
) -> ApiResult<()> {
    let deleted: Vec<&StatusRow> = changes.iter().filter(|(_, t)| t.to.is_none()).map(|(p, _)| *p).collect();
    delete_many(tx, &deleted, now).await?;
    for status in Status::ALL {
        for clears in [false, true] {
            let ids: Vec<i64> = changes
                .iter()
                .filter(|(_, t)| t.to == Some(status) && t.clears_access_groups_and_rank == clears)
                .map(|(p, _)| p.id)
                .collect();
            for chunk in ids.chunks(CHUNK) {
                let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("UPDATE users SET status = ");
                q.push_bind(status.as_str());
                if clears {
                    q.push(", rank = 'REGULAR'");
                }
                q.push(", version = version + 1, updated_at = ").push_bind(now).push(" WHERE id");
                push_in_list(&mut q, chunk.iter().copied());
                q.build().persistent(false).execute(&mut *tx).await?;
                if clears {
                    let mut q: QueryBuilder<crate::db::Backend> =
                        QueryBuilder::new("DELETE FROM user_access_groups WHERE user_row");
                    push_in_list(&mut q, chunk.iter().copied());
                    q.build().persistent(false).execute(&mut *tx).await?;
                }
            }
        }
    }
    let ending: Vec<i64> = changes.iter().filter(|(_, t)| t.ends_sessions).map(|(p, _)| p.id).collect();
    // Who loses access loses every way in: sessions, bearer tokens, API tokens.
    session::revoke_accounts(&mut *tx, site_id, &ending, now).await?;
    let work: Vec<outbox::Work> = changes
        .iter()
        .filter_map(|(p, t)| {
            let kind = outbox::Kind::for_change(p.status().on_devices(), t.on_devices())?;
            Some(outbox::Work { user_row: p.id, user_id: &p.user_id, kind })
        })
        .collect();
    outbox::enqueue_many(tx, site_id, &work, now).await?;
    Ok(())
}

/// A deletion keeps a tombstone row (hidden everywhere) until the sync worker confirms the
/// removal from every device; until then the person's cards stay, blocking their reuse.
/// Secrets and biometrics go at once: the directory no longer needs them. Runs before the
/// deletion's own device work is queued.
async fn delete_many(tx: &mut crate::db::Conn, people: &[&StatusRow], now: i64) -> ApiResult<()> {
    for chunk in people.chunks(CHUNK) {
        let ids = || chunk.iter().map(|p| p.id);
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("UPDATE users SET deleted_at = ");
        q.push_bind(now)
            .push(", pin_hash = NULL, photo = NULL, scim_extension = NULL, version = version + 1, updated_at = ")
            .push_bind(now);
        q.push(" WHERE id");
        push_in_list(&mut q, ids());
        q.build().persistent(false).execute(&mut *tx).await?;
        for table in ["user_access_groups", "biometrics"] {
            let mut q: QueryBuilder<crate::db::Backend> =
                QueryBuilder::new(format!("DELETE FROM {table} WHERE user_row"));
            push_in_list(&mut q, ids());
            q.build().persistent(false).execute(&mut *tx).await?;
        }
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("UPDATE mobile_invitations SET state = 'REVOKED', revoked_at = ");
        q.push_bind(now).push(" WHERE state <> 'REVOKED' AND user_row");
        push_in_list(&mut q, ids());
        q.build().persistent(false).execute(&mut *tx).await?;
        // Not meant to be on any device, no work queued and no device still holding them
        // (a removal not yet confirmed): nothing to wait for. Otherwise the sync worker
        // frees the cards once every device confirmed.
        let off_devices: Vec<i64> = chunk.iter().filter(|p| !p.status().on_devices()).map(|p| p.id).collect();
        if !off_devices.is_empty() {
            let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("DELETE FROM cards WHERE user_row");
            push_in_list(&mut q, off_devices);
            q.push(
                " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.user_row = cards.user_row)
                  AND NOT EXISTS (SELECT 1 FROM device_users du WHERE du.user_row = cards.user_row
                                  AND (du.pending OR du.held_version IS NOT NULL))",
            );
            q.build().persistent(false).execute(&mut *tx).await?;
        }
    }
    Ok(())
}

/// After credentials changed: PENDING and ACTIVE follow whether any credential is held.
pub async fn credentials_changed(
    tx: &mut crate::db::Conn,
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
