//! The trigram index of people's search text (`users_search`). Changes and deletions reach
//! it by triggers; new people are added here by the code that inserts them, all of one
//! write in one statement: a per-row insert trigger made a 100,000-row import seconds
//! slower, and the index writes a segment per statement that it must merge again later.

use sqlx::SqliteConnection;

/// Indexes the people with directory IDs `first..=last`, all inserted by the caller in
/// its open write transaction. Rows get IDs above every existing one (`INTEGER PRIMARY
/// KEY` without reuse while the write lock is held), so the range holds exactly those.
pub async fn add(tx: &mut SqliteConnection, first: i64, last: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users_search (rowid, search_text)
         SELECT id, search_text FROM users WHERE id BETWEEN $1 AND $2",
    )
    .bind(first)
    .bind(last)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
