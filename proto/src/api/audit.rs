//! The audit trail as the API shows it (`GET /v1/audit`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    DeviceResync = "device.resync", "Everything a device holds was queued to be sent again.";
    DeviceCall = "device.call", "A write sent to devices through the gRPC-web bridge (method, devices, user IDs, outcome).";
    AccessGroupCreate = "access_group.create", "An access group was made.";
    AccessGroupUpdate = "access_group.update", "An access group's name or devices changed.";
    AccessGroupDelete = "access_group.delete", "An access group was deleted (its members lost it).";
    SiteSyncMode = "site.sync_mode", "Which devices hold a person changed (all, or by access group).";
    SiteScimLeavers = "site.scim_leavers", "What an identity provider's leaver becomes changed (suspended, or deactivated).";
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

/// One value an audited act changed, as text (`None`: it was not there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field's name; empty when the whole value is not an object.
    pub field: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditRow {
    /// What the act changed, one value per line: nested objects by dotted path
    /// (`fields.name`), the values it recorded after the act against those before (a
    /// creation lists what it set, a removal what it removed). A value recorded only
    /// before (context such as a rank) is no change.
    pub fn changes(&self) -> Vec<Change> {
        use serde_json::Value;
        let (before, after) = (self.before.as_ref(), self.after.as_ref());
        let scalar = |v: Option<&Value>| v.is_some_and(|v| !v.is_object());
        if scalar(before) || scalar(after) {
            let whole = Change { field: String::new(), before: before.and_then(shown), after: after.and_then(shown) };
            return if whole.before == whole.after { Vec::new() } else { vec![whole] };
        }
        let (mut was, mut now) = (BTreeMap::new(), BTreeMap::new());
        if let Some(v) = before {
            flatten(String::new(), v, &mut was);
        }
        if let Some(v) = after {
            flatten(String::new(), v, &mut now);
        }
        let listed = if after.is_some() { &now } else { &was };
        listed
            .keys()
            .map(|k| Change {
                field: k.clone(),
                before: was.get(k).and_then(|v| shown(v)),
                after: now.get(k).and_then(|v| shown(v)),
            })
            .filter(|c| c.before != c.after)
            .collect()
    }
}

/// A value as text: a string as itself, null as nothing, others as JSON.
fn shown(v: &serde_json::Value) -> Option<String> {
    match v {
        serde_json::Value::Null => None,
        serde_json::Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The leaves of a JSON value by dotted path (an empty object is a leaf).
fn flatten<'a>(path: String, v: &'a serde_json::Value, out: &mut BTreeMap<String, &'a serde_json::Value>) {
    match v.as_object() {
        Some(o) if !o.is_empty() => {
            for (k, v) in o {
                flatten(if path.is_empty() { k.clone() } else { format!("{path}.{k}") }, v, out);
            }
        }
        _ => drop(out.insert(path, v)),
    }
}

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

    fn row(before: Option<serde_json::Value>, after: Option<serde_json::Value>) -> AuditRow {
        AuditRow {
            id: 1,
            at: "2026-12-01T08:00:00Z".into(),
            site_id: Some(1),
            actor: "admin".into(),
            source_ip: None,
            action: Action::ALL[0],
            target: None,
            outcome: Outcome::Success,
            before,
            after,
        }
    }

    fn change(field: &str, before: Option<&str>, after: Option<&str>) -> Change {
        Change { field: field.into(), before: before.map(Into::into), after: after.map(Into::into) }
    }

    #[test]
    fn changes_are_the_fields_that_differ() {
        use serde_json::json;
        let edit = row(
            Some(json!({"name": "Ann", "access_groups": [1], "email": "a@example.com", "title": null})),
            Some(json!({"name": "Anne", "access_groups": [1, 2], "email": "a@example.com", "title": "Dr"})),
        );
        assert_eq!(
            edit.changes(),
            [
                change("access_groups", Some("[1]"), Some("[1,2]")),
                change("name", Some("Ann"), Some("Anne")),
                change("title", None, Some("Dr")),
            ]
        );
        let created = row(None, Some(json!({"status": "PENDING", "fields": {"name": "Bo", "phone": null}})));
        assert_eq!(
            created.changes(),
            [change("fields.name", None, Some("Bo")), change("status", None, Some("PENDING"))],
            "nested by path; a null is not a value set"
        );
        let suspended = row(Some(json!({"status": "ACTIVE", "rank": "USER"})), Some(json!({"status": "SUSPENDED"})));
        assert_eq!(suspended.changes(), [change("status", Some("ACTIVE"), Some("SUSPENDED"))], "context is no change");
        let deleted = row(Some(json!({"user_id": "7"})), None);
        assert_eq!(deleted.changes(), [change("user_id", Some("7"), None)]);
        let status = row(Some(json!("ACTIVE")), Some(json!("SUSPENDED")));
        assert_eq!(status.changes(), [change("", Some("ACTIVE"), Some("SUSPENDED"))]);
        assert_eq!(row(Some(json!(3)), Some(json!(3))).changes(), []);
        assert_eq!(row(None, None).changes(), []);
    }
}
