//! What every handler shares.

use crate::clock::Clock;
use crate::config::Config;
use crate::db::Db;
use crate::gateways::Gateways;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64};

#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub gateways: Gateways,
    /// Argon2 hashing and checking of passwords.
    pub passwords: crate::auth::password::Hasher,
    pub metrics: Metrics,
    pub started_at: i64,
    /// Slots for CSV exports running at once.
    pub exports: Arc<tokio::sync::Semaphore>,
    /// The bridge's short-lived copy of each site's devices.
    pub site_devices: crate::bridge::site_devices::SiteDevices,
    /// What the search knows of each site's directory between searches.
    pub search_samples: crate::db::search_sample::Samples,
}

/// What `/metrics` shows: request counters by status class, and gauges refreshed by
/// [`crate::housekeeping`] (-1 until its first round).
pub struct Metrics {
    pub requests: [AtomicU64; 5],
    pub users: AtomicI64,
    pub sessions: AtomicI64,
}

impl Default for Metrics {
    fn default() -> Self {
        Self { requests: Default::default(), users: AtomicI64::new(-1), sessions: AtomicI64::new(-1) }
    }
}

impl AppState {
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: Config, gateways: Gateways) -> Self {
        let started_at = clock.now();
        Self(Arc::new(Inner {
            db,
            clock,
            config,
            gateways,
            passwords: Default::default(),
            metrics: Metrics::default(),
            started_at,
            exports: Arc::new(tokio::sync::Semaphore::new(crate::web::csv_stream::MAX_CONCURRENT)),
            site_devices: Default::default(),
            search_samples: Default::default(),
        }))
    }

    /// `__Host-` when browsers come over TLS (it then also pins Path=/ and Secure).
    pub fn cookie_name(&self) -> &'static str {
        if self.config.is_https() { "__Host-lintel_session" } else { "lintel_session" }
    }
}

impl Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}
