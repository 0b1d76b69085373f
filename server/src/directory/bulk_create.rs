//! Creating many people at once (batch calls and CSV imports): every uniqueness rule is
//! checked for the whole set first — against each other and against the site, inside the
//! write transaction — then the people, their cards, access groups, outbox rows and audit
//! rows are written with multi-row statements of [`crate::db::INSERT_ROWS`] rows, kept prepared.

use super::person_create::{CheckedNew, Created};
use super::person_write::search_text;
use super::{Actor, outbox};
use crate::audit::Action;
use crate::audit::Entry;
use crate::db::{IN_LIST_CHUNK, INSERT_ROWS, insert_prepared, push_in_list};
use crate::error::{ApiError, ApiResult};
use proto::domain::Status;
use proto::gsdk::card::Type;
use sqlx::QueryBuilder;
use std::collections::{HashMap, HashSet};

/// One person to create; `item` names it in results (index or CSV line).
#[derive(Debug, Clone)]
pub struct Candidate {
    pub item: usize,
    pub new: CheckedNew,
    pub pin_hash: Option<Vec<u8>>,
}

impl Candidate {
    fn status(&self) -> Status {
        if self.new.cards.is_empty() && self.pin_hash.is_none() { Status::Pending } else { Status::Active }
    }
}

/// Values of one unique column, checked within the set and against the site.
struct UniqueColumn {
    field: &'static str,
    sql: &'static str,
    rule: &'static str,
}

const USER_ID: UniqueColumn = UniqueColumn {
    field: "user_id",
    sql: "SELECT user_id FROM users WHERE site_id = ",
    rule: "a user ID is unique in a site",
};
const EMAIL: UniqueColumn = UniqueColumn {
    field: "email",
    sql: "SELECT email FROM users WHERE deleted_at IS NULL AND site_id = ",
    rule: "an email address is unique in a site",
};
const USERNAME: UniqueColumn = UniqueColumn {
    field: "username",
    sql: "SELECT username FROM users WHERE deleted_at IS NULL AND site_id = ",
    rule: "a username is unique in a site",
};
const SYSTEM_ID: UniqueColumn = UniqueColumn {
    field: "system_id",
    sql: "SELECT system_id FROM users WHERE deleted_at IS NULL AND site_id = ",
    rule: "a system_id is unique in a site",
};

async fn existing(
    tx: &mut crate::db::Conn,
    site_id: i64,
    column: &UniqueColumn,
    values: &[String],
) -> sqlx::Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in values.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(column.sql);
        q.push_bind(site_id).push(format!(" AND {}", column.field));
        push_in_list(&mut q, chunk.iter().cloned());
        found.extend(q.build_query_scalar::<String>().persistent(false).fetch_all(&mut *tx).await?);
    }
    Ok(found)
}

/// `sql` ends in `site_id = `; `column` is the compared column.
async fn existing_blobs(
    tx: &mut crate::db::Conn,
    sql: &str,
    column: &str,
    site_id: i64,
    values: &[Vec<u8>],
) -> sqlx::Result<HashSet<Vec<u8>>> {
    let mut found = HashSet::new();
    for chunk in values.chunks(IN_LIST_CHUNK) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(sql);
        q.push_bind(site_id).push(format!(" AND {column}"));
        push_in_list(&mut q, chunk.iter().cloned());
        found.extend(q.build_query_scalar::<Vec<u8>>().persistent(false).fetch_all(&mut *tx).await?);
    }
    Ok(found)
}

/// Reads one unique column's value of a candidate.
type ValueOf = fn(&Candidate) -> Option<&str>;

/// The candidates that would break a uniqueness rule, with their error; the first of two
/// equal values in the set wins, the later one is refused.
pub async fn conflicts(
    tx: &mut crate::db::Conn,
    site_id: i64,
    cands: &[Candidate],
) -> sqlx::Result<HashMap<usize, ApiError>> {
    let mut errors: HashMap<usize, ApiError> = HashMap::new();
    let columns: [(&UniqueColumn, ValueOf); 4] = [
        (&USER_ID, |c| c.new.user_id.as_ref().map(|u| u.as_str())),
        (&EMAIL, |c| c.new.fields.email.as_deref()),
        (&USERNAME, |c| c.new.fields.username.as_deref()),
        (&SYSTEM_ID, |c| c.new.fields.system_id.as_deref()),
    ];
    for (column, value_of) in columns {
        let values: Vec<String> = cands.iter().filter_map(|c| value_of(c).map(str::to_owned)).collect();
        let taken = existing(tx, site_id, column, &values).await?;
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for c in cands {
            let Some(v) = value_of(c) else { continue };
            let problem = if taken.contains(v) {
                Some(column.rule.to_owned())
            } else {
                seen.get(v).map(|first| format!("{} (the same as item {first})", column.rule))
            };
            match problem {
                Some(p) => {
                    errors.entry(c.item).or_insert_with(|| {
                        ApiError::conflict(format!("{}: {p}", column.field)).with_field(column.field)
                    });
                }
                None => {
                    seen.insert(v, c.item);
                }
            }
        }
    }
    let keys: Vec<Vec<u8>> = cands.iter().flat_map(|c| c.new.cards.iter().map(|k| k.number.key().to_vec())).collect();
    let held = super::cards::holders(tx, site_id, &keys).await?;
    let mut seen_cards: HashMap<Vec<u8>, usize> = HashMap::new();
    for c in cands {
        for (i, card) in c.new.cards.iter().enumerate() {
            let key = card.number.key().to_vec();
            let problem = match (held.get(&key), seen_cards.get(&key)) {
                _ if c.new.allow_duplicates => None,
                (Some((_, holder)), _) => Some(format!("is held by user {holder}")),
                (None, Some(first)) => Some(format!("is also given to item {first}")),
                (None, None) => None,
            };
            if let Some(problem) = problem {
                let field = format!("cards[{i}].number");
                errors.entry(c.item).or_insert_with(|| {
                    ApiError::conflict(format!("{field}: card {} {problem}", card.number.text())).with_field(field)
                });
            }
            seen_cards.entry(key).or_insert(c.item);
        }
    }
    let hashes: Vec<Vec<u8>> = cands.iter().filter_map(|c| c.pin_hash.clone()).collect();
    let used = existing_blobs(
        tx,
        "SELECT pin_hash FROM users WHERE deleted_at IS NULL AND site_id = ",
        "pin_hash",
        site_id,
        &hashes,
    )
    .await?;
    let mut seen_pins: HashSet<&[u8]> = HashSet::new();
    for c in cands {
        if let Some(h) = &c.pin_hash
            && (used.contains(h) || !seen_pins.insert(h))
        {
            errors.entry(c.item).or_insert_with(|| {
                ApiError::conflict("pin: this PIN is already in use in this site").with_field("pin")
            });
        }
    }
    Ok(errors)
}

/// The audit record of a created person (serialized straight to text: at 100,000 people
/// an intermediate JSON value costs a noticeable share of an import).
#[derive(serde::Serialize)]
struct CreatedAudit<'a> {
    user_id: &'a str,
    fields: super::audit_fields::SetFields<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cards: Vec<&'a str>,
    pin_set: bool,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    import_tag: Option<&'a str>,
}

/// Writes checked, conflict-free candidates; returns what was created, in order.
pub async fn insert_many(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    cands: &[&Candidate],
    import_tag: Option<&str>,
    now: i64,
) -> ApiResult<Vec<(usize, Created)>> {
    let site_id = actor.site_id;
    let missing = cands.iter().filter(|c| c.new.user_id.is_none()).count();
    let given: std::collections::HashSet<&str> =
        cands.iter().filter_map(|c| c.new.user_id.as_ref()).map(|u| u.as_str()).collect();
    let mut allocated = crate::sites::reserve_user_ids(tx, site_id, missing, &given).await?.into_iter();
    let user_ids: Vec<String> = cands
        .iter()
        .map(|c| c.new.user_id.as_ref().map(|u| u.as_str().to_owned()).or_else(|| allocated.next()).unwrap_or_default())
        .collect();
    let mut ids: HashMap<String, i64> = HashMap::with_capacity(cands.len());
    let rows: Vec<(&&Candidate, &String)> = cands.iter().zip(&user_ids).collect();
    if cands.len() > 1 {
        crate::db::search::before_many(tx).await?;
    }
    for chunk in rows.chunks(INSERT_ROWS) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "INSERT INTO users (site_id, user_id, name, first_name, last_name, email, username, phone, department, title,
                 notes, system_id, tag, status, start_time, end_time, security_level, auth_modes, job_codes,
                 computer_usernames, import_tag, search_text, pin_hash, created_at, updated_at) ",
        );
        q.push_values(chunk, |mut b, (c, user_id)| {
            let f = &c.new.fields;
            let window = f.validity().unwrap_or_default();
            b.push_bind(site_id)
                .push_bind((*user_id).clone())
                .push_bind(f.name.clone())
                .push_bind(f.first_name.clone())
                .push_bind(f.last_name.clone())
                .push_bind(f.email.clone())
                .push_bind(f.username.clone())
                .push_bind(f.phone.clone())
                .push_bind(f.department.clone())
                .push_bind(f.title.clone())
                .push_bind(f.notes.clone())
                .push_bind(f.system_id.clone())
                .push_bind(f.tag.as_str())
                .push_bind(c.status().as_str())
                .push_bind(i64::from(window.start))
                .push_bind(i64::from(window.end))
                .push_bind(i64::from(f.security_level))
                .push_bind(f.auth_modes.as_ref().and_then(|m| serde_json::to_string(m).ok()))
                .push_bind(serde_json::to_string(&f.job_codes).unwrap_or_else(|_| "[]".into()))
                .push_bind(serde_json::to_string(&f.computer_usernames).unwrap_or_else(|_| "[]".into()))
                .push_bind(import_tag.map(str::to_owned))
                .push_bind(search_text(f))
                .push_bind(c.pin_hash.clone())
                .push_bind(now)
                .push_bind(now);
        });
        q.push(" RETURNING id, user_id");
        let inserted: Vec<(i64, String)> = q
            .build_query_as()
            .persistent(insert_prepared(chunk.len()))
            .fetch_all(&mut *tx)
            .await
            .map_err(super::conflict::unique_violation)?;
        ids.extend(inserted.into_iter().map(|(id, user_id)| (user_id, id)));
    }
    if let (Some(first), Some(last)) = (ids.values().min(), ids.values().max()) {
        crate::db::search::add(tx, *first, *last).await?;
    }
    let created: Vec<(usize, Created)> = cands
        .iter()
        .zip(&user_ids)
        .map(|(c, user_id)| {
            (
                c.item,
                Created {
                    id: ids.get(user_id).copied().unwrap_or_default(),
                    user_id: user_id.clone(),
                    status: c.status(),
                },
            )
        })
        .collect();

    let cards: Vec<(i64, usize, &super::cards::ParsedCard, bool)> = cands
        .iter()
        .zip(&created)
        .flat_map(|(c, (_, made))| {
            c.new.cards.iter().enumerate().map(move |(i, card)| (made.id, i, card, c.new.allow_duplicates))
        })
        .collect();
    for chunk in cards.chunks(INSERT_ROWS) {
        let mut q: QueryBuilder<crate::db::Backend> = QueryBuilder::new(
            "INSERT INTO cards (site_id, user_row, position, number, card_key, card_type, label, allow_duplicate) ",
        );
        q.push_values(chunk, |mut b, (id, position, card, dup)| {
            b.push_bind(site_id)
                .push_bind(*id)
                .push_bind(*position as i64)
                .push_bind(card.number.text().to_owned())
                .push_bind(card.number.key().to_vec())
                .push_bind(Type::CardTypeCsn as i64)
                .push_bind(card.label.clone())
                .push_bind(*dup);
        });
        q.build()
            .persistent(insert_prepared(chunk.len()))
            .execute(&mut *tx)
            .await
            .map_err(super::conflict::unique_violation)?;
    }
    let groups: Vec<(i64, u32)> = cands
        .iter()
        .zip(&created)
        .flat_map(|(c, (_, made))| c.new.fields.access_groups.iter().map(move |g| (made.id, *g)))
        .collect();
    for chunk in groups.chunks(INSERT_ROWS) {
        let mut q: QueryBuilder<crate::db::Backend> =
            QueryBuilder::new("INSERT INTO user_access_groups (user_row, group_id) ");
        q.push_values(chunk, |mut b, (id, g)| {
            b.push_bind(*id).push_bind(i64::from(*g));
        });
        q.push(" ON CONFLICT DO NOTHING");
        q.build().persistent(insert_prepared(chunk.len())).execute(&mut *tx).await?;
    }
    let work: Vec<outbox::Work> = created
        .iter()
        .map(|(_, c)| c)
        .filter(|c| c.status.on_devices())
        .map(|c| outbox::Work { user_row: c.id, user_id: &c.user_id, kind: outbox::Kind::Upsert })
        .collect();
    outbox::enqueue_many(tx, site_id, &work, now).await?;
    let entries: Vec<Entry> = cands
        .iter()
        .zip(&created)
        .map(|(c, (_, made))| {
            let cards: Vec<&str> = c.new.cards.iter().map(|k| k.number.text()).collect();
            let after = CreatedAudit {
                user_id: &made.user_id,
                fields: (&c.new.fields).into(),
                cards,
                pin_set: c.pin_hash.is_some(),
                status: made.status,
                import_tag,
            };
            actor.entry(Action::UserCreate).target(&made.user_id).after(after)
        })
        .collect();
    crate::audit::record_many(tx, now, entries).await?;
    Ok(created)
}
