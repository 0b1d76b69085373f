//! The site's devices and their sync state (`GET /v1/devices`), a person's place on each
//! device (`GET /v1/users/{id}/devices`), and the revocations still held somewhere
//! (`GET /v1/revocations`). Times are RFC 3339 (UTC).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// The device ID the gateway and the scan calls use.
    pub id: u32,
    /// The model's name (`BioStation 3`), or its type when the device did not say.
    pub model: String,
    pub address: String,
    /// Connected to the gateway, as it last reported.
    pub connected: bool,
    /// Since when the device has been connected (or not).
    pub connected_since: String,
    /// What it can capture; unknown capabilities (a device never reached) are false.
    pub scans_cards: bool,
    pub scans_fingerprints: bool,
    pub scans_faces: bool,
    pub sync: DeviceSync,
}

/// How far a device agrees with the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Everything decided has been acknowledged.
    InSync,
    /// Changes are on their way.
    Pending,
    /// Sends fail (see `last_error`); they are retried with backoff.
    Failing,
    /// The gateway reports the device disconnected; changes wait for it.
    Offline,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::InSync => "in sync",
            SyncState::Pending => "pending",
            SyncState::Failing => "failing",
            SyncState::Offline => "offline",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceSync {
    pub state: SyncState,
    /// People the device acknowledged holding.
    pub held: u64,
    /// People whose change waits to be sent (or acknowledged).
    pub pending: u64,
    /// Changes waiting for longer than anything else, in seconds (0 when none wait).
    pub oldest_pending_seconds: u64,
    /// People the device cannot hold; each has its reason on the person's page.
    pub refused: u64,
    /// Some of the refused were refused for want of room.
    pub full: bool,
    /// How many people the device can hold, from its capabilities.
    pub capacity: Option<u32>,
    pub failing_since: Option<String>,
    pub last_error: Option<String>,
    /// The last read-back of the device that found it equal to the directory.
    pub verified_at: Option<String>,
    /// What the last read-back that found a difference found (it was repaired), and when.
    pub drift: Option<String>,
    pub drift_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
}

/// One device's part in a person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonOnDevice {
    pub device_id: u32,
    pub model: String,
    /// Whether the directory wants the device to hold the person.
    pub wanted: bool,
    /// The version of the person the device acknowledged; None when it holds nobody of
    /// that ID, 0 when it may hold an unknown version (an answer was lost).
    pub held_version: Option<i64>,
    pub acknowledged_at: Option<String>,
    /// A change for this device waits to be sent or acknowledged.
    pub pending: bool,
    /// Why the device cannot hold the person.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonDevices {
    /// The person's current version, to compare with each device's.
    pub version: i64,
    pub devices: Vec<PersonOnDevice>,
}

/// Someone who lost access (suspended, deactivated or deleted) and whom a device still
/// holds: a door that may still open for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Revocation {
    /// The directory ID (a deleted person's too).
    pub id: i64,
    pub user_id: String,
    pub name: String,
    /// SUSPENDED, DEACTIVATED, or DELETED.
    pub status: String,
    pub device_id: u32,
    pub model: String,
    /// Since when the device should no longer hold them.
    pub since: String,
    pub seconds: u64,
    /// Why the removal has not been confirmed (the device's error, or that it is offline).
    pub waiting_for: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationList {
    pub revocations: Vec<Revocation>,
    /// There are more than this page shows (oldest first).
    pub has_more: bool,
}

/// What `POST /v1/devices/{id}/resync` queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Resync {
    /// People whose record (or removal) is sent again.
    pub queued: u64,
}

/// A device against the directory, read from the device itself
/// (`GET /v1/devices/{id}/diff`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceDiff {
    pub device_id: u32,
    /// People the device holds, as it reports them.
    pub on_device: u64,
    /// People the device should hold and does not.
    pub missing: DiffPart,
    /// People the device holds and should not (or whom the directory does not know).
    pub extra: DiffPart,
    /// People it holds in another form than the directory's (name, validity, credentials…).
    pub stale: DiffPart,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffPart {
    pub count: u64,
    /// The first 100 of them, by user ID.
    pub people: Vec<DiffEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DiffEntry {
    pub user_id: String,
    /// The directory ID, when the directory knows the person.
    pub id: Option<i64>,
    pub name: Option<String>,
    /// What differs (`name`, `cards`…), or why the person is missing or extra.
    pub detail: String,
}

/// Where a person's record stands at the doors, as a list shows it (`GET /v1/users`): how
/// many devices still wait for a change, refused it, or are offline with it waiting. All
/// zero: every device agrees with the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DoorSync {
    pub pending: u32,
    pub failing: u32,
    pub offline: u32,
    /// A device's reason, when one refused the record.
    pub reason: Option<String>,
}
