//! SQLite: one file, WAL, synchronous=FULL, foreign keys, a busy timeout; one writer at a
//! time (`BEGIN IMMEDIATE`), which keeps every read-check-write rule simple.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// The database backend.
pub type Backend = sqlx::Sqlite;
/// One connection (or an open transaction, which derefs to one).
pub type Conn = sqlx::SqliteConnection;
/// Bound arguments of a query.
pub type Args<'q> = sqlx::sqlite::SqliteArguments<'q>;

/// The URL scheme this build opens.
pub const SCHEME: &str = "sqlite:";

pub async fn open(url: &str) -> anyhow::Result<super::Db> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("database_url: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT);
    if let Some(dir) = options.get_filename().parent() {
        std::fs::create_dir_all(dir)?;
    }
    let file = options.get_filename().display().to_string();
    // No ping before each acquire: a SQLite connection is a handle on a local file that
    // cannot go stale, and the ping was a second trip through the driver's thread for
    // every query (about half of a signed-in request's lookup).
    let pool = SqlitePoolOptions::new().max_connections(8).test_before_acquire(false).connect_with(options).await?;
    let tracked: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(&pool)
            .await?;
    if tracked.is_some() {
        super::refuse_newer(&pool, &file).await?;
    }
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The newest schema version this binary knows.
pub fn newest_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// How long a writer waits for SQLite's lock once it has its turn (a writer of another
/// process: a backup, the sqlite3 shell).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a writer waits for its [`turn`]: the writers queued before it, each a
/// transaction of at most a batch (a CSV import's 5,000 rows took 0.6 s in a debug build;
/// a loaded machine takes several times that).
const TURN_PATIENCE: Duration = Duration::from_secs(30);

/// A transaction that takes the write lock at once (`BEGIN IMMEDIATE`), so a read early in
/// it cannot go stale before its first write. It waits for its [`turn`] first.
pub async fn write(db: &super::Db) -> sqlx::Result<super::Tx> {
    let turn = turn(db).await;
    Ok(super::Tx { inner: db.begin_with("BEGIN IMMEDIATE").await?, _turn: turn })
}

/// A read-only transaction whose reads all see one moment (SQLite's read transactions
/// always do).
pub async fn snapshot(db: &super::Db) -> sqlx::Result<super::Tx> {
    Ok(super::Tx { inner: db.begin().await?, _turn: None })
}

/// This process's turn to write to the database, in the order writers asked; held by a
/// [`write()`] transaction and taken by every write outside one (a session's touch, an
/// audit row of a sign-in, the sync worker's claims).
///
/// SQLite's own lock has no queue: a writer that finds it taken sleeps and tries again (up
/// to 100 ms a sleep), so while an import's batches and the sync worker's claims and
/// acknowledgements took turns the lock sat free between them, and a writer could wait
/// seconds or fail ("database is locked"). Waiting here, a writer gets the lock the moment
/// the one before lets go. A writer that does not queue finds the lock always taken while
/// the queue is busy (a large sync keeps it so for minutes), hence every writer queues.
/// After `TURN_PATIENCE` a writer goes on without its turn, to SQLite's lock, which
/// still keeps writes apart (as without this queue).
pub async fn turn(db: &super::Db) -> Option<super::Turn> {
    super::queued(db.connect_options().get_filename().display().to_string(), TURN_PATIENCE).await
}

/// The unique rule a failed write broke, as `table.column` (the last column of the index:
/// `users.email` for `UNIQUE (site_id, email)`), or `None` if it was no unique violation.
/// SQLite names the columns, not the index, in its message (`UNIQUE constraint failed:
/// users.site_id, users.email`).
pub fn unique_violation_key(e: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = e else { return None };
    if !db.is_unique_violation() {
        return None;
    }
    let columns = db.message().split_once("failed: ").map(|(_, c)| c)?;
    columns.rsplit(", ").next().map(|c| c.trim().to_owned())
}

/// SQLite's planner chooses by its indexes' shapes, not by statistics we keep: nothing to
/// refresh (see the PostgreSQL twin).
pub async fn refresh_statistics(_db: &super::Db, _table: &'static str) -> sqlx::Result<()> {
    Ok(())
}

/// Nothing to do on SQLite either (see the PostgreSQL twin).
pub async fn settle_after_bulk_insert(_db: &super::Db, _table: &'static str) -> sqlx::Result<()> {
    Ok(())
}

/// Values per `IN (…)` list: SQLite refuses a statement of more than 32,766 variables, so
/// a long list (an export of 100,000 people) goes in chunks of this many.
pub const IN_LIST_CHUNK: usize = 500;

/// `column` written so that the planner does not pick an index on it (SQLite's unary `+`):
/// for a query whose rows are better found by another index or the primary key.
pub fn without_index(column: &str) -> String {
    format!("+{column}")
}

/// `columns` (expressions, comma-separated) as one JSON array in text. For reads of many
/// rows of many columns (an export): the driver copies every value it hands over (an
/// allocation each, freed on another thread), which cost three times what SQLite took to
/// find the rows; one value a row costs one copy, and serde reads the array in order.
pub fn json_row(columns: &str) -> String {
    format!("json_array({columns})")
}

/// Appended to a `SELECT` whose rows are about to be claimed: nothing on SQLite, whose one
/// writer at a time claims alone.
pub const SKIP_LOCKED: &str = "";

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sqlx::sqlite::SqlitePool;

    #[tokio::test]
    async fn unique_violations_name_table_and_column() {
        let db = SqlitePool::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (site INTEGER, email TEXT, UNIQUE (site, email))").execute(&db).await.unwrap();
        sqlx::query("INSERT INTO t VALUES (1, 'a')").execute(&db).await.unwrap();
        let e = sqlx::query("INSERT INTO t VALUES (1, 'a')").execute(&db).await.unwrap_err();
        assert_eq!(unique_violation_key(&e).as_deref(), Some("t.email"));
        let e = sqlx::query("INSERT INTO nowhere VALUES (1)").execute(&db).await.unwrap_err();
        assert_eq!(unique_violation_key(&e), None);
    }

    /// Writers waiting for one that holds the lock get it in the order they asked, each as
    /// soon as the one before ends (SQLite's own lock would let them race for it).
    #[tokio::test]
    async fn writers_take_turns_in_the_order_they_asked() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&format!("sqlite://{}", dir.path().join("lintel.db").display())).await.unwrap();
        sqlx::query("CREATE TABLE turns (n INTEGER)").execute(&db).await.unwrap();
        let first = write(&db).await.unwrap();
        let mut waiting = Vec::new();
        for n in 1..=3 {
            let db = db.clone();
            waiting.push(tokio::spawn(async move {
                let mut tx = write(&db).await.unwrap();
                sqlx::query("INSERT INTO turns VALUES ($1)").bind(n).execute(&mut *tx).await.unwrap();
                tx.commit().await.unwrap();
            }));
            // This test's runtime has one thread: the writer asks for its turn before the next.
            tokio::task::yield_now().await;
        }
        first.commit().await.unwrap();
        for w in waiting {
            w.await.unwrap();
        }
        let order: Vec<i64> = sqlx::query_scalar("SELECT n FROM turns ORDER BY rowid").fetch_all(&db).await.unwrap();
        assert_eq!(order, [1, 2, 3]);
    }

    /// A write outside a transaction (an audit row of a sign-in) while transactions follow
    /// one another without a pause (a large sync): it queues with them and gets the lock,
    /// where SQLite's busy handler alone would find it taken at every try until its
    /// timeout ("database is locked": without the turn, about one run in three here).
    #[tokio::test]
    async fn a_lone_write_gets_its_turn_between_transactions_that_follow_one_another() {
        let dir = tempfile::tempdir().unwrap();
        let db = open(&format!("sqlite://{}", dir.path().join("lintel.db").display())).await.unwrap();
        sqlx::query("CREATE TABLE busy (n INTEGER)").execute(&db).await.unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut writers = Vec::new();
        for n in 0..3 {
            let (db, stop) = (db.clone(), stop.clone());
            writers.push(tokio::spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let mut tx = write(&db).await.unwrap();
                    sqlx::query("INSERT INTO busy VALUES ($1)").bind(n).execute(&mut *tx).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    tx.commit().await.unwrap();
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let lone = {
            let _turn = turn(&db).await;
            sqlx::query("INSERT INTO busy VALUES (-1)").execute(&db).await
        };
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for w in writers {
            w.await.unwrap();
        }
        lone.unwrap();
        let busy: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM busy WHERE n >= 0").fetch_one(&db).await.unwrap();
        assert!(busy > 1, "the transactions ran meanwhile: {busy}");
    }

    #[tokio::test]
    async fn a_database_of_a_newer_version_is_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("lintel.db").display());
        let db = open(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (9999, 'from the future', TRUE, x'00', 0)",
        )
        .execute(&db)
        .await
        .unwrap();
        db.close().await;
        let e = open(&url).await.unwrap_err().to_string();
        assert!(e.contains("has schema version 9999, newer than this Lintel knows"), "{e}");
        assert!(e.contains("restore a backup"), "{e}");
    }

    /// A data directory made before the migrations moved under `migrations/sqlite/` (and
    /// before 0004) opens and is brought up to date: sqlx keys migrations by version and
    /// checksum, not by path.
    #[tokio::test]
    async fn a_database_of_the_earlier_layout_opens_and_migrates() {
        let dir = tempfile::tempdir().unwrap();
        let earlier = dir.path().join("migrations");
        std::fs::create_dir(&earlier).unwrap();
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
        for name in ["0001_core.sql", "0002_directory.sql", "0003_search_hashsize.sql"] {
            std::fs::copy(here.join(name), earlier.join(name)).unwrap();
        }
        let url = format!("sqlite://{}", dir.path().join("lintel.db").display());
        let options = SqliteConnectOptions::from_str(&url).unwrap().create_if_missing(true);
        let old = SqlitePool::connect_with(options).await.unwrap();
        sqlx::migrate::Migrator::new(earlier.as_path()).await.unwrap().run(&old).await.unwrap();
        sqlx::query(
            "INSERT INTO logins (username, password_hash, password_changed_at, created_at) VALUES ('ann', 'x', 0, 0)",
        )
        .execute(&old)
        .await
        .unwrap();
        old.close().await;

        let db = open(&url).await.unwrap();
        let (name, must_change): (String, bool) =
            sqlx::query_as("SELECT username, must_change_password FROM logins").fetch_one(&db).await.unwrap();
        assert_eq!((name.as_str(), must_change), ("ann", false), "the old rows are kept and get the new columns");
    }
}
