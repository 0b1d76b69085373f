//! `lintel backup <file>` and `lintel restore <file>`.
//!
//! A backup is taken while the server runs: SQLite's `VACUUM INTO` writes one consistent
//! snapshot of the database (in WAL mode it neither waits for writers nor stops them), so
//! the copy holds every transaction committed before it began and none half-done.
//!
//! A restore needs the server stopped: a running server holds the lock file next to its
//! database, and restore refuses while it is held. The file is checked first (SQLite's
//! integrity check, a Lintel schema no newer than this binary), then copied beside the
//! database, synced, and renamed over it; the old write-ahead log goes with the old file.

use anyhow::{Context, bail};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The database file a `sqlite:` URL names.
fn database_file(database_url: &str) -> anyhow::Result<PathBuf> {
    let options = SqliteConnectOptions::from_str(database_url).context("database_url")?;
    Ok(options.get_filename().to_owned())
}

/// The lock a running server holds on its database (released when the process ends).
/// On PostgreSQL there is none: several servers share the database by design.
pub struct ServerLock(#[allow(dead_code)] Option<File>);

pub fn lock(database_url: &str) -> anyhow::Result<ServerLock> {
    if cfg!(feature = "postgres") {
        return Ok(ServerLock(None));
    }
    let db = database_file(database_url)?;
    if let Some(dir) = db.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let path = lock_path(&db);
    let file = File::options().create(true).truncate(false).write(true).open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(ServerLock(Some(file))),
        Err(_) => bail!("{} is in use: another Lintel server runs on this database", db.display()),
    }
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

/// What a backup holds.
pub struct Summary {
    pub people: i64,
    pub bytes: u64,
}

/// A consistent copy of the live database at `to` (which must not exist yet).
pub async fn backup(database_url: &str, to: &Path) -> anyhow::Result<Summary> {
    refuse_postgres("backup")?;
    if to.exists() {
        bail!("{} exists already: choose a new file for the backup", to.display());
    }
    let options = SqliteConnectOptions::from_str(database_url)?.read_only(true);
    let pool =
        SqlitePoolOptions::new().max_connections(1).connect_with(options).await.context("opening the database")?;
    let target = to.to_str().context("the backup's path is not UTF-8")?;
    sqlx::query("VACUUM INTO $1").bind(target).execute(&pool).await.context("writing the backup")?;
    pool.close().await;
    File::open(to)?.sync_all()?;
    let checked = check(to).await?;
    Ok(Summary { people: checked, bytes: std::fs::metadata(to)?.len() })
}

/// Checks a backup file: SQLite's integrity check, and a Lintel schema this binary can
/// open. Answers how many people it holds.
pub async fn check(file: &Path) -> anyhow::Result<i64> {
    let options = SqliteConnectOptions::new().filename(file).read_only(true);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await?;
    if integrity != "ok" {
        bail!("{} fails SQLite's integrity check: {integrity}", file.display());
    }
    let newest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(&pool)
        .await
        .with_context(|| format!("{} is not a Lintel database", file.display()))?;
    let known = crate::db::newest_schema();
    if newest.unwrap_or(0) > known {
        bail!("{} was written by a newer Lintel (schema {newest:?}, this one knows up to {known})", file.display());
    }
    let people = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL").fetch_one(&pool).await?;
    pool.close().await;
    Ok(people)
}

/// Puts the backup `from` in place of the (stopped) server's database.
pub async fn restore(database_url: &str, from: &Path) -> anyhow::Result<i64> {
    refuse_postgres("restore")?;
    let people = check(from).await?;
    let _stopped = lock(database_url).context("stop the server before restoring")?;
    let db = database_file(database_url)?;
    let mut staged = db.as_os_str().to_owned();
    staged.push(".restoring");
    let staged = PathBuf::from(staged);
    std::fs::copy(from, &staged).with_context(|| format!("copying {}", from.display()))?;
    File::open(&staged)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut side = db.as_os_str().to_owned();
        side.push(suffix);
        match std::fs::remove_file(PathBuf::from(side)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    std::fs::rename(&staged, &db)?;
    if let Some(dir) = db.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(people)
}

/// PostgreSQL has its own tools, which also work while every server runs.
fn refuse_postgres(command: &str) -> anyhow::Result<()> {
    if cfg!(feature = "postgres") {
        bail!("lintel {command} copies SQLite files; on PostgreSQL use pg_dump and pg_restore (see docs/operating.md)");
    }
    Ok(())
}
