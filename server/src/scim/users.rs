//! `/scim/v2/Users`: the site's people as SCIM Users — a filtered, sorted page (RFC 7644
//! §3.4.2) and one by ID.

use super::list::{ListQuery, Listing, OneQuery, SearchRequest};
use super::resource::{self, ScimPerson, project, version_tag};
use super::{answer, filter_sql, list, user_input};
use crate::auth::caller::OnSite;
use crate::directory::person_read::VISIBLE;
use crate::directory::{Actor, person_create};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::{Path, Query};
use crate::web::json::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use proto::api::scim_settings::Leavers;
use proto::api::user::NewUser;
use proto::domain::{Action, PersonFields};
use serde_json::{Value, json};
use sqlx::QueryBuilder;

/// People SCIM sees: the directory's, less those an identity provider deleted while the
/// site keeps leavers deactivated.
pub(super) const SCIM_VISIBLE: &str = "u.scim_deleted_at IS NULL";

fn not_found(id: impl std::fmt::Debug) -> ApiError {
    ApiError::not_found(format!("User {id:?}: no such person in this site"))
}

/// The directory ID a User's `id` names (anything else is no such User).
fn row_id(id: &str) -> ApiResult<i64> {
    id.parse().map_err(|_| not_found(id))
}

/// The person SCIM knows by `id`.
pub(super) async fn person(db: &mut crate::db::Conn, site_id: i64, id: i64) -> ApiResult<ScimPerson> {
    let sql = format!(
        "SELECT {} FROM users u WHERE u.id = $1 AND u.site_id = $2 AND {VISIBLE} AND {SCIM_VISIBLE}",
        resource::columns()
    );
    let found = sqlx::query_as(&sql).bind(id).bind(site_id).fetch_optional(&mut *db).await?;
    found.ok_or_else(|| not_found(id.to_string()))
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
    let found = person(&mut db, site_id, id).await?;
    let mut response = answer(status, &project(resource::user(&found), only, except));
    if let Ok(tag) = HeaderValue::from_str(&version_tag(found.person.version)) {
        response.headers_mut().insert(header::ETAG, tag);
    }
    Ok(response)
}

/// The ORDER BY of `sortBy` (default: the directory ID, the order people were created in).
fn order_by(q: &ListQuery, descending: bool) -> ApiResult<String> {
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
    let order = if descending { "DESC" } else { "ASC" };
    Ok(format!("{column} {order}, u.id {order}"))
}

/// The people of `site_id` matching `filter`, selecting `what`.
fn matching<'q>(
    site_id: i64,
    filter: Option<&proto::scim::filter::Filter>,
    what: &str,
) -> ApiResult<QueryBuilder<'q, crate::db::Backend>> {
    let mut b =
        QueryBuilder::new(format!("SELECT {what} FROM users u WHERE {VISIBLE} AND {SCIM_VISIBLE} AND u.site_id = "));
    b.push_bind(site_id);
    if let Some(filter) = filter {
        b.push(" AND ");
        filter_sql::push(&mut b, filter, site_id)?;
    }
    Ok(b)
}

pub async fn list(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<ListQuery>,
) -> ApiResult<Response> {
    page(&state, account.site_id, q).await
}

/// `POST /Users/.search`: a list whose parameters are a body, not a query.
pub async fn search(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Json(r): Json<SearchRequest>,
) -> ApiResult<Response> {
    page(&state, account.site_id, r.into()).await
}

/// A ListResponse of the people matching `q`.
async fn page(state: &AppState, site_id: i64, q: ListQuery) -> ApiResult<Response> {
    let Listing { filter, start, count, descending, only, except } = q.read()?;
    let order = order_by(&q, descending)?;
    let mut db = state.db.acquire().await?;
    let total: i64 = matching(site_id, filter.as_ref(), "count(*)")?
        .build_query_scalar()
        .persistent(true)
        .fetch_one(&mut *db)
        .await?;
    let rows: Vec<ScimPerson> = if count == 0 || start > total {
        vec![]
    } else {
        let mut b = matching(site_id, filter.as_ref(), &resource::columns())?;
        b.push(format!(" ORDER BY {order} LIMIT ")).push_bind(count).push(" OFFSET ").push_bind(start - 1);
        b.build_query_as().persistent(true).fetch_all(&mut *db).await?
    };
    let resources: Vec<serde_json::Value> = rows.iter().map(|p| project(resource::user(p), &only, &except)).collect();
    Ok(answer(StatusCode::OK, &list::response(total, start, resources)))
}

/// One User.
pub async fn one(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<String>,
    Query(q): Query<OneQuery>,
) -> ApiResult<Response> {
    let (only, except) = q.read()?;
    answer_user(&state, account.site_id, row_id(&id)?, StatusCode::OK, &only, &except).await
}

/// `POST /scim/v2/Users`: a new person, through the directory's own creation (its rules,
/// audit and device work); `active: false` makes them a leaver in the same transaction.
pub async fn create(State(state): State<AppState>, actor: Actor, Json(body): Json<Value>) -> ApiResult<Response> {
    let input = user_input::read(&body, PersonFields::default())?;
    let checked = person_create::check(NewUser {
        user_id: None,
        fields: input.fields,
        cards: vec![],
        pin: None,
        allow_duplicates: false,
    })?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let created = person_create::insert(&mut tx, &actor, &checked, None, None, now).await?;
    keep(&mut tx, &actor, created.id, None, input.kept, now).await?;
    if input.active == Some(false) {
        let leaving = leaver_action(&mut tx, actor.site_id).await?;
        crate::api::user_status::apply_one(&mut tx, &actor, created.id, leaving, now).await?;
    }
    tx.commit().await?;
    let mut response = answer_user(&state, actor.site_id, created.id, StatusCode::CREATED, &[], &[]).await?;
    if let Ok(location) = HeaderValue::from_str(&format!("{}/Users/{}", super::BASE, created.id)) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// What `active: false` does in the site: suspend, or deactivate.
async fn leaver_action(tx: &mut crate::db::Conn, site_id: i64) -> ApiResult<Action> {
    Ok(match crate::sites::scim_leavers(tx, site_id).await? {
        Leavers::Suspend => Action::Suspend,
        Leavers::Deactivate => Action::Deactivate,
    })
}

/// Stores the kept enterprise attributes when they changed: a new version (the ETag changes
/// with the User) and an audit row, as for any change of the person.
async fn keep(
    tx: &mut crate::db::Conn,
    actor: &Actor,
    id: i64,
    old: Option<&str>,
    new: Option<String>,
    now: i64,
) -> ApiResult<()> {
    if old == new.as_deref() {
        return Ok(());
    }
    let user_id: String = sqlx::query_scalar(
        "UPDATE users SET scim_extension = $1, version = version + 1, updated_at = $2 WHERE id = $3
         RETURNING user_id",
    )
    .bind(&new)
    .bind(now)
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let as_json = |t: Option<&str>| t.and_then(|t| serde_json::from_str::<Value>(t).ok());
    let entry = actor
        .entry(crate::audit::Action::UserUpdate)
        .target(&user_id)
        .before(json!({ "scim_extension": as_json(old) }))
        .after(json!({ "scim_extension": as_json(new.as_deref()) }));
    crate::audit::record(tx, now, entry).await?;
    Ok(())
}

/// Writes a person from a User document `make` derives from their current one: the fields
/// through the directory's own update (If-Match, rules, device work, audit), the kept
/// enterprise attributes, then `active` through its lifecycle (the site's leaver action, or
/// reactivate), in one transaction.
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
    let current = person(&mut tx, actor.site_id, row_id).await?;
    let doc = make(resource::user(&current))?;
    let row = &current.person;
    let mut said = None;
    crate::api::users::update_fields(
        &mut tx,
        actor,
        row_id,
        headers,
        |old| {
            let mut input = user_input::read(&doc, old)?;
            // The userName shown for a person without a username is their user ID: kept, not
            // turned into a username.
            if row.username.is_none() && input.fields.username.as_deref() == Some(row.user_id.to_lowercase().as_str()) {
                input.fields.username = None;
            }
            let fields = std::mem::take(&mut input.fields);
            said = Some(input);
            Ok(fields)
        },
        now,
    )
    .await?;
    let Some(input) = said else { return Err(ApiError::internal()) };
    keep(&mut tx, actor, row_id, current.scim_extension.as_deref(), input.kept, now).await?;
    let enabled = row.status().enabled();
    match input.active {
        Some(false) if enabled => {
            let leaving = leaver_action(&mut tx, actor.site_id).await?;
            crate::api::user_status::apply_one(&mut tx, actor, row_id, leaving, now).await?
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

/// `DELETE /scim/v2/Users/{id}`: by the site's setting, the directory's deletion (off every
/// device; their cards reusable once every device confirmed) or its deactivation (the record
/// stays, hidden from SCIM). Either way the User is 404 afterwards, as RFC 7644 §3.6 has it.
pub async fn delete(State(state): State<AppState>, actor: Actor, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let row_id = row_id(&id)?;
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let found = person(&mut tx, actor.site_id, row_id).await?;
    match crate::sites::scim_leavers(&mut tx, actor.site_id).await? {
        Leavers::Suspend => crate::api::users::delete_one(&mut tx, &actor, row_id, now).await?,
        Leavers::Deactivate => {
            if found.person.status() != proto::domain::Status::Deactivated {
                crate::api::user_status::apply_one(&mut tx, &actor, row_id, Action::Deactivate, now).await?;
            }
            sqlx::query("UPDATE users SET scim_deleted_at = $1 WHERE id = $2")
                .bind(now)
                .bind(row_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
