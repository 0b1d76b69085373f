//! Sign-in throttling. An attempt is counted *before* its password is checked, so parallel
//! guesses cannot all slip through while the first ones are still being verified; a
//! successful attempt then takes its own count back.
//! - Per account: attempts are kept in the database; at most 100 failures in an hour, and
//!   from the sixth failure on, a growing wait (2, 4, 8 … up to 300 s) since the last one.
//!   A burst of parallel wrong passwords for one account thus gets at most
//!   [`ACCOUNT_BURST`] answers of 401; the rest are 429.
//! - Per IP (an IPv6 client's /64): at most 30 failed attempts in 10 minutes, in memory
//!   (bounded).
//!
//! Both answer 429 with Retry-After. Times come from the injected clock.

use crate::db::Db;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub const ACCOUNT_MAX_PER_HOUR: i64 = 100;
const FREE_FAILURES: i64 = 5;
/// Failures of one account that may happen at the same moment before the wait starts.
pub const ACCOUNT_BURST: i64 = FREE_FAILURES + 1;
const MAX_DELAY_SECS: i64 = 300;
pub const IP_MAX_FAILURES: usize = 30;
pub const IP_WINDOW_SECS: i64 = 600;
/// Addresses remembered at most; beyond it, addresses not yet blocked are forgotten first.
pub const IP_MAX_TRACKED: usize = 100_000;

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

#[derive(Default)]
pub struct Throttle {
    by_ip: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Throttle {
    /// Counts an attempt from `ip`, or says how many seconds it must wait.
    pub fn ip_attempt(&self, ip: &str, now: i64) -> Result<(), u64> {
        let ip = &ip_key(ip);
        let mut map = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= IP_MAX_TRACKED && !map.contains_key(ip) {
            forget_some(&mut map, now);
        }
        let attempts = map.entry(ip.to_owned()).or_default();
        while attempts.front().is_some_and(|at| *at <= now - IP_WINDOW_SECS) {
            attempts.pop_front();
        }
        if attempts.len() >= IP_MAX_FAILURES {
            let oldest = attempts.front().copied().unwrap_or(now);
            return Err((oldest + IP_WINDOW_SECS - now).max(1) as u64);
        }
        attempts.push_back(now);
        Ok(())
    }

    /// Takes back the attempt counted at `at` (it succeeded); earlier failures stay.
    pub fn ip_succeeded(&self, ip: &str, at: i64) {
        let ip = &ip_key(ip);
        let mut map = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(attempts) = map.get_mut(ip) {
            if let Some(i) = attempts.iter().rposition(|t| *t == at) {
                attempts.remove(i);
            }
            if attempts.is_empty() {
                map.remove(ip);
            }
        }
    }

    pub fn tracked_ips(&self) -> usize {
        self.by_ip.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Drops expired entries; if the map is still full, the addresses that are not blocked.
fn forget_some(map: &mut HashMap<String, VecDeque<i64>>, now: i64) {
    map.retain(|_, attempts| attempts.back().is_some_and(|at| *at > now - IP_WINDOW_SECS));
    if map.len() >= IP_MAX_TRACKED {
        map.retain(|_, attempts| attempts.len() >= IP_MAX_FAILURES);
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
    sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(db).await?;
    Ok(())
}

/// Failures older than the longest window no longer count; they are deleted.
pub async fn purge(db: &Db, now: i64) -> sqlx::Result<u64> {
    let done = sqlx::query("DELETE FROM login_failures WHERE at <= $1").bind(now - 3600).execute(db).await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_attempts_are_counted_before_the_check_and_taken_back_on_success() {
        let t = Throttle::default();
        for _ in 0..IP_MAX_FAILURES {
            assert!(t.ip_attempt("10.0.0.1", 100).is_ok());
        }
        assert!(t.ip_attempt("10.0.0.1", 100).is_err());
        t.ip_succeeded("10.0.0.1", 100);
        assert!(t.ip_attempt("10.0.0.1", 100).is_ok(), "one success frees one slot");
        assert!(t.ip_attempt("10.0.0.1", 100).is_err(), "but keeps the other failures");
        assert!(t.ip_attempt("10.0.0.1", 100 + IP_WINDOW_SECS).is_ok());
    }

    #[test]
    fn an_ipv6_client_is_counted_by_its_64() {
        assert_eq!(ip_key("2001:db8:1:2::1"), "2001:db8:1:2::/64");
        assert_eq!(ip_key("2001:db8:1:2:ffff:1:2:3"), ip_key("2001:db8:1:2::1"));
        assert_ne!(ip_key("2001:db8:1:3::1"), ip_key("2001:db8:1:2::1"));
        assert_eq!(ip_key("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(ip_key("192.0.2.1"), "192.0.2.1");
        let t = Throttle::default();
        for i in 0..IP_MAX_FAILURES {
            assert!(t.ip_attempt(&format!("2001:db8:1:2::{i:x}"), 100).is_ok());
        }
        assert!(t.ip_attempt("2001:db8:1:2::ffff", 100).is_err(), "a new address in the same /64 waits too");
        assert!(t.ip_attempt("2001:db8:1:3::1", 100).is_ok());
    }

    #[test]
    fn the_ip_map_is_bounded() {
        let t = Throttle::default();
        for i in 0..IP_MAX_TRACKED + 10 {
            let _ = t.ip_attempt(&format!("ip{i}"), 0);
        }
        assert!(t.tracked_ips() <= IP_MAX_TRACKED);
    }
}
