//! One device's pending work, sent in batches: removals first (`DeleteMulti`), then the
//! records it must hold (`EnrollMulti` with overwrite, or `UpdateMulti` keeping the
//! fingerprints, faces and photo the device already holds: [`super::update_mask`]). Work is claimed with a lease before
//! it is sent, so another process sharing the database leaves it alone, and a claim that
//! dies with its process is taken up again when the lease runs out. Both calls are
//! idempotent: resending after a lost answer changes nothing, and removing someone the
//! device no longer holds counts as done.
//!
//! What the device acknowledges is recorded against the version that was sent, so an edit
//! made while a send is in flight stays pending and goes next. A record the device refuses
//! is split in halves until the person it refuses is found; that person gets the device's
//! reason in the sync state, and the rest of the batch goes through.
//!
//! Every write of many rows here is a write transaction ([`crate::db::write`]), the claim
//! aside (it skips rows others lock, so it never waits on them): on PostgreSQL a
//! multi-row UPDATE outside the write lock met the fan-out's rows in another order and
//! deadlocked (seen in the directory bench: a round failed, and its device backed off).

use super::device_list::Capacity;
use super::records::{self, Versioned};
use super::update_mask;
use crate::db::{Db, IN_LIST_CHUNK, push_in_list};
use prost::Message;
use proto::gsdk::user::UserInfo;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{DeleteMultiRequest, EnrollMultiRequest, UpdateMultiRequest};
use proto::multi_error::multi_errors;
use sqlx::QueryBuilder;
use tonic::Code;
use tonic::transport::Channel;

/// How long a claim holds before another sender may take the work.
pub const LEASE_SECONDS: i64 = 30;
/// People claimed per round.
const CLAIM: i64 = 1000;
/// Encoded users per `EnrollMulti` (the gateway takes messages of up to 4 MiB).
const MAX_BATCH_BYTES: usize = 2 << 20;

/// One device's share of work on one person, as claimed.
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct Claimed {
    pub user_row: i64,
    pub want: bool,
    pub want_version: i64,
    pub held_version: Option<i64>,
}

/// The device a sender works for.
pub struct Target<'a> {
    pub db: &'a Db,
    pub channel: &'a Channel,
    pub device_row: i64,
    pub device_id: u32,
    pub capacity: Capacity,
}

/// What a round did.
#[derive(Debug, PartialEq, Eq)]
pub enum Round {
    /// Nothing was pending.
    Idle,
    /// Work went out (more may wait).
    Sent,
    /// The device or its gateway could not be reached; the work waits for the next try.
    Unreachable(String),
}

/// How the device answered one batch.
enum Verdict {
    Done,
    /// The device will not take this batch as it is (a rule, or its capacity).
    Refused {
        reason: String,
        full: bool,
    },
    Unreachable(String),
}

enum Work {
    Remove {
        claimed: Claimed,
        user_id: String,
    },
    Hold {
        claimed: Claimed,
        version: i64,
        info: Box<UserInfo>,
        /// The digest of its fingerprints, faces and photo.
        heavy: [u8; 32],
        /// Sent as an update that keeps them (the device holds them already).
        update: bool,
    },
}

impl Work {
    fn claimed(&self) -> &Claimed {
        match self {
            Work::Remove { claimed, .. } | Work::Hold { claimed, .. } => claimed,
        }
    }
}

/// Claims a batch of the device's pending work and sends it.
pub async fn round(t: &Target<'_>, now: i64) -> anyhow::Result<Round> {
    let claimed = claim(t.db, t.device_row, now).await?;
    if claimed.is_empty() {
        return Ok(Round::Idle);
    }
    let sent = send_claimed(t, claimed.clone(), now).await;
    if sent.is_err() {
        // A database error midway (a busy database, say): what was not acknowledged is
        // tried again by the next round rather than after the lease.
        for attempt in 1..=5 {
            match release(t.db, t.device_row, &claimed).await {
                Ok(()) => break,
                Err(e) => {
                    tracing::warn!(device = t.device_id, attempt, error = %e, "sync: releasing a failed round's claim failed");
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
            }
        }
    }
    sent
}

async fn send_claimed(t: &Target<'_>, mut claimed: Vec<Claimed>, now: i64) -> anyhow::Result<Round> {
    claimed.sort_by_key(|c| (c.want, c.user_row));
    let (holds, removals): (Vec<Claimed>, Vec<Claimed>) = claimed.into_iter().partition(|c| c.want);
    if !removals.is_empty() {
        let ids = user_ids(t.db, &removals).await?;
        let work = removals
            .into_iter()
            .filter_map(|c| Some(Work::Remove { user_id: ids.get(&c.user_row)?.clone(), claimed: c }))
            .collect();
        if let Err(reason) = send_all(t, work, now).await? {
            release(t.db, t.device_row, &holds).await?;
            return Ok(Round::Unreachable(reason));
        }
        reopen_full(t.db, t.device_row, t.capacity.max_users).await?;
    }
    if !holds.is_empty() {
        let (updates, enrolls): (Vec<Work>, Vec<Work>) =
            prepare_holds(t, holds).await?.into_iter().partition(|w| matches!(w, Work::Hold { update: true, .. }));
        let mut batches = batches_of(updates);
        batches.extend(batches_of(enrolls));
        let mut batches = batches.into_iter();
        for batch in batches.by_ref() {
            if let Err(reason) = send_all(t, batch, now).await? {
                let rest: Vec<Claimed> = batches.flatten().map(|w| *w.claimed()).collect();
                release(t.db, t.device_row, &rest).await?;
                return Ok(Round::Unreachable(reason));
            }
        }
    }
    Ok(Round::Sent)
}

/// Work of one kind cut into calls of at most [`MAX_BATCH_BYTES`] as sent.
fn batches_of(work: Vec<Work>) -> Vec<Vec<Work>> {
    let mut batches = Vec::new();
    let mut batch = Vec::new();
    let mut bytes = 0;
    for w in work {
        let size = match &w {
            Work::Hold { info, update: true, .. } => update_mask::as_update(info).encoded_len(),
            Work::Hold { info, .. } => info.encoded_len(),
            Work::Remove { .. } => 0,
        };
        if !batch.is_empty() && bytes + size > MAX_BATCH_BYTES {
            batches.push(std::mem::take(&mut batch));
            bytes = 0;
        }
        bytes += size;
        batch.push(w);
    }
    if !batch.is_empty() {
        batches.push(batch);
    }
    batches
}

/// The records to send, fitted to the device; people it cannot hold get its reason now,
/// and people no longer meant for it (a change not yet decided) are left to that change.
async fn prepare_holds(t: &Target<'_>, holds: Vec<Claimed>) -> anyhow::Result<Vec<Work>> {
    let rows: Vec<i64> = holds.iter().map(|c| c.user_row).collect();
    let mut loaded = records::load(t.db, &rows).await?;
    let held = update_mask::held(t.db, t.device_row, &rows).await?;
    let mut room = free_places(t, &holds).await?;
    let mut work = Vec::with_capacity(holds.len());
    let mut later = Vec::new();
    let mut refused = Vec::new();
    for claimed in holds {
        let Some(Versioned { version, record, on_devices }) = loaded.remove(&claimed.user_row) else {
            later.push(claimed);
            continue;
        };
        // Suspended, deactivated or deleted since the work was decided: never send them.
        if !on_devices {
            later.push(claimed);
            continue;
        }
        if claimed.held_version.is_none() {
            if room == 0 {
                let reason = format!("the device is full: it holds {} users", t.capacity.max_users);
                refused.push((claimed, reason, true));
                continue;
            }
            room -= 1;
        }
        match record.for_device(&t.capacity.rules) {
            Ok(info) => {
                let heavy = update_mask::heavy_digest(&info);
                let update = claimed.held_version.is_some_and(|v| v > 0)
                    && update_mask::has_heavy(&info)
                    && held.get(&claimed.user_row).is_some_and(|h| h.as_slice() == heavy);
                work.push(Work::Hold { claimed, version, info: Box::new(info), heavy, update })
            }
            Err(e) => refused.push((claimed, e.to_string(), false)),
        }
    }
    refuse(t.db, t.device_row, &refused).await?;
    release(t.db, t.device_row, &later).await?;
    Ok(work)
}

/// How many more people the device can take, as far as the directory knows.
async fn free_places(t: &Target<'_>, holds: &[Claimed]) -> sqlx::Result<usize> {
    if holds.iter().all(|c| c.held_version.is_some()) {
        return Ok(usize::MAX);
    }
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM device_users WHERE device_row = $1 AND held_version IS NOT NULL")
            .bind(t.device_row)
            .fetch_one(t.db)
            .await?;
    Ok(usize::try_from(i64::from(t.capacity.max_users) - held).unwrap_or(0))
}

/// Sends one kind of work, splitting batches the device refuses; answers Err(reason) when
/// the device could not be reached (the work not yet acknowledged is released).
async fn send_all(t: &Target<'_>, work: Vec<Work>, now: i64) -> anyhow::Result<Result<(), String>> {
    let mut stack = vec![work];
    while let Some(mut batch) = stack.pop() {
        if batch.is_empty() {
            continue;
        }
        match send(t, &batch).await {
            Verdict::Done => acknowledge(t.db, t.device_row, &batch, now).await?,
            Verdict::Unreachable(reason) => {
                // The call may have taken effect with only its answer lost: whoever it was
                // to enroll may now be on the device.
                let sent: Vec<Claimed> =
                    batch.iter().filter(|w| matches!(w, Work::Hold { .. })).map(|w| *w.claimed()).collect();
                maybe_held(t.db, t.device_row, &sent).await?;
                let rest: Vec<Claimed> = batch.iter().chain(stack.iter().flatten()).map(|w| *w.claimed()).collect();
                release(t.db, t.device_row, &rest).await?;
                return Ok(Err(reason));
            }
            // An update the device will not take (it lost the person, say) goes again as a
            // whole record; only that one's refusal counts.
            Verdict::Refused { .. } if batch.len() == 1 && matches!(batch[0], Work::Hold { update: true, .. }) => {
                if let Some(Work::Hold { claimed, version, info, heavy, .. }) = batch.pop() {
                    stack.push(vec![Work::Hold { claimed, version, info, heavy, update: false }]);
                }
            }
            // Capacity is the device's, not a person's: the people it holds already are
            // updated, the new ones wait for room.
            Verdict::Refused { reason, full: true }
                if batch.iter().any(|w| w.claimed().held_version.is_some())
                    && batch.iter().any(|w| w.claimed().held_version.is_none()) =>
            {
                let (known, new): (Vec<Work>, Vec<Work>) =
                    batch.into_iter().partition(|w| w.claimed().held_version.is_some());
                let refused: Vec<_> = new.iter().map(|w| (*w.claimed(), reason.clone(), true)).collect();
                refuse(t.db, t.device_row, &refused).await?;
                stack.push(known);
            }
            Verdict::Refused { reason, full } if batch.len() == 1 => {
                refuse(t.db, t.device_row, &[(*batch[0].claimed(), reason, full)]).await?;
            }
            Verdict::Refused { .. } => {
                let second = batch.split_off(batch.len() / 2);
                stack.push(second);
                stack.push(batch);
            }
        }
    }
    Ok(Ok(()))
}

async fn send(t: &Target<'_>, batch: &[Work]) -> Verdict {
    let mut client = UserClient::new(t.channel.clone());
    let device_ids = vec![t.device_id];
    let removing = matches!(batch.first(), Some(Work::Remove { .. }));
    let updating = matches!(batch.first(), Some(Work::Hold { update: true, .. }));
    let answer = if removing {
        let user_ids = batch
            .iter()
            .filter_map(|w| match w {
                Work::Remove { user_id, .. } => Some(user_id.clone()),
                Work::Hold { .. } => None,
            })
            .collect();
        client.delete_multi(DeleteMultiRequest { device_i_ds: device_ids, user_i_ds: user_ids }).await.map(drop)
    } else {
        // A batch is all updates or all whole records (see batches_of).
        let users = batch
            .iter()
            .filter_map(|w| match w {
                Work::Hold { info, update: true, .. } => Some(update_mask::as_update(info)),
                Work::Hold { info, .. } => Some(UserInfo::clone(info)),
                Work::Remove { .. } => None,
            })
            .collect();
        if updating {
            client.update_multi(UpdateMultiRequest { device_i_ds: device_ids, users }).await.map(drop)
        } else {
            client.enroll_multi(EnrollMultiRequest { device_i_ds: device_ids, users, overwrite: true }).await.map(drop)
        }
    };
    match answer {
        Ok(()) => Verdict::Done,
        Err(status) => verdict(&status, t.device_id, removing, updating),
    }
}

/// What a failed call means for this device: its own entry of the MultiErrorResponse when
/// the gateway sent one, else the call's status.
fn verdict(status: &tonic::Status, device_id: u32, removing: bool, updating: bool) -> Verdict {
    let own = multi_errors(status)
        .and_then(|m| m.device_errors.into_iter().find(|e| e.device_id == device_id))
        .map(|e| (Code::from_i32(e.code), e.msg));
    let (code, message) = own.unwrap_or_else(|| (status.code(), status.message().to_owned()));
    match code {
        // Someone the device does not hold is as removed as can be.
        Code::NotFound if removing => Verdict::Done,
        // An update of someone the device lost: sent again as a whole record.
        Code::NotFound if updating => Verdict::Refused { reason: message, full: false },
        Code::InvalidArgument | Code::FailedPrecondition | Code::AlreadyExists | Code::OutOfRange => {
            Verdict::Refused { reason: message, full: false }
        }
        Code::ResourceExhausted => Verdict::Refused { reason: message, full: true },
        _ => Verdict::Unreachable(format!("{code:?}: {message}")),
    }
}

async fn claim(db: &Db, device_row: i64, now: i64) -> sqlx::Result<Vec<Claimed>> {
    // A claim runs often, on every device's sender: it waits its turn like a transaction.
    let _turn = crate::db::turn(db).await;
    sqlx::query_as(&format!(
        "UPDATE device_users SET lease_until = $1
         WHERE device_row = $2 AND user_row IN (
             SELECT user_row FROM device_users
             WHERE device_row = $2 AND pending AND (lease_until IS NULL OR lease_until < $3)
             ORDER BY want, user_row LIMIT $4{})
         RETURNING user_row, want, want_version, held_version",
        crate::db::SKIP_LOCKED
    ))
    .bind(now + LEASE_SECONDS)
    .bind(device_row)
    .bind(now)
    .bind(CLAIM)
    .fetch_all(db)
    .await
}

async fn user_ids(db: &Db, claimed: &[Claimed]) -> sqlx::Result<std::collections::HashMap<i64, String>> {
    let mut out = std::collections::HashMap::with_capacity(claimed.len());
    for chunk in claimed.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new("SELECT id, user_id FROM users WHERE id");
        push_in_list(&mut q, chunk.iter().map(|c| c.user_row));
        out.extend(q.build_query_as::<(i64, String)>().persistent(false).fetch_all(db).await?);
    }
    Ok(out)
}

/// Records what the device acknowledged. A row whose wish changed meanwhile stays pending.
async fn acknowledge(db: &Db, device_row: i64, batch: &[Work], now: i64) -> sqlx::Result<()> {
    let mut tx = crate::db::write(db).await?;
    let mut held = Vec::new();
    let mut removed = Vec::new();
    for w in batch {
        match w {
            Work::Hold { claimed, version, heavy, .. } => held.push((claimed.user_row, *version, heavy.as_slice())),
            Work::Remove { claimed, .. } => removed.push(claimed.user_row),
        }
    }
    // A statement a hundred people, each row with its own version (was one a person).
    for chunk in held.chunks(crate::db::INSERT_ROWS) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("UPDATE device_users SET held_version = v.column2, acked_at = ");
        q.push_bind(now).push(
            ", lease_until = NULL, error = NULL, at_capacity = FALSE, pending = (NOT want OR want_version > v.column2),
               held_heavy = v.column3 FROM (",
        );
        q.push_values(chunk, |mut row, (user_row, version, heavy)| {
            row.push_bind(*user_row).push_bind(*version).push_bind(*heavy);
        });
        q.push(") AS v WHERE device_users.device_row = ").push_bind(device_row);
        q.push(" AND device_users.user_row = v.column1");
        q.build().persistent(crate::db::insert_prepared(chunk.len())).execute(&mut *tx).await?;
    }
    for chunk in removed.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("UPDATE device_users SET held_version = NULL, held_heavy = NULL, acked_at = ");
        q.push_bind(now)
            .push(", lease_until = NULL, error = NULL, at_capacity = FALSE, pending = want WHERE device_row = ");
        q.push_bind(device_row).push(" AND user_row");
        push_in_list(&mut q, chunk.iter().copied());
        q.build().persistent(false).execute(&mut *tx).await?;
        super::fan_out::purge_confirmed(&mut tx, chunk, now).await?;
    }
    tx.commit().await
}

/// The device will not hold these people (each with its reason, and whether for want of
/// room): the reasons go in the sync state, unless the wish changed since the claim (then
/// the new wish is tried instead). One transaction for all: a full device refuses
/// thousands at once.
async fn refuse(db: &Db, device_row: i64, refused: &[(Claimed, String, bool)]) -> sqlx::Result<()> {
    let Some((_, first, _)) = refused.first() else { return Ok(()) };
    tracing::info!(device_row, people = refused.len(), reason = %first, "a device refused people");
    let mut tx = crate::db::write(db).await?;
    for chunk in refused.chunks(crate::db::INSERT_ROWS) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "UPDATE device_users SET error = v.column2, at_capacity = v.column3,
                 pending = CASE WHEN want = v.column4 AND want_version = v.column5 THEN FALSE ELSE pending END,
                 lease_until = NULL FROM (",
        );
        q.push_values(chunk, |mut row, (claimed, reason, full)| {
            row.push_bind(claimed.user_row)
                .push_bind(reason.as_str())
                .push_bind(*full)
                .push_bind(claimed.want)
                .push_bind(claimed.want_version);
        });
        q.push(") AS v WHERE device_users.device_row = ").push_bind(device_row);
        q.push(" AND device_users.user_row = v.column1");
        q.build().persistent(crate::db::insert_prepared(chunk.len())).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// Gives claimed work back, to be tried again.
async fn release(db: &Db, device_row: i64, claimed: &[Claimed]) -> sqlx::Result<()> {
    let mut tx = crate::db::write(db).await?;
    for chunk in claimed.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("UPDATE device_users SET lease_until = NULL WHERE device_row = ");
        q.push_bind(device_row).push(" AND user_row");
        push_in_list(&mut q, chunk.iter().map(|c| c.user_row));
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// People an unanswered enroll may have reached: held in some version (0), and work owed
/// either way (sent again if still wanted, removed if not, as a removal decided while the
/// enroll was in flight found nothing held). Removing someone absent is done at once.
async fn maybe_held(db: &Db, device_row: i64, claimed: &[Claimed]) -> sqlx::Result<()> {
    let mut tx = crate::db::write(db).await?;
    for chunk in claimed.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "UPDATE device_users SET held_version = COALESCE(held_version, 0), pending = TRUE WHERE device_row = ",
        );
        q.push_bind(device_row).push(" AND user_row");
        push_in_list(&mut q, chunk.iter().map(|c| c.user_row));
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// After removals, people refused for want of room are tried again, as many as now fit.
async fn reopen_full(db: &Db, device_row: i64, max_users: u32) -> sqlx::Result<()> {
    // MIN, not EXISTS: PostgreSQL answered EXISTS with a scan of the whole table, betting on
    // meeting such a row early (9 ms a call, 100 ms on a device with none); MIN reads the
    // partial index's first entry.
    let waiting: Option<i64> =
        sqlx::query_scalar("SELECT MIN(user_row) FROM device_users WHERE device_row = $1 AND at_capacity")
            .bind(device_row)
            .fetch_one(db)
            .await?;
    if waiting.is_none() {
        return Ok(());
    }
    let held: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM device_users WHERE device_row = $1 AND held_version IS NOT NULL")
            .bind(device_row)
            .fetch_one(db)
            .await?;
    let room = i64::from(max_users) - held;
    if room <= 0 {
        return Ok(());
    }
    let mut tx = crate::db::write(db).await?;
    sqlx::query(
        "UPDATE device_users SET pending = TRUE, error = NULL, at_capacity = FALSE
         WHERE device_row = $1 AND user_row IN (
             SELECT user_row FROM device_users WHERE device_row = $1 AND at_capacity ORDER BY user_row LIMIT $2)",
    )
    .bind(device_row)
    .bind(room)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
