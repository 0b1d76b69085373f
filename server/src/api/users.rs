//! `/v1/users`: the people of the site (BioStar Air getUsers / createUser / updateUser),
//! one at a time: create, read, update (full and partial), delete.

use crate::audit::Action as AuditAction;
use crate::auth::caller::{OnSite, SourceIp, Via};
use crate::db;
use crate::directory::listing::{self, UserQuery};
use crate::directory::person_create::{self, Created};
use crate::directory::{Actor, audit_fields, lifecycle, outbox, person_read, person_write, pin};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::etag::{check_if_match, etag};
use crate::web::extract::{Path, Query};
use crate::web::json::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proto::api::PinText;
use proto::api::batch::CreatedUser;
use proto::api::credentials::{ComputerUsername, SetComputerUsernames};
use proto::api::user::{NewUser, UserCount, UserPage, UserView};
use proto::domain::person::check_guest;
use proto::domain::{Action, PersonFields, Rank};
use serde_json::json;

/// The site's time zone if `q` filters on a local `since`, the one filter that reads it;
/// otherwise empty (a page is one query fewer).
pub async fn query_time_zone(state: &AppState, site_id: i64, q: &UserQuery) -> sqlx::Result<String> {
    if q.since.is_none() {
        return Ok(String::new());
    }
    crate::sites::time_zone(&state.db, site_id).await
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("user {id}: no such person in this site"))
}

#[utoipa::path(get, path = "/v1/users", tag = "users", security(("session" = []), ("bearer" = [])), params(UserQuery), description = "BioStar Air getUsers: a page of the site's people, filtered and sorted.", responses((status = 200, body = UserPage), (status = 400, description = "a bad filter, named in `field`", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<UserQuery>,
) -> ApiResult<axum::Json<UserPage>> {
    let tz = query_time_zone(&state, account.site_id, &q).await?;
    let mut db = state.db.acquire().await?;
    Ok(axum::Json(listing::page(&mut db, &state.search_samples, account.site_id, &tz, &q).await?))
}

#[utoipa::path(get, path = "/v1/users/count", tag = "users", security(("session" = []), ("bearer" = [])), params(UserQuery), description = "How many people match the listing's filters (its sort and page do not apply).", responses((status = 200, body = UserCount), (status = 400, description = "a bad filter, named in `field`", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn count(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<UserQuery>,
) -> ApiResult<axum::Json<UserCount>> {
    let tz = query_time_zone(&state, account.site_id, &q).await?;
    let mut db = state.db.acquire().await?;
    Ok(axum::Json(UserCount { total: listing::count(&mut db, &state.search_samples, account.site_id, &tz, &q).await? }))
}

/// Creates one person inside its own transaction.
pub async fn create_one(state: &AppState, actor: &Actor, new: NewUser) -> ApiResult<(Created, Option<PinText>)> {
    let requested_pin = new.pin.clone();
    let checked = person_create::check(new)?;
    let hashed = match &requested_pin {
        Some(p) => Some(pin::hash(state, actor.site_id, None, "pin", p.expose()).await?),
        None => None,
    };
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let created =
        person_create::insert(&mut tx, actor, &checked, hashed.as_ref().map(|h| h.hash.as_slice()), None, now).await?;
    tx.commit().await?;
    let generated = hashed.and_then(|h| h.generated).map(|p| PinText::new(p.expose()));
    Ok((created, generated))
}

#[utoipa::path(post, path = "/v1/users", tag = "users", security(("session" = []), ("bearer" = [])), request_body = NewUser, description = "BioStar Air createUser. With a card or a PIN the person starts ACTIVE, else PENDING.", responses((status = 201, body = CreatedUser), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 409, description = "a unique value (user ID, email, username, system_id, card, PIN) is taken", body = crate::error::ErrorBody), (status = 415, description = "not JSON", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody), (status = 503, description = "the device gateway (needed to hash a PIN) cannot be reached", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Json(new): Json<NewUser>,
) -> ApiResult<Response> {
    let actor = Actor::new(&caller, &account, &ip);
    let (created, pin) = create_one(&state, &actor, new).await?;
    let mut db = state.db.acquire().await?;
    let user = person_read::view(&mut db, account.site_id, created.id).await?.ok_or_else(|| not_found(created.id))?;
    let version = user.version;
    let mut response = (StatusCode::CREATED, axum::Json(CreatedUser { user, pin })).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    Ok(response)
}

fn with_etag(user: UserView) -> Response {
    let version = user.version;
    let mut response = axum::Json(user).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    response
}

/// One person as they are now, with their version as the ETag.
pub async fn current(state: &AppState, site_id: i64, id: i64) -> ApiResult<Response> {
    let mut db = state.db.acquire().await?;
    Ok(with_etag(person_read::view(&mut db, site_id, id).await?.ok_or_else(|| not_found(id))?))
}

#[utoipa::path(get, path = "/v1/users/{id}", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), description = "One person with their cards; the ETag is their version. REGULAR people may read only themselves.", responses((status = 200, body = UserView, headers(("ETag" = String, description = "the version, for If-Match"))), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let is_token = matches!(caller.via, Via::ApiToken { .. });
    if !is_token && account.rank < Rank::Admin && account.user_row != id {
        return Err(ApiError::forbidden("REGULAR people may read only their own record"));
    }
    let mut db = state.db.acquire().await?;
    let user = person_read::view(&mut db, account.site_id, id).await?.ok_or_else(|| not_found(id))?;
    Ok(with_etag(user))
}

/// Replaces a person's fields (the credentials and status have their own calls).
pub(crate) async fn write_fields(
    state: &AppState,
    actor: &Actor,
    id: i64,
    headers: &HeaderMap,
    change: impl FnOnce(PersonFields) -> ApiResult<PersonFields>,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    update_fields(&mut tx, actor, id, headers, change, now).await?;
    tx.commit().await?;
    current(state, actor.site_id, id).await
}

/// [`write_fields`] in the caller's write transaction: checks, writes, queues device work
/// and audits.
pub(crate) async fn update_fields(
    tx: &mut db::Conn,
    actor: &Actor,
    id: i64,
    headers: &HeaderMap,
    change: impl FnOnce(PersonFields) -> ApiResult<PersonFields>,
    now: i64,
) -> ApiResult<()> {
    let row = crate::api::user_credentials::load(tx, actor, id).await?;
    let groups = person_read::access_groups(&mut *tx, &[id]).await?.remove(&id).unwrap_or_default();
    let old = row.fields(groups);
    let mut new = change(old.clone())?;
    // A change that is wrong in itself says so before a stale version does.
    new.validate()?;
    check_if_match(headers, row.version)?;
    if new == old {
        // Nothing to write: the version and the audit log stay as they are (an identity
        // provider's PATCH of `active` alone comes here).
        return Ok(());
    }
    check_guest(new.tag, new.access_groups.len(), row.rank())?;
    person_write::update(&mut *tx, id, row.version, &new, None, now).await?;
    if !person_write::same_on_devices(&old, &new) {
        let status = row.status();
        outbox::enqueue(&mut *tx, actor.site_id, id, &row.user_id, status.on_devices(), Some(status), now).await?;
    }
    let (before, after) = audit_fields::changes(&old, &new);
    let entry = actor.entry(AuditAction::UserUpdate).target(&row.user_id).before(before).after(after);
    crate::audit::record(tx, now, entry).await?;
    Ok(())
}

#[utoipa::path(put, path = "/v1/users/{id}", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID"), ("If-Match" = Option<String>, Header, description = "the ETag read; a newer version answers 412")), request_body = PersonFields, description = "BioStar Air updateUser: replaces every field (absent optional fields are cleared).", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "a unique value is taken", body = crate::error::ErrorBody), (status = 412, description = "changed since read (If-Match)", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn replace(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(fields): Json<PersonFields>,
) -> ApiResult<Response> {
    write_fields(&state, &actor, id, &headers, |_| Ok(fields)).await
}

#[utoipa::path(patch, path = "/v1/users/{id}", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID"), ("If-Match" = Option<String>, Header, description = "the ETag read; a newer version answers 412")), request_body(content = Object, description = "JSON merge patch (RFC 7386) of the person's fields: given fields change, `null` clears"), responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "a unique value is taken", body = crate::error::ErrorBody), (status = 412, description = "changed since read (If-Match)", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn patch(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(patch): Json<serde_json::Value>,
) -> ApiResult<Response> {
    if !patch.is_object() {
        return Err(ApiError::bad_request("the body must be a JSON object of the fields to change"));
    }
    write_fields(&state, &actor, id, &headers, |old| {
        let mut merged = serde_json::to_value(old).map_err(|_| ApiError::internal())?;
        merge_patch(&mut merged, patch);
        serde_json::from_value(merged).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.to_string()))
    })
    .await
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
fn merge_patch(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(t), serde_json::Value::Object(p)) => {
            for (key, value) in p {
                if value.is_null() {
                    t.remove(&key);
                } else {
                    merge_patch(t.entry(key).or_insert(serde_json::Value::Null), value);
                }
            }
        }
        (t, p) => *t = p,
    }
}

#[utoipa::path(delete, path = "/v1/users/{id}", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), description = "Deletes a person: their sessions end, the devices are told, their cards stay blocked until every device confirmed; an audit tombstone remains.", responses((status = 204, description = "deleted"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule (e.g. yourself)", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "the last SUPER", body = crate::error::ErrorBody)))]
pub async fn delete(State(state): State<AppState>, actor: Actor, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    delete_one(&mut tx, &actor, id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deletes one person (the lifecycle's rules, device work and audit) in the caller's write
/// transaction.
pub(crate) async fn delete_one(tx: &mut db::Conn, actor: &Actor, id: i64, now: i64) -> ApiResult<()> {
    let row = person_read::row(&mut *tx, actor.site_id, id).await?.ok_or_else(|| not_found(id))?;
    let groups = person_read::access_groups(&mut *tx, &[id]).await?.remove(&id).unwrap_or_default();
    lifecycle::apply(&mut *tx, actor, &row, Action::Delete, now).await?;
    let before = json!({"status": row.status(), "rank": row.rank(), "fields": row.fields(groups)});
    crate::audit::record(tx, now, actor.entry(AuditAction::UserDelete).target(&row.user_id).before(before)).await?;
    Ok(())
}

#[utoipa::path(put, path = "/v1/users/{id}/computer-usernames", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), request_body = SetComputerUsernames, description = "Sets the usernames the person uses at their workstations; an empty list clears them.", responses((status = 200, body = UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_computer_usernames(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    Json(req): Json<SetComputerUsernames>,
) -> ApiResult<Response> {
    let names: Vec<String> = req
        .computer_usernames
        .into_iter()
        .map(|u| match u {
            ComputerUsername::Plain(s) | ComputerUsername::Tagged { computer_username: s } => s,
        })
        .collect();
    write_fields(&state, &actor, id, &headers, |mut f| {
        f.computer_usernames = names;
        Ok(f)
    })
    .await
}
