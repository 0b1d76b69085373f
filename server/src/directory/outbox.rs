//! Outbox rows: "make the devices agree with this person", written in the transaction of
//! the change. The sync worker reads the person's current record when it sends, so one
//! row per change is enough and order within a person does not matter; removals go first.

use proto::domain::Status;

/// What the devices must do with a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Hold the person's current record (they are ACTIVE).
    Upsert,
    /// Hold nothing of the person.
    Remove,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Upsert => "upsert",
            Kind::Remove => "remove",
        }
    }

    /// The work a status change asks for: an upsert while the person is on the devices, a
    /// removal when they leave them, nothing for people the devices never held.
    pub fn for_change(was_on_devices: bool, now_on_devices: bool) -> Option<Kind> {
        match (was_on_devices, now_on_devices) {
            (_, true) => Some(Kind::Upsert),
            (true, false) => Some(Kind::Remove),
            (false, false) => None,
        }
    }
}

/// One person's device work.
#[derive(Debug, Clone, Copy)]
pub struct Work<'a> {
    pub user_row: i64,
    pub user_id: &'a str,
    pub kind: Kind,
}

/// Queues device work for a person whose device record may have changed.
pub async fn enqueue(
    tx: &mut crate::db::Conn,
    site_id: i64,
    user_row: i64,
    user_id: &str,
    was_on_devices: bool,
    now_status: Option<Status>,
    now: i64,
) -> sqlx::Result<()> {
    let on_devices = now_status.is_some_and(Status::on_devices);
    match Kind::for_change(was_on_devices, on_devices) {
        Some(kind) => enqueue_many(tx, site_id, &[Work { user_row, user_id, kind }], now).await,
        None => Ok(()),
    }
}

/// The one writer of outbox rows, in statements of at most [`crate::db::INSERT_ROWS`] rows.
pub async fn enqueue_many(tx: &mut crate::db::Conn, site_id: i64, work: &[Work<'_>], now: i64) -> sqlx::Result<()> {
    for chunk in work.chunks(crate::db::INSERT_ROWS) {
        let mut q: sqlx::QueryBuilder<crate::db::Backend> =
            sqlx::QueryBuilder::new("INSERT INTO outbox (site_id, user_row, user_id, kind, created_at) ");
        q.push_values(chunk, |mut row, w| {
            row.push_bind(site_id).push_bind(w.user_row).push_bind(w.user_id).push_bind(w.kind.as_str()).push_bind(now);
        });
        q.build().persistent(crate::db::insert_prepared(chunk.len())).execute(&mut *tx).await?;
    }
    if cfg!(feature = "postgres") && !work.is_empty() {
        // Delivered when the transaction commits, to every server listening.
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(site_id.to_string()).execute(&mut *tx).await?;
    }
    Ok(())
}

/// The PostgreSQL notification channel of outbox writes (the payload is the site's ID).
pub const CHANNEL: &str = "lintel_outbox";
