//! `GET/POST /v1/tokens`, `DELETE /v1/tokens/{id}`: API tokens of the site (SUPER only).

use crate::audit::Action;
use crate::audit::{self, Entry};
use crate::auth::api_token::{self, DEFAULT_DAYS, MAX_DAYS, PREFIX};
use crate::auth::caller::{OnSite, SourceIp};
use crate::auth::secret::Secret;
use crate::clock::rfc3339;
use crate::error::{ApiError, ApiResult};
use crate::sites::next_user_id;
use crate::state::AppState;
use crate::web::extract::Path;
use crate::web::json::Json;
use axum::extract::State;
use axum::http::StatusCode;
use proto::api::Scope;
use proto::api::token::{CreateToken, CreatedToken, TokenList, TokenView};
use proto::domain::text::validate_name;

#[utoipa::path(post, path = "/v1/tokens", tag = "tokens", security(("session" = []), ("bearer" = [])), request_body = CreateToken, responses((status = 201, description = "the token, shown this once", body = CreatedToken), (status = 400, description = "bad request", body = crate::error::ErrorBody), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 422, description = "a field breaks a rule", body = crate::error::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Json(req): Json<CreateToken>,
) -> ApiResult<(StatusCode, axum::Json<CreatedToken>)> {
    let name = req.name.trim().to_owned();
    if name.is_empty() {
        return Err(ApiError::bad_request("name: is required").with_field("name"));
    }
    validate_name("name", &name)?;
    if req.scopes.is_empty() {
        return Err(ApiError::bad_request("scopes: at least one is required").with_field("scopes"));
    }
    let days = req.expires_in_days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!("expires_in_days: {days} is outside 1..={MAX_DAYS}"))
            .with_field("expires_in_days"));
    }
    let mut scopes = req.scopes.clone();
    scopes.sort_by_key(|s| s.as_str());
    scopes.dedup();
    let scope_text = scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
    let now = state.clock.now();
    let expires_at = now + days * 86_400;
    let secret = Secret::generate(PREFIX);

    let mut tx = crate::db::write(&state.db).await?;
    let user_id = next_user_id(&mut tx, account.site_id).await?;
    let new = api_token::NewToken { name: &name, scopes: &scope_text, expires_at, created_by: account.user_row };
    let id = api_token::create(&mut tx, account.site_id, &user_id, &new, &secret, now).await?;
    let after = serde_json::json!({"id": id, "name": name, "scopes": scope_text, "expires_at": rfc3339(expires_at)});
    audit::record(
        &mut tx,
        now,
        Entry::new(Some(account.site_id), &caller.username, &ip, Action::TokenCreate).target(&name).after(after),
    )
    .await?;
    tx.commit().await?;

    let view = TokenView {
        id,
        name,
        scopes,
        service_user_id: user_id,
        created_at: rfc3339(now),
        expires_at: rfc3339(expires_at),
        last_used_at: None,
        revoked: false,
    };
    Ok((StatusCode::CREATED, axum::Json(CreatedToken { view, token: secret.expose().to_owned() })))
}

#[utoipa::path(get, path = "/v1/tokens", tag = "tokens", security(("session" = []), ("bearer" = [])), responses((status = 200, body = TokenList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<axum::Json<TokenList>> {
    let rows = api_token::list(&state.db, account.site_id).await?;
    let tokens = rows
        .into_iter()
        .map(|r| TokenView {
            scopes: r.scopes.split_whitespace().filter_map(Scope::parse).collect(),
            created_at: rfc3339(r.created_at),
            expires_at: rfc3339(r.expires_at),
            last_used_at: r.last_used_at.map(rfc3339),
            revoked: r.revoked_at.is_some(),
            id: r.id,
            name: r.name,
            service_user_id: r.service_user_id,
        })
        .collect();
    Ok(axum::Json(TokenList { tokens }))
}

#[utoipa::path(delete, path = "/v1/tokens/{id}", tag = "tokens", security(("session" = []), ("bearer" = [])), params(("id" = i64, Path)), responses((status = 204, description = "revoked"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    OnSite(caller, account): OnSite,
    Path(id): Path<i64>,
) -> ApiResult<StatusCode> {
    let now = state.clock.now();
    let mut tx = crate::db::write(&state.db).await?;
    let name = api_token::revoke(&mut tx, account.site_id, id, now).await?;
    let name = name.ok_or_else(|| ApiError::not_found(format!("token {id}: no such live token on this site")))?;
    audit::record(
        &mut tx,
        now,
        Entry::new(Some(account.site_id), &caller.username, &ip, Action::TokenRevoke).target(&name),
    )
    .await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
