//! A SCIM User from an identity provider, read into the directory's own fields (the
//! mapping is in `docs/scim.md`), which the directory then checks by its own rules.

use super::resource::ENTERPRISE_USER;
use crate::error::{ApiError, ApiResult};
use proto::domain::PersonFields;
use serde_json::Value;

fn invalid(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("value")
}

/// A string attribute (absent or null: `None`).
fn text(path: &str, value: Option<&Value>) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(other) => Err(invalid(format!("{path}: {other} is not a string"))),
    }
}

/// Looks up an attribute case-insensitively (SCIM attribute names are).
fn attr<'a>(object: &'a Value, name: &str) -> Option<&'a Value> {
    object.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

/// The value of the primary (else the "work", else the first) entry of a multi-valued
/// attribute such as `emails`.
fn primary(user: &Value, name: &str) -> ApiResult<Option<String>> {
    let Some(list) = attr(user, name) else { return Ok(None) };
    let Some(items) = list.as_array() else {
        return if list.is_null() { Ok(None) } else { Err(invalid(format!("{name}: not a list"))) };
    };
    let pick = items
        .iter()
        .find(|i| attr(i, "primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.iter().find(|i| attr(i, "type").and_then(Value::as_str) == Some("work")))
        .or_else(|| items.first());
    match pick {
        Some(item) => text(&format!("{name}.value"), attr(item, "value")),
        None => Ok(None),
    }
}

/// `active` as a boolean; Entra ID sends the strings "True" and "False".
pub fn active(value: Option<&Value>) -> ApiResult<Option<bool>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(other) => Err(invalid(format!("active: {other} is neither true nor false"))),
    }
}

/// The Enterprise User attributes kept as sent, besides `department` (a field of the
/// directory): nothing in Lintel uses them; an identity provider reads them back.
pub const KEPT: [&str; 5] = ["employeeNumber", "costCenter", "organization", "division", "manager"];
/// Longest kept value, in characters.
pub const MAX_KEPT_CHARS: usize = 256;

/// What a whole User says.
pub struct UserInput {
    pub fields: PersonFields,
    /// `active`, if given.
    pub active: Option<bool>,
    /// The kept enterprise attributes (a JSON object's text), if any.
    pub kept: Option<String>,
}

fn kept_text(path: &str, value: &Value) -> ApiResult<Option<Value>> {
    let s = text(path, Some(value))?;
    match s {
        Some(s) if s.chars().count() > MAX_KEPT_CHARS => {
            Err(invalid(format!("{path}: {} characters, at most {MAX_KEPT_CHARS}", s.chars().count())))
        }
        s => Ok(s.map(Value::String)),
    }
}

/// The kept enterprise attributes of `enterprise`: strings, and `manager` as an object of
/// `value` and `displayName` (Entra ID sends the manager's ID as a bare string).
fn kept(enterprise: &Value) -> ApiResult<Option<String>> {
    let mut out = serde_json::Map::new();
    for name in KEPT {
        let Some(value) = attr(enterprise, name).filter(|v| !v.is_null()) else { continue };
        let value = match (name, value) {
            ("manager", Value::String(_)) => kept_text("manager", value)?.map(|v| serde_json::json!({ "value": v })),
            ("manager", Value::Object(_)) => {
                let mut m = serde_json::Map::new();
                for sub in ["value", "displayName"] {
                    if let Some(v) = attr(value, sub)
                        && let Some(v) = kept_text(&format!("manager.{sub}"), v)?
                    {
                        m.insert(sub.into(), v);
                    }
                }
                (!m.is_empty()).then_some(Value::Object(m))
            }
            _ => kept_text(name, value)?,
        };
        if let Some(value) = value {
            out.insert(name.into(), value);
        }
    }
    Ok((!out.is_empty()).then(|| Value::Object(out).to_string()))
}

/// What a whole User (`POST`, `PUT`) says, over `fields` (a new person's defaults, or the
/// person's current fields for a replacement: the attributes SCIM does not carry are kept).
pub fn read(user: &Value, mut fields: PersonFields) -> ApiResult<UserInput> {
    if !user.is_object() {
        return Err(ApiError::bad_request("the body is not a SCIM User object"));
    }
    let user_name =
        text("userName", attr(user, "userName"))?.ok_or_else(|| invalid("userName: required".to_owned()))?;
    let name = attr(user, "name");
    let given = name.map(|n| text("name.givenName", attr(n, "givenName"))).transpose()?.flatten();
    let family = name.map(|n| text("name.familyName", attr(n, "familyName"))).transpose()?.flatten();
    let formatted = name.map(|n| text("name.formatted", attr(n, "formatted"))).transpose()?.flatten();
    let display = text("displayName", attr(user, "displayName"))?;
    let joined = match (&given, &family) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (g, f) => g.clone().or_else(|| f.clone()),
    };
    fields.name = formatted.or(display).or(joined).unwrap_or_else(|| user_name.clone());
    fields.first_name = given;
    fields.last_name = family;
    fields.username = Some(user_name);
    fields.email = primary(user, "emails")?;
    fields.phone = primary(user, "phoneNumbers")?;
    fields.title = text("title", attr(user, "title"))?;
    fields.system_id = text("externalId", attr(user, "externalId"))?;
    let enterprise = attr(user, ENTERPRISE_USER);
    fields.department = enterprise.map(|e| text("department", attr(e, "department"))).transpose()?.flatten();
    let kept = enterprise.map(kept).transpose()?.flatten();
    Ok(UserInput { fields, active: active(attr(user, "active"))?, kept })
}
