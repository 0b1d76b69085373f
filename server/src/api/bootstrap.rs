//! `POST /v1/bootstrap`: the first SUPER, with the one-time code printed at first start.

use crate::auth::caller::SourceIp;
use crate::auth::password;
use crate::auth::secret::Secret;
use crate::bootstrap::{BootstrapError, create_first_super};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::session::{BootstrapRequest, BootstrapResponse, SetupState};

/// Whether setup is still to be done: the console's sign-in page then offers it. Says
/// nothing else (not who the SUPER is, nor whether a code is live).
#[utoipa::path(get, path = "/v1/bootstrap", tag = "sign-in", responses((status = 200, body = SetupState)))]
pub async fn state(State(state): State<AppState>) -> ApiResult<axum::Json<SetupState>> {
    Ok(axum::Json(SetupState { needed: !crate::bootstrap::has_super(&state.db).await? }))
}

#[utoipa::path(post, path = "/v1/bootstrap", tag = "sign-in", request_body = BootstrapRequest, responses((status = 201, description = "the first SUPER exists", body = BootstrapResponse), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 409, description = "conflict", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody), (status = 429, description = "too many attempts; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn bootstrap(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Json(req): Json<BootstrapRequest>,
) -> ApiResult<(StatusCode, axum::Json<BootstrapResponse>)> {
    let now = state.clock.now();
    let username = proto::domain::username::check(&req.username)?;
    password::check_policy(&req.password).map_err(|e| ApiError::from_policy(&e))?;
    // Wrong codes count against the IP like wrong passwords; anything else is taken back.
    let attempt = crate::auth::throttle::ip_attempt(&state.db, &ip, now).await?.map_err(ApiError::too_many)?;
    let code = Secret::from_presented(req.code.trim());
    let created =
        create_first_super(&state.db, &state.passwords, Some(&code), &username, &req.password, &ip, now).await;
    if !matches!(created, Err(BootstrapError::BadCode)) {
        crate::auth::throttle::ip_succeeded(&state.db, attempt).await;
    }
    match created {
        Ok(_) => Ok((StatusCode::CREATED, axum::Json(BootstrapResponse { username }))),
        Err(BootstrapError::BadCode) => {
            Err(ApiError::forbidden(BootstrapError::BadCode.to_string()).with_field("code"))
        }
        Err(e @ (BootstrapError::AlreadyDone | BootstrapError::Taken(_))) => Err(ApiError::conflict(e.to_string())),
        Err(BootstrapError::Db(e)) => Err(e.into()),
        Err(BootstrapError::Hash(e)) => {
            tracing::error!(error = %e, "hashing failed");
            Err(ApiError::internal())
        }
    }
}
