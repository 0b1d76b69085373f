//! Console ranks (SPEC.md, People and roles), per site.

use super::lifecycle::Status;
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

/// The last-SUPER rule, in one place: a site always keeps a SUPER who can sign in. A live
/// SUPER is one of rank SUPER whose status lets them sign in.
pub fn is_live_super(rank: Rank, status: Status) -> bool {
    rank == Rank::Super && status.may_sign_in()
}

/// Whether a change may end one live SUPER (demote, suspend, deactivate or delete them)
/// when the site has `live_supers` of them, that one included.
pub fn may_end_live_super(live_supers: u64) -> bool {
    live_supers > 1
}

impl fmt::Display for Rank {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_super_who_can_sign_in_counts_and_the_last_one_stays() {
        assert!(is_live_super(Rank::Super, Status::Pending));
        assert!(is_live_super(Rank::Super, Status::Active));
        assert!(!is_live_super(Rank::Super, Status::Suspended));
        assert!(!is_live_super(Rank::Admin, Status::Active));
        assert!(!may_end_live_super(1));
        assert!(may_end_live_super(2));
    }

    #[test]
    fn an_admin_manages_only_regular_people() {
        assert!(Rank::Admin.may_manage(Rank::Regular));
        assert!(!Rank::Admin.may_manage(Rank::Admin));
        assert!(!Rank::Admin.may_manage(Rank::Super));
        assert!(Rank::Super.may_manage(Rank::Super));
        assert!(!Rank::Regular.may_manage(Rank::Regular));
    }
}
