//! Passwords: 12 to 128 characters, no composition rules, common ones refused (NIST
//! SP 800-63B); stored only as Argon2id hashes.
//!
//! `common_passwords.txt` holds the entries of 12 to 128 characters from OWASP SecLists'
//! "10 million password list, top 1M" (CC BY-SA 3.0, Daniel Miessler and contributors),
//! lower-cased; shorter ones are refused by length anyway.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;
use tokio::sync::Semaphore;

pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 128;

/// A plain-text password on its way to be checked or hashed. Never printed.
#[derive(Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct Password(String);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("password: {0} characters, at least {MIN_CHARS}")]
    TooShort(usize),
    #[error("password: {0} characters, at most {MAX_CHARS}")]
    TooLong(usize),
    #[error("password: this is a commonly used password; choose another")]
    Common,
}

fn common() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| include_str!("common_passwords.txt").lines().collect())
}

impl Password {
    pub fn new(plain: String) -> Self {
        Self(plain)
    }

    pub fn check_policy(&self) -> Result<(), PolicyError> {
        let len = self.0.chars().count();
        if len < MIN_CHARS {
            return Err(PolicyError::TooShort(len));
        }
        if len > MAX_CHARS {
            return Err(PolicyError::TooLong(len));
        }
        if common().contains(self.0.to_lowercase().as_str()) {
            return Err(PolicyError::Common);
        }
        Ok(())
    }

    /// The Argon2id PHC string (random salt, the crate's default cost), computed off the
    /// async threads.
    pub async fn hash(&self) -> anyhow::Result<String> {
        let me = self.clone();
        off_async_threads(move || me.hash_here()).await?
    }

    /// Whether this is the password of `phc`, checked off the async threads.
    pub async fn verify(&self, phc: String) -> anyhow::Result<bool> {
        let me = self.clone();
        off_async_threads(move || me.verify_here(&phc)).await
    }

    fn hash_here(&self) -> anyhow::Result<String> {
        let mut bytes = [0u8; 16];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut bytes);
        let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let hash =
            Argon2::default().hash_password(self.0.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
        Ok(hash.to_string())
    }

    fn verify_here(&self, phc: &str) -> bool {
        PasswordHash::new(phc).is_ok_and(|h| Argon2::default().verify_password(self.0.as_bytes(), &h).is_ok())
    }
}

/// Argon2 takes ~50 ms of CPU and 19 MiB: it runs on the blocking pool, at most one per
/// core at a time, so a burst of sign-ins queues here instead of stalling `/healthz`.
async fn off_async_threads<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> anyhow::Result<T> {
    static SLOTS: OnceLock<Semaphore> = OnceLock::new();
    let slots = SLOTS.get_or_init(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));
    let _slot = slots.acquire().await?;
    Ok(tokio::task::spawn_blocking(work).await?)
}

/// A hash to verify against when the username is unknown, so both cases take as long.
pub fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| Password::new("decoy password, never valid".into()).hash_here().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy() {
        assert_eq!(Password::new("short".into()).check_policy(), Err(PolicyError::TooShort(5)));
        assert_eq!(Password::new("x".repeat(129)).check_policy(), Err(PolicyError::TooLong(129)));
        assert_eq!(Password::new("Qwerty123456".into()).check_policy(), Err(PolicyError::Common));
        assert!(Password::new("correct horse battery staple".into()).check_policy().is_ok());
        assert!(!format!("{:?}", Password::new("correct horse".into())).contains("horse"));
    }

    #[test]
    fn hash_and_verify() {
        let p = Password::new("correct horse battery staple".into());
        let h = p.hash_here().unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(p.verify_here(&h));
        assert!(!Password::new("correct horse battery stapler".into()).verify_here(&h));
    }
}
