//! When a record goes out as `UpdateMulti` rather than `EnrollMulti`: the device holds an
//! acknowledged version whose fingerprints, faces and photo are those to send now. They are
//! the bulk of a record (templates of up to 384 bytes each, face images), so the update
//! keeps them on the device (`UpdateMask` KEEP_USER_FINGER | KEEP_USER_FACE |
//! KEEP_USER_PHOTO) and sends the rest. A person without any of them gains nothing and is
//! enrolled as before; so is anyone whose held parts are unknown (a lost answer, a repair,
//! a resync).

use crate::db::{Db, IN_LIST_CHUNK, push_in_list};
use prost::Message;
use proto::gsdk::user::{UpdateMask, UserInfo};
use sha2::{Digest, Sha256};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// What an update keeps on the device.
pub const KEPT: u32 =
    UpdateMask::KeepUserFinger as u32 | UpdateMask::KeepUserFace as u32 | UpdateMask::KeepUserPhoto as u32;

/// The digest of the parts an update keeps.
pub fn heavy_digest(info: &UserInfo) -> [u8; 32] {
    let mut hash = Sha256::new();
    for finger in &info.fingers {
        hash.update(finger.encode_length_delimited_to_vec());
    }
    hash.update([0xff]);
    for face in &info.faces {
        hash.update(face.encode_length_delimited_to_vec());
    }
    hash.update([0xff]);
    hash.update(&info.photo);
    hash.finalize().into()
}

/// Whether an update would save anything for this record.
pub fn has_heavy(info: &UserInfo) -> bool {
    !info.fingers.is_empty() || !info.faces.is_empty() || !info.photo.is_empty()
}

/// The record as an update that keeps what the device holds of those parts.
pub fn as_update(info: &UserInfo) -> UserInfo {
    let mut update = UserInfo { fingers: Vec::new(), faces: Vec::new(), photo: Vec::new(), ..info.clone() };
    update.hdr.get_or_insert_default().update_mask = KEPT;
    update
}

/// The digests acknowledged by the device for these people, where known.
pub async fn held(db: &Db, device_row: i64, user_rows: &[i64]) -> sqlx::Result<HashMap<i64, Vec<u8>>> {
    let mut out = HashMap::new();
    for chunk in user_rows.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "SELECT user_row, held_heavy FROM device_users WHERE held_heavy IS NOT NULL AND device_row = ",
        );
        q.push_bind(device_row).push(" AND user_row");
        push_in_list(&mut q, chunk.iter().copied());
        out.extend(q.build_query_as::<(i64, Vec<u8>)>().persistent(false).fetch_all(db).await?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proto::gsdk::finger::FingerData;
    use proto::gsdk::user::UserHdr;

    #[test]
    fn an_update_keeps_the_heavy_parts_and_their_digest_follows_them() {
        let finger = FingerData { index: 1, flag: 0, templates: vec![vec![1; 384], vec![2; 384]] };
        let info = UserInfo {
            hdr: Some(UserHdr { id: "7".into(), ..Default::default() }),
            name: "Ann".into(),
            fingers: vec![finger.clone()],
            photo: vec![9; 100],
            ..Default::default()
        };
        let update = as_update(&info);
        assert_eq!(update.hdr.as_ref().map(|h| h.update_mask), Some(KEPT));
        assert!(update.fingers.is_empty() && update.photo.is_empty());
        assert_eq!(update.name, "Ann");
        assert!(has_heavy(&info) && !has_heavy(&update));

        let renamed = UserInfo { name: "Anne".into(), ..info.clone() };
        assert_eq!(heavy_digest(&info), heavy_digest(&renamed), "a name is not a heavy part");
        let other_finger = UserInfo { fingers: vec![FingerData { index: 2, ..finger }], ..info.clone() };
        assert_ne!(heavy_digest(&info), heavy_digest(&other_finger));
        // A finger moved into the photo's place must not digest the same.
        let moved = UserInfo { fingers: vec![], faces: vec![], ..info.clone() };
        assert_ne!(heavy_digest(&info), heavy_digest(&moved));
    }
}
