//! The sync state as the API shows it: each device against the directory, one person on
//! each device, the revocations some device still holds; and a device's resync.

use super::device_list::Capacity;
use crate::clock::rfc3339;
use crate::db::Db;
use prost::Message;
use proto::api::device::{
    DeviceList, DeviceSync, DeviceView, DoorSync, PersonDevices, PersonOnDevice, Revocation, RevocationList, SyncState,
};
use proto::gsdk::device::CapabilityInfo;

#[derive(sqlx::FromRow)]
struct DeviceRow {
    device_id: i64,
    model: String,
    address: String,
    capability: Option<Vec<u8>>,
    connected: bool,
    connected_since: i64,
    failing_since: Option<i64>,
    last_error: Option<String>,
    verified_at: Option<i64>,
    drift: Option<String>,
    drift_at: Option<i64>,
    held: i64,
    pending: i64,
    oldest_pending: Option<i64>,
    refused: i64,
    full: bool,
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The site's devices with their sync state.
pub async fn devices(db: &Db, site_id: i64, now: i64) -> sqlx::Result<DeviceList> {
    let rows: Vec<DeviceRow> = sqlx::query_as(
        "SELECT d.device_id, d.model, d.address, d.capability, d.connected, d.connected_since, d.failing_since,
                d.last_error, d.verified_at, d.drift, d.drift_at,
                (SELECT COUNT(*) FROM device_users du WHERE du.device_row = d.id AND du.held_version IS NOT NULL) AS held,
                (SELECT COUNT(*) FROM device_users du WHERE du.device_row = d.id AND du.pending) AS pending,
                (SELECT MIN(du.want_changed_at) FROM device_users du WHERE du.device_row = d.id AND du.pending)
                    AS oldest_pending,
                (SELECT COUNT(*) FROM device_users du WHERE du.device_row = d.id AND du.error IS NOT NULL) AS refused,
                (SELECT MIN(du.user_row) FROM device_users du WHERE du.device_row = d.id AND du.at_capacity)
                    IS NOT NULL AS full
         FROM devices d WHERE d.site_id = $1 ORDER BY d.device_id",
    )
    .bind(site_id)
    .fetch_all(db)
    .await?;
    let devices = rows
        .into_iter()
        .map(|r| {
            let caps = r.capability.as_deref().and_then(|c| CapabilityInfo::decode(c).ok());
            let state = if !r.connected {
                SyncState::Offline
            } else if r.failing_since.is_some() {
                SyncState::Failing
            } else if r.pending > 0 {
                SyncState::Pending
            } else {
                SyncState::InSync
            };
            DeviceView {
                id: u32::try_from(r.device_id).unwrap_or(0),
                model: r.model,
                address: r.address,
                connected: r.connected,
                connected_since: rfc3339(r.connected_since),
                scans_cards: caps.as_ref().is_some_and(|c| c.card_supported),
                scans_fingerprints: caps.as_ref().is_some_and(|c| c.finger_supported),
                scans_faces: caps.as_ref().is_some_and(|c| c.face_supported),
                sync: DeviceSync {
                    state,
                    held: count(r.held),
                    pending: count(r.pending),
                    oldest_pending_seconds: r.oldest_pending.map_or(0, |t| count(now - t)),
                    refused: count(r.refused),
                    full: r.full,
                    capacity: caps.map(|c| c.max_num_of_user),
                    failing_since: r.failing_since.map(rfc3339),
                    last_error: r.last_error,
                    verified_at: r.verified_at.map(rfc3339),
                    drift: r.drift,
                    drift_at: r.drift_at.map(rfc3339),
                },
            }
        })
        .collect();
    Ok(DeviceList { devices })
}

#[derive(sqlx::FromRow)]
struct PlaceRow {
    device_id: i64,
    model: String,
    want: bool,
    held_version: Option<i64>,
    acked_at: Option<i64>,
    pending: bool,
    error: Option<String>,
}

/// Where a person of the site stands on each device (None: no such person).
pub async fn person(db: &Db, site_id: i64, user_row: i64) -> sqlx::Result<Option<PersonDevices>> {
    let version: Option<i64> = sqlx::query_scalar("SELECT version FROM users WHERE id = $1 AND site_id = $2")
        .bind(user_row)
        .bind(site_id)
        .fetch_optional(db)
        .await?;
    let Some(version) = version else { return Ok(None) };
    let rows: Vec<PlaceRow> = sqlx::query_as(
        "SELECT d.device_id, d.model, du.want, du.held_version, du.acked_at, du.pending, du.error
         FROM device_users du JOIN devices d ON d.id = du.device_row
         WHERE du.user_row = $1 ORDER BY d.device_id",
    )
    .bind(user_row)
    .fetch_all(db)
    .await?;
    let devices = rows
        .into_iter()
        .map(|r| PersonOnDevice {
            device_id: u32::try_from(r.device_id).unwrap_or(0),
            model: r.model,
            wanted: r.want,
            held_version: r.held_version,
            acknowledged_at: r.acked_at.map(rfc3339),
            pending: r.pending,
            error: r.error,
        })
        .collect();
    Ok(Some(PersonDevices { version, devices }))
}

/// Where the person at `user_row` (an SQL expression) stands at the doors, as a subquery
/// of one JSON array that [`DoorCounts`] reads: so a page of a list reads it with its
/// people, in one query. Work owed to a connected device is pending, to a disconnected one
/// offline; a refusal is failing whatever the connection.
pub fn door_sync_of(user_row: &str) -> String {
    format!(
        "(SELECT {} FROM device_users du JOIN devices d ON d.id = du.device_row
          WHERE du.user_row = {user_row} AND (du.pending OR du.error IS NOT NULL))",
        crate::db::json_row(
            "COUNT(*) FILTER (WHERE du.error IS NULL AND du.pending AND d.connected),
             COUNT(*) FILTER (WHERE du.error IS NOT NULL),
             COUNT(*) FILTER (WHERE du.error IS NULL AND du.pending AND NOT d.connected),
             MIN(du.error)"
        )
    )
}

/// A person's standing at the doors as [`door_sync_of`] reads it: pending, failing,
/// offline, a device's reason.
#[derive(serde::Deserialize)]
pub struct DoorCounts(i64, i64, i64, Option<String>);

impl From<DoorCounts> for DoorSync {
    fn from(DoorCounts(pending, failing, offline, reason): DoorCounts) -> Self {
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        DoorSync { pending: count(pending), failing: count(failing), offline: count(offline), reason }
    }
}

#[derive(sqlx::FromRow)]
struct RevocationRow {
    id: i64,
    user_id: String,
    name: String,
    status: String,
    deleted: bool,
    device_id: i64,
    model: String,
    connected: bool,
    last_error: Option<String>,
    since: i64,
    error: Option<String>,
}

/// People who lost access and whom a device still holds, the longest-waiting first.
pub async fn revocations(db: &Db, site_id: i64, now: i64, limit: i64) -> sqlx::Result<RevocationList> {
    let mut rows: Vec<RevocationRow> = sqlx::query_as(
        "SELECT u.id, u.user_id, u.name, u.status, u.deleted_at IS NOT NULL AS deleted, d.device_id, d.model,
                d.connected, d.last_error, du.want_changed_at AS since, du.error
         FROM device_users du JOIN devices d ON d.id = du.device_row JOIN users u ON u.id = du.user_row
         WHERE d.site_id = $1 AND NOT du.want AND du.held_version IS NOT NULL
         ORDER BY du.want_changed_at, du.user_row, d.device_id LIMIT $2",
    )
    .bind(site_id)
    .bind(limit + 1)
    .fetch_all(db)
    .await?;
    let has_more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let revocations = rows
        .into_iter()
        .map(|r| Revocation {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            status: if r.deleted { "DELETED".to_owned() } else { r.status },
            device_id: u32::try_from(r.device_id).unwrap_or(0),
            model: r.model,
            since: rfc3339(r.since),
            seconds: count(now - r.since),
            waiting_for: match (r.error, r.connected, r.last_error) {
                (Some(e), _, _) => format!("the device refused the removal: {e}"),
                (None, false, _) => "the device is offline".to_owned(),
                (None, true, Some(e)) => format!("sends to the device fail: {e}"),
                (None, true, None) => "the removal is on its way".to_owned(),
            },
        })
        .collect();
    Ok(RevocationList { revocations, has_more })
}

/// Sends a device everything again: every record it must hold, every removal it may not
/// have made. Answers how many people were queued (None: no such device in the site).
pub async fn resync(db: &Db, site_id: i64, device_id: u32, now: i64) -> sqlx::Result<Option<u64>> {
    let Some((row, _)) = device(db, site_id, device_id).await? else { return Ok(None) };
    let mode = super::fan_out::mode(db, site_id).await?;
    let mut tx = crate::db::write(db).await?;
    super::fan_out::fill(&mut tx, mode, site_id, row, now).await?;
    let queued = sqlx::query(
        "UPDATE device_users SET pending = TRUE, error = NULL, at_capacity = FALSE,
             held_version = CASE WHEN want THEN 0 ELSE held_version END
         WHERE device_row = $1 AND (want OR held_version IS NOT NULL)",
    )
    .bind(row)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(Some(queued))
}

/// A device of the site: its row and, once its capabilities were read, what it can hold.
pub async fn device(db: &Db, site_id: i64, device_id: u32) -> sqlx::Result<Option<(i64, Option<Capacity>)>> {
    let found: Option<(i64, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT id, capability FROM devices WHERE site_id = $1 AND device_id = $2")
            .bind(site_id)
            .bind(i64::from(device_id))
            .fetch_optional(db)
            .await?;
    Ok(found.map(|(row, capability)| {
        let capacity =
            capability.as_deref().and_then(|c| CapabilityInfo::decode(c).ok()).map(|c| Capacity::from_capability(&c));
        (row, capacity)
    }))
}

/// The figures `/metrics` shows of the sync.
pub struct Figures {
    /// Changes not yet turned into device work.
    pub outbox: i64,
    /// (device, person) pairs held though no longer wanted.
    pub revoking: i64,
    pub devices: Vec<DeviceFigures>,
}

#[derive(sqlx::FromRow)]
pub struct DeviceFigures {
    pub site_id: i64,
    pub device_id: i64,
    pub connected: bool,
    pub pending: i64,
    /// When the oldest pending change was decided.
    pub oldest: Option<i64>,
}

/// Read at each scrape: partial indexes keep them cheap, and a stuck device must show now.
pub async fn figures(db: &Db) -> sqlx::Result<Figures> {
    let outbox = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(db).await?;
    let revoking = sqlx::query_scalar("SELECT COUNT(*) FROM device_users WHERE NOT want AND held_version IS NOT NULL")
        .fetch_one(db)
        .await?;
    let devices = sqlx::query_as(
        "SELECT d.site_id, d.device_id, d.connected, COUNT(du.user_row) AS pending, MIN(du.want_changed_at) AS oldest
         FROM devices d LEFT JOIN device_users du ON du.device_row = d.id AND du.pending
         GROUP BY d.id, d.site_id, d.device_id, d.connected ORDER BY d.site_id, d.device_id",
    )
    .fetch_all(db)
    .await?;
    Ok(Figures { outbox, revoking, devices })
}
