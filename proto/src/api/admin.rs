//! Admins and ranks (`/v1/admins`, `PUT /v1/users/{id}/rank`).

use super::BatchStatus;
use super::batch::ItemError;
use crate::domain::Rank;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A person of the site with a rank above REGULAR.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminView {
    pub id: i64,
    pub user_id: String,
    pub username: Option<String>,
    pub name: String,
    pub rank: Rank,
    pub is_admin: bool,
    pub is_active: bool,
    pub is_disabled: bool,
    /// When the person was created (RFC 3339).
    pub registered_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminsResponse {
    pub status: BatchStatus,
    pub admins: Vec<AdminView>,
}

/// `POST /v1/admins`: give these people (by their username on the site) a rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetAdmins {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub usernames: Vec<String>,
    /// `ADMIN` (the default) or `SUPER`.
    pub rank: Option<Rank>,
}

/// `DELETE /v1/admins`: make these people REGULAR.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemoveAdmins {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 1000))]
    pub usernames: Vec<String>,
}

/// `status` is `OK` when every username was handled, `ERROR` with `error_details` (keyed
/// by username as given) otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchResult {
    pub status: BatchStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msg: Option<String>,
    pub updated: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub error_details: BTreeMap<String, ItemError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetRank {
    pub rank: Rank,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RankView {
    pub id: i64,
    pub rank: Rank,
    pub changed: bool,
}
