//! The database: SQLite through sqlx (WAL, synchronous=FULL, foreign keys, busy timeout)
//! with append-only migrations from `server/migrations/sqlite/`.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

pub type Db = SqlitePool;

pub async fn open(url: &str) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("database_url: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    if let Some(dir) = options.get_filename().parent() {
        std::fs::create_dir_all(dir)?;
    }
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
    Ok(pool)
}

/// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so a read early in
/// it cannot go stale before its first write. On PostgreSQL this is a plain `BEGIN`.
pub async fn write(db: &Db) -> sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// Values per `IN (…)` list: SQLite refuses a statement of more than 32,766 variables, so
/// a long list (an export of 100,000 people) goes in chunks of this many.
pub const IN_LIST_CHUNK: usize = 500;

/// Appends ` IN (…)` binding each of `values` (at most [`IN_LIST_CHUNK`] of them).
pub fn push_in_list<'q, T>(q: &mut QueryBuilder<'q, Sqlite>, values: impl IntoIterator<Item = T>)
where
    T: 'q + sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite>,
{
    q.push(" IN (");
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    q.push(")");
}
