//! `/scim/v2/Groups`: the site's access groups as SCIM Groups (`id` is the group ID the
//! devices know, `displayName` its name, `members` the people in it). A group is made,
//! renamed and deleted through `crate::access_groups`; a member added or removed is a change
//! of that person's access groups through the directory's own update (rules, audit, device
//! work), in the request's one transaction. A group's devices are set in the console.

use super::list::{ListQuery, Listing, OneQuery, SearchRequest};
use super::resource::{GROUP, project};
use super::users::SCIM_VISIBLE;
use super::{BASE, answer, list};
use crate::access_groups as groups;
use crate::audit::{self, Action};
use crate::auth::caller::OnSite;
use crate::clock::rfc3339;
use crate::directory::Actor;
use crate::directory::person_read::VISIBLE;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::json::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use proto::api::access_group::AccessGroupInput;
use proto::scim::filter::{Filter, parse_path};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, sqlx::FromRow)]
struct GroupRow {
    group_id: i64,
    name: String,
    scim_external_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

/// A member: their directory ID.
type Member = i64;

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Group {id:?}: no such access group in this site"))
}

fn invalid(message: String) -> ApiError {
    ApiError::bad_request(message).with_field("value")
}

/// The group ID a Group's `id` names (anything else is no such Group).
fn group_id(id: &str) -> ApiResult<u32> {
    id.parse().map_err(|_| not_found(id))
}

async fn rows(db: &mut crate::db::Conn, site_id: i64, only: Option<u32>) -> sqlx::Result<Vec<GroupRow>> {
    sqlx::query_as(
        "SELECT group_id, name, scim_external_id, created_at, updated_at FROM access_groups
         WHERE site_id = $1 AND ($2 IS NULL OR group_id = $2) ORDER BY group_id",
    )
    .bind(site_id)
    .bind(only.map(i64::from))
    .fetch_all(db)
    .await
}

/// The members of the site's groups (or of one), by group ID, in directory-ID order.
async fn members(
    db: &mut crate::db::Conn,
    site_id: i64,
    only: Option<u32>,
) -> sqlx::Result<BTreeMap<i64, Vec<Member>>> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(&format!(
        "SELECT uag.group_id, u.id FROM user_access_groups uag JOIN users u ON u.id = uag.user_row
         WHERE u.site_id = $1 AND ($2 IS NULL OR uag.group_id = $2) AND {VISIBLE} AND {SCIM_VISIBLE}
         ORDER BY uag.group_id, u.id"
    ))
    .bind(site_id)
    .bind(only.map(i64::from))
    .fetch_all(db)
    .await?;
    let mut out: BTreeMap<i64, Vec<Member>> = BTreeMap::new();
    for (group, id) in rows {
        out.entry(group).or_default().push(id);
    }
    Ok(out)
}

/// A group as a SCIM Group; `members` when they were read.
fn group(g: &GroupRow, members: Option<&[Member]>) -> Value {
    let mut doc = json!({
        "schemas": [GROUP],
        "id": g.group_id.to_string(),
        "displayName": g.name,
        "meta": {
            "resourceType": "Group",
            "created": rfc3339(g.created_at),
            "lastModified": rfc3339(g.updated_at),
            "location": format!("{BASE}/Groups/{}", g.group_id),
        },
    });
    if let Some(external) = &g.scim_external_id {
        doc["externalId"] = json!(external);
    }
    // value, $ref and type: the members of RFC 7643 §8.7.1 (no `display`, which the schema
    // does not define).
    if let Some(members) = members.filter(|m| !m.is_empty()) {
        doc["members"] = members
            .iter()
            .map(|id| json!({ "value": id.to_string(), "$ref": format!("{BASE}/Users/{id}"), "type": "User" }))
            .collect();
    }
    doc
}

pub async fn list(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    page(&state, account.site_id, q).await
}

/// `POST /Groups/.search`.
pub async fn search(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Json(r): Json<SearchRequest>,
) -> ApiResult<Response> {
    page(&state, account.site_id, r.into()).await
}

/// A site has few access groups (devices take a few thousand at most): they are matched,
/// sorted and paged here. Members are read only when shown or filtered on.
async fn page(state: &AppState, site_id: i64, q: ListQuery) -> ApiResult<Response> {
    let Listing { filter, start, count, descending, only, except } = q.read()?;
    let by_name = match q.sort_by.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("id") => false,
        Some("displayname") => true,
        Some(other) => {
            return Err(invalid(format!("sortBy: {other:?} is not sortable (id, displayName)")));
        }
    };
    let filtered_on_members = filter.as_ref().is_some_and(names_members);
    let shown = !except.iter().any(|(n, s)| n == "members" && s.is_none())
        && (only.is_empty() || only.iter().any(|(n, _)| n == "members"));
    let mut db = state.db.acquire().await?;
    let all = rows(&mut db, site_id, None).await?;
    let members = if shown || filtered_on_members { Some(members(&mut db, site_id, None).await?) } else { None };
    let of = |g: &GroupRow| members.as_ref().map(|m| m.get(&g.group_id).map_or(&[][..], Vec::as_slice));
    let mut hits: Vec<(&GroupRow, Value)> = all
        .iter()
        .map(|g| (g, group(g, of(g))))
        .filter(|(_, doc)| filter.as_ref().is_none_or(|f| super::patch::matches(f, doc)))
        .collect();
    if by_name {
        hits.sort_by_key(|(g, _)| (g.name.to_lowercase(), g.group_id));
    }
    if descending {
        hits.reverse();
    }
    let total = hits.len() as i64;
    let skip = usize::try_from(start - 1).unwrap_or(usize::MAX);
    let take = usize::try_from(count).unwrap_or(0);
    let resources: Vec<Value> = hits
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|(g, doc)| {
            let doc = if shown { doc } else { group(g, None) };
            project(doc, &only, &except)
        })
        .collect();
    Ok(answer(StatusCode::OK, &list::response(total, start, resources)))
}

/// Whether a filter reads `members` (so they must be read to match it).
fn names_members(filter: &Filter) -> bool {
    match filter {
        Filter::And(l, r) | Filter::Or(l, r) => names_members(l) || names_members(r),
        Filter::Not(inner) => names_members(inner),
        Filter::Present(attr) | Filter::Compare(attr, ..) | Filter::Values(attr, _) => {
            attr.name.eq_ignore_ascii_case("members")
        }
    }
}

/// One Group, as it is now.
async fn answer_group(state: &AppState, site_id: i64, id: u32, status: StatusCode) -> ApiResult<Response> {
    let mut db = state.db.acquire().await?;
    let row = rows(&mut db, site_id, Some(id)).await?.pop().ok_or_else(|| not_found(&id.to_string()))?;
    let members = members(&mut db, site_id, Some(id)).await?.remove(&row.group_id).unwrap_or_default();
    let mut response = answer(status, &group(&row, Some(&members)));
    if status == StatusCode::CREATED
        && let Ok(location) = HeaderValue::from_str(&format!("{BASE}/Groups/{id}"))
    {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

pub async fn one(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Response> {
    let (only, except) = q.read()?;
    let id = group_id(&id)?;
    let mut db = state.db.acquire().await?;
    let row = rows(&mut db, account.site_id, Some(id)).await?.pop().ok_or_else(|| not_found(&id.to_string()))?;
    let hidden = except.iter().any(|(n, s)| n == "members" && s.is_none());
    let members = if hidden { None } else { members(&mut db, account.site_id, Some(id)).await?.remove(&row.group_id) };
    Ok(answer(StatusCode::OK, &project(group(&row, Some(members.as_deref().unwrap_or_default())), &only, &except)))
}

/// A `displayName` as given.
fn display_name(value: &Value) -> ApiResult<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        other => Err(invalid(format!("displayName: {other} is not a name"))),
    }
}

/// The directory IDs a `members` value names: a list of `{"value": "<id>"}`.
fn member_ids(value: &Value) -> ApiResult<BTreeSet<i64>> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        other => return Err(invalid(format!("members: {other} is not a list of members"))),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let v = item.as_object().and_then(|m| m.iter().find(|(k, _)| k.eq_ignore_ascii_case("value")));
            match v.map(|(_, v)| v) {
                Some(Value::String(s)) => s.trim().parse().ok(),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| invalid(format!("members[{i}].value: a User's id is required")))
        })
        .collect()
}

/// Puts people in or out of group `group`, each through the directory's update.
async fn set_membership(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    group: u32,
    people: impl IntoIterator<Item = i64>,
    member: bool,
    now: i64,
) -> ApiResult<()> {
    for id in people {
        super::users::person(tx, actor.site_id, id).await.map_err(|e| {
            if e.status == StatusCode::NOT_FOUND {
                invalid(format!("members: no User \"{id}\" in this site"))
            } else {
                e
            }
        })?;
        crate::api::users::update_fields(
            tx,
            actor,
            id,
            &HeaderMap::new(),
            |mut fields| {
                // Unchanged when already so: no write, no audit entry.
                if !member {
                    fields.access_groups.retain(|g| *g != group);
                } else if !fields.access_groups.contains(&group) {
                    fields.access_groups.push(group);
                }
                Ok(fields)
            },
            now,
        )
        .await?;
    }
    Ok(())
}

/// Makes the group's members exactly `want`.
async fn set_members(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    group: u32,
    want: &BTreeSet<i64>,
    now: i64,
) -> ApiResult<()> {
    let have: BTreeSet<i64> = current_members(tx, actor.site_id, group).await?;
    set_membership(tx, actor, group, have.difference(want).copied(), false, now).await?;
    set_membership(tx, actor, group, want.difference(&have).copied(), true, now).await
}

async fn current_members(tx: &mut crate::db::Conn, site_id: i64, group: u32) -> ApiResult<BTreeSet<i64>> {
    let members = members(tx, site_id, Some(group)).await?.remove(&i64::from(group)).unwrap_or_default();
    Ok(members.into_iter().collect())
}

/// Renames a group (its devices stay), audited.
async fn rename(tx: &mut crate::db::Conn, actor: &Actor, id: u32, name: String, now: i64) -> ApiResult<()> {
    let view = groups::get(tx, actor.site_id, id).await?.ok_or_else(|| not_found(&id.to_string()))?;
    if view.name == name {
        return Ok(());
    }
    let input = AccessGroupInput { group_id: None, name, devices: view.devices };
    let (before, after) = groups::update(tx, actor.site_id, id, &input, now).await?;
    let target = id.to_string();
    audit::record(tx, now, actor.entry(Action::AccessGroupUpdate).target(&target).before(&before).after(&after))
        .await?;
    Ok(())
}

/// An `externalId` as given (absent or null: none).
fn external_id(value: Option<&Value>) -> ApiResult<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > MAX_EXTERNAL_ID_CHARS => {
            Err(invalid(format!("externalId: {} characters, at most {MAX_EXTERNAL_ID_CHARS}", s.chars().count())))
        }
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        Some(other) => Err(invalid(format!("externalId: {other} is not a string"))),
    }
}

/// Longest group `externalId`, in characters.
const MAX_EXTERNAL_ID_CHARS: usize = 256;

/// Keeps the identity provider's ID of the group, audited when it changes.
async fn set_external_id(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    id: u32,
    external: Option<String>,
    now: i64,
) -> ApiResult<()> {
    let before: Option<String> =
        sqlx::query_scalar("SELECT scim_external_id FROM access_groups WHERE site_id = $1 AND group_id = $2")
            .bind(actor.site_id)
            .bind(i64::from(id))
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| not_found(&id.to_string()))?;
    if before == external {
        return Ok(());
    }
    sqlx::query("UPDATE access_groups SET scim_external_id = $1, updated_at = $2 WHERE site_id = $3 AND group_id = $4")
        .bind(&external)
        .bind(now)
        .bind(actor.site_id)
        .bind(i64::from(id))
        .execute(&mut *tx)
        .await?;
    let target = id.to_string();
    let entry = actor
        .entry(Action::AccessGroupUpdate)
        .target(&target)
        .before(json!({ "scim_external_id": before }))
        .after(json!({ "scim_external_id": external }));
    audit::record(tx, now, entry).await?;
    Ok(())
}

/// What a whole Group (`POST`, `PUT`) says: its name, external ID and members.
fn whole(body: &Value) -> ApiResult<(String, Option<String>, BTreeSet<i64>)> {
    let name = display_name(body.get("displayName").unwrap_or(&Value::Null))?;
    let members = body.get("members").filter(|m| !m.is_null()).map(member_ids).transpose()?.unwrap_or_default();
    Ok((name, external_id(body.get("externalId"))?, members))
}

/// `POST /Groups`: a new access group (the next free ID, no devices yet) with its members.
pub async fn create(State(state): State<AppState>, actor: Actor, Json(body): Json<Value>) -> ApiResult<Response> {
    let (name, external, members) = whole(&body)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let input = AccessGroupInput { group_id: None, name, devices: vec![] };
    let made = groups::create(&mut tx, actor.site_id, &input, now).await?;
    let target = made.group_id.to_string();
    audit::record(&mut tx, now, actor.entry(Action::AccessGroupCreate).target(&target).after(&made)).await?;
    set_external_id(&mut tx, &actor, made.group_id, external, now).await?;
    set_membership(&mut tx, &actor, made.group_id, members, true, now).await?;
    tx.commit().await?;
    answer_group(&state, actor.site_id, made.group_id, StatusCode::CREATED).await
}

/// `PUT /Groups/{id}`: the name and the members replaced.
pub async fn replace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    let id = group_id(&id)?;
    let (name, external, members) = whole(&body)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    rename(&mut tx, &actor, id, name, now).await?;
    set_external_id(&mut tx, &actor, id, external, now).await?;
    set_members(&mut tx, &actor, id, &members, now).await?;
    tx.commit().await?;
    answer_group(&state, actor.site_id, id, StatusCode::OK).await
}

/// `PATCH /Groups/{id}`: `displayName` replaced; `members` added, removed (by a value list,
/// by `members[value eq "…"]`, or all) or replaced, as Okta and Entra ID send them. Answers
/// 204 (RFC 7644 §3.5.2): a large group's members are not sent back for each change.
pub async fn patch(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> ApiResult<StatusCode> {
    let id = group_id(&id)?;
    let operations = super::patch::operations(&body)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    if groups::get(&mut tx, actor.site_id, id).await?.is_none() {
        return Err(not_found(&id.to_string()));
    }
    for (i, operation) in operations.iter().enumerate() {
        let op = operation.get("op").and_then(Value::as_str).unwrap_or_default().to_ascii_lowercase();
        let value = operation.get("value").filter(|v| !v.is_null());
        let path = operation.get("path").and_then(Value::as_str).map(str::trim).filter(|p| !p.is_empty());
        let bad_path = |what: String| ApiError::bad_request(format!("Operations[{i}].path: {what}")).with_field("path");
        match (op.as_str(), path) {
            ("add" | "replace", None) => {
                let Some(Value::Object(values)) = value else {
                    return Err(invalid(format!("Operations[{i}].value: without a path, an object of attributes")));
                };
                for (key, v) in values {
                    match key.to_ascii_lowercase().as_str() {
                        "displayname" => rename(&mut tx, &actor, id, display_name(v)?, now).await?,
                        "members" if op == "add" => {
                            set_membership(&mut tx, &actor, id, member_ids(v)?, true, now).await?
                        }
                        "members" => set_members(&mut tx, &actor, id, &member_ids(v)?, now).await?,
                        "externalid" => set_external_id(&mut tx, &actor, id, external_id(Some(v))?, now).await?,
                        // Okta repeats the id; nothing else is kept for a group.
                        "id" | "schemas" | "meta" => {}
                        other => {
                            return Err(invalid(format!(
                                "Operations[{i}].value: {other:?} is not an attribute of a Group"
                            )));
                        }
                    }
                }
            }
            (op @ ("add" | "replace" | "remove"), Some(text)) => {
                let target = parse_path(text).map_err(|e| bad_path(e.to_string()))?;
                let on = |name: &str| target.attr.name.eq_ignore_ascii_case(name) && target.attr.sub.is_none();
                match op {
                    _ if on("displayName") && op != "remove" => {
                        let v = value.ok_or_else(|| invalid(format!("Operations[{i}]: {op} needs a value")))?;
                        rename(&mut tx, &actor, id, display_name(v)?, now).await?
                    }
                    _ if on("externalId") => {
                        let v = if op == "remove" { None } else { value };
                        set_external_id(&mut tx, &actor, id, external_id(v)?, now).await?
                    }
                    _ if on("displayName") => {
                        return Err(super::patch::immutable(format!(
                            "Operations[{i}]: displayName is required; it can be replaced, not removed"
                        )));
                    }
                    _ if on("id") || target.attr.name.eq_ignore_ascii_case("meta") => {
                        return Err(super::patch::immutable(format!("Operations[{i}]: {text} is read-only")));
                    }
                    _ if !on("members") || target.sub.is_some() => {
                        return Err(bad_path(format!("{text:?}: a Group's displayName, externalId or members")));
                    }
                    "add" | "replace" => {
                        let v = value.ok_or_else(|| invalid(format!("Operations[{i}]: {op} needs a value")))?;
                        if target.filter.is_some() {
                            return Err(bad_path(format!("{text:?}: members are added by value, not by filter")));
                        }
                        if op == "add" {
                            set_membership(&mut tx, &actor, id, member_ids(v)?, true, now).await?
                        } else {
                            set_members(&mut tx, &actor, id, &member_ids(v)?, now).await?
                        }
                    }
                    _ => {
                        // remove: those a filter picks, those the value lists, or everyone.
                        let have = current_members(&mut tx, actor.site_id, id).await?;
                        let gone: BTreeSet<i64> = match (&target.filter, value) {
                            (Some(filter), _) => have
                                .iter()
                                .copied()
                                .filter(|m| super::patch::matches(filter, &json!({ "value": m.to_string() })))
                                .collect(),
                            (None, Some(v)) => member_ids(v)?,
                            (None, None) => have.clone(),
                        };
                        set_membership(&mut tx, &actor, id, have.intersection(&gone).copied(), false, now).await?
                    }
                }
            }
            _ => {
                return Err(ApiError::bad_request(format!("Operations[{i}].op: {op:?} is not add, replace or remove")));
            }
        }
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /Groups/{id}`: the access group deleted; its members lose it on every device.
pub async fn delete(State(state): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id = group_id(&id)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let before = groups::delete(&mut tx, actor.site_id, id, now)
        .await
        .map_err(|e| if e.status == StatusCode::NOT_FOUND { not_found(&id.to_string()) } else { e })?;
    let target = id.to_string();
    audit::record(&mut tx, now, actor.entry(Action::AccessGroupDelete).target(&target).before(&before)).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
