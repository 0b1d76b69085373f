//! Crash-safe persistence of one device's users: a snapshot plus a write-ahead log.
//!
//! - `snapshot`: magic, generation, length, CRC-32, then the users. Replaced only by
//!   write-to-temp + fsync + rename, so it is always whole.
//! - `wal`: magic and the snapshot generation it extends, then one record per call
//!   (length, CRC-32, payload), each fsynced before the call answers. A torn tail from a
//!   kill -9 fails its CRC and is cut off at the next start: only the call in flight is lost.
//! - Compaction writes snapshot N+1, then a fresh log for N+1. A log whose generation
//!   does not match the snapshot is already inside it and is discarded.

use prost::Message;
use proto::gsdk::user::UserInfo;
use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const SNAPSHOT_MAGIC: &[u8; 8] = b"LNTLSNP1";
const WAL_MAGIC: &[u8; 8] = b"LNTLWAL1";
const WAL_HEADER_LEN: u64 = 16;
/// Compact once the log outgrows both this and the snapshot.
const COMPACT_AFTER_BYTES: u64 = 64 << 20;

pub type Users = BTreeMap<String, UserInfo>;

/// One call's effect: applied as `clear`, then `deletes`, then `upserts`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WalRecord {
    #[prost(message, repeated, tag = "1")]
    pub upserts: Vec<UserInfo>,
    #[prost(string, repeated, tag = "2")]
    pub deletes: Vec<String>,
    #[prost(bool, tag = "3")]
    pub clear: bool,
}

impl WalRecord {
    pub fn apply(self, users: &mut Users) {
        if self.clear {
            users.clear();
        }
        for id in self.deletes {
            users.remove(&id);
        }
        for user in self.upserts {
            let id = user.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default();
            users.insert(id, user);
        }
    }
}

#[derive(Clone, PartialEq, prost::Message)]
struct Snapshot {
    #[prost(message, repeated, tag = "1")]
    users: Vec<UserInfo>,
}

pub struct Store {
    dir: PathBuf,
    wal: File,
    wal_len: u64,
    snapshot_len: u64,
    generation: u64,
}

impl Store {
    /// Opens (or creates) the store in `dir` and returns the users it holds.
    pub fn open(dir: &Path) -> io::Result<(Self, Users)> {
        fs::create_dir_all(dir)?;
        for tmp in ["snapshot.tmp", "wal.tmp"] {
            let _ = fs::remove_file(dir.join(tmp));
        }
        let (generation, mut users, snapshot_len) = read_snapshot(&dir.join("snapshot"))?;
        let wal_path = dir.join("wal");
        let replayed = match File::options().read(true).write(true).open(&wal_path) {
            Ok(mut wal) => replay(&mut wal, generation, &mut users)?.map(|len| (wal, len)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let (wal, wal_len) = match replayed {
            Some(found) => found,
            None => (new_wal(dir, generation)?, WAL_HEADER_LEN),
        };
        Ok((Self { dir: dir.to_owned(), wal, wal_len, snapshot_len, generation }, users))
    }

    /// Appends one call's record and makes it durable. On failure the log is cut back so a
    /// later record never follows a torn one.
    pub fn append(&mut self, record: &WalRecord) -> io::Result<()> {
        let payload = record.encode_to_vec();
        let len = u32::try_from(payload.len()).map_err(|_| io::Error::other("record over 4 GiB"))?;
        let mut frame = Vec::with_capacity(payload.len() + 8);
        frame.extend_from_slice(&len.to_le_bytes());
        frame.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        let written = self.wal.write_all(&frame).and_then(|()| self.wal.sync_data());
        if let Err(e) = written {
            let _ = self.wal.set_len(self.wal_len);
            let _ = self.wal.seek(SeekFrom::Start(self.wal_len));
            return Err(e);
        }
        self.wal_len += frame.len() as u64;
        Ok(())
    }

    /// Folds the log into a new snapshot once it has grown large.
    pub fn maybe_compact(&mut self, users: &Users) -> io::Result<()> {
        if self.wal_len < COMPACT_AFTER_BYTES.max(self.snapshot_len) {
            return Ok(());
        }
        let generation = self.generation + 1;
        let payload = Snapshot { users: users.values().cloned().collect() }.encode_to_vec();
        let mut bytes = Vec::with_capacity(payload.len() + 28);
        bytes.extend_from_slice(SNAPSHOT_MAGIC);
        bytes.extend_from_slice(&generation.to_le_bytes());
        bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&payload).to_le_bytes());
        bytes.extend_from_slice(&payload);
        write_atomically(&self.dir, "snapshot", &bytes)?;
        self.wal = new_wal(&self.dir, generation)?;
        self.wal_len = WAL_HEADER_LEN;
        self.snapshot_len = bytes.len() as u64;
        self.generation = generation;
        Ok(())
    }
}

fn read_snapshot(path: &Path) -> io::Result<(u64, Users, u64)> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, Users::new(), 0)),
        Err(e) => return Err(e),
    };
    let corrupt = || io::Error::new(io::ErrorKind::InvalidData, format!("{}: corrupt snapshot", path.display()));
    if bytes.len() < 28 || &bytes[..8] != SNAPSHOT_MAGIC {
        return Err(corrupt());
    }
    let word = |at: usize| u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or_default());
    let (generation, len) = (word(8), word(16) as usize);
    let crc = u32::from_le_bytes(bytes[24..28].try_into().unwrap_or_default());
    let payload = bytes.get(28..28 + len).ok_or_else(corrupt)?;
    if crc32fast::hash(payload) != crc {
        return Err(corrupt());
    }
    let snapshot = Snapshot::decode(payload).map_err(|_| corrupt())?;
    let mut users = Users::new();
    WalRecord { upserts: snapshot.users, ..Default::default() }.apply(&mut users);
    Ok((generation, users, bytes.len() as u64))
}

/// Replays a log of `generation` onto `users`; returns its valid length, or None when the
/// log belongs to another generation (or has no whole header) and must be replaced.
fn replay(wal: &mut File, generation: u64, users: &mut Users) -> io::Result<Option<u64>> {
    let mut bytes = Vec::new();
    wal.read_to_end(&mut bytes)?;
    if bytes.len() < WAL_HEADER_LEN as usize || &bytes[..8] != WAL_MAGIC || bytes[8..16] != generation.to_le_bytes() {
        return Ok(None);
    }
    let mut at = WAL_HEADER_LEN as usize;
    while let Some(frame) = bytes.get(at..at + 8) {
        let len = u32::from_le_bytes([frame[0], frame[1], frame[2], frame[3]]) as usize;
        let crc = u32::from_le_bytes([frame[4], frame[5], frame[6], frame[7]]);
        let Some(payload) = bytes.get(at + 8..at + 8 + len) else { break };
        if crc32fast::hash(payload) != crc {
            break;
        }
        let Ok(record) = WalRecord::decode(payload) else { break };
        record.apply(users);
        at += 8 + len;
    }
    let valid = at as u64;
    if valid < bytes.len() as u64 {
        tracing::warn!(dropped = bytes.len() as u64 - valid, "cut a torn record off the end of the log");
        wal.set_len(valid)?;
        wal.sync_all()?;
    }
    wal.seek(SeekFrom::Start(valid))?;
    Ok(Some(valid))
}

fn new_wal(dir: &Path, generation: u64) -> io::Result<File> {
    let mut header = WAL_MAGIC.to_vec();
    header.extend_from_slice(&generation.to_le_bytes());
    write_atomically(dir, "wal", &header)?;
    let mut wal = OpenOptions::new().read(true).write(true).open(dir.join("wal"))?;
    wal.seek(SeekFrom::End(0))?;
    Ok(wal)
}

/// Write to a temporary file, fsync it, rename it over `name`, fsync the directory.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!("{name}.tmp"));
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    fs::rename(&tmp, dir.join(name))?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::gsdk::user::UserHdr;

    fn user(id: &str, name: &str) -> UserInfo {
        UserInfo { hdr: Some(UserHdr { id: id.into(), ..Default::default() }), name: name.into(), ..Default::default() }
    }

    fn upsert(users: Vec<UserInfo>) -> WalRecord {
        WalRecord { upserts: users, ..Default::default() }
    }

    #[test]
    fn torn_tail_loses_only_the_last_call() {
        let dir = tempfile::tempdir().unwrap();
        {
            let (mut store, _) = Store::open(dir.path()).unwrap();
            store.append(&upsert(vec![user("1", "Ann")])).unwrap();
            store.append(&upsert(vec![user("2", "Bo")])).unwrap();
        }
        // Simulate a kill -9 in the middle of the second record.
        let wal = dir.path().join("wal");
        let len = fs::metadata(&wal).unwrap().len();
        OpenOptions::new().write(true).open(&wal).unwrap().set_len(len - 3).unwrap();

        let (mut store, users) = Store::open(dir.path()).unwrap();
        assert_eq!(users.keys().collect::<Vec<_>>(), ["1"]);
        // Appends after recovery land after the cut, not after the garbage.
        store.append(&upsert(vec![user("3", "Cy")])).unwrap();
        drop(store);
        let (_, users) = Store::open(dir.path()).unwrap();
        assert_eq!(users.keys().collect::<Vec<_>>(), ["1", "3"]);
    }

    #[test]
    fn compaction_keeps_everything_and_stale_logs_are_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let mut users = Users::new();
        {
            let (mut store, _) = Store::open(dir.path()).unwrap();
            let rec = upsert((0..10).map(|i| user(&i.to_string(), "x")).collect());
            store.append(&rec).unwrap();
            rec.apply(&mut users);
            let del = WalRecord { deletes: vec!["3".into()], ..Default::default() };
            store.append(&del).unwrap();
            del.apply(&mut users);
            store.wal_len = COMPACT_AFTER_BYTES; // force
            store.maybe_compact(&users).unwrap();
            assert_eq!(store.generation, 1);
        }
        // A log of the previous generation (crash between snapshot and new log) is ignored.
        let mut stale = WAL_MAGIC.to_vec();
        stale.extend_from_slice(&0u64.to_le_bytes());
        fs::write(dir.path().join("wal"), stale).unwrap();
        let (_, reopened) = Store::open(dir.path()).unwrap();
        assert_eq!(reopened, users);
        assert_eq!(reopened.len(), 9);
    }
}
