//! `/v1/users/{id}/photo`: a JPEG or PNG of at most 16 KiB, uploaded as the raw body and
//! checked by its bytes. Devices that show photos get it with the person's record.

use crate::api::user_credentials::{load, not_found};
use crate::audit::Action;
use crate::auth::caller::{OnSite, SourceIp};
use crate::db;
use crate::directory::{Actor, outbox, person_read, person_write};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proto::domain::photo::check_photo;
use serde_json::json;

#[utoipa::path(get, path = "/v1/users/{id}/photo", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 200, description = "the photo", content_type = "image/jpeg"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "no such person, or no photo", body = crate::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let photo = person_read::photo(&mut *state.db.acquire().await?, account.site_id, id).await?;
    let bytes =
        photo.ok_or_else(|| not_found(id))?.ok_or_else(|| ApiError::not_found(format!("user {id}: has no photo")))?;
    let kind = check_photo("photo", &bytes)?;
    Ok(([(header::CONTENT_TYPE, kind.content_type())], bytes).into_response())
}

async fn store(state: &AppState, actor: &Actor, id: i64, photo: Option<&[u8]>) -> ApiResult<()> {
    let now = state.clock.now();
    let mut tx = db::write(&state.db).await?;
    let row = load(&mut tx, actor, id).await?;
    person_write::set_photo(&mut tx, id, photo, now).await?;
    let status = row.status();
    outbox::enqueue(&mut tx, actor.site_id, id, &row.user_id, status.on_devices(), Some(status), now).await?;
    let after = json!({"photo_bytes": photo.map(<[u8]>::len)});
    crate::audit::record(&mut tx, now, actor.entry(Action::UserPhoto).target(&row.user_id).after(after)).await?;
    tx.commit().await?;
    Ok(())
}

#[utoipa::path(put, path = "/v1/users/{id}/photo", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), request_body(content = Vec<u8>, content_type = "image/jpeg", description = "a JPEG or PNG of at most 16 KiB (Content-Type image/jpeg or image/png)"), responses((status = 200, body = proto::api::user::UserView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody), (status = 415, description = "not image/jpeg or image/png", body = crate::error::ErrorBody), (status = 422, description = "too large, or not the image it claims", body = crate::error::ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<i64>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if declared != "image/jpeg" && declared != "image/png" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Content-Type: a photo is image/jpeg or image/png",
        ));
    }
    let kind = check_photo("photo", &body)?;
    if kind.content_type() != declared {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("photo: the bytes are {}, not {declared}", kind.content_type()),
        )
        .with_field("photo"));
    }
    store(&state, &actor, id, Some(&body)).await?;
    crate::api::users::current(&state, actor.site_id, id).await
}

#[utoipa::path(delete, path = "/v1/users/{id}/photo", tag = "users", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 204, description = "removed"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    store(&state, &Actor::new(&caller, &account, &ip), id, None).await?;
    Ok(StatusCode::NO_CONTENT)
}
