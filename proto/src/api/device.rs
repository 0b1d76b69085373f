//! The site's devices as its gateway reports them at the time of asking (`GET /v1/devices`):
//! what the console offers for a scan. Sync state per device arrives with the sync worker.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceView {
    /// The device ID the gateway and the scan calls use.
    pub id: u32,
    /// The model's name (`BioStation 3`), or its type when the device did not say.
    pub model: String,
    pub address: String,
    /// Connected to the gateway now.
    pub connected: bool,
    /// What it can capture; unknown capabilities (a device that did not answer) are false.
    pub scans_cards: bool,
    pub scans_fingerprints: bool,
    pub scans_faces: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceList {
    pub devices: Vec<DeviceView>,
}
