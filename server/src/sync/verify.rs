//! A device read back and compared with the directory: who is missing, who is there and
//! should not be, who is there in another form.
//!
//! Two depths: the **read-back** every sender makes by itself (when the device has no
//! pending work, every [`super::VERIFY_EVERY`] and whenever the device comes back) reads
//! the device's user list (IDs and how many cards, fingerprints and faces each has); the
//! **diff** an administrator asks for also reads each record's name, validity, auth
//! settings, cards, access groups and PIN. What the read-back finds is repaired at once:
//! the people concerned are sent again (or removed); people on the device whom the
//! directory does not know at all are reported, never removed by Lintel (a device can hold
//! people enrolled at it by hand, such as an installer's maintenance user).

use super::device_list::Capacity;
use crate::db::{Db, IN_LIST_CHUNK, push_in_list};
use proto::api::device::{DeviceDiff, DiffEntry, DiffPart};
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{GetListRequest, GetPartialRequest, InfoMask, UserHdr, UserInfo};
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, HashMap};
use tonic::transport::Channel;

/// One read-back at a time in a process: each holds the device's whole user list and the
/// directory's side of it (about 130 MB at 1,000,000 people), and the senders of a site's
/// devices come idle together after a large sync (four at once took the server to 544 MB
/// RSS in the 1,000,000-person PostgreSQL bench; the run after this change, 42 MB). A
/// sender that finds it taken does not wait (its device's work must not): it tries again
/// [`READ_BACK_RETRY`] later.
static READ_BACKS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);
/// When a sender that found [`READ_BACKS`] taken tries again.
pub const READ_BACK_RETRY: std::time::Duration = std::time::Duration::from_secs(1);

/// How long an administrator's diff waits for a running read-back (or another diff) to end.
pub const DIFF_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The turn to read a device back, when no other read-back of this process runs.
pub fn read_back_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    READ_BACKS.try_acquire().ok()
}

/// The turn for an administrator's diff, which holds as much as a read-back: it waits for
/// the one running, up to [`DIFF_WAIT`]; `None` past that.
pub async fn diff_turn() -> Option<tokio::sync::SemaphorePermit<'static>> {
    tokio::time::timeout(DIFF_WAIT, READ_BACKS.acquire()).await.ok()?.ok()
}

/// Largest user list a device answers (500,000 headers fit).
const MAX_LIST_BYTES: usize = 256 << 20;
/// How many people of each kind a diff lists.
const LISTED: usize = 100;

/// The parts of a record the full diff reads from the device.
const COMPARED: u32 = InfoMask::UserMaskHdr as u32
    | InfoMask::UserMaskSetting as u32
    | InfoMask::UserMaskName as u32
    | InfoMask::UserMaskPin as u32
    | InfoMask::UserMaskCard as u32
    | InfoMask::UserMaskAccessGroup as u32;

#[derive(sqlx::FromRow)]
struct Place {
    user_row: i64,
    user_id: String,
    name: String,
    want: bool,
    pending: bool,
    refused: bool,
    /// Meant for the device but without device work for it (no `device_users` row).
    unplaced: bool,
    cards: i64,
    fingers: i64,
    faces: i64,
}

/// One person who differs.
#[derive(Debug, Clone)]
pub struct Difference {
    pub user_id: String,
    pub user_row: Option<i64>,
    pub name: Option<String>,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Found {
    pub on_device: usize,
    pub missing: Vec<Difference>,
    pub extra: Vec<Difference>,
    pub stale: Vec<Difference>,
}

impl Found {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty() && self.stale.is_empty()
    }

    /// "2 missing, 1 extra (1 unknown to the directory)".
    pub fn summary(&self) -> String {
        let unknown = self.extra.iter().filter(|d| d.user_row.is_none()).count();
        let mut s = format!("{} missing, {} extra, {} stale", self.missing.len(), self.extra.len(), self.stale.len());
        if unknown > 0 {
            s.push_str(&format!(" ({unknown} on the device unknown to the directory, left there)"));
        }
        s
    }

    pub fn view(&self, device_id: u32) -> DeviceDiff {
        let part = |list: &[Difference]| DiffPart {
            count: list.len() as u64,
            people: list
                .iter()
                .take(LISTED)
                .map(|d| DiffEntry {
                    user_id: d.user_id.clone(),
                    id: d.user_row,
                    name: d.name.clone(),
                    detail: d.detail.clone(),
                })
                .collect(),
        };
        DeviceDiff {
            device_id,
            on_device: self.on_device as u64,
            missing: part(&self.missing),
            extra: part(&self.extra),
            stale: part(&self.stale),
        }
    }
}

/// How many cards, fingerprints and faces the person `u` has, as `cards`, `fingers`, `faces`.
const COUNTS: &str = "(SELECT COUNT(*) FROM cards c WHERE c.user_row = u.id) AS cards,
    (SELECT COUNT(*) FROM biometrics b WHERE b.user_row = u.id AND b.kind = 'finger') AS fingers,
    (SELECT COUNT(*) FROM biometrics b WHERE b.user_row = u.id AND b.kind = 'face') AS faces";

/// Compares the device with the directory. `full` (an administrator's diff) also compares
/// each record's content, and takes in the people meant for the device who have no device
/// work for it at all (the read-back gives them some before it compares).
pub async fn compare(
    db: &Db,
    channel: &Channel,
    site_id: i64,
    device_row: i64,
    device_id: u32,
    capacity: Option<Capacity>,
    full: bool,
) -> anyhow::Result<Found> {
    let mut client = UserClient::new(channel.clone()).max_decoding_message_size(MAX_LIST_BYTES);
    let headers = client.get_list(GetListRequest { device_id }).await?.into_inner().hdrs;
    let mut places: Vec<Place> = sqlx::query_as(&format!(
        "SELECT du.user_row, u.user_id, u.name, du.want, du.pending, du.error IS NOT NULL AS refused,
                FALSE AS unplaced, {COUNTS}
         FROM device_users du JOIN users u ON u.id = du.user_row WHERE du.device_row = $1"
    ))
    .bind(device_row)
    .fetch_all(db)
    .await?;
    if full {
        let mode = super::fan_out::mode(db, site_id).await?;
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(format!(
            "SELECT u.id AS user_row, u.user_id, u.name, TRUE AS want, FALSE AS pending, FALSE AS refused,
                    TRUE AS unplaced, {COUNTS}"
        ));
        super::fan_out::push_unplaced(&mut q, mode, site_id, device_row);
        places.extend(q.build_query_as::<Place>().persistent(false).fetch_all(db).await?);
    }
    let mut by_id: HashMap<&str, &Place> = places.iter().map(|p| (p.user_id.as_str(), p)).collect();
    let mut found = Found { on_device: headers.len(), ..Default::default() };
    let mut unplaced = Vec::new();
    let mut compared = Vec::new();
    for hdr in &headers {
        let Some(place) = by_id.remove(hdr.id.as_str()) else {
            unplaced.push(hdr.id.clone());
            continue;
        };
        let known = |detail: String| Difference {
            user_id: place.user_id.clone(),
            user_row: Some(place.user_row),
            name: Some(place.name.clone()),
            detail,
        };
        if !place.want {
            found.extra.push(known("no longer meant for this device".into()));
        } else if let Some(detail) = counts_differ(hdr, place) {
            found.stale.push(known(detail));
        } else if !place.refused {
            compared.push(place);
        }
    }
    for place in by_id.into_values().filter(|p| p.want && !p.refused) {
        let detail = if place.unplaced {
            "not on the device, and no device work for it yet (the device's next read-back queues it)"
        } else if place.pending {
            "on its way"
        } else {
            "not on the device"
        };
        found.missing.push(Difference {
            user_id: place.user_id.clone(),
            user_row: Some(place.user_row),
            name: Some(place.name.clone()),
            detail: detail.into(),
        });
    }
    found.extra.extend(unplaced_people(db, site_id, &unplaced).await?);
    if full && let Some(capacity) = capacity {
        found.stale.extend(content_differences(db, &mut client, device_id, capacity, &compared).await?);
    }
    for list in [&mut found.missing, &mut found.extra, &mut found.stale] {
        list.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    }
    Ok(found)
}

fn counts_differ(hdr: &UserHdr, place: &Place) -> Option<String> {
    let mut differ = Vec::new();
    for (what, on_device, directory) in [
        ("cards", hdr.num_of_card, place.cards),
        ("fingerprints", hdr.num_of_finger, place.fingers),
        ("faces", hdr.num_of_face, place.faces),
    ] {
        if i64::from(on_device) != directory {
            differ.push(format!("{what}: {on_device} on the device, {directory} in the directory"));
        }
    }
    (!differ.is_empty()).then(|| differ.join("; "))
}

/// People on the device with no place in `device_users`: known people not meant for it,
/// or IDs the directory does not know.
async fn unplaced_people(db: &Db, site_id: i64, ids: &[String]) -> sqlx::Result<Vec<Difference>> {
    let mut known: HashMap<String, (i64, String)> = HashMap::new();
    for chunk in ids.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_id, id, name FROM users WHERE site_id = ");
        q.push_bind(site_id).push(" AND user_id");
        push_in_list(&mut q, chunk.iter().cloned());
        for (user_id, id, name) in q.build_query_as::<(String, i64, String)>().persistent(false).fetch_all(db).await? {
            known.insert(user_id, (id, name));
        }
    }
    Ok(ids
        .iter()
        .map(|id| match known.get(id) {
            Some((row, name)) => Difference {
                user_id: id.clone(),
                user_row: Some(*row),
                name: Some(name.clone()),
                detail: "not meant for this device".into(),
            },
            None => {
                Difference { user_id: id.clone(), user_row: None, name: None, detail: "not in the directory".into() }
            }
        })
        .collect())
}

/// The records on the device whose content differs from what the directory would send.
async fn content_differences(
    db: &Db,
    client: &mut UserClient<Channel>,
    device_id: u32,
    capacity: Capacity,
    places: &[&Place],
) -> anyhow::Result<Vec<Difference>> {
    let mut out = Vec::new();
    for chunk in places.chunks(IN_LIST_CHUNK) {
        let rows: Vec<i64> = chunk.iter().map(|p| p.user_row).collect();
        let records = super::records::load(db, &rows).await?;
        let ids: Vec<String> = chunk.iter().map(|p| p.user_id.clone()).collect();
        let request = GetPartialRequest { device_id, user_i_ds: ids, info_mask: COMPARED };
        let held: BTreeMap<String, UserInfo> = client
            .get_partial(request)
            .await?
            .into_inner()
            .users
            .into_iter()
            .map(|u| (u.hdr.as_ref().map(|h| h.id.clone()).unwrap_or_default(), u))
            .collect();
        for place in chunk {
            let want = records.get(&place.user_row).and_then(|r| r.record.for_device(&capacity.rules).ok());
            let (Some(want), Some(held)) = (want, held.get(&place.user_id)) else { continue };
            let differ = fields_differ(&want, held);
            if !differ.is_empty() {
                out.push(Difference {
                    user_id: place.user_id.clone(),
                    user_row: Some(place.user_row),
                    name: Some(place.name.clone()),
                    detail: format!("differs in {}", differ.join(", ")),
                });
            }
        }
    }
    Ok(out)
}

fn fields_differ(want: &UserInfo, held: &UserInfo) -> Vec<&'static str> {
    let mut differ = Vec::new();
    if want.name != held.name {
        differ.push("name");
    }
    if want.setting != held.setting {
        differ.push("validity or authentication settings");
    }
    if want.cards != held.cards {
        differ.push("cards");
    }
    if want.access_group_i_ds != held.access_group_i_ds {
        differ.push("access groups");
    }
    if want.pin != held.pin {
        differ.push("PIN");
    }
    differ
}

/// Makes the directory's view of the device match what was found, so the sender puts it
/// right: the missing are sent again, the stale and the extra are sent (or removed) again.
pub async fn repair(db: &Db, device_row: i64, found: &Found, now: i64) -> sqlx::Result<()> {
    let rows = |list: &[Difference]| -> Vec<i64> { list.iter().filter_map(|d| d.user_row).collect() };
    let mut tx = crate::db::write(db).await?;
    for chunk in rows(&found.missing).chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("UPDATE device_users SET held_version = NULL, pending = want WHERE device_row = ");
        q.push_bind(device_row).push(" AND user_row");
        push_in_list(&mut q, chunk.iter().copied());
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    let resend: Vec<i64> = rows(&found.stale).into_iter().chain(rows(&found.extra)).collect();
    for chunk in resend.chunks(IN_LIST_CHUNK) {
        // A person on the device without a row gets one that says "remove".
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "INSERT INTO device_users (device_row, user_row, want, want_version, want_changed_at, held_version, pending)
             SELECT ",
        );
        q.push_bind(device_row).push(", u.id, FALSE, u.version, ").push_bind(now);
        q.push(", 0, TRUE FROM users u WHERE u.id");
        push_in_list(&mut q, chunk.iter().copied());
        q.push(" ON CONFLICT (device_row, user_row) DO UPDATE SET held_version = 0, pending = TRUE, error = NULL");
        q.build().persistent(false).execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// The sender's own check of its device: records that it was verified, or what drifted
/// (and repairs it); answers whether anything was repaired. First the directory's side:
/// people the device should hold who have no device work for it at all are given some
/// (before the comparison, which would otherwise take such a person for one to remove).
pub async fn read_back(
    db: &Db,
    channel: &Channel,
    site_id: i64,
    device_row: i64,
    device_id: u32,
    now: i64,
) -> anyhow::Result<bool> {
    let mode = super::fan_out::mode(db, site_id).await?;
    let mut placed = 0;
    if super::fan_out::unplaced(db, mode, site_id, device_row).await? > 0 {
        let mut tx = crate::db::write(db).await?;
        placed = super::fan_out::fill(&mut tx, mode, site_id, device_row, now).await?;
        tx.commit().await?;
    }
    let found = compare(db, channel, site_id, device_row, device_id, None, false).await?;
    if found.is_clean() && placed == 0 {
        let _turn = crate::db::turn(db).await;
        sqlx::query("UPDATE devices SET verified_at = $1 WHERE id = $2").bind(now).bind(device_row).execute(db).await?;
    } else {
        let mut drift = found.summary();
        if placed > 0 {
            drift = format!("{placed} without device work (given it now); {drift}");
        }
        tracing::warn!(device_id, drift, "read-back: the device differs from the directory");
        repair(db, device_row, &found, now).await?;
        let _turn = crate::db::turn(db).await;
        sqlx::query("UPDATE devices SET drift = $1, drift_at = $2 WHERE id = $3")
            .bind(drift)
            .bind(now)
            .bind(device_row)
            .execute(db)
            .await?;
    }
    Ok(!found.is_clean() || placed > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diff waits for the read-back running and gets the turn when it ends.
    #[tokio::test]
    async fn a_diff_waits_its_turn() {
        let read_back = read_back_turn().expect("no other read-back runs in this test");
        assert!(read_back_turn().is_none(), "one read-back at a time");
        let waiting = tokio::spawn(diff_turn());
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!waiting.is_finished(), "the diff waits while the read-back runs");
        drop(read_back);
        assert!(waiting.await.unwrap().is_some(), "the turn passes to the waiting diff");
    }
}
