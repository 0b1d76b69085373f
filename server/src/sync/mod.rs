//! Device sync (SPEC.md, "Syncing to devices"): the directory's decisions made true at the
//! doors. Per site, three kinds of task run:
//!
//! - the **device watcher** keeps `devices` as the gateway reports them (the list, each
//!   one's capabilities, connection changes from `SubscribeStatus`), gives a new device
//!   everyone it must hold, and tells a device's sender when it comes back;
//! - the **fan-out** turns the outbox ("this person changed") into per-device work
//!   ([`fan_out`]), woken every 200 ms;
//! - one **sender per device** drains that device's work ([`sender`]); a device that cannot
//!   be reached waits with capped, jittered backoff of its own, so it never slows the
//!   others, and is caught up at once when the gateway reports it back.
//!
//! A site's tasks run in one server at a time (the `ownership` module): on PostgreSQL, several
//! servers share the database and the others stand by, taking the site over when its
//! server goes.

mod backoff;
pub mod device_list;
pub mod fan_out;
mod ownership;
pub mod records;
pub mod sender;
pub mod state;
pub mod update_mask;
pub mod verify;

use crate::clock::Clock;
use crate::db::Db;
use backoff::Backoff;
use device_list::{Capacity, Known};
use proto::gsdk::connect::SubscribeStatusRequest;
use proto::gsdk::connect::connect_client::ConnectClient;
use sender::Round;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tonic::transport::Channel;

/// How often the fan-out looks at the outbox when nothing woke it. On PostgreSQL the
/// writing transaction's NOTIFY wakes it; this is the fallback.
#[cfg(not(feature = "postgres"))]
const FAN_OUT_EVERY: Duration = Duration::from_millis(200);
#[cfg(feature = "postgres")]
const FAN_OUT_EVERY: Duration = Duration::from_secs(1);
/// How often an idle sender looks for work nobody told it about (another process's).
const IDLE_EVERY: Duration = Duration::from_secs(1);
/// How often the device list is read again, besides every reconnection of the stream.
const DEVICE_LIST_EVERY: Duration = Duration::from_secs(30);
/// How often an idle device is read back and compared with the directory (and each time it
/// comes back).
pub const VERIFY_EVERY: Duration = Duration::from_secs(600);

/// The sync of every site; stopped with the server.
pub struct Sync {
    sites: Vec<Arc<SiteSync>>,
    /// Each site's ownership task (and on PostgreSQL the outbox listener).
    owners: Mutex<Vec<JoinHandle<()>>>,
    closing: tokio::sync::watch::Sender<bool>,
}

impl Sync {
    /// Starts the sync of each site this server owns (all of them on SQLite; on PostgreSQL
    /// those no other server syncs), and keeps trying for the others.
    pub async fn start(
        db: &Db,
        clock: Arc<dyn Clock>,
        gateways: &crate::gateways::Gateways,
        site_ids: &[i64],
    ) -> anyhow::Result<Self> {
        let (closing, _) = tokio::sync::watch::channel(false);
        let mut sites = Vec::new();
        let mut owners = Vec::new();
        for &site_id in site_ids {
            let Ok(channel) = gateways.channel(site_id) else { continue };
            let site = Arc::new(SiteSync {
                site_id,
                db: db.clone(),
                clock: clock.clone(),
                channel,
                senders: Mutex::default(),
                tasks: Mutex::default(),
                closing: closing.subscribe(),
                outbox_written: Notify::new(),
            });
            let owned = ownership::try_own(db, site_id).await?;
            if owned.is_some() {
                site.take_over().await?;
            }
            owners.push(tokio::spawn(own(site.clone(), owned)));
            sites.push(site);
        }
        #[cfg(feature = "postgres")]
        owners.push(tokio::spawn(wake_on_notify(db.clone(), sites.clone(), closing.subscribe())));
        Ok(Self { sites, owners: Mutex::new(owners), closing })
    }

    /// Stops every task and waits until they are gone (a send in flight is dropped; its
    /// claim is void when the site is next taken over).
    pub async fn stop(&self) {
        self.closing.send_replace(true);
        let owners: Vec<JoinHandle<()>> = lock(&self.owners).drain(..).collect();
        for owner in owners {
            let _ = owner.await;
        }
        for site in &self.sites {
            site.stop_tasks().await;
        }
    }
}

/// Syncs the site while this server owns it; when it is lost, stops its tasks and tries
/// again every few seconds (another server has it meanwhile).
async fn own(site: Arc<SiteSync>, mut owned: Option<ownership::Ownership>) {
    let mut closing = site.closing.clone();
    loop {
        let step = async {
            match owned.take() {
                Some(mut ownership) => {
                    ownership.lost().await;
                    tracing::warn!(site = site.site_id, "sync: the site's lock was lost; another server takes over");
                    site.stop_tasks().await;
                }
                #[cfg(feature = "postgres")]
                None => {
                    tokio::time::sleep(ownership::RETRY).await;
                    match ownership::try_own(&site.db, site.site_id).await {
                        Ok(Some(ownership)) => match site.take_over().await {
                            Ok(()) => {
                                tracing::info!(site = site.site_id, "sync: this server now syncs the site");
                                owned = Some(ownership);
                            }
                            Err(e) => {
                                tracing::warn!(site = site.site_id, error = %e, "sync: taking the site over failed")
                            }
                        },
                        Ok(None) => {}
                        Err(e) => tracing::warn!(site = site.site_id, error = %e, "sync: trying for the site failed"),
                    }
                }
                #[cfg(not(feature = "postgres"))]
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = step => {}
            _ = closing.wait_for(|closing| *closing) => return,
        }
    }
}

/// PostgreSQL: a transaction that writes outbox rows notifies `lintel_outbox` with its
/// site on commit; the site's fan-out wakes at once instead of at its next poll.
#[cfg(feature = "postgres")]
async fn wake_on_notify(db: Db, sites: Vec<Arc<SiteSync>>, mut closing: tokio::sync::watch::Receiver<bool>) {
    let listen = async {
        loop {
            let mut listener = match sqlx::postgres::PgListener::connect_with(&db).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "sync: listening for outbox notifications failed");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                    continue;
                }
            };
            if let Err(e) = listener.listen(crate::directory::outbox::CHANNEL).await {
                tracing::warn!(error = %e, "sync: listening for outbox notifications failed");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
            // recv reconnects by itself after a lost connection (polling covers the gap).
            while let Ok(note) = listener.recv().await {
                let site_id = note.payload().parse::<i64>().ok();
                for site in sites.iter().filter(|s| Some(s.site_id) == site_id) {
                    site.outbox_written.notify_one();
                }
            }
        }
    };
    tokio::select! {
        () = listen => {}
        _ = closing.wait_for(|closing| *closing) => {}
    }
}

impl Drop for Sync {
    fn drop(&mut self) {
        self.closing.send_replace(true);
        for owner in lock(&self.owners).drain(..) {
            owner.abort();
        }
        for site in &self.sites {
            for task in lock(&site.tasks).drain(..) {
                task.abort();
            }
        }
    }
}

struct SiteSync {
    site_id: i64,
    db: Db,
    clock: Arc<dyn Clock>,
    channel: Channel,
    /// By device row.
    senders: Mutex<HashMap<i64, Arc<DeviceSender>>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    /// Set when the server stops.
    closing: tokio::sync::watch::Receiver<bool>,
    /// Outbox rows were written for the site (PostgreSQL's NOTIFY).
    outbox_written: Notify,
}

/// What the site's tasks tell one device's sender.
struct DeviceSender {
    row: i64,
    device_id: u32,
    connected: AtomicBool,
    capacity: Mutex<Option<Capacity>>,
    /// New work was decided for the device.
    work: Notify,
    /// The gateway reported the device back: a backoff wait ends at once.
    back: Notify,
    /// Back from away: read it back at the next idle moment (it may have changed).
    verify: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SiteSync {
    /// Starts syncing the site: claims left by its previous owner (this server's earlier
    /// run, or a server that lost it) are void; the devices are known before anything is
    /// sent (a gateway that does not answer soon is left to the watcher).
    async fn take_over(self: &Arc<Self>) -> anyhow::Result<()> {
        let turn = crate::db::turn(&self.db).await;
        sqlx::query(
            "UPDATE device_users SET lease_until = NULL
             WHERE lease_until IS NOT NULL AND device_row IN (SELECT id FROM devices WHERE site_id = $1)",
        )
        .bind(self.site_id)
        .execute(&self.db)
        .await?;
        drop(turn);
        match tokio::time::timeout(Duration::from_secs(5), refresh_devices(self)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(site_id = self.site_id, error = %e, "device gateway: no device list at start"),
            Err(_) => tracing::warn!(site_id = self.site_id, "device gateway: no device list within 5 s of start"),
        }
        let (watched, fanned) = (self.clone(), self.clone());
        self.spawn(supervised("device watcher", self.closing.clone(), move || watch_devices(watched.clone())));
        self.spawn(supervised("fan-out", self.closing.clone(), move || fan_out_loop(fanned.clone())));
        Ok(())
    }

    /// Stops the site's tasks (its senders included) and waits until they are gone.
    async fn stop_tasks(&self) {
        let tasks: Vec<JoinHandle<()>> = lock(&self.tasks).drain(..).collect();
        for task in &tasks {
            task.abort();
        }
        for task in tasks {
            let _ = task.await;
        }
        lock(&self.senders).clear();
    }

    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        lock(&self.tasks).push(tokio::spawn(task));
    }

    fn senders(&self) -> Vec<Arc<DeviceSender>> {
        lock(&self.senders).values().cloned().collect()
    }

    /// Records what the device list said of a device, starting its sender if it is new.
    fn known(self: &Arc<Self>, k: &Known) {
        let sender = lock(&self.senders).get(&k.row).cloned();
        let sender = match sender {
            Some(s) => s,
            None => {
                let s = Arc::new(DeviceSender {
                    row: k.row,
                    device_id: k.device_id,
                    connected: AtomicBool::new(k.connected),
                    capacity: Mutex::new(k.capacity),
                    work: Notify::new(),
                    back: Notify::new(),
                    verify: AtomicBool::new(true),
                });
                lock(&self.senders).insert(k.row, s.clone());
                let (site, sender) = (self.clone(), s.clone());
                self.spawn(supervised("device sender", self.closing.clone(), move || {
                    send_loop(site.clone(), sender.clone())
                }));
                s
            }
        };
        if k.capacity.is_some() {
            *lock(&sender.capacity) = k.capacity;
        }
        sender.set_connected(k.connected);
    }
}

impl SiteSync {
    async fn gateway_lost(&self) {
        for s in self.senders() {
            s.set_connected(false);
        }
        let now = self.clock.now();
        let _turn = crate::db::turn(&self.db).await;
        let marked =
            sqlx::query("UPDATE devices SET connected = FALSE, connected_since = $1 WHERE site_id = $2 AND connected")
                .bind(now)
                .bind(self.site_id)
                .execute(&self.db)
                .await;
        if let Err(e) = marked {
            tracing::warn!(site = self.site_id, error = %e, "sync: recording the gateway's loss failed");
        }
    }
}

impl DeviceSender {
    fn set_connected(&self, connected: bool) {
        let was = self.connected.swap(connected, Ordering::SeqCst);
        if connected && !was {
            self.verify.store(true, Ordering::SeqCst);
            self.back.notify_one();
        }
    }
}

/// Runs a task until the server stops: a panic (a bug) is logged and the task starts
/// again a second later, so no device is left without its sender.
async fn supervised<F, Fut>(what: &'static str, mut closing: tokio::sync::watch::Receiver<bool>, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    /// A supervisor dropped without a stop (the runtime ends) stops its task too.
    struct AbortOnDrop(tokio::task::AbortHandle);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    loop {
        let mut running = tokio::spawn(task());
        let _stop_with_me = AbortOnDrop(running.abort_handle());
        tokio::select! {
            ended = &mut running => match ended {
                Err(e) if e.is_cancelled() => return,
                Err(_) => tracing::error!(task = what, "sync: a task panicked; starting it again"),
                Ok(()) => tracing::error!(task = what, "sync: a task ended; starting it again"),
            },
            () = async { drop(closing.wait_for(|closing| *closing).await) } => {
                running.abort();
                let _ = running.await;
                return;
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Keeps the site's devices and their connection state; reconnects with backoff.
async fn watch_devices(site: Arc<SiteSync>) {
    let mut backoff = Backoff::default();
    loop {
        match watch_once(&site).await {
            Ok(()) => backoff.reset(),
            Err(e) => tracing::warn!(site = site.site_id, error = %e, "device gateway: watching devices failed"),
        }
        // Until the gateway answers again no device can be reached through it; when it
        // does, each device reported connected is caught up at once.
        site.gateway_lost().await;
        tokio::time::sleep(backoff.next()).await;
    }
}

/// Reads the device list, then follows connection changes until the stream ends (the
/// list is read again every so often: a change missed while the stream lagged is found).
async fn watch_once(site: &Arc<SiteSync>) -> anyhow::Result<()> {
    let mut stream = ConnectClient::new(site.channel.clone())
        .subscribe_status(SubscribeStatusRequest { queue_size: 64 })
        .await?
        .into_inner();
    let mut list = tokio::time::interval(DEVICE_LIST_EVERY);
    loop {
        tokio::select! {
            _ = list.tick() => refresh_devices(site).await?,
            change = stream.message() => {
                let Some(change) = change? else { return Ok(()) };
                let connected = device_list::is_connected(change.status);
                let now = site.clock.now();
                match device_list::set_connected(&site.db, site.site_id, change.device_id, connected, now).await? {
                    Some(row) => {
                        let sender = lock(&site.senders).get(&row).cloned();
                        if let Some(s) = sender {
                            s.set_connected(connected);
                        }
                        // Capabilities may have changed with the device (firmware, model).
                        if connected {
                            refresh_devices(site).await?;
                        }
                    }
                    None => refresh_devices(site).await?,
                }
            }
        }
    }
}

async fn refresh_devices(site: &Arc<SiteSync>) -> anyhow::Result<()> {
    let known = device_list::refresh(&site.db, &site.channel, site.site_id, site.clock.now()).await?;
    for k in &known {
        if let Some(people) = k.filled {
            tracing::info!(site = site.site_id, device = k.device_id, people, "new device: filling it");
        }
        site.known(k);
        if k.filled.is_some()
            && let Some(s) = lock(&site.senders).get(&k.row)
        {
            s.work.notify_one();
        }
    }
    Ok(())
}

/// Turns the outbox into device work and wakes the senders.
async fn fan_out_loop(site: Arc<SiteSync>) {
    loop {
        // Bulk device work (an import's fan-out, a new device filled) must not leave the
        // senders' statements planned for a nearly empty table.
        if let Err(e) = crate::db::refresh_statistics(&site.db, "device_users").await {
            tracing::warn!(site = site.site_id, error = %e, "sync: refreshing the planner's statistics failed");
        }
        match fan_out::run(&site.db, site.site_id, site.clock.now()).await {
            Ok(0) => {
                let _ = tokio::time::timeout(FAN_OUT_EVERY, site.outbox_written.notified()).await;
            }
            Ok(_) => {
                for s in site.senders() {
                    s.work.notify_one();
                }
            }
            Err(e) => {
                tracing::warn!(site = site.site_id, error = %e, "sync: deciding device work failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    }
}

/// One device's sender: rounds while there is work, a wait when there is none, backoff of
/// its own when the device cannot be reached.
async fn send_loop(site: Arc<SiteSync>, device: Arc<DeviceSender>) {
    let mut backoff = Backoff::default();
    let mut failing = false;
    let mut verify_due = tokio::time::Instant::now() + VERIFY_EVERY;
    loop {
        let capacity = *lock(&device.capacity);
        let (Some(capacity), true) = (capacity, device.connected.load(Ordering::SeqCst)) else {
            wait_for(&device, IDLE_EVERY * 5, true).await;
            continue;
        };
        let target = sender::Target {
            db: &site.db,
            channel: &site.channel,
            device_row: device.row,
            device_id: device.device_id,
            capacity,
        };
        match sender::round(&target, site.clock.now()).await {
            Ok(round @ (Round::Idle | Round::Sent)) => {
                backoff.reset();
                if failing {
                    failing = false;
                    note_failure(&site.db, device.row, None, site.clock.now()).await;
                }
                if round == Round::Idle {
                    let due = device.verify.swap(false, Ordering::SeqCst) || tokio::time::Instant::now() >= verify_due;
                    let turn = if due { verify::read_back_turn() } else { None };
                    if due && turn.is_none() {
                        // Another device is being read back: this one's turn comes soon.
                        verify_due = tokio::time::Instant::now() + verify::READ_BACK_RETRY;
                    }
                    if let Some(_turn) = turn {
                        verify_due = tokio::time::Instant::now() + VERIFY_EVERY;
                        let now = site.clock.now();
                        let checked =
                            verify::read_back(&site.db, &site.channel, site.site_id, device.row, device.device_id, now);
                        match checked.await {
                            // Repairs are work: go on at once.
                            Ok(true) => continue,
                            Ok(false) => {}
                            Err(e) => tracing::info!(device = device.device_id, error = %e, "read-back failed"),
                        }
                    }
                    wait_for(&device, IDLE_EVERY, true).await;
                }
            }
            Ok(Round::Unreachable(reason)) => {
                tracing::info!(device = device.device_id, reason, "sync: device unreachable; retrying later");
                failing = true;
                note_failure(&site.db, device.row, Some(&reason), site.clock.now()).await;
                wait_for(&device, backoff.next(), false).await;
            }
            Err(e) => {
                tracing::warn!(device = device.device_id, error = %e, "sync: a round failed");
                wait_for(&device, backoff.next(), false).await;
            }
        }
    }
}

/// Waits `at_most`, less if the device comes back (or, with `on_work`, if work arrives).
async fn wait_for(device: &DeviceSender, at_most: Duration, on_work: bool) {
    let work = async { if on_work { device.work.notified().await } else { std::future::pending().await } };
    tokio::select! {
        _ = tokio::time::sleep(at_most) => {}
        _ = device.back.notified() => {}
        _ = work => {}
    }
}

/// Records on the device that sends fail (since when, and the latest reason), or that they
/// work again.
async fn note_failure(db: &Db, device_row: i64, reason: Option<&str>, now: i64) {
    let _turn = crate::db::turn(db).await;
    let done = match reason {
        Some(reason) => {
            sqlx::query("UPDATE devices SET failing_since = COALESCE(failing_since, $1), last_error = $2 WHERE id = $3")
                .bind(now)
                .bind(reason)
                .bind(device_row)
                .execute(db)
                .await
        }
        None => {
            sqlx::query("UPDATE devices SET failing_since = NULL, last_error = NULL WHERE id = $1")
                .bind(device_row)
                .execute(db)
                .await
        }
    };
    if let Err(e) = done {
        tracing::warn!(device_row, error = %e, "sync: recording a device's state failed");
    }
}
