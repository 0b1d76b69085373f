//! The database: SQLite (the default build) or PostgreSQL (the `postgres` feature), through
//! sqlx, each with its own append-only migrations under `server/migrations/<backend>/`
//! (the same versions in both).
//!
//! The backend is chosen when the server is built, not per query: the schema relies on
//! what each does best (booleans, FTS5 or `pg_trgm`, partial indexes) and `sqlx::Any`
//! would carry neither booleans nor typed binds faithfully. This module is the only one
//! that names the backend: the rest of the server uses the aliases re-exported here, and
//! the backend-specific pieces (opening and migrating, the write lock, IN-list chunking,
//! the search probe, unique-violation mapping) live in `sqlite.rs` / `postgres.rs` behind
//! the same names.

pub mod search;
pub mod search_sample;
#[cfg(not(feature = "postgres"))]
mod sqlite;
#[cfg(not(feature = "postgres"))]
pub use sqlite::*;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "postgres")]
pub use postgres::*;

use sqlx::QueryBuilder;

/// A pool of connections.
pub type Pool = sqlx::Pool<Backend>;
/// The pool, as handlers hold it.
pub type Db = Pool;
/// A transaction from [`write()`] or [`snapshot`]: used as its connection (`&mut *tx`) and
/// ended by `commit` or `rollback` (dropped, it rolls back). On SQLite a write transaction
/// also holds the process's turn to write ([`turn`]) until it ends.
pub struct Tx {
    inner: sqlx::Transaction<'static, Backend>,
    // Declared after `inner`: released only once the transaction has ended.
    _turn: Option<Turn>,
}

impl Tx {
    pub async fn commit(self) -> sqlx::Result<()> {
        self.inner.commit().await
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.inner.rollback().await
    }
}

impl std::ops::Deref for Tx {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.inner
    }
}

impl std::ops::DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.inner
    }
}

/// A writer's place in the queue of [`turn`].
pub type Turn = tokio::sync::OwnedSemaphorePermit;

/// Waits for this process's turn in the writers' queue of `database` (a file, or a
/// PostgreSQL server and database), in the order writers asked; `None` after `patience`,
/// with a warning (the writer then goes on to the database's own lock, which still keeps
/// writes apart).
async fn queued(database: String, patience: std::time::Duration) -> Option<Turn> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    use tokio::sync::Semaphore;
    static QUEUES: OnceLock<Mutex<HashMap<String, Arc<Semaphore>>>> = OnceLock::new();
    let queue = QUEUES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(database)
        .or_insert_with(|| Arc::new(Semaphore::new(1)))
        .clone();
    let turn = tokio::time::timeout(patience, queue.acquire_owned()).await.ok().and_then(Result::ok);
    if turn.is_none() {
        tracing::warn!(
            waited_s = patience.as_secs(),
            "a writer went on without its turn: the writers before it held the database that long"
        );
    }
    turn
}

/// Anything a query runs on: the pool, a connection or a transaction.
pub trait Executor<'e>: sqlx::Executor<'e, Database = Backend> {}
impl<'e, T: sqlx::Executor<'e, Database = Backend>> Executor<'e> for T {}

/// Whether the database answers a query.
pub async fn ping(db: &Db) -> sqlx::Result<()> {
    sqlx::query("SELECT 1").execute(db).await.map(drop)
}

/// The statuses a rule of [`proto::domain::Status`] admits, as an SQL list
/// (`('PENDING', 'ACTIVE')`), so that a query agrees with the rule instead of restating it.
pub fn status_list(keep: fn(proto::domain::Status) -> bool) -> String {
    let names: Vec<String> =
        proto::domain::Status::ALL.into_iter().filter(|s| keep(*s)).map(|s| format!("'{}'", s.as_str())).collect();
    format!("({})", names.join(", "))
}

/// Appends ` IN (…)` binding each of `values` (at most [`IN_LIST_CHUNK`] of them); on
/// PostgreSQL ` = ANY($n)` binding them as one array, which it parses and plans in a
/// fraction of the time of a list of 1,000 parameters.
///
/// A query a `QueryBuilder` makes is run with `.persistent(false)`: its text changes with
/// its lists and rows, and each connection would otherwise keep every shape it saw
/// prepared (a 1,000-row INSERT's program is about a megabyte: after one import, the
/// connections held some 40 MB of them). The exceptions are the queries of a page of
/// people, whose shapes are few and small: see [`keep_prepared`].
#[cfg(not(feature = "postgres"))]
pub fn push_in_list<'q, T>(q: &mut QueryBuilder<'q, Backend>, values: impl IntoIterator<Item = T>)
where
    T: 'q + sqlx::Encode<'q, Backend> + InList,
{
    q.push(" IN (");
    let mut list = q.separated(", ");
    for v in values {
        list.push_bind(v);
    }
    q.push(")");
}

#[cfg(feature = "postgres")]
pub fn push_in_list<'q, T>(q: &mut QueryBuilder<'q, Backend>, values: impl IntoIterator<Item = T>)
where
    T: 'q + sqlx::Encode<'q, Backend> + InList,
{
    q.push(" = ANY(").push_bind(values.into_iter().collect::<Vec<T>>()).push(")");
}

/// Whether a query whose list holds `values` values stays prepared on its connection: yes
/// for a page's (at most [`proto::api::user::MAX_PAGE`] people, so a few small shapes, and
/// sqlx keeps at most 100 statements a connection), which saves a search the parsing and
/// planning of each of its queries; no for an import's or export's.
pub fn keep_prepared(values: usize) -> bool {
    values <= proto::api::user::MAX_PAGE as usize
}

/// Rows per multi-row INSERT of a bulk write (people, cards, device work, audit, import
/// results). Compiling an INSERT of 1,000 rows of 25 columns took about as long as writing
/// its rows, again for every statement; a full statement of this many rows is compiled
/// once per connection and kept (see [`insert_prepared`]), a few hundred KB in all.
pub const INSERT_ROWS: usize = 100;

/// Whether a multi-row INSERT of `rows` rows stays prepared: a full one and a single row
/// do (two shapes a table); the last, shorter statement of a write does not.
pub fn insert_prepared(rows: usize) -> bool {
    rows == INSERT_ROWS || rows == 1
}

/// Around a SELECT of each row's `id` and its [`json_row`] as `j` (between this and
/// [`JSON_ROWS_END`]): its rows as one JSON array of those arrays, in `id` order. A page is
/// then one value through the driver: on SQLite each row it hands over is a message between
/// threads, a wake-up each (half of an export's time at 100,000 rows).
pub const JSON_ROWS_START: &str = "SELECT coalesce('[' || string_agg(j, ',' ORDER BY id) || ']', '[]') FROM (";
pub const JSON_ROWS_END: &str = ") page";

/// A row selected as one JSON array ([`json_row`]), read by position into `T`'s fields.
pub fn read_json_row<'a, T: serde::Deserialize<'a>>(json: &'a str) -> sqlx::Result<T> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A type [`push_in_list`] binds (on PostgreSQL, one that has an array type too).
#[cfg(not(feature = "postgres"))]
pub trait InList: sqlx::Type<Backend> + Send {}
#[cfg(not(feature = "postgres"))]
impl<T: sqlx::Type<Backend> + Send> InList for T {}
#[cfg(feature = "postgres")]
pub trait InList: sqlx::Type<Backend> + sqlx::postgres::PgHasArrayType + Send {}
#[cfg(feature = "postgres")]
impl<T: sqlx::Type<Backend> + sqlx::postgres::PgHasArrayType + Send> InList for T {}

/// A database written by a newer Lintel (a downgrade, or a backup from a newer version) is
/// refused before anything touches it, with what to do, rather than sqlx's "migration N was
/// previously applied but is missing". Called only when `_sqlx_migrations` exists.
async fn refuse_newer(pool: &Db, what: &str) -> anyhow::Result<()> {
    let known = newest_schema();
    let applied: Option<i64> =
        sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success").fetch_one(pool).await?;
    match applied {
        Some(applied) if applied > known => anyhow::bail!(
            "the database {what} has schema version {applied}, newer than this Lintel knows (up to {known}): \
             it was written by a newer version. Run that version or a later one, or restore a backup taken \
             before the upgrade; this version will not open it"
        ),
        _ => Ok(()),
    }
}
