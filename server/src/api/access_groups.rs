//! `/v1/access-groups` and `/v1/site/sync`: who goes where. See `crate::access_groups`.

use crate::access_groups as groups;
use crate::audit::{self, Action};
use crate::auth::caller::OnSite;
use crate::directory::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use proto::api::access_group::{AccessGroupInput, AccessGroupList, AccessGroupView, SiteSync};

#[utoipa::path(get, path = "/v1/access-groups", tag = "access groups", security(("session" = []), ("bearer" = [])), description = "The site's access groups: the ID the devices know, the name, the devices each covers and how many people are in it.", responses((status = 200, body = AccessGroupList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(State(app): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<Json<AccessGroupList>> {
    Ok(Json(AccessGroupList { access_groups: groups::list(&app.db, account.site_id).await? }))
}

#[utoipa::path(post, path = "/v1/access-groups", tag = "access groups", security(("session" = []), ("bearer" = [])), request_body = AccessGroupInput, description = "Makes an access group (with the next free ID unless one is given). In the site's `groups` sync mode its members go to its devices.", responses((status = 201, body = AccessGroupView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 409, description = "the ID or name is taken", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn create(
    State(app): State<AppState>,
    actor: Actor,
    crate::web::json::Json(input): crate::web::json::Json<AccessGroupInput>,
) -> ApiResult<(StatusCode, Json<AccessGroupView>)> {
    let now = app.clock.now();
    let mut tx = crate::db::write(&app.db).await?;
    let group = groups::create(&mut tx, actor.site_id, &input, now).await?;
    let target = group.group_id.to_string();
    audit::record(&mut tx, now, actor.entry(Action::AccessGroupCreate).target(&target).after(&group)).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(group)))
}

#[utoipa::path(get, path = "/v1/access-groups/{group_id}", tag = "access groups", security(("session" = []), ("bearer" = [])), params(("group_id" = u32, Path, description = "the group's ID")), responses((status = 200, body = AccessGroupView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn get(
    State(app): State<AppState>,
    OnSite(_, account): OnSite,
    Path(group_id): Path<u32>,
) -> ApiResult<Json<AccessGroupView>> {
    let mut conn = app.db.acquire().await?;
    groups::get(&mut conn, account.site_id, group_id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("group_id: no access group {group_id} in this site")))
}

#[utoipa::path(put, path = "/v1/access-groups/{group_id}", tag = "access groups", security(("session" = []), ("bearer" = [])), params(("group_id" = u32, Path, description = "the group's ID")), request_body = AccessGroupInput, description = "Renames the group and sets its devices; members are sent to (or taken off) devices as the sync mode says.", responses((status = 200, body = AccessGroupView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 409, description = "the name is taken", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn update(
    State(app): State<AppState>,
    actor: Actor,
    Path(group_id): Path<u32>,
    crate::web::json::Json(input): crate::web::json::Json<AccessGroupInput>,
) -> ApiResult<Json<AccessGroupView>> {
    let now = app.clock.now();
    let mut tx = crate::db::write(&app.db).await?;
    let (before, after) = groups::update(&mut tx, actor.site_id, group_id, &input, now).await?;
    let target = group_id.to_string();
    audit::record(&mut tx, now, actor.entry(Action::AccessGroupUpdate).target(&target).before(&before).after(&after))
        .await?;
    tx.commit().await?;
    Ok(Json(after))
}

#[utoipa::path(delete, path = "/v1/access-groups/{group_id}", tag = "access groups", security(("session" = []), ("bearer" = [])), params(("group_id" = u32, Path, description = "the group's ID")), description = "Deletes the group; its members lose it, on every device.", responses((status = 204, description = "deleted"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn delete(State(app): State<AppState>, actor: Actor, Path(group_id): Path<u32>) -> ApiResult<StatusCode> {
    let now = app.clock.now();
    let mut tx = crate::db::write(&app.db).await?;
    let before = groups::delete(&mut tx, actor.site_id, group_id, now).await?;
    let target = group_id.to_string();
    audit::record(&mut tx, now, actor.entry(Action::AccessGroupDelete).target(&target).before(&before)).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/site/sync", tag = "access groups", security(("session" = []), ("bearer" = [])), description = "Which devices hold a person: `all` devices of the site (the default) or only the devices of the person's access groups (BioStar 2's automatic user synchronization).", responses((status = 200, body = SiteSync), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn get_sync(State(app): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<Json<SiteSync>> {
    Ok(Json(SiteSync { mode: groups::mode(&app.db, account.site_id).await? }))
}

#[utoipa::path(put, path = "/v1/site/sync", tag = "access groups", security(("session" = [])), request_body = SiteSync, description = "Sets which devices hold a person (SUPER only); everyone is decided again and the resulting additions and removals are queued.", responses((status = 200, body = SiteSync), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set_sync(
    State(app): State<AppState>,
    actor: Actor,
    crate::web::json::Json(input): crate::web::json::Json<SiteSync>,
) -> ApiResult<Json<SiteSync>> {
    let now = app.clock.now();
    let mut tx = crate::db::write(&app.db).await?;
    let before = groups::set_mode(&mut tx, actor.site_id, input.mode, now).await?;
    audit::record(&mut tx, now, actor.entry(Action::SiteSyncMode).before(SiteSync { mode: before }).after(input))
        .await?;
    tx.commit().await?;
    Ok(Json(input))
}
