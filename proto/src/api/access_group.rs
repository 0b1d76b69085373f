//! Access groups (`/v1/access-groups`) and the site's sync setting (`/v1/site/sync`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessGroupView {
    /// The ID the devices know the group by.
    pub group_id: u32,
    pub name: String,
    /// The device IDs the group covers.
    pub devices: Vec<u32>,
    /// People in the group.
    pub people: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccessGroupList {
    pub access_groups: Vec<AccessGroupView>,
}

/// A new group, or a group's new name and devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccessGroupInput {
    /// On creation: the ID the devices will know (the next free one when absent). Ignored
    /// on change: a group's ID stays.
    #[serde(default)]
    pub group_id: Option<u32>,
    pub name: String,
    /// Device IDs of the site.
    #[serde(default)]
    pub devices: Vec<u32>,
}

/// Which devices hold a person (BioStar 2's "automatic user synchronization").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SyncMode {
    /// Every device of the site.
    All,
    /// Only the devices of the person's access groups.
    Groups,
}

impl SyncMode {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncMode::All => "all",
            SyncMode::Groups => "groups",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "all" => Some(SyncMode::All),
            "groups" => Some(SyncMode::Groups),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SiteSync {
    pub mode: SyncMode,
}
