//! Signing in and the sessions of a login: the browser's cookie session, BioStar Air's
//! bearer tokens (`/v1/login`, `/v1/accounts/self`, `/v1/login/{account_id}` keep their
//! wire shape), the first SUPER's bootstrap, and passwords.

use super::Password;
use crate::domain::Rank;
use serde::{Deserialize, Serialize};

/// A site, as an account names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SiteRef {
    pub id: i64,
    pub name: String,
}

/// One site account of a login (BioStar Air's "account").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// The person on that site (use it as `account_id`).
    pub id: i64,
    pub user_id: String,
    pub rank: Rank,
    pub site: SiteRef,
}

/// The browser's sign-in (`POST /v1/session`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignInRequest {
    /// The username (or the email it is).
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 128))]
    pub password: Password,
}

/// The signed-in person, their site accounts and the one in use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionView {
    pub username: String,
    pub accounts: Vec<AccountView>,
    pub account_id: Option<i64>,
    /// The password was set by an administrator: the console asks for a new one
    /// (`PUT /v1/password`) before anything else.
    pub password_change_required: bool,
}

/// `PUT /v1/session/site`: act on another site the login has an account on.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SwitchSite {
    pub account_id: i64,
}

/// BioStar Air's `POST /v1/login`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 128))]
    pub password: Password,
}

/// A bearer token for a script (BioStar Air's shape).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenResponse {
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the token expires.
    pub expires_in: i64,
    /// The site account the token acts as (absent before one is chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<i64>,
}

/// BioStar Air's `GET /v1/accounts/self`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountsResponse {
    pub accounts: Vec<AccountView>,
}

/// `PUT /v1/password`: one's own, with the old one.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    #[cfg_attr(feature = "openapi", schema(value_type = String, max_length = 128))]
    pub old_password: Password,
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 128))]
    pub new_password: Password,
}

/// `PUT /v1/users/{id}/password`: an admin gives or resets someone's login.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResetPassword {
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 128))]
    pub new_password: Password,
}

/// How a session was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SessionKind {
    /// A browser's session cookie.
    Cookie,
    /// A script's bearer token from `/v1/login`.
    Bearer,
}

/// One live session of the caller's login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionRow {
    pub id: i64,
    pub kind: SessionKind,
    pub source_ip: Option<String>,
    pub created_at: String,
    pub last_seen_at: String,
    pub expires_at: String,
    /// The session this request came with.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionList {
    pub sessions: Vec<SessionRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionsEnded {
    pub sessions_ended: u64,
}

/// `POST /v1/bootstrap`: the first SUPER, with the one-time code printed at first start.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BootstrapRequest {
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 64))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, min_length = 12, max_length = 128))]
    pub password: Password,
}

/// `GET /v1/bootstrap`: whether the first SUPER is still to be made (the console then
/// offers its setup page).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupState {
    pub needed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BootstrapResponse {
    pub username: String,
}
