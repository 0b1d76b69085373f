//! The people directory: reading and writing people, their credentials and lifecycle, and
//! the outbox rows that tell the sync worker what the devices must hear. Every rule comes
//! from `proto::domain`; this module only keeps the records.

pub mod cards;
pub mod conflict;
pub mod lifecycle;
pub mod listing;
pub mod outbox;
pub mod person_create;
pub mod person_read;
pub mod person_write;
pub mod pin;

use crate::audit::Entry;
use crate::auth::caller::{Account, Caller};

/// Who makes a change, as the audit names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub site_id: i64,
    /// The caller's own person on this site (service account for API tokens).
    pub user_row: i64,
    pub name: String,
    pub ip: String,
}

impl Actor {
    pub fn new(caller: &Caller, account: &Account, ip: &str) -> Self {
        Self { site_id: account.site_id, user_row: account.user_row, name: caller.username.clone(), ip: ip.to_owned() }
    }

    pub fn entry<'a>(&'a self, action: &'a str) -> Entry<'a> {
        Entry::new(Some(self.site_id), &self.name, &self.ip, action)
    }
}
