//! Health and metrics.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::Ordering;

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "health", responses((status = 200, description = "the process is up", body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "health", responses((status = 200, description = "ready", body = String), (status = 503, description = "the database does not answer", body = String)))]
pub async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match crate::db::ping(&state.db).await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "not ready: database");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}

/// Prometheus text format.
#[utoipa::path(get, path = "/metrics", tag = "health", responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    let now = state.clock.now();
    // These gauges come from the last housekeeping round (counting every person at each
    // scrape would cost); the sync figures below are read fresh.
    let users = state.metrics.users.load(Ordering::Relaxed);
    let sessions = state.metrics.sessions.load(Ordering::Relaxed);
    let mut out = String::new();
    let _ = writeln!(out, "# HELP lintel_http_requests_total HTTP responses by status class.");
    let _ = writeln!(out, "# TYPE lintel_http_requests_total counter");
    for (i, class) in ["1xx", "2xx", "3xx", "4xx", "5xx"].iter().enumerate() {
        let n = state.metrics.requests[i].load(Ordering::Relaxed);
        let _ = writeln!(out, "lintel_http_requests_total{{class=\"{class}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP lintel_users People in the directory (not deleted), all sites; refreshed every minute.\n# TYPE lintel_users gauge\nlintel_users {users}"
    );
    let _ = writeln!(
        out,
        "# HELP lintel_sessions Sessions neither revoked nor expired; refreshed every minute.\n# TYPE lintel_sessions gauge\nlintel_sessions {sessions}"
    );
    let _ = writeln!(
        out,
        "# HELP lintel_password_hashes_total Argon2 hashes and checks of passwords.\n# TYPE lintel_password_hashes_total counter\nlintel_password_hashes_total {}",
        state.passwords.count()
    );
    let _ = writeln!(
        out,
        "# HELP lintel_uptime_seconds Seconds since start.\n# TYPE lintel_uptime_seconds gauge\nlintel_uptime_seconds {}",
        now - state.started_at
    );
    if let Err(e) = sync_metrics(&state, now, &mut out).await {
        tracing::warn!(error = %e, "metrics: the sync figures could not be read");
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}

/// The sync worker's figures (`crate::sync::state::figures`), read fresh at each scrape.
async fn sync_metrics(state: &AppState, now: i64, out: &mut String) -> sqlx::Result<()> {
    let crate::sync::state::Figures { outbox, revoking, devices } = crate::sync::state::figures(&state.db).await?;
    let _ = writeln!(
        out,
        "# HELP lintel_sync_outbox Changes not yet turned into device work.
# TYPE lintel_sync_outbox gauge
lintel_sync_outbox {outbox}"
    );
    let _ = writeln!(
        out,
        "# HELP lintel_sync_revocations_pending People who lost access and whom a device still holds (one per device).
# TYPE lintel_sync_revocations_pending gauge
lintel_sync_revocations_pending {revoking}"
    );
    let _ = writeln!(out, "# HELP lintel_device_connected Whether the gateway reports the device connected.");
    let _ = writeln!(out, "# TYPE lintel_device_connected gauge");
    for d in &devices {
        let (site, device) = (d.site_id, d.device_id);
        let _ =
            writeln!(out, "lintel_device_connected{{site=\"{site}\",device=\"{device}\"}} {}", u8::from(d.connected));
    }
    let _ = writeln!(out, "# HELP lintel_device_pending People whose change waits for the device.");
    let _ = writeln!(out, "# TYPE lintel_device_pending gauge");
    for d in &devices {
        let (site, device, pending) = (d.site_id, d.device_id, d.pending);
        let _ = writeln!(out, "lintel_device_pending{{site=\"{site}\",device=\"{device}\"}} {pending}");
    }
    let _ = writeln!(
        out,
        "# HELP lintel_device_oldest_pending_seconds Age of the oldest change waiting for the device (0: none)."
    );
    let _ = writeln!(out, "# TYPE lintel_device_oldest_pending_seconds gauge");
    for d in &devices {
        let (site, device) = (d.site_id, d.device_id);
        let age = d.oldest.map_or(0, |t| (now - t).max(0));
        let _ = writeln!(out, "lintel_device_oldest_pending_seconds{{site=\"{site}\",device=\"{device}\"}} {age}");
    }
    Ok(())
}
