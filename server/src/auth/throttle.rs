//! Sign-in throttling. An attempt is counted *before* its password is checked, so parallel
//! guesses cannot all slip through while the first ones are still being verified; a
//! successful attempt then takes its own count back.
//! - Per account: attempts are kept in the database; at most 100 failures in an hour, and
//!   from the sixth failure on, a growing wait (2, 4, 8 … up to 300 s) since the last one.
//!   A burst of parallel wrong passwords for one account thus gets at most
//!   [`ACCOUNT_BURST`] answers of 401; the rest are 429.
//! - Per IP (an IPv6 client's /64): at most 30 failed attempts in 10 minutes, also in the
//!   database, so that several servers on one database count together; rows older than
//!   the window are purged by housekeeping.
//!
//! Both answer 429 with Retry-After. Times come from the injected clock.

use crate::db::Db;

pub const ACCOUNT_MAX_PER_HOUR: i64 = 100;
const FREE_FAILURES: i64 = 5;
/// Failures of one account that may happen at the same moment before the wait starts.
pub const ACCOUNT_BURST: i64 = FREE_FAILURES + 1;
const MAX_DELAY_SECS: i64 = 300;
pub const IP_MAX_FAILURES: i64 = 30;
pub const IP_WINDOW_SECS: i64 = 600;

/// What the per-IP limit counts by: an IPv4 address, or an IPv6 address's /64 (one
/// subscriber's network: a client changing addresses within it is still one client).
pub fn ip_key(ip: &str) -> String {
    match ip.parse::<std::net::IpAddr>().map(|a| a.to_canonical()) {
        Ok(std::net::IpAddr::V6(v6)) => {
            let s = v6.segments();
            format!("{}/64", std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
        }
        Ok(v4) => v4.to_string(),
        Err(_) => ip.to_owned(),
    }
}

/// Counts an attempt from `ip` as a failure until it succeeds, in one write transaction
/// with the check: returns the row to take back on success, or the seconds to wait.
pub async fn ip_attempt(db: &Db, ip: &str, now: i64) -> sqlx::Result<Result<i64, u64>> {
    let key = ip_key(ip);
    let mut tx = crate::db::write(db).await?;
    let (count, oldest): (i64, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(at) FROM ip_failures WHERE ip = $1 AND at > $2")
            .bind(&key)
            .bind(now - IP_WINDOW_SECS)
            .fetch_one(&mut *tx)
            .await?;
    if count >= IP_MAX_FAILURES {
        return Ok(Err((oldest.unwrap_or(now) + IP_WINDOW_SECS - now).max(1) as u64));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO ip_failures (ip, at) VALUES ($1, $2) RETURNING id")
        .bind(&key)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Takes back the attempt `ip_attempt` counted (it succeeded, or was refused before any
/// check); earlier failures stay. Failing to is logged, not answered: the attempt then
/// counts until it expires.
pub async fn ip_succeeded(db: &Db, attempt: i64) {
    let _turn = crate::db::turn(db).await;
    if let Err(e) = sqlx::query("DELETE FROM ip_failures WHERE id = $1").bind(attempt).execute(db).await {
        tracing::warn!(error = %e, "throttling: an attempt could not be taken back");
    }
}

/// Seconds an account with these failures must wait, if any.
fn account_wait(count: i64, oldest: Option<i64>, last: Option<i64>, now: i64) -> Option<u64> {
    if count >= ACCOUNT_MAX_PER_HOUR {
        return Some((oldest.unwrap_or(now) + 3600 - now).max(1) as u64);
    }
    if count > FREE_FAILURES {
        let delay = (1i64 << (count - FREE_FAILURES).min(16)).min(MAX_DELAY_SECS);
        let ready = last.unwrap_or(now) + delay;
        if ready > now {
            return Some((ready - now) as u64);
        }
    }
    None
}

/// Counts an attempt for `username` as a failure until it succeeds, in one write
/// transaction with the check: returns the row to take back on success, or the wait.
pub async fn account_attempt(db: &Db, username: &str, now: i64) -> sqlx::Result<Result<i64, u64>> {
    let mut tx = crate::db::write(db).await?;
    let (count, oldest, last): (i64, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(at), MAX(at) FROM login_failures WHERE username = $1 AND at > $2")
            .bind(username)
            .bind(now - 3600)
            .fetch_one(&mut *tx)
            .await?;
    if let Some(wait) = account_wait(count, oldest, last, now) {
        return Ok(Err(wait));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO login_failures (username, at) VALUES ($1, $2) RETURNING rowid")
        .bind(username)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// The right password: the account's failures are cleared (its own count included).
pub async fn account_succeeded(db: &Db, username: &str) -> sqlx::Result<()> {
    let _turn = crate::db::turn(db).await;
    sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(db).await?;
    Ok(())
}

/// Failures older than their window no longer count; they are deleted.
pub async fn purge(db: &Db, now: i64) -> sqlx::Result<u64> {
    let _turn = crate::db::turn(db).await;
    let accounts = sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(now - 3600).execute(db).await?;
    let ips = sqlx::query("DELETE FROM ip_failures WHERE at <= $1").bind(now - IP_WINDOW_SECS).execute(db).await?;
    Ok(accounts.rows_affected() + ips.rows_affected())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(ip_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(ip_key("2001:db8:1:2:ffff:1:2:3"), ip_key("2001:db8:1:2::1"));
        assert_ne!(ip_key("2001:db8:1:3::1"), ip_key("2001:db8:1:2::1"));
        assert_eq!(ip_key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(ip_key("192.0.2.1"), "192.0.2.1");
    }

    #[cfg(not(feature = "postgres"))]
    #[tokio::test]
    async fn ip_attempts_are_counted_before_the_check_and_taken_back_on_success() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open(&format!("sqlite://{}", dir.path().join("t.db").display())).await.unwrap();
        let mut last = 0;
        for i in 0..IP_MAX_FAILURES {
            last = ip_attempt(&db, &format!("2001:db8:1:2::{i:x}"), 100).await.unwrap().unwrap();
        }
        assert!(ip_attempt(&db, "2001:db8:1:2::ffff", 100).await.unwrap().is_err(), "the same /64 waits");
        assert!(ip_attempt(&db, "2001:db8:1:3::1", 100).await.unwrap().is_ok(), "another /64 does not");
        ip_succeeded(&db, last).await;
        assert!(ip_attempt(&db, "2001:db8:1:2::1", 100).await.unwrap().is_ok(), "one success frees one slot");
        assert!(ip_attempt(&db, "2001:db8:1:2::1", 100).await.unwrap().is_err(), "but keeps the other failures");
        assert!(ip_attempt(&db, "2001:db8:1:2::1", 100 + IP_WINDOW_SECS).await.unwrap().is_ok());
    }
}
