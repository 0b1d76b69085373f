//! How the audit records a person's fields: a creation keeps the fields that are set, an
//! update the fields that changed (their values before and after). Writing every unset
//! field as `null` made the audit half of what a 100,000-row import wrote to disk.

use proto::domain::{AuthModes, JobCodeEntry, PersonFields, Tag};
use serde::Serialize;
use serde_json::{Map, Value};

/// The fields of a new person that are set, borrowed (serialized straight to text: an
/// intermediate JSON value per person is slow at import sizes).
#[derive(Serialize)]
pub struct SetFields<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    username: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    department: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notes: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    system_id: Option<&'a str>,
    tag: Tag,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_time: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_time: Option<&'a str>,
    #[serde(skip_serializing_if = "<[u32]>::is_empty")]
    access_groups: &'a [u32],
    #[serde(skip_serializing_if = "<[JobCodeEntry]>::is_empty")]
    job_codes: &'a [JobCodeEntry],
    #[serde(skip_serializing_if = "is_zero")]
    security_level: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    auth_modes: Option<AuthModes>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    computer_usernames: &'a [String],
}

fn is_zero(n: &u8) -> bool {
    *n == 0
}

impl<'a> From<&'a PersonFields> for SetFields<'a> {
    fn from(f: &'a PersonFields) -> Self {
        Self {
            name: &f.name,
            first_name: f.first_name.as_deref(),
            last_name: f.last_name.as_deref(),
            email: f.email.as_deref(),
            username: f.username.as_deref(),
            phone: f.phone.as_deref(),
            department: f.department.as_deref(),
            title: f.title.as_deref(),
            notes: f.notes.as_deref(),
            system_id: f.system_id.as_deref(),
            tag: f.tag,
            start_time: f.start_time.as_deref(),
            end_time: f.end_time.as_deref(),
            access_groups: &f.access_groups,
            job_codes: &f.job_codes,
            security_level: f.security_level,
            auth_modes: f.auth_modes,
            computer_usernames: &f.computer_usernames,
        }
    }
}

/// The fields that differ between `old` and `new`: (their old values, their new values).
pub fn changes(old: &PersonFields, new: &PersonFields) -> (Value, Value) {
    let (Ok(Value::Object(old)), Ok(Value::Object(new))) = (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return (Value::Null, Value::Null);
    };
    let mut before = Map::new();
    let mut after = Map::new();
    for (key, value) in new {
        let was = old.get(&key).cloned().unwrap_or(Value::Null);
        if was != value {
            before.insert(key.clone(), was);
            after.insert(key, value);
        }
    }
    (Value::Object(before), Value::Object(after))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_creation_keeps_only_what_is_set() {
        let f = PersonFields { name: "Ada".into(), email: Some("ada@example.com".into()), ..Default::default() };
        let text = serde_json::to_string(&SetFields::from(&f)).unwrap();
        assert_eq!(text, r#"{"name":"Ada","email":"ada@example.com","tag":"USER"}"#);
    }

    #[test]
    fn an_update_keeps_only_what_changed() {
        let old = PersonFields { name: "Ada".into(), phone: Some("1".into()), ..Default::default() };
        let new = PersonFields { name: "Ada".into(), phone: None, department: Some("Ops".into()), ..old.clone() };
        let (before, after) = changes(&old, &new);
        assert_eq!(before, serde_json::json!({"phone": "1", "department": null}));
        assert_eq!(after, serde_json::json!({"phone": null, "department": "Ops"}));
    }
}
