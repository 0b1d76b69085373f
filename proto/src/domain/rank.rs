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

    /// Whether someone of this rank may change another person of rank `target` (profile,
    /// credentials, photo, invitations, status, sign-in): a SUPER anyone, an ADMIN only
    /// REGULAR people, a REGULAR person nobody. Acting on oneself is a separate rule.
    pub fn may_manage(self, target: Rank) -> bool {
        match self {
            Rank::Super => true,
            Rank::Admin => target == Rank::Regular,
            Rank::Regular => false,
        }
    }
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
