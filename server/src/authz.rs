//! The authorization table: one rule for every route. A route missing from it is refused
//! with 403 (and a test fails), so nothing is reachable by accident.

use crate::auth::caller::{Caller, Via};
use crate::error::ApiError;
use axum::extract::{MatchedPath, Request};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use proto::api::Scope;
use proto::domain::Rank;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in login (not an API token), before or after choosing a site.
    SignedIn,
    /// A login acting on a site with at least `rank`; or an API token of that site holding
    /// `scope` (no scope: tokens are refused).
    Site { rank: Rank, scope: Option<Scope> },
}

const fn admin(scope: Option<Scope>) -> Rule {
    Rule::Site { rank: Rank::Admin, scope }
}

/// SUPER only; never an API token.
const SUPER: Rule = Rule::Site { rank: Rank::Super, scope: None };

/// (method, route, rule) for every route the server has.
pub const TABLE: &[(&str, &str, Rule)] = &[
    ("GET", "/healthz", Rule::Public),
    ("GET", "/readyz", Rule::Public),
    ("GET", "/metrics", Rule::Public),
    ("GET", "/v1/openapi.json", Rule::Public),
    ("GET", "/v1/bootstrap", Rule::Public),
    ("POST", "/v1/bootstrap", Rule::Public),
    ("POST", "/v1/session", Rule::Public),
    ("GET", "/v1/session", Rule::SignedIn),
    ("DELETE", "/v1/session", Rule::SignedIn),
    ("PUT", "/v1/session/site", Rule::SignedIn),
    ("POST", "/v1/login", Rule::Public),
    ("GET", "/v1/accounts/self", Rule::SignedIn),
    ("POST", "/v1/login/{account_id}", Rule::SignedIn),
    ("PUT", "/v1/password", Rule::SignedIn),
    ("GET", "/v1/sessions", Rule::SignedIn),
    ("DELETE", "/v1/sessions/{id}", Rule::SignedIn),
    ("GET", "/v1/audit", admin(None)),
    ("GET", "/v1/audit/export.csv", admin(None)),
    ("GET", "/v1/admins", admin(Some(Scope::UsersRead))),
    ("POST", "/v1/admins", SUPER),
    ("DELETE", "/v1/admins", SUPER),
    ("PUT", "/v1/users/{id}/rank", SUPER),
    ("PUT", "/v1/users/{id}/password", admin(None)),
    ("DELETE", "/v1/users/{id}/password", admin(None)),
    ("DELETE", "/v1/users/{id}/sessions", admin(None)),
    ("GET", "/v1/devices", admin(Some(Scope::DevicesRead))),
    ("POST", "/v1/devices/{device_id}/resync", admin(Some(Scope::DevicesWrite))),
    ("GET", "/v1/devices/{device_id}/diff", admin(Some(Scope::DevicesRead))),
    ("GET", "/v1/users/{id}/devices", admin(Some(Scope::DevicesRead))),
    ("GET", "/v1/revocations", admin(Some(Scope::DevicesRead))),
    ("GET", "/v1/access-groups", admin(Some(Scope::DevicesRead))),
    ("POST", "/v1/access-groups", admin(Some(Scope::DevicesWrite))),
    ("GET", "/v1/access-groups/{group_id}", admin(Some(Scope::DevicesRead))),
    ("PUT", "/v1/access-groups/{group_id}", admin(Some(Scope::DevicesWrite))),
    ("DELETE", "/v1/access-groups/{group_id}", admin(Some(Scope::DevicesWrite))),
    ("GET", "/v1/site/sync", admin(Some(Scope::DevicesRead))),
    ("PUT", "/v1/site/sync", SUPER),
    ("GET", "/v1/site/scim", admin(Some(Scope::Scim))),
    ("PUT", "/v1/site/scim", SUPER),
    ("GET", "/v1/users", admin(Some(Scope::UsersRead))),
    ("GET", "/v1/users/count", admin(Some(Scope::UsersRead))),
    ("POST", "/v1/users", admin(Some(Scope::UsersWrite))),
    // REGULAR people may read their own record (the handler checks whose it is).
    ("GET", "/v1/users/{id}", Rule::Site { rank: Rank::Regular, scope: Some(Scope::UsersRead) }),
    ("PUT", "/v1/users/{id}", admin(Some(Scope::UsersWrite))),
    ("PATCH", "/v1/users/{id}", admin(Some(Scope::UsersWrite))),
    ("DELETE", "/v1/users/{id}", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/batch", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/import", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/users/export.csv", admin(Some(Scope::UsersRead))),
    ("GET", "/v1/imports/running", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/imports/{id}/results.csv", admin(Some(Scope::UsersRead))),
    ("POST", "/v1/users/search", admin(Some(Scope::UsersRead))),
    ("POST", "/v1/users/suspend", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/reactivate", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/deactivate", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/delete", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/suspend", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/reactivate", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/deactivate", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/toggle-suspension", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/promote", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/users/{id}/cards", admin(Some(Scope::UsersRead))),
    ("PUT", "/v1/users/{id}/cards", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/cards/scan", admin(Some(Scope::UsersWrite))),
    ("PUT", "/v1/users/{id}/pin", admin(Some(Scope::UsersWrite))),
    ("DELETE", "/v1/users/{id}/pin", admin(Some(Scope::UsersWrite))),
    ("PUT", "/v1/users/{id}/fingerprints", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/fingerprints/scan", admin(Some(Scope::UsersWrite))),
    ("PUT", "/v1/users/{id}/faces", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/users/{id}/faces/scan", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/users/{id}/mobile-credentials", admin(Some(Scope::UsersRead))),
    ("POST", "/v1/users/{id}/mobile-credentials", admin(Some(Scope::UsersWrite))),
    ("DELETE", "/v1/users/{id}/mobile-credentials/{credential_id}", admin(Some(Scope::UsersWrite))),
    ("POST", "/v1/mobile-credentials/redeem", admin(Some(Scope::UsersWrite))),
    ("PUT", "/v1/users/{id}/computer-usernames", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/users/{id}/photo", admin(Some(Scope::UsersRead))),
    ("PUT", "/v1/users/{id}/photo", admin(Some(Scope::UsersWrite))),
    ("DELETE", "/v1/users/{id}/photo", admin(Some(Scope::UsersWrite))),
    ("GET", "/v1/tokens", SUPER),
    ("POST", "/v1/tokens", SUPER),
    ("DELETE", "/v1/tokens/{id}", SUPER),
    ("GET", "/scim/v2/ServiceProviderConfig", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/ResourceTypes", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/ResourceTypes/{id}", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Schemas", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Schemas/{id}", admin(Some(Scope::Scim))),
    ("POST", "/scim/v2/.search", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Users", admin(Some(Scope::Scim))),
    ("POST", "/scim/v2/Users", admin(Some(Scope::Scim))),
    ("POST", "/scim/v2/Users/.search", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Users/{id}", admin(Some(Scope::Scim))),
    ("PUT", "/scim/v2/Users/{id}", admin(Some(Scope::Scim))),
    ("PATCH", "/scim/v2/Users/{id}", admin(Some(Scope::Scim))),
    ("DELETE", "/scim/v2/Users/{id}", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Groups", admin(Some(Scope::Scim))),
    ("POST", "/scim/v2/Groups", admin(Some(Scope::Scim))),
    ("POST", "/scim/v2/Groups/.search", admin(Some(Scope::Scim))),
    ("GET", "/scim/v2/Groups/{id}", admin(Some(Scope::Scim))),
    ("PUT", "/scim/v2/Groups/{id}", admin(Some(Scope::Scim))),
    ("PATCH", "/scim/v2/Groups/{id}", admin(Some(Scope::Scim))),
    ("DELETE", "/scim/v2/Groups/{id}", admin(Some(Scope::Scim))),
];

/// The rule of a route; `HEAD` has the rule of `GET` (axum answers it with GET's handler).
pub fn rule_for(method: &Method, path: &str) -> Option<Rule> {
    let method = if method == Method::HEAD { "GET" } else { method.as_str() };
    TABLE.iter().find(|(m, p, _)| *m == method && *p == path).map(|(_, _, rule)| *rule)
}

pub fn choose_site() -> ApiError {
    ApiError::forbidden(
        "choose a site first (PUT /v1/session/site, or POST /v1/login/{account_id} with a bearer token)",
    )
}

/// Checks a caller against a rule.
pub fn check(rule: Rule, caller: Option<&Caller>) -> Result<(), ApiError> {
    let Some(caller) = caller else {
        return if rule == Rule::Public { Ok(()) } else { Err(ApiError::unauthorized()) };
    };
    match (rule, &caller.via) {
        (Rule::Public, _) => Ok(()),
        (Rule::SignedIn, Via::ApiToken { .. }) => Err(ApiError::forbidden("API tokens cannot use this route")),
        (Rule::SignedIn, _) => Ok(()),
        (Rule::Site { scope, .. }, Via::ApiToken { scopes, .. }) => match scope {
            Some(needed) if scopes.contains(&needed) => Ok(()),
            Some(needed) => Err(ApiError::forbidden(format!("this token lacks the {needed} scope"))),
            None => Err(ApiError::forbidden("API tokens cannot use this route")),
        },
        (Rule::Site { rank: need, .. }, _) => match caller.rank() {
            None => Err(choose_site()),
            Some(rank) if rank >= need => Ok(()),
            Some(rank) => Err(ApiError::forbidden(format!("this needs rank {need} on this site; you are {rank}"))),
        },
    }
}

/// Middleware: applies the rule of the matched route (no rule: 403).
pub async fn enforce(request: Request, next: Next) -> Response {
    let Some(path) = request.extensions().get::<MatchedPath>().map(|p| p.as_str().to_owned()) else {
        return next.run(request).await; // unmatched: the fallback answers 404
    };
    let Some(rule) = rule_for(request.method(), &path) else {
        return ApiError::forbidden("no authorization rule for this route").into_response();
    };
    let caller = request.extensions().get::<Option<Arc<Caller>>>().cloned().flatten();
    match check(rule, caller.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}
