//! The simulated gateway: its devices, their connection state, and how a call reaches a
//! device (latency, offline, blocking store writes off the async runtime).

use crate::config::SimConfig;
use crate::device::Device;
use crate::pin_hash::PinHasher;
use proto::gsdk::connect::{Status as ConnStatus, StatusChange};
use proto::gsdk::err::ErrorResponse;
use proto::multi_error::multi_error_status;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::{broadcast, watch};
use tonic::{Code, Status};

pub struct Simulator {
    devices: BTreeMap<u32, Arc<Device>>,
    status_changes: broadcast::Sender<StatusChange>,
    /// Set when the server stops, so open SubscribeStatus streams end and shutdown completes.
    closing: watch::Sender<bool>,
    /// Percent of answers lost after the call took effect (see `SetDropRate`).
    drop_percent: AtomicU32,
    pub pin_hasher: PinHasher,
}

impl Simulator {
    /// Opens every device's store under `data_dir` (created if missing).
    pub fn open(config: &SimConfig, data_dir: &Path) -> anyhow::Result<Arc<Self>> {
        config.check()?;
        std::fs::create_dir_all(data_dir)?;
        let mut devices = BTreeMap::new();
        for d in &config.devices {
            let device = Device::open(d.clone(), data_dir)
                .map_err(|e| anyhow::anyhow!("device {} store in {}: {e}", d.id, data_dir.display()))?;
            devices.insert(d.id, Arc::new(device));
        }
        let (status_changes, _) = broadcast::channel(1024);
        let (closing, _) = watch::channel(false);
        Ok(Arc::new(Self {
            devices,
            status_changes,
            closing,
            drop_percent: AtomicU32::new(0),
            pin_hasher: PinHasher::open(data_dir)?,
        }))
    }

    pub fn devices(&self) -> impl Iterator<Item = &Arc<Device>> {
        self.devices.values()
    }

    fn known(&self, id: u32) -> Result<&Arc<Device>, Status> {
        self.devices.get(&id).ok_or_else(|| Status::not_found(format!("deviceID: no device {id} on this gateway")))
    }

    /// Takes a device offline or back online; subscribers of SubscribeStatus hear of it.
    pub fn set_online(&self, id: u32, online: bool) -> Result<(), Status> {
        let device = self.known(id)?;
        if device.set_online(online) {
            tracing::info!(device = id, online, "device connection changed");
            let status = if online { ConnStatus::TcpConnected } else { ConnStatus::Disconnected };
            let timestamp = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as u32).unwrap_or(0);
            // No subscriber is fine.
            let _ = self.status_changes.send(StatusChange { device_id: id, status: status as i32, timestamp });
        }
        Ok(())
    }

    /// Adds latency to every call of one device (or of all devices with `None`).
    pub fn set_latency(&self, id: Option<u32>, latency: Duration) -> Result<(), Status> {
        match id {
            Some(id) => self.known(id)?.set_latency(latency),
            None => self.devices.values().for_each(|d| d.set_latency(latency)),
        }
        Ok(())
    }

    pub fn set_drop_rate(&self, percent: u32) {
        self.drop_percent.store(percent.min(100), Ordering::SeqCst);
    }

    /// A call's answer, unless the drop rate loses it: the call took effect all the same.
    fn answer<R>(&self, result: Result<R, Status>) -> Result<R, Status> {
        let percent = self.drop_percent.load(Ordering::SeqCst);
        if percent > 0 && rand::random_range(0..100) < percent {
            return Err(Status::unavailable("the gateway's answer was lost on the way back (simulated)"));
        }
        result
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<StatusChange>, watch::Receiver<bool>) {
        (self.status_changes.subscribe(), self.closing.subscribe())
    }

    /// Ends every open SubscribeStatus stream (called when a server stops).
    pub fn close_streams(&self) {
        self.closing.send_replace(true);
    }

    /// The device a call addresses, after its latency; UNAVAILABLE while it is offline.
    pub async fn reach(&self, id: u32) -> Result<Arc<Device>, Status> {
        let device = self.known(id)?.clone();
        let latency = device.latency();
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        device.check_online()?;
        Ok(device)
    }

    /// Runs `op` on one device, off the async runtime (store writes fsync).
    pub async fn on_device<R: Send + 'static>(
        &self,
        id: u32,
        op: impl FnOnce(&Device) -> Result<R, Status> + Send + 'static,
    ) -> Result<R, Status> {
        let result = self.run_on_device(id, op).await;
        self.answer(result)
    }

    async fn run_on_device<R: Send + 'static>(
        &self,
        id: u32,
        op: impl FnOnce(&Device) -> Result<R, Status> + Send + 'static,
    ) -> Result<R, Status> {
        let device = self.reach(id).await?;
        tokio::task::spawn_blocking(move || op(&device))
            .await
            .map_err(|e| Status::internal(format!("device {id} task failed: {e}")))?
    }

    /// Runs `op` on every device at once. Any failure answers a non-OK status whose details
    /// carry a MultiErrorResponse naming exactly the failed devices; the others keep the change.
    pub async fn on_devices(
        self: &Arc<Self>,
        method: &str,
        ids: &[u32],
        op: impl Fn(&Device) -> Result<(), Status> + Send + Sync + 'static,
    ) -> Result<(), Status> {
        if ids.is_empty() {
            return Err(Status::invalid_argument("deviceIDs: is required"));
        }
        let unique: BTreeSet<u32> = ids.iter().copied().collect();
        if unique.len() != ids.len() {
            return Err(Status::invalid_argument("deviceIDs: a device appears twice"));
        }
        let op = Arc::new(op);
        let calls: Vec<_> = ids
            .iter()
            .map(|&id| {
                let (sim, op) = (self.clone(), op.clone());
                (id, tokio::spawn(async move { sim.run_on_device(id, move |d| op(d)).await }))
            })
            .collect();
        let mut errors = Vec::new();
        for (id, call) in calls {
            let outcome = call.await.unwrap_or_else(|e| Err(Status::internal(e.to_string())));
            if let Err(status) = outcome {
                errors.push(ErrorResponse {
                    device_id: id,
                    code: status.code() as i32,
                    msg: status.message().to_owned(),
                });
            }
        }
        if errors.is_empty() {
            return self.answer(Ok(()));
        }
        let code = most_telling(&errors);
        let summary: Vec<String> = errors.iter().map(|e| format!("{}: {}", e.device_id, e.msg)).collect();
        let message = format!("{method} failed on {} of {} devices: {}", errors.len(), ids.len(), summary.join("; "));
        Err(multi_error_status(code, &message, errors))
    }
}

/// The top-level code of a failed Multi call: a permanent failure tells more than a
/// transient one, so UNAVAILABLE wins only when nothing else failed.
fn most_telling(errors: &[ErrorResponse]) -> Code {
    const ORDER: [Code; 6] = [
        Code::InvalidArgument,
        Code::ResourceExhausted,
        Code::AlreadyExists,
        Code::NotFound,
        Code::FailedPrecondition,
        Code::Unavailable,
    ];
    ORDER.into_iter().find(|code| errors.iter().any(|e| e.code == *code as i32)).unwrap_or(Code::Internal)
}
