//! One simulated device: its users (persisted through [`Store`]), the rules it enforces
//! and the operations behind the User RPCs. Writes validate everything first, log the
//! call's effect durably, then change memory: a call is applied whole or not at all.

use crate::config::DeviceConfig;
use crate::store::{Store, Users, WalRecord};
use proto::domain::{DeviceRules, FieldError};
use proto::gsdk::device::CapabilityInfo;
use proto::gsdk::user::{InfoMask, UpdateMask, UserHdr, UserInfo, UserStatistic};
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tonic::Status;

pub struct Device {
    pub config: DeviceConfig,
    pub capability: CapabilityInfo,
    pub rules: DeviceRules,
    online: AtomicBool,
    latency_ms: AtomicU32,
    scans: AtomicU64,
    state: Mutex<State>,
}

struct State {
    users: Users,
    store: Store,
}

pub fn invalid(e: FieldError) -> Status {
    Status::invalid_argument(e.to_string())
}

fn store_error(e: std::io::Error) -> Status {
    tracing::error!(error = %e, "device store write failed");
    Status::internal(format!("device storage failed: {e}"))
}

impl Device {
    pub fn open(config: DeviceConfig, data_dir: &Path) -> std::io::Result<Self> {
        let capability = config.model.capability(config.capacity(), config.alphanumeric_ids);
        let (store, users) = Store::open(&data_dir.join(format!("device-{}", config.id)))?;
        Ok(Self {
            rules: DeviceRules::from_capability(&capability),
            capability,
            config,
            online: AtomicBool::new(true),
            latency_ms: AtomicU32::new(0),
            scans: AtomicU64::new(0),
            state: Mutex::new(State { users, store }),
        })
    }

    pub fn id(&self) -> u32 {
        self.config.id
    }

    pub fn is_online(&self) -> bool {
        self.online.load(Ordering::SeqCst)
    }

    /// Returns whether the state changed.
    pub fn set_online(&self, online: bool) -> bool {
        self.online.swap(online, Ordering::SeqCst) != online
    }

    pub fn set_latency(&self, latency: Duration) {
        self.latency_ms.store(latency.as_millis().min(u32::MAX as u128) as u32, Ordering::SeqCst);
    }

    pub fn latency(&self) -> Duration {
        Duration::from_millis(u64::from(self.latency_ms.load(Ordering::SeqCst)))
    }

    /// The next scan number of this device (scans are deterministic per device and call).
    pub fn next_scan(&self) -> u64 {
        self.scans.fetch_add(1, Ordering::SeqCst)
    }

    /// Fails with UNAVAILABLE while the device is offline.
    pub fn check_online(&self) -> Result<(), Status> {
        if self.is_online() {
            Ok(())
        } else {
            Err(Status::unavailable(format!("device {} is disconnected", self.id())))
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Validates against the current users, logs the record, then applies it.
    fn write<R>(&self, plan: impl FnOnce(&Users) -> Result<(WalRecord, R), Status>) -> Result<R, Status> {
        let mut state = self.lock();
        let (record, result) = plan(&state.users)?;
        state.store.append(&record).map_err(store_error)?;
        let State { users, store } = &mut *state;
        record.apply(users);
        if let Err(e) = store.maybe_compact(users) {
            // The log still holds every call; compaction is retried on the next write.
            tracing::warn!(device = self.id(), error = %e, "compaction failed");
        }
        Ok(result)
    }

    fn check_capacity(&self, users: &Users, new_ids: usize) -> Result<(), Status> {
        let max = self.capability.max_num_of_user as usize;
        if users.len() + new_ids > max {
            return Err(Status::resource_exhausted(format!(
                "users: device {} holds {} users; {new_ids} more exceed its capacity of {max}",
                self.id(),
                users.len()
            )));
        }
        Ok(())
    }

    /// Checks one record and fills in the header counts the device keeps itself.
    fn normalised(&self, at: &str, mut user: UserInfo) -> Result<(String, UserInfo), Status> {
        let id = self.rules.user_info(&user).map_err(|e| invalid(e.within(at)))?;
        let hdr = user.hdr.get_or_insert_with(UserHdr::default);
        hdr.num_of_card = user.cards.len() as i32;
        hdr.num_of_finger = user.fingers.len() as i32;
        hdr.num_of_face = user.faces.len() as i32;
        hdr.update_mask = 0;
        Ok((id.to_string(), user))
    }

    pub fn enroll(&self, users: &[UserInfo], overwrite: bool) -> Result<(), Status> {
        self.write(|current| {
            let mut ids = BTreeSet::new();
            let mut upserts = Vec::with_capacity(users.len());
            let mut new_ids = 0;
            for (i, user) in users.iter().enumerate() {
                let at = format!("users[{i}]");
                let (id, user) = self.normalised(&at, user.clone())?;
                if !ids.insert(id.clone()) {
                    return Err(Status::invalid_argument(format!("{at}.hdr.ID: {id} appears twice in the request")));
                }
                if current.contains_key(&id) {
                    if !overwrite {
                        return Err(Status::already_exists(format!(
                            "{at}.hdr.ID: user {id} already exists on device {} (overwrite is false)",
                            self.id()
                        )));
                    }
                } else {
                    new_ids += 1;
                }
                upserts.push(user);
            }
            self.check_capacity(current, new_ids)?;
            Ok((WalRecord { upserts, ..Default::default() }, ()))
        })
    }

    /// Update keeps the parts named by each header's updateMask; KEEP_NONE acts as
    /// Enroll with overwrite.
    pub fn update(&self, users: &[UserInfo]) -> Result<(), Status> {
        self.write(|current| {
            let mut ids = BTreeSet::new();
            let mut upserts = Vec::with_capacity(users.len());
            let mut new_ids = 0;
            for (i, user) in users.iter().enumerate() {
                let at = format!("users[{i}]");
                let mask = user.hdr.as_ref().map(|h| h.update_mask).unwrap_or(0);
                let id = user.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default();
                let merged = match current.get(&id) {
                    Some(old) => keep_masked(old, user.clone(), mask),
                    None if mask == UpdateMask::KeepNone as u32 => {
                        new_ids += 1;
                        user.clone()
                    }
                    None => {
                        return Err(Status::not_found(format!(
                            "{at}.hdr.ID: user {id} is not on device {}",
                            self.id()
                        )));
                    }
                };
                let (id, merged) = self.normalised(&at, merged)?;
                if !ids.insert(id.clone()) {
                    return Err(Status::invalid_argument(format!("{at}.hdr.ID: {id} appears twice in the request")));
                }
                upserts.push(merged);
            }
            self.check_capacity(current, new_ids)?;
            Ok((WalRecord { upserts, ..Default::default() }, ()))
        })
    }

    /// Deletes the present users; if some were absent, answers NOT_FOUND naming them
    /// (the others are gone all the same).
    pub fn delete(&self, ids: &[String]) -> Result<(), Status> {
        let missing = self.write(|current| {
            let (present, missing): (Vec<String>, Vec<String>) =
                ids.iter().cloned().partition(|id| current.contains_key(id));
            Ok((WalRecord { deletes: present, ..Default::default() }, missing))
        })?;
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Status::not_found(format!(
                "userIDs: {} of {} users are not on device {}: {}",
                missing.len(),
                ids.len(),
                self.id(),
                missing.join(", ")
            )))
        }
    }

    pub fn delete_all(&self) -> Result<(), Status> {
        self.write(|_| Ok((WalRecord { clear: true, ..Default::default() }, ())))
    }

    /// Replaces one part (cards, fingers, …) of existing users; the whole record is then
    /// checked against the device rules as Enroll would.
    pub fn set_part<P: Clone>(&self, entries: &[(String, P)], set: impl Fn(&mut UserInfo, P)) -> Result<(), Status> {
        self.write(|current| {
            let mut upserts = Vec::with_capacity(entries.len());
            for (i, (id, part)) in entries.iter().enumerate() {
                let at = format!("[{i}]");
                let mut user = current.get(id).cloned().ok_or_else(|| {
                    Status::not_found(format!("{at}.userID: user {id} is not on device {}", self.id()))
                })?;
                set(&mut user, part.clone());
                let (_, user) = self.normalised(&at, user)?;
                upserts.push(user);
            }
            Ok((WalRecord { upserts, ..Default::default() }, ()))
        })
    }

    /// The users with these IDs, each trimmed to `mask`; NOT_FOUND names any absent one.
    pub fn get(&self, ids: &[String], mask: u32) -> Result<Vec<UserInfo>, Status> {
        let state = self.lock();
        ids.iter()
            .enumerate()
            .map(|(i, id)| {
                state
                    .users
                    .get(id)
                    .map(|u| masked(u, mask))
                    .ok_or_else(|| Status::not_found(format!("userIDs[{i}]: user {id} is not on device {}", self.id())))
            })
            .collect()
    }

    pub fn headers(&self) -> Vec<UserHdr> {
        let state = self.lock();
        state.users.values().filter_map(|u| u.hdr.clone()).collect()
    }

    pub fn statistic(&self) -> UserStatistic {
        let state = self.lock();
        let mut s = UserStatistic { num_of_users: state.users.len() as u32, ..Default::default() };
        for u in state.users.values() {
            s.num_of_cards += u.cards.len() as u32;
            s.num_of_fingerprints += u.fingers.len() as u32;
            s.num_of_faces += u.faces.len() as u32;
            s.num_of_names += u32::from(!u.name.is_empty());
            s.num_of_images += u32::from(!u.photo.is_empty());
        }
        s
    }
}

fn keep_masked(old: &UserInfo, mut new: UserInfo, mask: u32) -> UserInfo {
    let keep = |bit: UpdateMask| mask & bit as u32 != 0;
    if keep(UpdateMask::KeepUserName) {
        new.name = old.name.clone();
    }
    if keep(UpdateMask::KeepUserPhoto) {
        new.photo = old.photo.clone();
    }
    if keep(UpdateMask::KeepUserPin) {
        new.pin = old.pin.clone();
    }
    if keep(UpdateMask::KeepUserCard) {
        new.cards = old.cards.clone();
    }
    if keep(UpdateMask::KeepUserFinger) {
        new.fingers = old.fingers.clone();
    }
    if keep(UpdateMask::KeepUserFace) {
        new.faces = old.faces.clone();
    }
    if keep(UpdateMask::KeepUserJobCode) {
        new.job_codes = old.job_codes.clone();
    }
    new
}

/// A copy of `user` with only the parts named by an InfoMask.
fn masked(user: &UserInfo, mask: u32) -> UserInfo {
    if mask == InfoMask::UserMaskAll as u32 {
        return user.clone();
    }
    let has = |bit: InfoMask| mask & bit as u32 != 0;
    let id = user.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default();
    UserInfo {
        hdr: Some(if has(InfoMask::UserMaskHdr) {
            user.hdr.clone().unwrap_or_default()
        } else {
            UserHdr { id, ..Default::default() }
        }),
        setting: if has(InfoMask::UserMaskSetting) { user.setting } else { None },
        name: if has(InfoMask::UserMaskName) { user.name.clone() } else { String::new() },
        photo: if has(InfoMask::UserMaskPhoto) { user.photo.clone() } else { Vec::new() },
        pin: if has(InfoMask::UserMaskPin) { user.pin.clone() } else { Vec::new() },
        cards: if has(InfoMask::UserMaskCard) { user.cards.clone() } else { Vec::new() },
        fingers: if has(InfoMask::UserMaskFinger) { user.fingers.clone() } else { Vec::new() },
        faces: if has(InfoMask::UserMaskFace) { user.faces.clone() } else { Vec::new() },
        access_group_i_ds: if has(InfoMask::UserMaskAccessGroup) { user.access_group_i_ds.clone() } else { Vec::new() },
        job_codes: if has(InfoMask::UserMaskJob) { user.job_codes.clone() } else { Vec::new() },
    }
}
