//! `/scim/v2/Users`: the site's people as SCIM Users — a filtered, sorted page (RFC 7644
//! §3.4.2) and one by ID.

use super::resource::{self, parse_attribute_list, project, version_tag};
use super::{answer, filter_sql, user_input};
use crate::auth::caller::OnSite;
use crate::directory::person_read::{self, COLUMNS, PersonRow, VISIBLE};
use crate::directory::{Actor, person_create};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::json::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use proto::api::user::NewUser;
use proto::domain::{Action, PersonFields};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::QueryBuilder;

/// Most Users a page holds (`count` above it is lowered to it, as RFC 7644 §3.4.2.4 allows).
pub const MAX_COUNT: u32 = proto::api::user::MAX_PAGE;
/// Users a page holds when `count` is not given.
pub const DEFAULT_COUNT: u32 = 100;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    filter: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

fn not_found(id: impl std::fmt::Debug) -> ApiError {
    ApiError::not_found(format!("User {id:?}: no such person in this site"))
}

/// The directory ID a User's `id` names (anything else is no such User).
fn row_id(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| not_found(id))
}

/// A person as a User, as they are now, with their version as the ETag; `only`/`except`
/// as [`project`] takes them.
async fn answer_user(
    state: &AppState,
    site_id: i64,
    id: i64,
    status: StatusCode,
    only: &[(String, Option<String>)],
    except: &[(String, Option<String>)],
) -> ApiResult<Response> {
    let mut db = state.db.acquire().await?;
    let person = person_read::row(&mut db, site_id, id).await?.ok_or_else(|| not_found(id.to_string()))?;
    let mut response = answer(status, &project(resource::user(&person), only, except));
    if let Ok(tag) = HeaderValue::from_str(&version_tag(person.version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    Ok(response)
}

/// The ORDER BY of `sortBy` (default: the directory ID, the order people were created in).
fn order_by(q: &ListQuery) -> ApiResult<String> {
    let column = match q.sort_by.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("id") => "u.id",
        Some("username") => filter_sql::USER_NAME,
        Some("externalid") => "u.system_id",
        Some("name.familyname") => "lower(u.last_name)",
        Some("name.givenname") => "lower(u.first_name)",
        Some("name.formatted" | "displayname") => "lower(u.name)",
        Some("title") => "lower(u.title)",
        Some("meta.created") => "u.created_at",
        Some("meta.lastmodified") => "u.updated_at",
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "sortBy: {other:?} is not sortable (userName, externalId, id, name.familyName, name.givenName, displayName, title, meta.created, meta.lastModified)"
            ))
            .with_field("value"));
        }
    };
    let order = match q.sort_order.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("ascending") => "ASC",
        Some("descending") => "DESC",
        Some(other) => {
            return Err(ApiError::bad_request(format!("sortOrder: {other:?} is neither ascending nor descending"))
                .with_field("value"));
        }
    };
    Ok(format!("{column} {order}, u.id {order}"))
}

/// The people of `site_id` matching `filter`, selecting `what`.
fn matching<'q>(
    site_id: i64,
    filter: Option<&proto::scim::filter::Filter>,
    what: &str,
) -> ApiResult<QueryBuilder<'q, crate::db::Backend>> {
    let mut b = QueryBuilder::new(format!("SELECT {what} FROM users u WHERE {VISIBLE} AND u.site_id = "));
    b.push_bind(site_id);
    if let Some(filter) = filter {
        b.push(" AND ");
        filter_sql::push(&mut b, filter)?;
    }
    Ok(b)
}

pub async fn list(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    let filter = match q.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(text) => Some(
            proto::scim::filter::parse_filter(text)
                .map_err(|e| ApiError::bad_request(format!("filter: {e}")).with_field("filter"))?,
        ),
        None => None,
    };
    let order = order_by(&q)?;
    // 1-based; below 1 means 1 (RFC 7644 §3.4.2.4). A count below 0 means 0.
    let start = q.start_index.unwrap_or(1).max(1);
    let count = q.count.unwrap_or(i64::from(DEFAULT_COUNT)).clamp(0, i64::from(MAX_COUNT));
    let only = parse_attribute_list(q.attributes.as_deref())?;
    let except = parse_attribute_list(q.excluded_attributes.as_deref())?;

    let mut db = state.db.acquire().await?;
    let total: i64 = matching(account.site_id, filter.as_ref(), "count(*)")?
        .build_query_scalar()
        .persistent(true)
        .fetch_one(&mut *db)
        .await?;
    let rows: Vec<PersonRow> = if count == 0 || start > total {
        vec![]
    } else {
        let mut b = matching(account.site_id, filter.as_ref(), COLUMNS)?;
        b.push(format!(" ORDER BY {order} LIMIT ")).push_bind(count).push(" OFFSET ").push_bind(start - 1);
        b.build_query_as().persistent(true).fetch_all(&mut *db).await?
    };
    let resources: Vec<serde_json::Value> = rows.iter().map(|p| project(resource::user(p), &only, &except)).collect();
    Ok(answer(
        StatusCode::OK,
        &json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": total,
            "startIndex": start,
            "itemsPerPage": resources.len(),
            "Resources": resources,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneQuery {
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

/// One User.
pub async fn one(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Response> {
    let only = parse_attribute_list(q.attributes.as_deref())?;
    let except = parse_attribute_list(q.excluded_attributes.as_deref())?;
    answer_user(&state, account.site_id, row_id(&id)?, StatusCode::OK, &only, &except).await
}

/// `POST /scim/v2/Users`: a new person, through the directory's own creation (its rules,
/// audit and device work); `active: false` suspends them in the same transaction.
pub async fn create(State(state): State<AppState>, actor: Actor, Json(body): Json<Value>) -> ApiResult<Response> {
    let (fields, active) = user_input::read(&body, PersonFields::default())?;
    let checked =
        person_create::check(NewUser { user_id: None, fields, cards: vec![], pin: None, allow_duplicates: false })?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let created = person_create::insert(&mut tx, &actor, &checked, None, None, now).await?;
    if active == Some(false) {
        crate::api::user_status::apply_one(&mut tx, &actor, created.id, Action::Suspend, now).await?;
    }
    tx.commit().await?;
    let mut response = answer_user(&state, actor.site_id, created.id, StatusCode::CREATED, &[], &[]).await?;
    if let Ok(location) = HeaderValue::from_str(&format!("{}/Users/{}", super::BASE, created.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// Writes a person from a User document `make` derives from their current one: the fields
/// through the directory's own update (If-Match, rules, device work, audit), then `active`
/// through its lifecycle (suspend, or reactivate), in one transaction.
async fn write_user(
    state: &AppState,
    actor: &Actor,
    id: &str,
    headers: &HeaderMap,
    make: impl FnOnce(Value) -> ApiResult<Value>,
) -> ApiResult<Response> {
    let row_id = row_id(id)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let row = person_read::row(&mut tx, actor.site_id, row_id).await?.ok_or_else(|| not_found(id))?;
    let doc = make(resource::user(&row))?;
    let mut active = None;
    crate::api::users::update_fields(
        &mut tx,
        actor,
        row_id,
        headers,
        |old| {
            let (mut fields, said) = user_input::read(&doc, old)?;
            // The userName shown for a person without a username is their user ID: kept, not
            // turned into a username.
            if row.username.is_none() && fields.username.as_deref() == Some(row.user_id.to_lowercase().as_str()) {
                fields.username = None;
            }
            active = said;
            Ok(fields)
        },
        now,
    )
    .await?;
    let enabled = row.status().enabled();
    match active {
        Some(false) if enabled => {
            crate::api::user_status::apply_one(&mut tx, actor, row_id, Action::Suspend, now).await?
        }
        Some(true) if !enabled => {
            crate::api::user_status::apply_one(&mut tx, actor, row_id, Action::Reactivate, now).await?
        }
        _ => {}
    }
    tx.commit().await?;
    answer_user(state, actor.site_id, row_id, StatusCode::OK, &[], &[]).await
}

/// `PUT /scim/v2/Users/{id}`: replaces what SCIM carries (attributes it does not carry, such
/// as cards and access groups, stay).
pub async fn replace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    write_user(&state, &actor, &id, &headers, |_| Ok(body)).await
}

/// `PATCH /scim/v2/Users/{id}`: a PatchOp applied to the person's User document.
pub async fn patch(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> ApiResult<Response> {
    write_user(&state, &actor, &id, &headers, |mut doc| {
        let shown = doc.get("displayName").cloned();
        super::patch::apply(&mut doc, &body)?;
        // displayName and name.formatted are one field here: a change to either is the name.
        if doc.get("displayName") != shown.as_ref()
            && let (Some(name), Some(Value::Object(n))) = (doc.get("displayName").cloned(), doc.get_mut("name"))
        {
            n.insert("formatted".into(), name);
        }
        Ok(doc)
    })
    .await
}

/// `DELETE /scim/v2/Users/{id}`: the directory's deletion (off every device; their cards
/// reusable once every device confirmed). Afterwards the User is 404, as RFC 7644 §3.6 has it.
pub async fn delete(State(state): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let row_id = row_id(&id)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    crate::api::users::delete_one(&mut tx, &actor, row_id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
