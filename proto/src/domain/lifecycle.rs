//! The lifecycle of a person (SPEC.md, Lifecycle): which status follows which action, and
//! what each transition implies. A person is on the devices exactly while ACTIVE.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Status {
    /// No credential yet.
    Pending,
    /// Holds at least one credential; on the devices.
    Active,
    /// Reversible: keeps credentials and access groups, loses door access and login.
    Suspended,
    /// Loses door access and login; access groups and rank are cleared.
    Deactivated,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Pending, Status::Active, Status::Suspended, Status::Deactivated];

    /// Whether the devices must hold this person.
    pub fn on_devices(self) -> bool {
        self == Status::Active
    }

    /// Whether the person is enabled: neither suspended nor deactivated (what an identity
    /// provider calls `active`).
    pub fn enabled(self) -> bool {
        matches!(self, Status::Pending | Status::Active)
    }

    /// Whether this person may sign in to the console.
    pub fn may_sign_in(self) -> bool {
        self.enabled()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "PENDING",
            Status::Active => "ACTIVE",
            Status::Suspended => "SUSPENDED",
            Status::Deactivated => "DEACTIVATED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// The status a person has after `action`, given whether they hold any credential.
    pub fn apply(self, action: Action, has_credentials: bool) -> Result<Transition, TransitionRefused> {
        use Status::*;
        let usable = if has_credentials { Active } else { Pending };
        let refuse = || Err(TransitionRefused { from: self, action });
        let to = match (action, self) {
            (Action::CredentialsChanged, Pending | Active) => Some(usable),
            (Action::CredentialsChanged, Suspended | Deactivated) => Some(self),
            (Action::Suspend, Pending | Active) => Some(Suspended),
            (Action::Reactivate, Suspended | Deactivated) => Some(usable),
            (Action::Deactivate, Pending | Active | Suspended) => Some(Deactivated),
            (Action::ToggleSuspension, Pending | Active) => Some(Suspended),
            (Action::ToggleSuspension, Suspended) => Some(usable),
            (Action::Delete, _) => None,
            _ => return refuse(),
        };
        Ok(Transition {
            to,
            clears_access_groups_and_rank: action == Action::Deactivate,
            ends_sessions: !to.is_some_and(Status::may_sign_in),
        })
    }

    /// The statuses from which `action` is allowed (for error messages and UI).
    pub fn allowed_from(action: Action) -> Vec<Status> {
        Status::ALL.into_iter().filter(|s| s.apply(action, true).is_ok()).collect()
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A credential was added or removed: PENDING and ACTIVE follow what is held.
    CredentialsChanged,
    Suspend,
    Reactivate,
    Deactivate,
    ToggleSuspension,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::CredentialsChanged => "change credentials of",
            Action::Suspend => "suspend",
            Action::Reactivate => "reactivate",
            Action::Deactivate => "deactivate",
            Action::ToggleSuspension => "toggle suspension of",
            Action::Delete => "delete",
        }
    }
}

/// What a transition does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The new status; `None` when the person was deleted.
    pub to: Option<Status>,
    pub clears_access_groups_and_rank: bool,
    /// Whether the person's console sessions must end at once.
    pub ends_sessions: bool,
}

impl Transition {
    /// Whether the devices must hold the person afterwards.
    pub fn on_devices(&self) -> bool {
        self.to.is_some_and(Status::on_devices)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("status: cannot {} a {from} user (allowed from {})", action.as_str(), allowed(*action))]
pub struct TransitionRefused {
    pub from: Status,
    pub action: Action,
}

fn allowed(action: Action) -> String {
    let names: Vec<&str> = Status::allowed_from(action).into_iter().map(Status::as_str).collect();
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::Action::*;
    use super::Status::*;
    use super::*;

    #[test]
    fn transitions() {
        let to = |s: Status, a, creds| s.apply(a, creds).map(|t| t.to);
        assert_eq!(to(Pending, CredentialsChanged, true), Ok(Some(Active)));
        assert_eq!(to(Active, CredentialsChanged, false), Ok(Some(Pending)));
        assert_eq!(to(Suspended, CredentialsChanged, true), Ok(Some(Suspended)));
        assert_eq!(to(Active, Suspend, true), Ok(Some(Suspended)));
        assert_eq!(to(Suspended, Reactivate, true), Ok(Some(Active)));
        assert_eq!(to(Suspended, Reactivate, false), Ok(Some(Pending)));
        assert_eq!(to(Deactivated, Reactivate, true), Ok(Some(Active)));
        assert_eq!(to(Suspended, ToggleSuspension, true), Ok(Some(Active)));
        assert_eq!(to(Active, ToggleSuspension, true), Ok(Some(Suspended)));
        assert_eq!(to(Deactivated, Delete, true), Ok(None));
        assert!(Active.apply(Deactivate, true).unwrap().clears_access_groups_and_rank);
        assert!(Active.apply(Suspend, true).unwrap().ends_sessions);
        assert!(!Suspended.apply(Reactivate, true).unwrap().ends_sessions);
    }

    #[test]
    fn refusals_name_what_is_allowed() {
        let e = Suspended.apply(Suspend, true).unwrap_err();
        assert_eq!(e.to_string(), "status: cannot suspend a SUSPENDED user (allowed from PENDING, ACTIVE)");
        assert!(Active.apply(Reactivate, true).is_err());
        assert!(Deactivated.apply(Deactivate, true).is_err());
        assert!(Deactivated.apply(ToggleSuspension, true).is_err());
    }

    #[test]
    fn on_devices_exactly_while_active() {
        for from in Status::ALL {
            for action in [CredentialsChanged, Suspend, Reactivate, Deactivate, ToggleSuspension, Delete] {
                for creds in [false, true] {
                    if let Ok(t) = from.apply(action, creds) {
                        assert_eq!(t.on_devices(), t.to == Some(Active), "{from} {action:?}");
                        if t.to == Some(Active) {
                            assert!(creds, "ACTIVE without credentials after {action:?} from {from}");
                        }
                    }
                }
            }
        }
    }
}
