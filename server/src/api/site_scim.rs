//! `/v1/site/scim`: the site's SCIM setting — what an identity provider's leaver becomes.

use crate::audit::Action;
use crate::auth::caller::OnSite;
use crate::directory::Actor;
use crate::error::ApiResult;
use crate::sites;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use proto::api::scim_settings::ScimSettings;

#[utoipa::path(get, path = "/v1/site/scim", tag = "scim", security(("session" = []), ("bearer" = [])), description = "What an identity provider's leaver becomes: `suspend` (SCIM `active: false` suspends, `DELETE` deletes; the default) or `deactivate` (both deactivate, the record stays).", responses((status = 200, body = ScimSettings), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn get(State(app): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<Json<ScimSettings>> {
    let mut db = app.db.acquire().await?;
    Ok(Json(ScimSettings { leavers: sites::scim_leavers(&mut db, account.site_id).await? }))
}

#[utoipa::path(put, path = "/v1/site/scim", tag = "scim", security(("session" = [])), request_body = ScimSettings, description = "Sets what an identity provider's leaver becomes (SUPER only); people already provisioned stay as they are.", responses((status = 200, body = ScimSettings), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn set(
    State(app): State<AppState>,
    actor: Actor,
    crate::web::json::Json(input): crate::web::json::Json<ScimSettings>,
) -> ApiResult<Json<ScimSettings>> {
    let now = app.clock.now();
    let mut tx = crate::db::write(&app.db).await?;
    let before = sites::set_scim_leavers(&mut tx, actor.site_id, input.leavers).await?;
    let entry = actor.entry(Action::SiteScimLeavers).before(ScimSettings { leavers: before }).after(input);
    crate::audit::record(&mut tx, now, entry).await?;
    tx.commit().await?;
    Ok(Json(input))
}
