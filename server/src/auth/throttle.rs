//! Sign-in throttling.
//! - Per account: failures are kept in the database; at most 100 in an hour, and after the
//!   fifth a growing wait (2, 4, 8 … up to 300 s) since the last one.
//! - Per IP: at most 30 failed attempts in 10 minutes, in memory.
//!
//! Both answer 429 with Retry-After. Times come from the injected clock.

use crate::db::Db;
use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub const ACCOUNT_MAX_PER_HOUR: i64 = 100;
const FREE_FAILURES: i64 = 5;
const MAX_DELAY_SECS: i64 = 300;
pub const IP_MAX_FAILURES: usize = 30;
pub const IP_WINDOW_SECS: i64 = 600;

#[derive(Default)]
pub struct Throttle {
    by_ip: Mutex<HashMap<String, VecDeque<i64>>>,
}

impl Throttle {
    /// Seconds this IP must wait before another attempt, if any.
    pub fn ip_wait(&self, ip: &str, now: i64) -> Option<u64> {
        let mut map = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        let failures = map.entry(ip.to_owned()).or_default();
        while failures.front().is_some_and(|at| *at <= now - IP_WINDOW_SECS) {
            failures.pop_front();
        }
        if failures.len() >= IP_MAX_FAILURES {
            let oldest = failures.front().copied().unwrap_or(now);
            return Some((oldest + IP_WINDOW_SECS - now).max(1) as u64);
        }
        None
    }

    pub fn ip_failed(&self, ip: &str, now: i64) {
        let mut map = self.by_ip.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(ip.to_owned()).or_default().push_back(now);
    }

    pub fn ip_succeeded(&self, ip: &str) {
        self.by_ip.lock().unwrap_or_else(|p| p.into_inner()).remove(ip);
    }
}

/// Seconds this account must wait before another attempt, if any.
pub async fn account_wait(db: &Db, username: &str, now: i64) -> sqlx::Result<Option<u64>> {
    let (count, oldest, last): (i64, Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT COUNT(*), MIN(at), MAX(at) FROM login_failures WHERE username = $1 AND at > $2")
            .bind(username)
            .bind(now - 3600)
            .fetch_one(db)
            .await?;
    if count >= ACCOUNT_MAX_PER_HOUR {
        return Ok(Some((oldest.unwrap_or(now) + 3600 - now).max(1) as u64));
    }
    if count > FREE_FAILURES {
        let delay = (1i64 << (count - FREE_FAILURES).min(16)).min(MAX_DELAY_SECS);
        let ready = last.unwrap_or(now) + delay;
        if ready > now {
            return Ok(Some((ready - now) as u64));
        }
    }
    Ok(None)
}

pub async fn account_failed(db: &Db, username: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_failures (username, at) VALUES ($1, $2)")
        .bind(username)
        .bind(now)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn account_succeeded(db: &Db, username: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE username = $1").bind(username).execute(db).await?;
    Ok(())
}
