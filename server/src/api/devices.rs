//! The site's devices and how far each agrees with the directory (the sync worker keeps
//! them; see `crate::sync`), a person's place on each device, and the revocations some
//! device still holds.

use crate::audit::{self, Action};
use crate::auth::caller::OnSite;
use crate::directory::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::sync::state;
use axum::Json;
use axum::extract::{Path, Query, State};
use proto::api::device::{DeviceDiff, DeviceList, PersonDevices, Resync, RevocationList};
use serde::Deserialize;

#[utoipa::path(get, path = "/v1/devices", tag = "devices", security(("session" = []), ("bearer" = [])), description = "The site's devices as its gateway last reported them, with what each can scan and its sync state: in sync, pending (how many, the oldest for how long), failing (since when, why) or offline; people it refused; when it was last verified.", responses((status = 200, body = DeviceList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(State(app): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<Json<DeviceList>> {
    Ok(Json(state::devices(&app.db, account.site_id, app.clock.now()).await?))
}

#[utoipa::path(post, path = "/v1/devices/{device_id}/resync", tag = "devices", security(("session" = []), ("bearer" = [])), params(("device_id" = u32, Path, description = "the device ID")), description = "Sends the device everything again: each record it must hold, each removal it may not have made. Progress shows as its pending count.", responses((status = 200, body = Resync), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such device in this site", body = crate::error::ErrorBody)))]
pub async fn resync(State(app): State<AppState>, actor: Actor, Path(device_id): Path<u32>) -> ApiResult<Json<Resync>> {
    let now = app.clock.now();
    let queued = state::resync(&app.db, actor.site_id, device_id, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("device_id: no device {device_id} in this site")))?;
    let target = device_id.to_string();
    audit::record_alone(
        &app.db,
        now,
        actor.entry(Action::DeviceResync).target(&target).after(serde_json::json!({"queued": queued})),
    )
    .await?;
    Ok(Json(Resync { queued }))
}

#[utoipa::path(get, path = "/v1/users/{id}/devices", tag = "devices", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path, description = "the directory ID")), description = "Where the person stands on each device: wanted or not, the version it acknowledged and when, pending work, or why the device cannot hold them.", responses((status = 200, body = PersonDevices), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn person(
    State(app): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<Json<PersonDevices>> {
    state::person(&app.db, account.site_id, id).await?.map(Json).ok_or_else(|| ApiError::not_found("no such person"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RevocationQuery {
    /// At most this many (1 to 500; 100 when absent).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/v1/revocations", tag = "devices", security(("session" = []), ("bearer" = [])), params(RevocationQuery), description = "Everyone suspended, deactivated, deleted or moved off a device whom that device still holds, with the device and for how long, the longest first: a door that may still open for them.", responses((status = 200, body = RevocationList), (status = 400, description = "a bad query", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn revocations(
    State(app): State<AppState>,
    OnSite(_, account): OnSite,
    Query(q): Query<RevocationQuery>,
) -> ApiResult<Json<RevocationList>> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::bad_request(format!("limit: {limit} is outside 1 to 500")).with_field("limit"));
    }
    Ok(Json(state::revocations(&app.db, account.site_id, app.clock.now(), limit).await?))
}

#[utoipa::path(get, path = "/v1/devices/{device_id}/diff", tag = "devices", security(("session" = []), ("bearer" = [])), params(("device_id" = u32, Path, description = "the device ID")), description = "The device read back now and compared with the directory: who is missing, who is there and should not be (or is unknown to the directory), and whose record differs (name, validity, authentication settings, cards, access groups, PIN, how many fingerprints and faces). Nothing is changed.", responses((status = 200, body = DeviceDiff), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such device in this site", body = crate::error::ErrorBody), (status = 503, description = "the device or its gateway cannot be reached, or another read-back or diff kept it waiting for 30 s", body = crate::error::ErrorBody)))]
pub async fn diff(
    State(app): State<AppState>,
    OnSite(_, account): OnSite,
    Path(device_id): Path<u32>,
) -> ApiResult<Json<DeviceDiff>> {
    let site_id = account.site_id;
    let (row, capacity) = state::device(&app.db, site_id, device_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("device_id: no device {device_id} in this site")))?;
    let channel = app.gateways.channel(site_id)?;
    let Some(_turn) = crate::sync::verify::diff_turn().await else {
        return Err(ApiError::new(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "a device is being read back (a periodic check or another diff); try this diff again in a minute",
        ));
    };
    let found = crate::sync::verify::compare(&app.db, &channel, site_id, row, device_id, capacity, true)
        .await
        .map_err(|e| {
            tracing::info!(device_id, error = %e, "diff: the device could not be read");
            ApiError::new(
                axum::http::StatusCode::SERVICE_UNAVAILABLE,
                format!("device {device_id} cannot be read now; try again when it is connected"),
            )
        })?;
    Ok(Json(found.view(device_id)))
}
