//! People as the devices hold them, read from the directory for a batch of sends: a few
//! queries per 500 people, not a few per person.

use crate::db::{Db, IN_LIST_CHUNK, push_in_list};
use prost::Message;
use proto::domain::{AuthModes, CardNumber, DeviceRecord, JobCodeEntry, Status};
use proto::gsdk::card::Type as CardType;
use proto::gsdk::face::FaceData;
use proto::gsdk::finger::FingerData;
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// A person's device record at the version it was read.
#[derive(Debug, Clone)]
pub struct Versioned {
    pub version: i64,
    pub record: DeviceRecord,
    /// Whether the person is meant to be on devices now (ACTIVE, not deleted).
    pub on_devices: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: String,
    name: String,
    start_time: i64,
    end_time: i64,
    security_level: i64,
    auth_modes: Option<String>,
    job_codes: String,
    pin_hash: Option<Vec<u8>>,
    photo: Option<Vec<u8>>,
    version: i64,
    status: String,
    deleted_at: Option<i64>,
}

/// The records of `rows` (user row IDs) as they are now, all read in one transaction so a
/// record and its version agree.
pub async fn load(db: &Db, rows: &[i64]) -> sqlx::Result<HashMap<i64, Versioned>> {
    let mut tx = crate::db::snapshot(db).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for chunk in rows.chunks(IN_LIST_CHUNK) {
        let ids = || chunk.iter().copied();
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "SELECT id, user_id, name, start_time, end_time, security_level, auth_modes, job_codes, pin_hash, photo,
                    version, status, deleted_at FROM users WHERE id",
        );
        push_in_list(&mut q, ids());
        for r in q.build_query_as::<Row>().persistent(false).fetch_all(&mut *tx).await? {
            let on_devices = r.deleted_at.is_none() && Status::parse(&r.status).is_some_and(Status::on_devices);
            let record = DeviceRecord {
                user_id: r.user_id,
                name: r.name,
                start_time: u32::try_from(r.start_time).unwrap_or(0),
                end_time: u32::try_from(r.end_time).unwrap_or(0),
                security_level: u8::try_from(r.security_level).unwrap_or(0),
                auth_modes: r.auth_modes.as_deref().and_then(|m| serde_json::from_str::<AuthModes>(m).ok()),
                job_codes: serde_json::from_str::<Vec<JobCodeEntry>>(&r.job_codes).unwrap_or_default(),
                pin_hash: r.pin_hash,
                photo: r.photo,
                ..Default::default()
            };
            out.insert(r.id, Versioned { version: r.version, record, on_devices });
        }

        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_row, number, card_type FROM cards WHERE user_row");
        push_in_list(&mut q, ids());
        q.push(" ORDER BY user_row, position");
        for (row, number, card_type) in
            q.build_query_as::<(i64, String, i64)>().persistent(false).fetch_all(&mut *tx).await?
        {
            let (Some(person), Ok(card)) = (out.get_mut(&row), CardNumber::parse("number", &number)) else { continue };
            let card_type = i32::try_from(card_type).ok().and_then(|t| CardType::try_from(t).ok());
            person.record.cards.push(card.to_csn_card_data(card_type.unwrap_or(CardType::CardTypeCsn)));
        }

        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_row, kind, data FROM biometrics WHERE user_row");
        push_in_list(&mut q, ids());
        q.push(" ORDER BY user_row, kind, position");
        for (row, kind, data) in
            q.build_query_as::<(i64, String, Vec<u8>)>().persistent(false).fetch_all(&mut *tx).await?
        {
            let Some(person) = out.get_mut(&row) else { continue };
            // Stored by the directory from checked messages: one that no longer decodes is
            // a bug, logged, and the record goes without it rather than broken.
            let decoded = match kind.as_str() {
                "finger" => FingerData::decode(data.as_slice()).map(|f| person.record.fingers.push(f)),
                _ => FaceData::decode(data.as_slice()).map(|f| person.record.faces.push(f)),
            };
            if let Err(e) = decoded {
                tracing::error!(user_row = row, kind, error = %e, "a stored biometric record does not decode");
            }
        }

        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("SELECT user_row, group_id FROM user_access_groups WHERE user_row");
        push_in_list(&mut q, ids());
        q.push(" ORDER BY user_row, group_id");
        for (row, group) in q.build_query_as::<(i64, i64)>().persistent(false).fetch_all(&mut *tx).await? {
            if let (Some(person), Ok(group)) = (out.get_mut(&row), u32::try_from(group)) {
                person.record.access_groups.push(group);
            }
        }
    }
    tx.commit().await?;
    Ok(out)
}
