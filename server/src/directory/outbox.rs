//! Outbox rows: "make the devices agree with this person", written in the transaction of
//! the change. The sync worker reads the person's current record when it sends, so one
//! row per change is enough and order within a person does not matter; removals go first.

use proto::domain::Status;

/// Queues device work for a person whose device record may have changed: an upsert while
/// they are ACTIVE, a removal otherwise. `was_on_devices` avoids work for people the
/// devices never held.
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
    if !on_devices && !was_on_devices {
        return Ok(());
    }
    sqlx::query("INSERT INTO outbox (site_id, user_row, user_id, kind, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(site_id)
        .bind(user_row)
        .bind(user_id)
        .bind(if on_devices { "upsert" } else { "remove" })
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}
