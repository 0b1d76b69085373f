//! The trigram index of people's search text (`users_search`, SQLite FTS5; PostgreSQL will
//! use `pg_trgm` behind the same two functions). Changes and deletions reach
//! it by triggers; new people are added here by the code that inserts them, all of one
//! write in one statement: a per-row insert trigger made a 100,000-row import seconds
//! slower, and the index writes a segment per statement that it must merge again later.

use super::Conn;

/// Indexes the people with directory IDs `first..=last`, all inserted by the caller in
/// its open write transaction. Rows get IDs above every existing one (`INTEGER PRIMARY
/// KEY` without reuse while the write lock is held), so the range holds exactly those.
pub async fn add(tx: &mut Conn, first: i64, last: i64) -> sqlx::Result<()> {
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

/// The IDs of up to `limit` people whose search text contains `term` (lower-cased, at
/// least 3 characters: the index is of trigrams). A quoted phrase of trigrams is a
/// substring match; `LIKE … ESCAPE` would not use the index.
pub async fn probe(db: &mut Conn, term: &str, limit: i64) -> sqlx::Result<Vec<i64>> {
    let phrase = format!("\"{}\"", term.replace('"', "\"\""));
    sqlx::query_scalar("SELECT rowid FROM users_search WHERE users_search MATCH $1 LIMIT $2")
        .bind(phrase)
        .bind(limit)
        .fetch_all(db)
        .await
}
