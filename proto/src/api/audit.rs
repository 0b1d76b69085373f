//! The audit trail as the API shows it (`GET /v1/audit`).

use serde::{Deserialize, Serialize};

/// Whether an audited act succeeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        }
    }
}

/// Declares the audited acts once: the variant, its name in the audit, and what it records.
macro_rules! actions {
    ($($variant:ident = $name:literal, $doc:literal;)*) => {
        /// What an audit row records. The name (`user.suspend`) is what the audit stores and
        /// the API shows and filters by.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum Action {
            $(#[doc = $doc] #[serde(rename = $name)] $variant,)*
        }

        impl Action {
            pub const ALL: &[Action] = &[$(Action::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Action::$variant => $name,)*
                }
            }

            /// The action an audit row names, if it is one of today's.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($name => Some(Action::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

/// The schema lists the names as they are on the wire (a derive would not see the names
/// this macro gives the variants).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Action {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("What an audit row records (`user.suspend`, `sign_in.cookie`…)."))
            .enum_values(Some(Action::ALL.iter().map(|a| a.as_str())))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Action {}

actions! {
    BootstrapCreateSuper = "bootstrap.create_super", "The first SUPER made with the bootstrap code.";
    SignInCookie = "sign_in.cookie", "A console sign-in (session cookie).";
    SignInBearer = "sign_in.bearer", "A sign-in for a bearer token (`POST /v1/login`).";
    SignOut = "sign_out", "A session ended by its owner.";
    PasswordChange = "password.change", "Someone changed their own password.";
    PasswordReset = "password.reset", "An administrator set someone's password.";
    LoginCreate = "login.create", "An administrator gave a person a console login.";
    LoginDisable = "login.disable", "An administrator disabled a person's console login.";
    SessionsEnd = "sessions.end", "An administrator ended a person's sessions.";
    TokenCreate = "token.create", "An API token was made.";
    TokenRevoke = "token.revoke", "An API token was revoked.";
    UserCreate = "user.create", "A person was created.";
    UserUpdate = "user.update", "A person's profile, access or validity changed.";
    UserDelete = "user.delete", "A person was deleted.";
    UserSuspend = "user.suspend", "A person was suspended.";
    UserReactivate = "user.reactivate", "A person was reactivated.";
    UserDeactivate = "user.deactivate", "A person was deactivated.";
    UserToggleSuspension = "user.toggle_suspension", "A person's suspension was toggled.";
    UserCredentials = "user.credentials", "A person's credentials changed (device work queued).";
    UserPromote = "user.promote", "A GUEST became a USER.";
    UserRank = "user.rank", "A person's rank changed.";
    UserPhoto = "user.photo", "A person's photo changed.";
    UserCards = "user.cards", "A person's cards changed.";
    UserPin = "user.pin", "A person's PIN was set or cleared.";
    UserFingerprints = "user.fingerprints", "A person's fingerprints changed.";
    UserFaces = "user.faces", "A person's faces changed.";
    UserMobileInvite = "user.mobile.invite", "A mobile credential invitation was sent.";
    UserMobileRedeem = "user.mobile.redeem", "A mobile credential invitation was redeemed.";
    UserMobileRevoke = "user.mobile.revoke", "A mobile credential was revoked.";
    UsersImport = "users.import", "A CSV import ran (or was dry-run).";
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditRow {
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    pub site_id: Option<i64>,
    pub actor: String,
    pub source_ip: Option<String>,
    pub action: Action,
    pub target: Option<String>,
    pub outcome: Outcome,
    /// The values before and after a change; secrets are never in them.
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub has_more: bool,
    pub next_offset: Option<i64>,
}

/// `GET /v1/audit`'s filters and page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    #[cfg_attr(feature = "openapi", param(inline))]
    pub action: Option<Action>,
    /// Exact actor name (a username, or `token:<name>` for an API token).
    pub actor: Option<String>,
    /// Exact target (a user ID, a username, a token's name, an import tag).
    pub target: Option<String>,
    #[cfg_attr(feature = "openapi", param(inline))]
    pub outcome: Option<Outcome>,
    /// From this instant on, inclusive (RFC 3339, `2026-11-30T08:00:00Z`).
    #[cfg_attr(feature = "openapi", param(format = DateTime))]
    pub since: Option<String>,
    /// Before this instant (RFC 3339).
    #[cfg_attr(feature = "openapi", param(format = DateTime))]
    pub until: Option<String>,
    /// 1 to 500, default 50.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 500))]
    pub limit: Option<i64>,
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 1_000_000_000))]
    pub offset: Option<i64>,
}

/// Most rows one audit page shows.
pub const MAX_AUDIT_LIMIT: i64 = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_is_its_name_on_the_wire() {
        for a in Action::ALL {
            assert_eq!(serde_json::to_value(a).unwrap(), serde_json::json!(a.as_str()));
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
    }
}
