//! From "this person changed" (the outbox) to "device D must (not) hold version V of this
//! person" (`device_users`), decided from the person's record as it is now: so one outbox
//! row per change is enough, their order does not matter, and running a batch twice gives
//! the same rows. A deleted person whose devices all confirmed the removal is purged here
//! (their cards become reusable).

use crate::db::{Db, IN_LIST_CHUNK, push_in_list};
use proto::api::access_group::SyncMode;
use sqlx::QueryBuilder;

/// Outbox rows turned into device work per transaction.
const BATCH: i64 = 2000;

/// The SQL condition, over a person `u` and a device `d` of their site, under which the
/// device must hold the person.
fn wanted(mode: SyncMode) -> &'static str {
    match mode {
        SyncMode::All => "(u.status = 'ACTIVE' AND u.deleted_at IS NULL)",
        SyncMode::Groups => {
            "(u.status = 'ACTIVE' AND u.deleted_at IS NULL AND EXISTS (
                SELECT 1 FROM user_access_groups uag
                JOIN access_groups g ON g.site_id = u.site_id AND g.group_id = uag.group_id
                JOIN access_group_devices agd ON agd.group_row = g.id
                WHERE uag.user_row = u.id AND agd.device_row = d.id))"
        }
    }
}

/// Which devices of the site hold a person (BioStar 2's automatic user synchronization).
pub async fn mode(db: &Db, site_id: i64) -> sqlx::Result<SyncMode> {
    let mode: String =
        sqlx::query_scalar("SELECT sync_mode FROM sites WHERE id = $1").bind(site_id).fetch_one(db).await?;
    Ok(SyncMode::parse(&mode).unwrap_or(SyncMode::All))
}

/// Turns up to one batch of a site's outbox into device work; answers how many outbox rows
/// it took (0: the outbox is empty).
pub async fn run(db: &Db, site_id: i64, now: i64) -> sqlx::Result<usize> {
    let taken: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, user_row FROM outbox WHERE site_id = $1 ORDER BY id LIMIT $2")
            .bind(site_id)
            .bind(BATCH)
            .fetch_all(db)
            .await?;
    if taken.is_empty() {
        return Ok(0);
    }
    let mut people: Vec<i64> = taken.iter().map(|(_, row)| *row).collect();
    people.sort_unstable();
    people.dedup();
    let mode = mode(db, site_id).await?;
    let mut tx = crate::db::write(db).await?;
    for chunk in people.chunks(IN_LIST_CHUNK) {
        decide(&mut tx, mode, chunk, now).await?;
        purge_confirmed(&mut tx, chunk, now).await?;
    }
    for chunk in taken.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("DELETE FROM outbox WHERE id");
        push_in_list(&mut q, chunk.iter().map(|(id, _)| *id));
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(taken.len())
}

/// Sets what every device must hold of these people now. A device that must hold someone
/// gets a row (pending unless it acknowledged this version); a device that must not keeps
/// its row only to track the removal (pending while it still holds them).
async fn decide(tx: &mut crate::db::Conn, mode: SyncMode, people: &[i64], now: i64) -> sqlx::Result<()> {
    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
        "INSERT INTO device_users (device_row, user_row, want, want_version, want_changed_at, pending)
         SELECT d.id, u.id, TRUE, u.version, ",
    );
    q.push_bind(now).push(", TRUE FROM users u JOIN devices d ON d.site_id = u.site_id WHERE u.id");
    push_in_list(&mut q, people.iter().copied());
    q.push(" AND ").push(wanted(mode));
    q.push(
        " ON CONFLICT (device_row, user_row) DO UPDATE SET want = TRUE, want_version = excluded.want_version,
             want_changed_at = CASE WHEN device_users.want THEN device_users.want_changed_at
                                    ELSE excluded.want_changed_at END,
             pending = (device_users.held_version IS NULL OR device_users.held_version < excluded.want_version),
             error = NULL, at_capacity = FALSE",
    );
    q.build().persistent(false).execute(&mut *tx).await?;

    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
        "UPDATE device_users SET want = FALSE, want_version = u.version, pending = (device_users.held_version IS NOT NULL),
             error = NULL, at_capacity = FALSE, want_changed_at = CASE WHEN device_users.want THEN ",
    );
    q.push_bind(now).push(
        " ELSE device_users.want_changed_at END
         FROM users u, devices d
         WHERE u.id = device_users.user_row AND d.id = device_users.device_row AND u.id",
    );
    push_in_list(&mut q, people.iter().copied());
    q.push(" AND NOT ").push(wanted(mode));
    q.build().persistent(false).execute(&mut *tx).await?;
    Ok(())
}

/// Deleted people whom no device holds any longer (and for whom no work waits or is in
/// flight) lose their cards and device rows: only now may their cards be given to someone
/// else. A row claimed by a sender is kept: an enroll decided before the deletion may be
/// on its way, and its answer must find the row to record that the device holds them.
pub async fn purge_confirmed(tx: &mut crate::db::Conn, people: &[i64], now: i64) -> sqlx::Result<()> {
    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("SELECT u.id FROM users u WHERE u.id");
    push_in_list(&mut q, people.iter().copied());
    q.push(
        " AND u.deleted_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM device_users du WHERE du.user_row = u.id
                          AND (du.pending OR du.held_version IS NOT NULL OR du.lease_until >= ",
    );
    q.push_bind(now).push("))");
    let gone: Vec<i64> = q.build_query_scalar().persistent(false).fetch_all(&mut *tx).await?;
    if gone.is_empty() {
        return Ok(());
    }
    for table in ["cards", "device_users"] {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(format!("DELETE FROM {table} WHERE user_row"));
        push_in_list(&mut q, gone.iter().copied());
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Queues for a device everyone `mode` gives it (a device seen for the first time, or one
/// resynced), within the caller's transaction: a new device is recorded and filled in one,
/// so a crash or a cancelled read between the two cannot leave it known and empty.
pub async fn fill(
    tx: &mut crate::db::Conn,
    mode: SyncMode,
    site_id: i64,
    device_row: i64,
    now: i64,
) -> sqlx::Result<u64> {
    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
        "INSERT INTO device_users (device_row, user_row, want, want_version, want_changed_at, pending)
         SELECT d.id, u.id, TRUE, u.version, ",
    );
    q.push_bind(now).push(", TRUE");
    push_wanted_on(&mut q, mode, site_id, device_row);
    q.push(" ON CONFLICT (device_row, user_row) DO NOTHING");
    Ok(q.build().persistent(false).execute(&mut *tx).await?.rows_affected())
}

/// How many people `mode` gives a device that have no device work for it at all (no
/// `device_users` row): the read-back's check of the directory's side, which the device's
/// own list cannot show. Read-only.
pub async fn unplaced(db: &Db, mode: SyncMode, site_id: i64, device_row: i64) -> sqlx::Result<i64> {
    let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("SELECT COUNT(*)");
    push_unplaced(&mut q, mode, site_id, device_row);
    q.build_query_scalar().persistent(false).fetch_one(db).await
}

/// ` FROM … WHERE …` over the people of [`unplaced`].
pub fn push_unplaced(q: &mut QueryBuilder<'_, crate::db::Backend>, mode: SyncMode, site_id: i64, device_row: i64) {
    push_wanted_on(q, mode, site_id, device_row);
    q.push(" AND NOT EXISTS (SELECT 1 FROM device_users du WHERE du.device_row = d.id AND du.user_row = u.id)");
}

/// ` FROM … WHERE …` over each person `u` whom `mode` puts on the device `d` at `device_row`.
fn push_wanted_on(q: &mut QueryBuilder<'_, crate::db::Backend>, mode: SyncMode, site_id: i64, device_row: i64) {
    q.push(" FROM users u JOIN devices d ON d.site_id = u.site_id WHERE d.id = ").push_bind(device_row);
    q.push(" AND u.site_id = ").push_bind(site_id).push(" AND ").push(wanted(mode));
}

/// Every deleted person of the database whose removal is confirmed, purged (see
/// [`purge_confirmed`]): a catch-all for tombstones whose last device work ended without a
/// removal to confirm (a refused enroll, say). Run by housekeeping.
pub async fn purge_tombstones(db: &Db, now: i64) -> sqlx::Result<()> {
    let dead: Vec<i64> = sqlx::query_scalar(
        "SELECT u.id FROM users u WHERE u.deleted_at IS NOT NULL
           AND EXISTS (SELECT 1 FROM device_users du WHERE du.user_row = u.id)",
    )
    .fetch_all(db)
    .await?;
    for chunk in dead.chunks(IN_LIST_CHUNK) {
        let mut tx = crate::db::write(db).await?;
        purge_confirmed(&mut tx, chunk, now).await?;
        tx.commit().await?;
    }
    Ok(())
}
