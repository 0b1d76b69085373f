//! The site's devices as its gateway reports them (`Connect.GetDeviceList`), with each
//! one's model and capabilities (`Device.GetInfo`, `GetCapabilityInfo`, kept in the
//! database and read again when the device reconnects), and their connection changes
//! (`Connect.SubscribeStatus`).

use crate::db::Db;
use prost::Message;
use proto::domain::DeviceRules;
use proto::gsdk::connect::connect_client::ConnectClient;
use proto::gsdk::connect::{DeviceInfo, GetDeviceListRequest, Status as Connection};
use proto::gsdk::device::device_client::DeviceClient;
use proto::gsdk::device::{CapabilityInfo, GetCapabilityInfoRequest, GetInfoRequest, Type};
use tonic::transport::Channel;

/// What the sync worker needs to know of a device to send it records.
#[derive(Debug, Clone, Copy)]
pub struct Capacity {
    pub rules: DeviceRules,
    pub max_users: u32,
}

impl Capacity {
    pub fn from_capability(cap: &CapabilityInfo) -> Self {
        Self { rules: DeviceRules::from_capability(cap), max_users: cap.max_num_of_user }
    }
}

/// One device as the database now knows it.
#[derive(Debug, Clone)]
pub struct Known {
    pub row: i64,
    pub device_id: u32,
    pub connected: bool,
    pub capacity: Option<Capacity>,
    /// First seen in this refresh: how many people it was given to hold.
    pub filled: Option<u64>,
}

pub fn is_connected(status: i32) -> bool {
    matches!(Connection::try_from(status), Ok(Connection::TcpConnected | Connection::TlsConnected))
}

/// Asks the gateway for its devices and records them; a device that is connected and whose
/// capabilities are not known yet (or that just reconnected) is asked for them.
pub async fn refresh(db: &Db, channel: &Channel, site_id: i64, now: i64) -> anyhow::Result<Vec<Known>> {
    let infos = ConnectClient::new(channel.clone()).get_device_list(GetDeviceListRequest {}).await?.into_inner();
    let mut known = Vec::with_capacity(infos.device_infos.len());
    for info in infos.device_infos {
        known.push(record(db, channel, site_id, &info, now).await?);
    }
    Ok(known)
}

#[derive(sqlx::FromRow)]
struct Stored {
    id: i64,
    connected: bool,
    capability: Option<Vec<u8>>,
}

async fn record(db: &Db, channel: &Channel, site_id: i64, info: &DeviceInfo, now: i64) -> anyhow::Result<Known> {
    let connected = is_connected(info.status);
    let stored: Option<Stored> =
        sqlx::query_as("SELECT id, connected, capability FROM devices WHERE site_id = $1 AND device_id = $2")
            .bind(site_id)
            .bind(i64::from(info.device_id))
            .fetch_optional(db)
            .await?;
    let mut capability =
        stored.as_ref().and_then(|s| s.capability.as_deref()).and_then(|c| CapabilityInfo::decode(c).ok());
    let reconnected = stored.as_ref().is_some_and(|s| !s.connected) && connected;
    let mut model = None;
    if connected && (capability.is_none() || reconnected) {
        let mut client = DeviceClient::new(channel.clone());
        let id = info.device_id;
        if let Ok(r) = client.get_capability_info(GetCapabilityInfoRequest { device_id: id }).await {
            capability = r.into_inner().cap_info.or(capability);
        }
        if let Ok(r) = client.get_info(GetInfoRequest { device_id: id }).await {
            model = r.into_inner().info.map(|i| i.model_name).filter(|m| !m.is_empty());
        }
    }
    // The model's name when the device told it now, else what is stored, else its type.
    let kind = || Type::try_from(info.r#type).map_or("UNKNOWN", |t| t.as_str_name()).to_owned();
    let address = format!("{}:{}", info.ip_addr, info.port);
    let encoded = capability.as_ref().map(Message::encode_to_vec);
    let mut filled = None;
    let row = match &stored {
        Some(s) => {
            let _turn = crate::db::turn(db).await;
            sqlx::query(
                "UPDATE devices SET model = COALESCE($1, model), address = $2,
                     capability = COALESCE($3, capability), seen_at = $4,
                     connected_since = CASE WHEN connected = $5 THEN connected_since ELSE $4 END, connected = $5
                 WHERE id = $6",
            )
            .bind(model)
            .bind(&address)
            .bind(encoded)
            .bind(now)
            .bind(connected)
            .bind(s.id)
            .execute(db)
            .await?;
            s.id
        }
        None => {
            // The device and everyone it must hold in one transaction: known means filled.
            let mode = super::fan_out::mode(db, site_id).await?;
            let mut tx = crate::db::write(db).await?;
            let row: i64 = sqlx::query_scalar(
                "INSERT INTO devices (site_id, device_id, model, address, capability, connected, connected_since, seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
            )
            .bind(site_id)
            .bind(i64::from(info.device_id))
            .bind(model.unwrap_or_else(kind))
            .bind(&address)
            .bind(encoded)
            .bind(connected)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            filled = Some(super::fan_out::fill(&mut tx, mode, site_id, row, now).await?);
            tx.commit().await?;
            row
        }
    };
    Ok(Known {
        row,
        device_id: info.device_id,
        connected,
        capacity: capability.as_ref().map(Capacity::from_capability),
        filled,
    })
}

/// A connection change reported by the gateway; answers the device's row if it is known.
pub async fn set_connected(
    db: &Db,
    site_id: i64,
    device_id: u32,
    connected: bool,
    now: i64,
) -> sqlx::Result<Option<i64>> {
    let _turn = crate::db::turn(db).await;
    sqlx::query_scalar(
        "UPDATE devices SET connected_since = CASE WHEN connected = $1 THEN connected_since ELSE $2 END, connected = $1
         WHERE site_id = $3 AND device_id = $4 RETURNING id",
    )
    .bind(connected)
    .bind(now)
    .bind(site_id)
    .bind(i64::from(device_id))
    .fetch_optional(db)
    .await
}
