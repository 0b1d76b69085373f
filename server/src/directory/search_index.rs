//! The trigram index of people's search text (`users_search`). Changes and deletions reach
//! it by triggers; new people are added here, many per statement, by the code that
//! inserts them (a per-row insert trigger made a 100,000-row import seconds slower).

use sqlx::{QueryBuilder, Sqlite, SqliteConnection};

/// Indexes new people: (directory ID, search text).
pub async fn add(tx: &mut SqliteConnection, rows: &[(i64, String)]) -> sqlx::Result<()> {
    for chunk in rows.chunks(5000) {
        let mut q: QueryBuilder<Sqlite> = QueryBuilder::new("INSERT INTO users_search (rowid, search_text) ");
        q.push_values(chunk, |mut b, (id, text)| {
            b.push_bind(*id).push_bind(text.clone());
        });
        q.build().execute(&mut *tx).await?;
    }
    Ok(())
}
