//! Console ranks (SPEC.md, People and roles), per site.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Rank {
    /// No admin rights: sees their own record, changes their own password.
    Regular,
    /// Manages users, credentials and devices.
    Admin,
    /// Also manages ranks and admins, API tokens, sites and settings.
    Super,
}

impl Rank {
    pub fn as_str(self) -> &'static str {
        match self {
            Rank::Regular => "REGULAR",
            Rank::Admin => "ADMIN",
            Rank::Super => "SUPER",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "REGULAR" => Some(Rank::Regular),
            "ADMIN" => Some(Rank::Admin),
            "SUPER" => Some(Rank::Super),
            _ => None,
        }
    }

    pub fn is_admin(self) -> bool {
        self >= Rank::Admin
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
