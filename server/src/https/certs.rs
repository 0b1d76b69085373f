//! The HTTPS certificate: read from its PEM files at start, and read again on SIGHUP or
//! when a file changes (a renewal by certbot or an ACME sidecar), without a restart. A
//! renewal that does not load (a half-written file, a key that does not match) is logged
//! and the certificate in use stays.

use anyhow::{Context, Result, ensure};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

/// How often the files' modification times are looked at.
const POLL: Duration = Duration::from_secs(10);

/// The certificate chain of a PEM file, leaf first.
pub fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let chain = CertificateDer::pem_file_iter(path)
        .with_context(|| format!("{}", path.display()))?
        .collect::<Result<Vec<_>, _>>()
        .with_context(|| format!("{}: not a PEM certificate chain", path.display()))?;
    ensure!(!chain.is_empty(), "{}: holds no certificate", path.display());
    Ok(chain)
}

fn load(cert: &Path, key: &Path) -> Result<CertifiedKey> {
    let chain = read_chain(cert)?;
    let key_der =
        PrivateKeyDer::from_pem_file(key).with_context(|| format!("{}: not a PEM private key", key.display()))?;
    let provider = rustls::crypto::ring::default_provider();
    let certified = CertifiedKey::from_der(chain, key_der, &provider)
        .with_context(|| format!("{} and {} do not make a usable certificate", cert.display(), key.display()))?;
    Ok(certified)
}

/// The certificate in use, swapped when its files are read again.
#[derive(Debug)]
pub struct Certs {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<CertifiedKey>>,
}

impl Certs {
    pub fn load(cert: &Path, key: &Path) -> Result<Arc<Self>> {
        let current = RwLock::new(Arc::new(load(cert, key)?));
        Ok(Arc::new(Self { cert: cert.to_owned(), key: key.to_owned(), current }))
    }

    /// Reads the files again; the certificate in use changes only if they load.
    pub fn reload(&self) -> Result<()> {
        let fresh = Arc::new(load(&self.cert, &self.key)?);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        tracing::info!(cert = %self.cert.display(), "HTTPS certificate loaded again");
        Ok(())
    }

    fn modified(&self) -> Option<(SystemTime, SystemTime)> {
        let at = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        Some((at(&self.cert)?, at(&self.key)?))
    }

    /// Reloads on SIGHUP and when either file's modification time changes; runs until
    /// the task is aborted.
    pub fn watch(self: Arc<Self>) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            let mut seen = self.modified();
            let mut hangup = signal_hangup();
            let mut poll = tokio::time::interval(POLL);
            poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = poll.tick() => {
                        let now = self.modified();
                        if now == seen {
                            continue;
                        }
                        seen = now;
                    }
                    Some(()) = recv(&mut hangup) => {}
                }
                if let Err(e) = self.reload() {
                    tracing::error!(
                        error = format!("{e:#}"),
                        "HTTPS certificate not reloaded; the previous one stays in use"
                    );
                }
            }
        })
    }
}

#[cfg(unix)]
fn signal_hangup() -> Option<tokio::signal::unix::Signal> {
    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok()
}

#[cfg(unix)]
async fn recv(signal: &mut Option<tokio::signal::unix::Signal>) -> Option<()> {
    match signal {
        Some(s) => s.recv().await,
        None => std::future::pending().await,
    }
}

#[cfg(not(unix))]
fn signal_hangup() -> Option<()> {
    None
}

#[cfg(not(unix))]
async fn recv(_: &mut Option<()>) -> Option<()> {
    std::future::pending().await
}

impl ResolvesServerCert for Certs {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}
