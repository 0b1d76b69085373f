//! Passwords: 12 to 128 characters, no composition rules, common ones refused (NIST
//! SP 800-63B); stored only as Argon2id hashes.
//!
//! `common_passwords.txt` holds the entries of 12 to 128 characters from OWASP SecLists'
//! "10 million password list, top 1M" (CC BY-SA 3.0, Daniel Miessler and contributors),
//! lower-cased; shorter ones are refused by length anyway.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::Semaphore;

pub use proto::domain::password::{MAX_CHARS, MIN_CHARS};

/// A plain-text password on its way to be checked or hashed (the wire type; its `Debug`
/// is redacted).
pub use proto::api::Password;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// Outside 12 to 128 characters (the rule the console checks too).
    #[error(transparent)]
    Length(#[from] proto::domain::FieldError),
    #[error("password: this is a commonly used password; choose another")]
    Common,
}

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common_passwords.txt").lines().collect())
}

/// Whether a new password may be used: its length and not a common one.
pub fn check_policy(password: &Password) -> Result<(), PolicyError> {
    let plain = password.expose();
    proto::domain::password::check_length(plain)?;
    if common().contains(plain.to_lowercase().as_str()) {
        return Err(PolicyError::Common);
    }
    Ok(())
}

/// Where Argon2 runs: on the blocking pool, at most one per core at a time (~50 ms of CPU
/// and 19 MiB each), so a burst of sign-ins queues here instead of stalling `/healthz`.
/// It counts its work for `/metrics`.
pub struct Hasher {
    slots: Semaphore,
    done: AtomicU64,
}

impl Default for Hasher {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self { slots: Semaphore::new(cores), done: AtomicU64::new(0) }
    }
}

impl Hasher {
    /// The Argon2id PHC string (random salt, the crate's default cost).
    pub async fn hash(&self, password: &Password) -> anyhow::Result<String> {
        let password = password.clone();
        self.run(move || hash_here(&password)).await?
    }

    /// Whether `password` is the one of `phc`.
    pub async fn verify(&self, password: &Password, phc: String) -> anyhow::Result<bool> {
        let password = password.clone();
        self.run(move || verify_here(&password, &phc)).await
    }

    /// Argon2 computations (hashes and checks) so far.
    pub fn count(&self) -> u64 {
        self.done.load(Ordering::Relaxed)
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
        let _slot = self.slots.acquire().await?;
        self.done.fetch_add(1, Ordering::Relaxed);
        Ok(tokio::task::spawn_blocking(work).await?)
    }
}

fn hash_here(password: &Password) -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

fn verify_here(password: &Password, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(password.expose().as_bytes(), &h).is_ok())
}

/// A hash to verify against when the username is unknown, so both cases take as long.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| hash_here(&Password::new("decoy password, never valid")).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        let short = check_policy(&Password::new("short")).unwrap_err();
        assert_eq!(short.to_string(), "password: 5 characters, at least 12");
        let long = check_policy(&Password::new("x".repeat(129))).unwrap_err();
        assert_eq!(long.to_string(), "password: 129 characters, at most 128");
        assert_eq!(check_policy(&Password::new("Qwerty123456")), Err(PolicyError::Common));
        assert!(check_policy(&Password::new("correct horse battery staple")).is_ok());
    }

    #[test]
    fn hash_and_verify() {
        let p = Password::new("correct horse battery staple");
        let h = hash_here(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_here(&p, &h));
        assert!(!verify_here(&Password::new("correct horse battery stapler"), &h));
    }
}
