//! `POST /v1/users/search`: BioStar Air's search, `{filters: [{field, equals}]}` → `{users}`.
//! Each filter is one of the listing's exact filters; they all must hold.

use crate::api::users::query_time_zone;
use crate::auth::caller::OnSite;
use crate::directory::listing::{self, UserQuery};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::json::Json;
use axum::extract::State;
use proto::api::batch::{SearchFilter, SearchRequest};
use proto::api::user::UserPage;
use proto::domain::{Status, Tag};

fn text(f: &SearchFilter, i: usize) -> ApiResult<String> {
    match &f.equals {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        _ => Err(ApiError::bad_request(format!("filters[{i}].equals: give a string or a number"))
            .with_field(format!("filters[{i}].equals"))),
    }
}

/// A filter's value of a closed set, case-insensitive (BioStar Air sends `active`).
fn closed<T>(f: &SearchFilter, i: usize, parse: fn(&str) -> Option<T>, allowed: &str) -> ApiResult<T> {
    let value = text(f, i)?;
    parse(&value.to_uppercase()).ok_or_else(|| {
        ApiError::bad_request(format!("filters[{i}].equals: {value:?} is not {allowed}"))
            .with_field(format!("filters[{i}].equals"))
    })
}

fn query(req: &SearchRequest) -> ApiResult<UserQuery> {
    let mut q = UserQuery { limit: req.limit, offset: req.offset, ..Default::default() };
    for (i, f) in req.filters.iter().enumerate() {
        let value = Some(text(f, i)?);
        match f.field.as_str() {
            "email" => q.email = value,
            "user_id" => q.user_id = value,
            "name" => q.name = value,
            "status" => q.status = Some(closed(f, i, Status::parse, "PENDING, ACTIVE, SUSPENDED or DEACTIVATED")?),
            "tag" => q.tag = Some(closed(f, i, Tag::parse, "USER or GUEST")?),
            "username" => q.username_prefix = value.map(|v| v.to_lowercase()),
            "system_id" => q.system_id = value,
            "search" => q.search = value,
            "id" => {
                let id = text(f, i)?.parse::<i64>().map_err(|_| {
                    ApiError::bad_request(format!("filters[{i}].equals: an id is a number"))
                        .with_field(format!("filters[{i}].equals"))
                })?;
                q.id = Some(id);
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "filters[{i}].field: {other:?} is not one of email, id, user_id, name, status, tag, username, system_id, search"
                ))
                .with_field(format!("filters[{i}].field")));
            }
        }
    }
    Ok(q)
}

#[utoipa::path(post, path = "/v1/users/search", tag = "users", security(("session" = []), ("bearer" = [])), request_body = SearchRequest, description = "BioStar Air search: every filter must hold.", responses((status = 200, body = UserPage), (status = 400, description = "an unknown field or a bad value, named in `field`", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    OnSite(_, account): OnSite,
    Json(req): Json<SearchRequest>,
) -> ApiResult<axum::Json<UserPage>> {
    let q = query(&req)?;
    let tz = query_time_zone(&state, account.site_id, &q).await?;
    let mut db = state.db.acquire().await?;
    Ok(axum::Json(listing::page(&mut db, &state.search_samples, account.site_id, &tz, &q).await?))
}
