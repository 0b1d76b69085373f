//! Sites come from the configuration: each configured site exists in the database.

use crate::config::SiteConfig;
use crate::db::Db;
use proto::api::scim_settings::Leavers;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Site {
    pub id: i64,
    pub name: String,
}

pub async fn sync(db: &Db, sites: &[SiteConfig], now: i64) -> sqlx::Result<Vec<Site>> {
    let mut out = Vec::new();
    let _turn = crate::db::turn(db).await;
    for s in sites {
        sqlx::query("INSERT INTO sites (name, time_zone, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET time_zone = excluded.time_zone")
            .bind(&s.name)
            .bind(&s.time_zone)
            .bind(now)
            .execute(db)
            .await?;
        out.push(sqlx::query_as("SELECT id, name FROM sites WHERE name = $1").bind(&s.name).fetch_one(db).await?);
    }
    Ok(out)
}

/// The next free numeric user ID of a site, from its counter (IDs given explicitly are
/// skipped). Within a transaction the counter row stays locked until commit.
pub async fn next_user_id(tx: &mut crate::db::Conn, site_id: i64) -> sqlx::Result<String> {
    loop {
        let id: i64 = sqlx::query_scalar(
            "UPDATE sites SET next_user_id = next_user_id + 1 WHERE id = $1 RETURNING next_user_id - 1",
        )
        .bind(site_id)
        .fetch_one(&mut *tx)
        .await?;
        let id = id.to_string();
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE site_id = $1 AND user_id = $2")
            .bind(site_id)
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_none() {
            return Ok(id);
        }
    }
}

/// `n` free numeric user IDs of a site, reserved from its counter in one step. IDs already
/// held, and the IDs in `given` (set explicitly elsewhere in the same batch or import), are
/// skipped. Used by bulk creation.
pub async fn reserve_user_ids(
    tx: &mut crate::db::Conn,
    site_id: i64,
    n: usize,
    given: &std::collections::HashSet<&str>,
) -> sqlx::Result<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(n);
    while out.len() < n {
        let want = i64::try_from(n - out.len()).unwrap_or(i64::MAX);
        let first: i64 = sqlx::query_scalar(
            "UPDATE sites SET next_user_id = next_user_id + $1 WHERE id = $2 RETURNING next_user_id - $1",
        )
        .bind(want)
        .bind(site_id)
        .fetch_one(&mut *tx)
        .await?;
        let candidates: Vec<String> = (first..first + want).map(|i| i.to_string()).collect();
        let mut taken = std::collections::HashSet::new();
        for chunk in candidates.chunks(crate::db::IN_LIST_CHUNK) {
            let mut q: sqlx::QueryBuilder<crate::db::Backend> =
                sqlx::QueryBuilder::new("SELECT user_id FROM users WHERE site_id = ");
            q.push_bind(site_id).push(" AND user_id");
            crate::db::push_in_list(&mut q, chunk.iter().cloned());
            let found: Vec<String> = q.build_query_scalar().persistent(false).fetch_all(&mut *tx).await?;
            taken.extend(found);
        }
        out.extend(candidates.into_iter().filter(|c| !taken.contains(c) && !given.contains(c.as_str())));
    }
    Ok(out)
}

/// The IANA time zone a site's local times are in.
pub async fn time_zone(db: &crate::db::Db, site_id: i64) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT time_zone FROM sites WHERE id = $1").bind(site_id).fetch_one(db).await
}

/// What an identity provider's leaver becomes in the site (SCIM, `docs/scim.md`).
pub async fn scim_leavers(db: &mut crate::db::Conn, site_id: i64) -> sqlx::Result<Leavers> {
    let text: String =
        sqlx::query_scalar("SELECT scim_leavers FROM sites WHERE id = $1").bind(site_id).fetch_one(&mut *db).await?;
    Ok(Leavers::parse(&text).unwrap_or(Leavers::Suspend))
}

/// Sets the site's rule for leavers; answers the one it replaces.
pub async fn set_scim_leavers(tx: &mut crate::db::Conn, site_id: i64, leavers: Leavers) -> sqlx::Result<Leavers> {
    let before = scim_leavers(tx, site_id).await?;
    sqlx::query("UPDATE sites SET scim_leavers = $1 WHERE id = $2")
        .bind(leavers.as_str())
        .bind(site_id)
        .execute(&mut *tx)
        .await?;
    Ok(before)
}
