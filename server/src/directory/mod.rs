//! The people directory: reading and writing people, their credentials and lifecycle, and
//! the outbox rows that tell the sync worker what the devices must hear. Every rule comes
//! from `proto::domain`; this module only keeps the records.

pub mod audit_fields;
pub mod biometrics;
pub mod bulk_create;
pub mod cards;
pub mod conflict;
pub mod csv_import;
pub mod csv_rows;
pub mod import_results;
pub mod invitations;
pub mod lifecycle;
pub mod listing;
pub mod outbox;
pub mod person_create;
pub mod person_read;
pub mod person_write;
pub mod pin;

use crate::audit::Entry;
use crate::auth::caller::{Account, Caller, Via};
use proto::domain::Rank;

/// Who makes a change, as the audit names them.
#[derive(Debug, Clone)]
pub struct Actor {
    pub site_id: i64,
    /// The caller's own person on this site (service account for API tokens).
    pub user_row: i64,
    pub name: String,
    pub ip: String,
    /// The caller's rank here; an API token acts as an ADMIN (never as a SUPER).
    pub rank: Rank,
}

impl Actor {
    pub fn new(caller: &Caller, account: &Account, ip: &str) -> Self {
        let rank = match caller.via {
            Via::ApiToken { .. } => Rank::Admin,
            _ => account.rank,
        };
        Self {
            site_id: account.site_id,
            user_row: account.user_row,
            name: caller.username.clone(),
            ip: ip.to_owned(),
            rank,
        }
    }

    pub fn entry(&self, action: crate::audit::Action) -> Entry<'_> {
        Entry::new(Some(self.site_id), &self.name, &self.ip, action)
    }
}

/// Extractor: who acts, for a handler behind a site rule (the rule already passed).
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Actor {
    type Rejection = crate::error::ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let crate::auth::caller::OnSite(caller, account) =
            crate::auth::caller::OnSite::from_request_parts(parts, state).await?;
        let Ok(crate::auth::caller::SourceIp(ip)) =
            crate::auth::caller::SourceIp::from_request_parts(parts, state).await;
        Ok(Actor::new(&caller, &account, &ip))
    }
}
