//! SCIM 2.0 (RFC 7643, RFC 7644) at `/scim/v2`, for identity providers (Okta, Entra ID)
//! that provision people. Its routes sit in the one router and the one authorization table
//! (a token with the `scim` scope, or an ADMIN's session); its answers, errors included,
//! are SCIM's own shape (`application/scim+json`), made here from the server's errors.
//!
//! How SCIM attributes map to the directory's fields is one table, in `docs/scim.md`.

mod discovery;
mod errors;
mod filter_sql;
mod groups;
mod list;
mod patch;
mod resource;
mod user_input;
mod users;

use crate::state::AppState;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

pub use errors::scim_errors;

/// Where SCIM is served.
pub const BASE: &str = "/scim/v2";

/// The SCIM media type (RFC 7644 §3.1).
pub const MEDIA_TYPE: &str = "application/scim+json";

/// Every (method, path, handler) of SCIM; their rules are in [`crate::authz::TABLE`].
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/scim/v2/ServiceProviderConfig", get(discovery::service_provider_config)),
        ("GET", "/scim/v2/ResourceTypes", get(discovery::resource_types)),
        ("GET", "/scim/v2/ResourceTypes/{id}", get(discovery::resource_type)),
        ("GET", "/scim/v2/Schemas", get(discovery::schemas)),
        ("GET", "/scim/v2/Schemas/{id}", get(discovery::one_schema)),
        ("POST", "/scim/v2/.search", post(discovery::search_everything)),
        ("GET", "/scim/v2/Users", get(users::list)),
        ("POST", "/scim/v2/Users", post(users::create)),
        ("POST", "/scim/v2/Users/.search", post(users::search)),
        ("GET", "/scim/v2/Users/{id}", get(users::one)),
        ("PUT", "/scim/v2/Users/{id}", put(users::replace)),
        ("PATCH", "/scim/v2/Users/{id}", patch(users::patch)),
        ("DELETE", "/scim/v2/Users/{id}", delete(users::delete)),
        ("GET", "/scim/v2/Groups", get(groups::list)),
        ("POST", "/scim/v2/Groups", post(groups::create)),
        ("POST", "/scim/v2/Groups/.search", post(groups::search)),
        ("GET", "/scim/v2/Groups/{id}", get(groups::one)),
        ("PUT", "/scim/v2/Groups/{id}", put(groups::replace)),
        ("PATCH", "/scim/v2/Groups/{id}", patch(groups::patch)),
        ("DELETE", "/scim/v2/Groups/{id}", delete(groups::delete)),
    ]
}

/// A SCIM answer: `body` as `application/scim+json`.
pub fn answer(status: axum::http::StatusCode, body: &serde_json::Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    (status, [(axum::http::header::CONTENT_TYPE, MEDIA_TYPE)], body.to_string()).into_response()
}
