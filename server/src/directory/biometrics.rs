//! Fingerprint and face records of a person, stored as the devices' messages (prost
//! bytes), in positions; never read back into a response.

use prost::Message;

/// Stores `items` of `kind` (`finger` or `face`) for person `id`, replacing the ones held
/// unless `keep` (a scan adds one).
pub async fn store<M: Message>(
    tx: &mut crate::db::Conn,
    id: i64,
    kind: &str,
    items: &[M],
    keep: bool,
) -> sqlx::Result<()> {
    if !keep {
        sqlx::query("DELETE FROM biometrics WHERE user_row = $1 AND kind = $2")
            .bind(id)
            .bind(kind)
            .execute(&mut *tx)
            .await?;
    }
    let next: Option<i64> =
        sqlx::query_scalar("SELECT MAX(position) + 1 FROM biometrics WHERE user_row = $1 AND kind = $2")
            .bind(id)
            .bind(kind)
            .fetch_one(&mut *tx)
            .await?;
    for (i, item) in items.iter().enumerate() {
        sqlx::query("INSERT INTO biometrics (user_row, kind, position, data) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(kind)
            .bind(next.unwrap_or(0) + i as i64)
            .bind(item.encode_to_vec())
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// How many records of `kind` person `id` holds.
pub async fn count(tx: &mut crate::db::Conn, id: i64, kind: &str) -> sqlx::Result<usize> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM biometrics WHERE user_row = $1 AND kind = $2")
        .bind(id)
        .bind(kind)
        .fetch_one(tx)
        .await?;
    Ok(usize::try_from(n).unwrap_or(0))
}
