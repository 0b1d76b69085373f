//! Which devices a site has and what each accepts, as the bridge checks them on every call:
//! read from the `devices` table (kept by the sync's device watcher) and kept for a few
//! seconds, so a burst of calls costs one query, not one each.

use crate::db::Db;
use prost::Message;
use proto::domain::DeviceRules;
use proto::gsdk::device::CapabilityInfo;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a read stays good: a device added at the gateway is callable this soon.
const FRESH_FOR: Duration = Duration::from_secs(5);

/// Device ID → its rules, `None` until its capabilities were read.
pub type Devices = HashMap<u32, Option<DeviceRules>>;

#[derive(Default)]
pub struct SiteDevices {
    read: Mutex<HashMap<i64, (Instant, Arc<Devices>)>>,
}

impl SiteDevices {
    pub async fn get(&self, db: &Db, site_id: i64) -> sqlx::Result<Arc<Devices>> {
        if let Some((at, devices)) = self.lock().get(&site_id)
            && at.elapsed() < FRESH_FOR
        {
            return Ok(devices.clone());
        }
        let devices = Arc::new(read(db, site_id).await?);
        self.lock().insert(site_id, (Instant::now(), devices.clone()));
        Ok(devices)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, (Instant, Arc<Devices>)>> {
        self.read.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn read(db: &Db, site_id: i64) -> sqlx::Result<Devices> {
    let rows: Vec<(i64, Option<Vec<u8>>)> =
        sqlx::query_as("SELECT device_id, capability FROM devices WHERE site_id = $1")
            .bind(site_id)
            .fetch_all(db)
            .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, capability)| {
            let rules = capability
                .and_then(|c| CapabilityInfo::decode(c.as_slice()).ok())
                .map(|c| DeviceRules::from_capability(&c));
            Some((u32::try_from(id).ok()?, rules))
        })
        .collect())
}
