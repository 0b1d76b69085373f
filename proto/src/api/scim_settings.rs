//! The site's SCIM provisioning setting (`/v1/site/scim`).

use serde::{Deserialize, Serialize};

/// What an identity provider's leaver becomes in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Leavers {
    /// `active: false` suspends (reversible, groups kept); `DELETE` deletes.
    Suspend,
    /// `active: false` and `DELETE` both deactivate: the record stays (groups and rank
    /// cleared), hidden from SCIM after a `DELETE`.
    Deactivate,
}

impl Leavers {
    pub fn as_str(self) -> &'static str {
        match self {
            Leavers::Suspend => "suspend",
            Leavers::Deactivate => "deactivate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "suspend" => Some(Leavers::Suspend),
            "deactivate" => Some(Leavers::Deactivate),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScimSettings {
    pub leavers: Leavers,
}
