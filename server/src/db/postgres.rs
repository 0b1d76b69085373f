//! PostgreSQL: one database shared by several Lintel servers.
//!
//! Writes that read, check and then write (the last SUPER, card positions, invitation
//! states, the per-site counters) were written for SQLite's single writer. Here every
//! [`write`] transaction takes one transaction-scoped advisory lock first, which gives
//! the same guarantee across every server on the database: writers take turns, readers
//! never wait. Under READ COMMITTED each statement after the lock sees everything
//! committed before it, so a check cannot go stale before its write.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::str::FromStr;
use std::time::Duration;

/// The database backend.
pub type Backend = sqlx::Postgres;
/// One connection (or an open transaction, which derefs to one).
pub type Conn = sqlx::PgConnection;
/// Bound arguments of a query.
pub type Args<'q> = sqlx::postgres::PgArguments;

/// The URL scheme this build opens (`postgres://` or `postgresql://`).
pub const SCHEME: &str = "postgres";

/// The advisory lock key of [`write`] ("Lintel" in ASCII, so that it does not collide by
/// chance with another application's keys on a shared cluster).
const WRITE_LOCK: i64 = 0x4c69_6e74_656c;

pub async fn open(url: &str) -> anyhow::Result<super::Db> {
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| anyhow::anyhow!("database_url: {e}"))?
        // Prepared statements keep a generic plan after five runs (planning a page of people
        // again at every run cost 1-2 ms of a 5 ms search); those that match a search term
        // are not kept (see `search::MATCH_PLANNED_EACH_TIME`).
        .options([("lock_timeout", "10s")])
        // New people's search entries wait in the trigram index's pending list until it
        // holds this much, and every search reads that list whole: at 256 kB, a few hundred
        // people at most (4 MB, the default, cost each search 4 ms after an import). A bulk
        // write raises it for its own transaction and merges the list before it commits
        // (see `search::before_many`).
        .options([("gin_pending_list_limit", "256kB")])
        // A random read costs about what a sequential one does with the tables in memory or
        // on SSD (PostgreSQL's default, 4, prices a spinning disk): with 4, the sync worker's
        // lookup of 1,000 people's cards read all of `cards` (19 ms a batch, 5.4 s of the
        // sync of 100,000 people; 2 ms with 1.1), and a lookup of 5,000 people by email read
        // all of `users`. Lintel's own sessions only.
        .options([("random_page_cost", "1.1")]);
    let pool = PgPoolOptions::new()
        .max_connections(16)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(options)
        .await
        .map_err(|e| anyhow::anyhow!("database_url: cannot connect to PostgreSQL: {e}"))?;
    // Several servers may start at once: one migrates, the others wait (sqlx's migrator
    // takes its own advisory lock).
    let tracked: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations')::text").fetch_one(&pool).await?;
    if tracked.is_some() {
        super::refuse_newer(&pool, "on PostgreSQL").await?;
    }
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest schema version this binary knows.
pub fn newest_schema() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// A transaction holding the database-wide write lock until it ends (see the module).
///
/// The writers of this process queue for it here first, in order and without a connection
/// of the pool, so only one of them at a time waits for the lock itself (for another
/// server's writer). Before, each held a connection while PostgreSQL kept it waiting: an
/// import's batches, the sync worker and the API's writes held most of the pool between
/// them, each wait over a second logged as a slow statement (75 in one 100,000-row import).
pub async fn write(db: &super::Db) -> sqlx::Result<super::Tx> {
    let options = db.connect_options();
    let database = format!("{}:{}/{}", options.get_host(), options.get_port(), options.get_database().unwrap_or(""));
    let turn = super::queued(database, TURN_PATIENCE).await;
    let mut tx = db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(WRITE_LOCK).execute(&mut *tx).await?;
    Ok(super::Tx { inner: tx, _turn: turn })
}

/// How long a writer waits for its turn in this process before it goes on to the lock
/// (whose own wait ends at `lock_timeout`); as on SQLite.
const TURN_PATIENCE: Duration = Duration::from_secs(30);

/// A write outside a [`write`] transaction is one statement that takes no lock of ours:
/// no turn to take.
pub async fn turn(_db: &super::Db) -> Option<super::Turn> {
    None
}

/// A read-only transaction whose reads all see one moment: REPEATABLE READ (PostgreSQL's
/// default, READ COMMITTED, takes a new snapshot for each statement).
pub async fn snapshot(db: &super::Db) -> sqlx::Result<super::Tx> {
    Ok(super::Tx { inner: db.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?, _turn: None })
}

/// The unique rule a failed write broke, as `table.column` (see the SQLite build): the
/// PostgreSQL migrations name every unique constraint and index that way, so the name is
/// the key.
pub fn unique_violation_key(e: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = e else { return None };
    if !db.is_unique_violation() {
        return None;
    }
    db.constraint().map(str::to_owned)
}

/// Values per list: one array each (`= ANY($n)`), so a long list costs one bind, not one
/// per value; chunks still bound what a single statement reads.
pub const IN_LIST_CHUNK: usize = 5000;

/// Brings the planner's statistics of `table` up to date once it has changed by more rows
/// than it held when they were taken (and by at least 5,000). While the sync filled
/// `device_users`, statistics taken when it held a few rows made PostgreSQL read all of a
/// device's 100,000 rows for each batch of acknowledgements (29–42 ms a batch, 30 s of one
/// sync) until autovacuum came to analyze it, whenever that was. Growing by doublings, a
/// table is analyzed a few times on its way to 300,000 rows, each under 0.1 s.
pub async fn refresh_statistics(db: &super::Db, table: &'static str) -> sqlx::Result<()> {
    if table_stats_say(db, table, "s.n_mod_since_analyze::float8 >= greatest(5000, c.reltuples::float8)").await? {
        sqlx::query(&format!("ANALYZE {table}")).execute(db).await?;
    }
    Ok(())
}

/// After a bulk insert into `table`: once a fifth of its rows (and at least 5,000) came
/// since it was last vacuumed, vacuums and analyzes it. Its new pages are then marked
/// all-visible, so that a walk of an index carrying the columns it needs (a common search
/// term's page) reads no table rows: until autovacuum came by, "person 12" took 5.2 ms a
/// page at 100,000 people instead of 4.5. The vacuum of freshly written pages is cheap
/// (0.1 s for 100,000 rows): there is nothing to remove.
pub async fn settle_after_bulk_insert(db: &super::Db, table: &'static str) -> sqlx::Result<()> {
    let unsettled = "s.n_ins_since_vacuum::float8 >= greatest(5000, c.reltuples::float8 / 5)
        OR s.n_mod_since_analyze::float8 >= greatest(5000, c.reltuples::float8)";
    if table_stats_say(db, table, unsettled).await? {
        sqlx::query(&format!("VACUUM (ANALYZE) {table}")).execute(db).await?;
    }
    Ok(())
}

/// Whether `condition`, over the table's activity counters (`s`, `pg_stat_user_tables`)
/// and its catalog row (`c`, `pg_class`), holds for `table`.
async fn table_stats_say(db: &super::Db, table: &'static str, condition: &str) -> sqlx::Result<bool> {
    let holds: Option<bool> = sqlx::query_scalar(&format!(
        "SELECT {condition} FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
         WHERE s.relid = $1::text::regclass"
    ))
    .bind(table)
    .fetch_optional(db)
    .await?;
    Ok(holds == Some(true))
}

/// PostgreSQL's planner weighs indexes by their statistics and needs no hint.
pub fn without_index(column: &str) -> String {
    column.to_owned()
}

/// `columns` (expressions, comma-separated) as one JSON array in text: see the SQLite twin.
pub fn json_row(columns: &str) -> String {
    format!("json_build_array({columns})::text")
}

/// Appended to a `SELECT` whose rows are about to be claimed: rows another transaction is
/// claiming are passed over rather than waited for (or claimed twice).
pub const SKIP_LOCKED: &str = " FOR UPDATE SKIP LOCKED";
