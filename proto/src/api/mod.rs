//! Types of the REST API shared by the app and the server.

pub mod access_group;
pub mod admin;
pub mod audit;
pub mod batch;
pub mod credentials;
pub mod csv_preview;
pub mod device;
pub mod error;
pub mod import;
pub mod scim_settings;
pub mod scope;
pub mod secret_text;
pub mod session;
pub mod token;
pub mod user;

pub use scope::Scope;
pub use secret_text::{Password, PinText};

use serde::{Deserialize, Serialize};

/// The largest `offset` a paged listing takes (deeper pages are a search away).
pub const MAX_OFFSET: u64 = 1_000_000_000;

/// The overall result of a call that reports per item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum BatchStatus {
    /// Every item succeeded.
    Ok,
    /// At least one failed; see the per-item details.
    Error,
}
