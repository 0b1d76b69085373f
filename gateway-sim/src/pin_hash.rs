//! The simulator's own PIN hash (simulator-only; the vendor's recipe is secret and real
//! sites always ask their gateway): HMAC-SHA256 of the PIN under a random 32-byte key kept
//! in the data directory, so hashes are stable across restarts and useless without the key.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::path::Path;

pub const KEY_FILE: &str = "pin-hash.key";

pub struct PinHasher {
    key: [u8; 32],
}

impl PinHasher {
    pub fn open(data_dir: &Path) -> std::io::Result<Self> {
        let path = data_dir.join(KEY_FILE);
        match std::fs::read(&path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0; 32];
                key.copy_from_slice(&bytes);
                return Ok(Self { key });
            }
            Ok(_) => return Err(std::io::Error::other(format!("{}: not a 32-byte key", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let mut key = [0; 32];
        rand::rng().fill_bytes(&mut key);
        crate::store::write_atomically(data_dir, KEY_FILE, &key)?;
        Ok(Self { key })
    }

    pub fn hash(&self, pin: &str) -> Vec<u8> {
        hash_with_key(&self.key, pin)
    }
}

/// GetPINHashWithKey: the same recipe under the caller's key.
#[allow(clippy::expect_used)] // HMAC takes keys of any length: new_from_slice cannot fail.
pub fn hash_with_key(key: &[u8], pin: &str) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(pin.as_bytes());
    mac.finalize().into_bytes().to_vec()
}
