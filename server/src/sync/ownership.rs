//! Which server syncs a site. On SQLite one server owns the database, so it owns every
//! site at once. On PostgreSQL several servers share the database and each site is synced
//! by one of them at a time: the one holding the site's session-level advisory lock on a
//! connection of its own. The lock goes with that connection (a server that dies or loses
//! the database loses it), and the others try for it every few seconds, so one of them
//! takes over. Work is claimed with leases besides, and every send is idempotent, so a
//! handover in the middle of a send costs at most a send again.

use crate::db::Db;

/// A site this server syncs, until [`Ownership::lost`] says otherwise.
pub struct Ownership {
    #[cfg(feature = "postgres")]
    conn: sqlx::PgConnection,
}

/// How often a server that does not sync a site tries to, and checks that it still does.
#[cfg(feature = "postgres")]
pub const RETRY: std::time::Duration = std::time::Duration::from_secs(3);

/// The advisory lock key of a site ("Li" and the site's ID), apart from the write lock's.
#[cfg(feature = "postgres")]
fn key(site_id: i64) -> i64 {
    (0x4c69_i64 << 48) | (site_id & 0xffff_ffff_ffff)
}

/// Takes the site if no other server syncs it.
#[cfg(feature = "postgres")]
pub async fn try_own(db: &Db, site_id: i64) -> sqlx::Result<Option<Ownership>> {
    let mut conn = db.acquire().await?.detach();
    let owned: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock($1)").bind(key(site_id)).fetch_one(&mut conn).await?;
    Ok(owned.then_some(Ownership { conn }))
}

#[cfg(not(feature = "postgres"))]
pub async fn try_own(_db: &Db, _site_id: i64) -> sqlx::Result<Option<Ownership>> {
    Ok(Some(Ownership {}))
}

impl Ownership {
    /// Returns when the site is no longer this server's (the lock's connection failed).
    #[cfg(feature = "postgres")]
    pub async fn lost(&mut self) {
        loop {
            tokio::time::sleep(RETRY).await;
            let alive = tokio::time::timeout(RETRY, sqlx::query("SELECT 1").execute(&mut self.conn)).await;
            if !matches!(alive, Ok(Ok(_))) {
                return;
            }
        }
    }

    #[cfg(not(feature = "postgres"))]
    pub async fn lost(&mut self) {
        std::future::pending().await
    }
}
