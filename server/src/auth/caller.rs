//! Who is calling, worked out once per request from the session cookie or the
//! `Authorization: Bearer` header, and left in the request's extensions for the
//! authorization check and the handlers.

use super::secret::Secret;
use super::session::{self, Kind};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use proto::api::Scope;
use proto::domain::{Rank, Status};
use std::net::SocketAddr;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    Cookie {
        session_id: i64,
    },
    Bearer {
        session_id: i64,
    },
    /// A service account's API token.
    ApiToken {
        token_id: i64,
        scopes: Vec<Scope>,
    },
}

/// The site account a caller acts as.
#[derive(Debug, Clone)]
pub struct Account {
    pub user_row: i64,
    pub site_id: i64,
    pub site_name: String,
    pub user_id: String,
    pub rank: Rank,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub via: Via,
    /// The login signed in; `None` for an API token.
    pub login_id: Option<i64>,
    /// The username, or `token:<name>` for an API token (as the audit names the actor).
    pub username: String,
    pub account: Option<Account>,
}

impl Caller {
    pub fn session_id(&self) -> Option<i64> {
        match self.via {
            Via::Cookie { session_id } | Via::Bearer { session_id } => Some(session_id),
            Via::ApiToken { .. } => None,
        }
    }

    /// The login and session of a signed-in caller (routes with `Rule::SignedIn`).
    pub fn login(&self) -> Result<(i64, i64), crate::error::ApiError> {
        match (self.login_id, self.session_id()) {
            (Some(login), Some(session)) => Ok((login, session)),
            _ => Err(crate::error::ApiError::forbidden("API tokens cannot use this route")),
        }
    }

    pub fn rank(&self) -> Option<Rank> {
        self.account.as_ref().map(|a| a.rank)
    }

    pub fn site_id(&self) -> Option<i64> {
        self.account.as_ref().map(|a| a.site_id)
    }
}

/// The client's address: the connection's peer, or the client a trusted proxy names.
#[derive(Debug, Clone)]
pub struct SourceIp(pub String);

/// The account a login acts as on one site, if it may still sign in there.
pub async fn account(db: &crate::db::Db, user_row: i64) -> sqlx::Result<Option<Account>> {
    let row: Option<(i64, String, String, String, String)> = sqlx::query_as(
        "SELECT u.site_id, s.name, u.user_id, u.rank, u.status FROM users u JOIN sites s ON s.id = u.site_id
         WHERE u.id = $1 AND u.deleted_at IS NULL",
    )
    .bind(user_row)
    .fetch_optional(db)
    .await?;
    Ok(row.and_then(|(site_id, site_name, user_id, rank, status)| {
        usable_account(user_row, site_id, site_name, user_id, &rank, &status)
    }))
}

/// The account, if its person may still sign in and its rank reads.
fn usable_account(
    user_row: i64,
    site_id: i64,
    site_name: String,
    user_id: String,
    rank: &str,
    status: &str,
) -> Option<Account> {
    let may_sign_in = Status::parse(status).is_some_and(Status::may_sign_in);
    let rank = Rank::parse(rank)?;
    may_sign_in.then_some(Account { user_row, site_id, site_name, user_id, rank })
}

/// Whether `account_id` is a usable site account of `login_id` (404 naming the field if not).
pub async fn own_account(
    db: &crate::db::Db,
    login_id: i64,
    account_id: i64,
) -> Result<Account, crate::error::ApiError> {
    let owner: Option<i64> = sqlx::query_scalar("SELECT login_id FROM users WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db)
        .await?
        .flatten();
    let account = if owner == Some(login_id) { account(db, account_id).await? } else { None };
    account.ok_or_else(|| {
        crate::error::ApiError::not_found(format!("account_id: {account_id} is not an account of yours"))
            .with_field("account_id")
    })
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

async fn identify(state: &AppState, headers: &HeaderMap) -> sqlx::Result<Option<Caller>> {
    let now = state.clock.now();
    if let Some(token) = bearer(headers).filter(|t| t.starts_with(crate::auth::api_token::PREFIX)) {
        return crate::auth::api_token::identify(&state.db, &Secret::from_presented(token), now).await;
    }
    let (kind, secret) = if let Some(token) = bearer(headers) {
        (Kind::Bearer, Secret::from_presented(token))
    } else if let Some(value) = cookie(headers, state.cookie_name()) {
        (Kind::Cookie, Secret::from_presented(value))
    } else {
        return Ok(None);
    };
    let Some(session) = session::find(&state.db, kind, &secret, now).await? else { return Ok(None) };
    let a = session.account;
    let account = match (session.user_row, a.site_id, a.site_name, a.user_id, a.rank, a.status) {
        (Some(row), Some(site_id), Some(site_name), Some(user_id), Some(rank), Some(status)) => {
            usable_account(row, site_id, site_name, user_id, &rank, &status)
        }
        _ => None,
    };
    let username = session.username;
    let via = match kind {
        Kind::Cookie => Via::Cookie { session_id: session.id },
        Kind::Bearer => Via::Bearer { session_id: session.id },
    };
    Ok(Some(Caller { via, login_id: Some(session.login_id), username, account }))
}

/// Middleware: records the caller (or none) and the source address for what follows.
pub async fn identify_caller(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| {
            crate::web::client_ip::client_ip(addr.ip(), request.headers(), &state.config.trusted_proxies).to_string()
        })
        .unwrap_or_else(|| "unknown".into());
    let caller = match identify(&state, request.headers()).await {
        Ok(caller) => caller,
        Err(e) => return axum::response::IntoResponse::into_response(crate::error::ApiError::from(e)),
    };
    request.extensions_mut().insert(SourceIp(ip));
    request.extensions_mut().insert(caller.map(Arc::new));
    next.run(request).await
}

/// Extractor for handlers behind a rule that requires a caller.
pub struct Signed(pub Arc<Caller>);

impl<S: Send + Sync> FromRequestParts<S> for Signed {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Option<Arc<Caller>>>() {
            Some(Some(caller)) => Ok(Signed(caller.clone())),
            _ => Err(crate::error::ApiError::unauthorized()),
        }
    }
}

/// Extractor for a caller acting on a site (checked by the rule before the handler runs).
pub struct OnSite(pub Arc<Caller>, pub Account);

impl<S: Send + Sync> FromRequestParts<S> for OnSite {
    type Rejection = crate::error::ApiError;
    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, Self::Rejection> {
        let Signed(caller) = Signed::from_request_parts(parts, s).await?;
        let account = caller.account.clone().ok_or_else(crate::authz::choose_site)?;
        Ok(OnSite(caller, account))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<SourceIp>().cloned().unwrap_or_else(|| SourceIp("unknown".into())))
    }
}
