//! SCIM PATCH (RFC 7644 §3.5.2): `add`, `replace` and `remove` operations applied to the
//! person's User document; the patched document is then read like a replacement, so it
//! meets every rule of the directory. Paths are parsed by `proto::scim::filter`, and a value
//! filter (`emails[type eq "work"].value`) is matched against each value here.

use super::resource::ENTERPRISE_USER;
use crate::error::{ApiError, ApiResult};
use proto::scim::filter::{CompareOp, Filter, Path, Value as FilterValue, parse_path};
use serde_json::{Map, Value};

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Most operations one PATCH may carry.
const MAX_OPERATIONS: usize = 100;

fn bad_path(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("path")
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("value")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

/// The operations of a PatchOp request (at most [`MAX_OPERATIONS`]).
pub fn operations(request: &Value) -> ApiResult<&[Value]> {
    let schemas = request.get("schemas").and_then(Value::as_array);
    if !schemas.is_some_and(|s| s.iter().any(|v| v.as_str() == Some(PATCH_OP))) {
        return Err(ApiError::bad_request(format!("schemas: a PATCH body is a {PATCH_OP}")));
    }
    let operations = request
        .get("Operations")
        .or_else(|| request.get("operations"))
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request("Operations: required, a list"))?;
    if operations.len() > MAX_OPERATIONS {
        return Err(ApiError::bad_request(format!("Operations: {} given, at most {MAX_OPERATIONS}", operations.len())));
    }
    Ok(operations)
}

/// Applies a PatchOp request to `doc`.
pub fn apply(doc: &mut Value, request: &Value) -> ApiResult<()> {
    for (i, operation) in operations(request)?.iter().enumerate() {
        let given = operation.get("op").and_then(Value::as_str).unwrap_or_default();
        let op = match given.to_ascii_lowercase().as_str() {
            "add" => Op::Add,
            "replace" => Op::Replace,
            "remove" => Op::Remove,
            _ => {
                return Err(ApiError::bad_request(format!(
                    "Operations[{i}].op: {given:?} is not add, replace or remove"
                )));
            }
        };
        let value = operation.get("value");
        match operation.get("path").and_then(Value::as_str).map(str::trim).filter(|p| !p.is_empty()) {
            // The extension as a whole (its URN alone is no attribute path).
            Some(text) if text.eq_ignore_ascii_case(ENTERPRISE_USER) => {
                let Value::Object(root) = doc else { return Err(ApiError::internal()) };
                set(root, ENTERPRISE_USER, op, value)?;
            }
            Some(text) => {
                let path = parse_path(text).map_err(|e| bad_path(format!("Operations[{i}].path: {e}")))?;
                at_path(doc, &path, op, value)?;
            }
            None if op == Op::Remove => {
                return Err(ApiError::bad_request(format!("Operations[{i}]: remove needs a path")).with_field("path"));
            }
            None => {
                let Some(Value::Object(values)) = value else {
                    return Err(invalid(format!("Operations[{i}].value: without a path, an object of attributes")));
                };
                for (key, v) in values {
                    // Entra ID sends `{"name.givenName": …}`; a schema URN key holds its attributes.
                    if key == ENTERPRISE_USER {
                        let Value::Object(inner) = v else { return Err(invalid(format!("{key}: an object"))) };
                        for (k, v) in inner {
                            at_path(
                                doc,
                                &parse_path(&format!("{key}:{k}")).map_err(|e| bad_path(e.to_string()))?,
                                op,
                                Some(v),
                            )?;
                        }
                        continue;
                    }
                    let path = parse_path(key).map_err(|e| bad_path(format!("Operations[{i}].value: {key:?}: {e}")))?;
                    at_path(doc, &path, op, Some(v))?;
                }
            }
        }
    }
    Ok(())
}

/// The object holding `path`'s attribute: the document, or its enterprise extension.
fn container<'d>(doc: &'d mut Value, path: &Path) -> ApiResult<&'d mut Map<String, Value>> {
    let enterprise = path.attr.urn.as_deref().is_some_and(|u| u.eq_ignore_ascii_case(ENTERPRISE_USER));
    let Value::Object(root) = doc else { return Err(ApiError::internal()) };
    if !enterprise {
        return Ok(root);
    }
    let ext = root.entry(ENTERPRISE_USER.to_owned()).or_insert_with(|| Value::Object(Map::new()));
    if !ext.is_object() {
        *ext = Value::Object(Map::new());
    }
    ext.as_object_mut().ok_or_else(ApiError::internal)
}

/// The key of `name` in `map`, matched case-insensitively (as SCIM names are), or `name`.
fn key_of(map: &Map<String, Value>, name: &str) -> String {
    map.keys().find(|k| k.eq_ignore_ascii_case(name)).cloned().unwrap_or_else(|| name.to_owned())
}

/// A change the attribute's mutability does not allow (RFC 7644 §3.5.2: `mutability`).
pub fn immutable(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("mutability")
}

/// Attributes every User has: replaced, never removed.
const REQUIRED: [&str; 3] = ["userName", "displayName", "active"];

fn at_path(doc: &mut Value, path: &Path, op: Op, value: Option<&Value>) -> ApiResult<()> {
    if op != Op::Remove && value.is_none() {
        return Err(invalid(format!("{}: {} needs a value", path.attr, if op == Op::Add { "add" } else { "replace" })));
    }
    let whole = path.filter.is_none() && path.attr.sub.is_none() && path.attr.urn.is_none();
    if path.attr.name.eq_ignore_ascii_case("meta")
        || (path.attr.name.eq_ignore_ascii_case("id") && (op == Op::Remove || value != doc.get("id")))
    {
        return Err(immutable(format!("{}: read-only, set by the server", path.attr)));
    }
    if whole && path.attr.is("id", None) {
        return Ok(()); // the same id, as some providers repeat it
    }
    if op == Op::Remove && whole && REQUIRED.iter().any(|r| path.attr.is(r, None)) {
        return Err(immutable(format!("{}: required; it can be replaced, not removed", path.attr)));
    }
    let map = container(doc, path)?;
    let key = key_of(map, &path.attr.name);
    match (&path.filter, &path.attr.sub) {
        (None, None) => set(map, &key, op, value),
        (None, Some(sub)) => {
            let inner = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
            let Value::Object(inner) = inner else {
                return Err(bad_path(format!("{}: not a complex attribute", path.attr)));
            };
            let sub = key_of(inner, sub);
            set(inner, &sub, op, value)
        }
        (Some(filter), _) => {
            let items = map.entry(key).or_insert_with(|| Value::Array(vec![]));
            let Value::Array(items) = items else {
                return Err(bad_path(format!("{}: not a multi-valued attribute", path.attr)));
            };
            let hits: Vec<usize> = (0..items.len()).filter(|&i| matches(filter, &items[i])).collect();
            if hits.is_empty() {
                if op == Op::Remove {
                    return Ok(());
                }
                // Entra ID adds a value by naming it: emails[type eq "work"].value with none yet.
                let mut item = Map::new();
                seed(filter, &mut item);
                items.push(Value::Object(item));
                let last = items.len() - 1;
                return in_item(items, last, path, op, value);
            }
            if op == Op::Remove && path.sub.is_none() {
                for i in hits.into_iter().rev() {
                    items.remove(i);
                }
                return Ok(());
            }
            for i in hits {
                in_item(items, i, path, op, value)?;
            }
            Ok(())
        }
    }
}

/// Applies the operation to one value of a multi-valued attribute.
fn in_item(items: &mut [Value], i: usize, path: &Path, op: Op, value: Option<&Value>) -> ApiResult<()> {
    let Value::Object(item) = &mut items[i] else {
        return Err(bad_path(format!("{}: values are not objects", path.attr)));
    };
    match &path.sub {
        Some(sub) => {
            let sub = key_of(item, sub);
            set(item, &sub, op, value)
        }
        None => match value {
            Some(Value::Object(fields)) => {
                for (k, v) in fields {
                    item.insert(k.clone(), v.clone());
                }
                Ok(())
            }
            _ => Err(invalid(format!("{}[…]: the value is an object of its sub-attributes", path.attr))),
        },
    }
}

/// The sub-attributes an `eq` filter names, on a value it creates.
fn seed(filter: &Filter, item: &mut Map<String, Value>) {
    match filter {
        Filter::Compare(attr, CompareOp::Eq, v) => {
            let v = match v {
                FilterValue::Str(s) => Value::String(s.clone()),
                FilterValue::Bool(b) => Value::Bool(*b),
                FilterValue::Number(n) => serde_json::json!(n),
                FilterValue::Null => Value::Null,
            };
            item.insert(attr.name.clone(), v);
        }
        Filter::And(l, r) => {
            seed(l, item);
            seed(r, item);
        }
        _ => {}
    }
}

fn set(map: &mut Map<String, Value>, key: &str, op: Op, value: Option<&Value>) -> ApiResult<()> {
    match (op, value) {
        (Op::Remove, _) => {
            map.remove(key);
        }
        // add to a multi-valued attribute appends; to a complex one merges.
        (Op::Add, Some(Value::Array(new))) => match map.get_mut(key) {
            Some(Value::Array(items)) => items.extend(new.iter().cloned()),
            _ => {
                map.insert(key.to_owned(), Value::Array(new.clone()));
            }
        },
        (_, Some(Value::Object(new))) => match map.get_mut(key) {
            Some(Value::Object(old)) => {
                for (k, v) in new {
                    let k = key_of(old, k);
                    old.insert(k, v.clone());
                }
            }
            _ => {
                map.insert(key.to_owned(), Value::Object(new.clone()));
            }
        },
        (_, Some(v)) => {
            map.insert(key.to_owned(), v.clone());
        }
        (_, None) => {}
    }
    Ok(())
}

/// Whether a JSON resource, or one value of a multi-valued attribute (a value filter, whose
/// paths are its sub-attributes), matches `filter`. Names and strings compare
/// case-insensitively; a multi-valued attribute matches when one of its values does (by
/// their `value` when no sub-attribute is named, RFC 7644 §3.4.2.2).
pub fn matches(filter: &Filter, item: &Value) -> bool {
    match filter {
        Filter::And(l, r) => matches(l, item) && matches(r, item),
        Filter::Or(l, r) => matches(l, item) || matches(r, item),
        Filter::Not(inner) => !matches(inner, item),
        Filter::Present(attr) => values_at(item, &attr.name, attr.sub.as_deref()).iter().any(|v| !v.is_null()),
        Filter::Values(attr, inner) => match field(item, &attr.name) {
            Some(Value::Array(items)) => items.iter().any(|i| matches(inner, i)),
            Some(one @ Value::Object(_)) => matches(inner, one),
            _ => false,
        },
        Filter::Compare(attr, op, want) => {
            let have = values_at(item, &attr.name, attr.sub.as_deref());
            if have.is_empty() {
                return match want {
                    FilterValue::Null => *op == CompareOp::Eq,
                    _ => *op == CompareOp::Ne,
                };
            }
            if *op == CompareOp::Ne {
                return !have.iter().any(|h| compare(h, CompareOp::Eq, want));
            }
            have.iter().any(|h| compare(h, *op, want))
        }
    }
}

/// The values at `name` (and `sub`) of `item`: a multi-valued attribute gives each of its
/// values (their `value` when they are objects and no `sub` is named).
fn values_at<'v>(item: &'v Value, name: &str, sub: Option<&str>) -> Vec<&'v Value> {
    let Some(v) = field(item, name) else { return vec![] };
    let pick = |v: &'v Value| -> Option<&'v Value> {
        match (sub, v) {
            (Some(sub), _) => field(v, sub),
            (None, Value::Object(_)) => field(v, "value"),
            (None, v) => Some(v),
        }
    };
    match v {
        Value::Array(items) => items.iter().filter_map(pick).collect(),
        Value::Object(_) if sub.is_some() => pick(v).into_iter().collect(),
        v => vec![v],
    }
}

fn compare(have: &Value, op: CompareOp, want: &FilterValue) -> bool {
    match (have, want) {
        (Value::String(h), FilterValue::Str(w)) => {
            let (h, w) = (h.to_lowercase(), w.to_lowercase());
            match op {
                CompareOp::Eq => h == w,
                CompareOp::Ne => h != w,
                CompareOp::Co => h.contains(&w),
                CompareOp::Sw => h.starts_with(&w),
                CompareOp::Ew => h.ends_with(&w),
                CompareOp::Gt => h > w,
                CompareOp::Ge => h >= w,
                CompareOp::Lt => h < w,
                CompareOp::Le => h <= w,
            }
        }
        (Value::Bool(h), FilterValue::Bool(w)) => match op {
            CompareOp::Eq => h == w,
            CompareOp::Ne => h != w,
            _ => false,
        },
        (Value::Null, FilterValue::Null) => op == CompareOp::Eq,
        _ => op == CompareOp::Ne,
    }
}

fn field<'v>(item: &'v Value, name: &str) -> Option<&'v Value> {
    item.as_object()?.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patched(ops: Value) -> Value {
        let mut doc = json!({
            "userName": "ann", "name": {"givenName": "Ann", "familyName": "Lee", "formatted": "Ann Lee"},
            "emails": [{"value": "ann@example.com", "type": "work", "primary": true}], "active": true,
        });
        apply(&mut doc, &json!({"schemas": [PATCH_OP], "Operations": ops})).unwrap();
        doc
    }

    #[test]
    fn okta_and_entra_operations() {
        assert_eq!(patched(json!([{"op": "replace", "value": {"active": false}}]))["active"], false);
        assert_eq!(patched(json!([{"op": "Replace", "path": "active", "value": "False"}]))["active"], "False");
        let d =
            patched(json!([{"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "ann@new.example"}]));
        assert_eq!(d["emails"], json!([{"value": "ann@new.example", "type": "work", "primary": true}]));
        let d = patched(json!([{"op": "Add", "path": "phoneNumbers[type eq \"work\"].value", "value": "+1 555"}]));
        assert_eq!(d["phoneNumbers"], json!([{"type": "work", "value": "+1 555"}]));
        let d = patched(json!([{"op": "replace", "path": "name.familyName", "value": "Stone"}]));
        assert_eq!(d["name"], json!({"givenName": "Ann", "familyName": "Stone", "formatted": "Ann Lee"}));
        let d = patched(
            json!([{"op": "replace", "value": {"name.givenName": "Anna", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Ops"}}}]),
        );
        assert_eq!(d["name"]["givenName"], "Anna");
        assert_eq!(d[ENTERPRISE_USER]["department"], "Ops");
        let d = patched(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]));
        assert_eq!(d["emails"], json!([]));
        let d = patched(
            json!([{"op": "add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"}]),
        );
        assert_eq!(d[ENTERPRISE_USER]["department"], "R&D");
    }

    #[test]
    fn bad_operations_name_what_is_wrong() {
        let mut doc = json!({});
        let run =
            |doc: &mut Value, ops: Value| apply(doc, &json!({"schemas": [PATCH_OP], "Operations": ops})).unwrap_err();
        assert_eq!(
            run(&mut doc, json!([{"op": "move", "path": "x"}])).message,
            "Operations[0].op: \"move\" is not add, replace or remove"
        );
        assert_eq!(run(&mut doc, json!([{"op": "remove"}])).field.as_deref(), Some("path"));
        assert_eq!(run(&mut doc, json!([{"op": "replace", "path": "emails[type eq]"}])).field.as_deref(), Some("path"));
        assert_eq!(run(&mut doc, json!([{"op": "add", "path": "title"}])).field.as_deref(), Some("value"));
        assert!(apply(&mut doc, &json!({"Operations": []})).unwrap_err().message.contains("PatchOp"));
    }
}
