//! A person as a SCIM User resource (the mapping is in `docs/scim.md`), and the
//! `attributes` / `excludedAttributes` projection of RFC 7644 §3.4.2.5.

use super::BASE;
use crate::clock::rfc3339;
use crate::directory::person_read::{COLUMNS, PersonRow};
use crate::error::{ApiError, ApiResult};
use serde_json::{Map, Value, json};

pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// The weak ETag of a person's version (also `meta.version`).
pub fn version_tag(version: i64) -> String {
    format!("W/\"{version}\"")
}

/// A person as SCIM reads them: the directory's fields and what SCIM keeps for itself.
#[derive(Debug, sqlx::FromRow)]
pub struct ScimPerson {
    #[sqlx(flatten)]
    pub person: PersonRow,
    /// The Enterprise User attributes kept as sent (a JSON object), department aside.
    pub scim_extension: Option<String>,
}

/// Columns of a [`ScimPerson`] (`u` is `users`).
pub fn columns() -> String {
    format!("{COLUMNS}, u.scim_extension")
}

/// The person as a SCIM User.
pub fn user(sp: &ScimPerson) -> Value {
    let p = &sp.person;
    let mut user = Map::new();
    user.insert("schemas".into(), json!([USER, ENTERPRISE_USER]));
    user.insert("id".into(), json!(p.id.to_string()));
    if let Some(external) = &p.system_id {
        user.insert("externalId".into(), json!(external));
    }
    // Everyone has a userName (SCIM requires one): the user ID of a person without a username
    // (lower-cased, as `filter_sql::USER_NAME` compares it).
    let user_name = p.username.clone().unwrap_or_else(|| p.user_id.to_lowercase());
    user.insert("userName".into(), json!(user_name));
    // The person's one name is displayName; `name` holds its parts, when known (so that a
    // PATCH removing `name` leaves none).
    if p.first_name.is_some() || p.last_name.is_some() {
        let mut name = Map::new();
        name.insert("formatted".into(), json!(p.name));
        if let Some(given) = &p.first_name {
            name.insert("givenName".into(), json!(given));
        }
        if let Some(family) = &p.last_name {
            name.insert("familyName".into(), json!(family));
        }
        user.insert("name".into(), Value::Object(name));
    }
    user.insert("displayName".into(), json!(p.name));
    if let Some(title) = &p.title {
        user.insert("title".into(), json!(title));
    }
    user.insert("active".into(), json!(p.status().enabled()));
    // One email and one phone: `primary` would single out nothing (RFC 7643 §2.4), so the
    // schema has no `primary` and it is not returned (it is read, to pick among several).
    if let Some(email) = &p.email {
        user.insert("emails".into(), json!([{ "value": email, "type": "work" }]));
    }
    if let Some(phone) = &p.phone {
        user.insert("phoneNumbers".into(), json!([{ "value": phone, "type": "work" }]));
    }
    let mut enterprise = match sp.scim_extension.as_deref().map(serde_json::from_str) {
        Some(Ok(Value::Object(kept))) => kept,
        _ => Map::new(),
    };
    if let Some(department) = &p.department {
        enterprise.insert("department".into(), json!(department));
    }
    if !enterprise.is_empty() {
        user.insert(ENTERPRISE_USER.into(), Value::Object(enterprise));
    }
    user.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": rfc3339(p.created_at),
            "lastModified": rfc3339(p.updated_at),
            "version": version_tag(p.version),
            "location": format!("{BASE}/Users/{}", p.id),
        }),
    );
    Value::Object(user)
}

/// Attributes always returned, whatever the request asks (RFC 7643 §7 `returned: always`).
const ALWAYS: [&str; 3] = ["schemas", "id", "meta"];

/// A request's `attributes` or `excludedAttributes`: comma-separated paths (`userName`,
/// `name.givenName`, with or without the schema URN, whose extension's attributes go by
/// their own names), lower-cased.
pub fn parse_attribute_list(text: Option<&str>) -> ApiResult<Vec<(String, Option<String>)>> {
    let Some(text) = text else { return Ok(vec![]) };
    text.split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(|a| {
            let path = proto::scim::filter::parse_path(a)
                .map_err(|e| ApiError::bad_request(format!("attributes: {a:?}: {e}")).with_field("value"))?;
            Ok((path.attr.name.to_ascii_lowercase(), path.attr.sub.map(|s| s.to_ascii_lowercase())))
        })
        .collect()
}

/// Keeps `only` (if any) and drops `except` from a resource; `ALWAYS` stays.
pub fn project(resource: Value, only: &[(String, Option<String>)], except: &[(String, Option<String>)]) -> Value {
    let Value::Object(map) = resource else { return resource };
    let mut out = Map::new();
    for (key, value) in map {
        let lower = key.to_ascii_lowercase();
        let value = if key == ENTERPRISE_USER { project_extension(value, only, except) } else { Some(value) };
        let Some(value) = value else { continue };
        if ALWAYS.contains(&key.as_str()) || key == ENTERPRISE_USER {
            out.insert(key, value);
            continue;
        }
        let wanted = only.is_empty() || only.iter().any(|(n, _)| *n == lower);
        let dropped = except.iter().any(|(n, sub)| *n == lower && sub.is_none());
        if !wanted || dropped {
            continue;
        }
        out.insert(key, project_subs(value, &lower, only, except));
    }
    Value::Object(out)
}

/// Within a complex attribute, keeps the sub-attributes asked for.
fn project_subs(
    value: Value,
    name: &str,
    only: &[(String, Option<String>)],
    except: &[(String, Option<String>)],
) -> Value {
    let keep: Vec<&str> = only.iter().filter(|(n, _)| n == name).filter_map(|(_, s)| s.as_deref()).collect();
    let whole = only.iter().any(|(n, s)| n == name && s.is_none());
    let drop: Vec<&str> = except.iter().filter(|(n, _)| n == name).filter_map(|(_, s)| s.as_deref()).collect();
    let trim = |m: Map<String, Value>| -> Map<String, Value> {
        m.into_iter()
            .filter(|(k, _)| {
                let k = k.to_ascii_lowercase();
                (whole || keep.is_empty() || keep.contains(&k.as_str())) && !drop.contains(&k.as_str())
            })
            .collect()
    };
    match value {
        Value::Object(m) => Value::Object(trim(m)),
        Value::Array(items) => Value::Array(
            items.into_iter().map(|i| if let Value::Object(m) = i { Value::Object(trim(m)) } else { i }).collect(),
        ),
        other => other,
    }
}

/// The enterprise extension's attributes are asked for by their own names.
fn project_extension(
    value: Value,
    only: &[(String, Option<String>)],
    except: &[(String, Option<String>)],
) -> Option<Value> {
    let Value::Object(map) = value else { return Some(value) };
    let kept: Map<String, Value> = map
        .into_iter()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            (only.is_empty() || only.iter().any(|(n, _)| *n == k)) && !except.iter().any(|(n, _)| *n == k)
        })
        .collect();
    (!kept.is_empty()).then_some(Value::Object(kept))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Value {
        json!({
            "schemas": [USER], "id": "7", "userName": "ann",
            "name": { "givenName": "Ann", "familyName": "Lee", "formatted": "Ann Lee" },
            "emails": [{ "value": "ann@example.com", "type": "work", "primary": true }],
            ENTERPRISE_USER: { "department": "Ops" },
            "meta": { "resourceType": "User" },
        })
    }

    #[test]
    fn attributes_keep_what_is_asked_and_what_is_always_returned() {
        let only = parse_attribute_list(Some(
            "userName, name.givenName, urn:ietf:params:scim:schemas:core:2.0:User:emails.value",
        ))
        .unwrap();
        let v = project(sample(), &only, &[]);
        assert_eq!(v["userName"], "ann");
        assert_eq!(v["id"], "7");
        assert_eq!(v["meta"]["resourceType"], "User");
        assert_eq!(v["name"], json!({ "givenName": "Ann" }));
        assert_eq!(v["emails"], json!([{ "value": "ann@example.com" }]));
        assert!(v.get(ENTERPRISE_USER).is_none());
    }

    #[test]
    fn a_bad_attribute_list_names_the_bad_entry() {
        let e = parse_attribute_list(Some("userName, name[x]")).unwrap_err();
        assert!(e.message.starts_with("attributes: \"name[x]\""), "{}", e.message);
    }

    #[test]
    fn excluded_attributes_drop_whole_attributes_or_sub_attributes() {
        let except = parse_attribute_list(Some("emails,name.familyName,department")).unwrap();
        let v = project(sample(), &[], &except);
        assert!(v.get("emails").is_none());
        assert_eq!(v["name"], json!({ "givenName": "Ann", "formatted": "Ann Lee" }));
        assert!(v.get(ENTERPRISE_USER).is_none());
        let v = project(sample(), &[], &parse_attribute_list(Some("id,meta")).unwrap());
        assert_eq!(v["id"], "7", "id is always returned");
    }
}
