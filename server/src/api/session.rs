//! The browser's sign-in (backend-for-frontend): only an HttpOnly cookie is set; no token
//! ever appears in a body.

use crate::audit::Action;
use crate::auth::caller::{Caller, Signed, SourceIp, own_account};
use crate::auth::logins;
use crate::auth::session::{self, COOKIE_ABSOLUTE_SECS, Kind};
use crate::auth::sign_in;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::web::json::Json;
use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use proto::api::session::{SessionView, SignInRequest, SwitchSite};
use std::sync::Arc;

/// Always Secure, also over plain HTTP: browsers keep it there only on localhost, so a
/// console served over plain HTTP to other machines cannot keep a session (the server
/// warns at start; see `Config::plain_http_warning`).
fn set_cookie(state: &AppState, value: &str, max_age: i64) -> HeaderValue {
    let cookie =
        format!("{}={value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={max_age}", state.cookie_name());
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| HeaderValue::from_static(""))
}

#[utoipa::path(post, path = "/v1/session", tag = "sign-in", request_body = SignInRequest, description = "Browser sign-in: sets the HttpOnly session cookie; needs X-Lintel-CSRF: 1 and the public Origin.", responses((status = 200, description = "signed in; Set-Cookie carries the session", body = SessionView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 429, description = "too many attempts; see Retry-After", body = crate::error::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Extension(caller): Extension<Option<Arc<Caller>>>,
    Json(req): Json<SignInRequest>,
) -> ApiResult<Response> {
    let login = sign_in::check(&state, &req.username, &req.password, &ip, crate::audit::Action::SignInCookie).await?;
    let now = state.clock.now();
    // A new session every time; a session the browser already had ends (no fixation).
    if let Some(old_session) = caller.and_then(|old| old.session_id()) {
        session::revoke(&state.db, old_session, now).await?;
    }
    let accounts = sign_in::accounts(&state, login.id).await?;
    let first = accounts.first().map(|a| a.id);
    let (secret, _) = session::create(&state.db, Kind::Cookie, login.id, first, &ip, now).await?;
    let body = SessionView {
        username: login.username,
        accounts,
        account_id: first,
        password_change_required: login.must_change_password,
    };
    let mut response = (StatusCode::OK, axum::Json(body)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, secret.expose(), COOKIE_ABSOLUTE_SECS));
    Ok(response)
}

#[utoipa::path(get, path = "/v1/session", tag = "sign-in", security(("session" = []), ("bearer" = [])), responses((status = 200, body = SessionView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody)))]
pub async fn current(State(state): State<AppState>, Signed(caller): Signed) -> ApiResult<axum::Json<SessionView>> {
    let (login_id, _) = caller.login()?;
    let accounts = sign_in::accounts(&state, login_id).await?;
    let account_id = caller.account.as_ref().map(|a| a.user_row);
    let password_change_required = logins::must_change_password(&state.db, login_id).await?;
    Ok(axum::Json(SessionView { username: caller.username.clone(), accounts, account_id, password_change_required }))
}

#[utoipa::path(delete, path = "/v1/session", tag = "sign-in", security(("session" = []), ("bearer" = [])), responses((status = 204, description = "signed out; the cookie is cleared"), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody)))]
pub async fn sign_out(
    State(state): State<AppState>,
    SourceIp(ip): SourceIp,
    Signed(caller): Signed,
) -> ApiResult<Response> {
    let now = state.clock.now();
    let (_, session_id) = caller.login()?;
    session::revoke(&state.db, session_id, now).await?;
    let entry =
        crate::audit::Entry::new(caller.site_id(), &caller.username, &ip, Action::SignOut).target(&caller.username);
    crate::audit::record_alone(&state.db, now, entry).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(header::SET_COOKIE, set_cookie(&state, "", 0));
    Ok(response)
}

/// Acts on another site the login has an account on.
#[utoipa::path(put, path = "/v1/session/site", tag = "sign-in", security(("session" = []), ("bearer" = [])), request_body = SwitchSite, responses((status = 200, body = SessionView), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 404, description = "not found", body = crate::error::ErrorBody)))]
pub async fn switch_site(
    State(state): State<AppState>,
    Signed(caller): Signed,
    Json(req): Json<SwitchSite>,
) -> ApiResult<axum::Json<SessionView>> {
    let (login_id, session_id) = caller.login()?;
    own_account(&state.db, login_id, req.account_id).await?;
    session::set_account(&state.db, session_id, req.account_id).await?;
    let accounts = sign_in::accounts(&state, login_id).await?;
    let password_change_required = logins::must_change_password(&state.db, login_id).await?;
    Ok(axum::Json(SessionView {
        username: caller.username.clone(),
        accounts,
        account_id: Some(req.account_id),
        password_change_required,
    }))
}
