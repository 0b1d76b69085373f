//! BioStar Air compatible sign-in for scripts: `POST /v1/login` gives a bearer token,
//! `GET /v1/accounts/self` lists the login's site accounts, `POST /v1/login/{account_id}`
//! gives a token scoped to one of them. Tokens are opaque, random, stored hashed, expiring.

use crate::auth::caller::{Signed, SourceIp, Via, own_account};
use crate::auth::session::{self, BEARER_SECS, Kind};
use crate::auth::sign_in;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use proto::api::session::{AccountsResponse, LoginRequest, TokenResponse};

#[utoipa::path(post, path = "/v1/login", tag = "sign-in", request_body = LoginRequest, description = "BioStar Air compatible: a bearer token for the login.", responses((status = 200, body = TokenResponse), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 415, description = "not JSON", body = crate::error::ErrorBody), (status = 429, description = "too many attempts; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Json(req): Json<LoginRequest>,
) -> ApiResult<axum::Json<TokenResponse>> {
    let login = sign_in::check(&state, &req.username, &req.password, &ip, crate::audit::Action::SignInBearer).await?;
    let (secret, _) = session::create(&state.db, Kind::Bearer, login.id, None, &ip, state.clock.now()).await?;
    Ok(axum::Json(TokenResponse {
        access_token: secret.expose().to_owned(),
        token_type: "Bearer".into(),
        expires_in: BEARER_SECS,
        account_id: None,
    }))
}

#[utoipa::path(get, path = "/v1/accounts/self", tag = "sign-in", security(("session" = []), ("bearer" = [])), responses((status = 200, body = AccountsResponse), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn accounts_self(
    State(state): State<AppState>,
    Signed(caller): Signed,
) -> ApiResult<axum::Json<AccountsResponse>> {
    let (login_id, _) = caller.login()?;
    Ok(axum::Json(AccountsResponse { accounts: sign_in::accounts(&state, login_id).await? }))
}

#[utoipa::path(post, path = "/v1/login/{account_id}", tag = "sign-in", security(("session" = []), ("bearer" = [])), params(("account_id" = i64, Path, description = "an id from accounts/self")), responses((status = 200, description = "a token scoped to that site account", body = TokenResponse), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "a browser session (cookie) cannot mint tokens", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn login_to_account(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Signed(caller): Signed,
    Path(account_id): Path<i64>,
) -> ApiResult<axum::Json<TokenResponse>> {
    let (login_id, session_id) = caller.login()?;
    // A browser session never mints a token a script in the page could read.
    if matches!(caller.via, Via::Cookie { .. }) {
        return Err(ApiError::forbidden(
            "a browser session switches site with PUT /v1/session/site; tokens are for bearer sign-ins",
        ));
    }
    own_account(&state.db, login_id, account_id).await?;
    let now = state.clock.now();
    let (secret, expires_at) = session::create_child(&state.db, session_id, account_id, &ip, now).await?;
    Ok(axum::Json(TokenResponse {
        access_token: secret.expose().to_owned(),
        token_type: "Bearer".into(),
        expires_in: expires_at - now,
        account_id: Some(account_id),
    }))
}
