//! Work the server does by itself once a minute: it deletes what no longer counts (old
//! sign-in failures, ended sessions, used or expired bootstrap codes, deleted people whose
//! removal every device confirmed) and refreshes the
//! gauges `/metrics` shows, so a scrape never scans a table; and hands freed memory back to
//! the system (`crate::memory`).

use crate::state::AppState;
use std::sync::atomic::Ordering;
use std::time::Duration;

pub const EVERY: Duration = Duration::from_secs(60);

/// One round; errors are logged and the next round tries again.
pub async fn run_once(state: &AppState) {
    crate::memory::trim();
    let now = state.clock.now();
    let purged = async {
        let failures = crate::auth::throttle::purge(&state.db, now).await?;
        let sessions = crate::auth::session::purge(&state.db, now).await?;
        let codes = crate::bootstrap::purge_codes(&state.db, now).await?;
        crate::sync::fan_out::purge_tombstones(&state.db, now).await?;
        Ok::<_, sqlx::Error>((failures, sessions, codes))
    };
    match purged.await {
        Ok((failures, sessions, codes)) if failures + sessions + codes > 0 => {
            tracing::debug!(failures, sessions, codes, "purged");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "housekeeping: purge failed"),
    }
    let gauges = async {
        let users: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE deleted_at IS NULL").fetch_one(&state.db).await?;
        let sessions: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE revoked_at IS NULL AND expires_at > $1")
                .bind(now)
                .fetch_one(&state.db)
                .await?;
        Ok::<_, sqlx::Error>((users, sessions))
    };
    match gauges.await {
        Ok((users, sessions)) => {
            state.metrics.users.store(users, Ordering::Relaxed);
            state.metrics.sessions.store(sessions, Ordering::Relaxed);
        }
        Err(e) => tracing::warn!(error = %e, "housekeeping: gauges failed"),
    }
}

/// Runs [`run_once`] at start and then every [`EVERY`], until the task is aborted.
pub fn spawn(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            run_once(&state).await;
        }
    })
}
