//! The routes of the server, each with its rule in [`crate::authz::TABLE`].

pub mod access_groups;
pub mod admins;
pub mod audit_log;
pub mod bootstrap;
pub mod devices;
pub mod health;
pub mod imports;
pub mod login;
pub mod mobile_credentials;
pub mod password;
pub mod session;
pub mod sessions;
pub mod site_scim;
pub mod tokens;
pub mod user_access;
pub mod user_batch;
pub mod user_biometrics;
pub mod user_credentials;
pub mod user_export;
pub mod user_photo;
pub mod user_search;
pub mod user_status;
pub mod users;

use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, delete, get, patch, post, put};

/// Every (method, path, handler) the server serves.
pub fn routes() -> Vec<(&'static str, &'static str, MethodRouter<AppState>)> {
    vec![
        ("GET", "/healthz", get(health::healthz)),
        ("GET", "/readyz", get(health::readyz)),
        ("GET", "/metrics", get(health::metrics)),
        ("GET", "/v1/openapi.json", get(crate::openapi::openapi_json)),
        ("GET", "/v1/bootstrap", get(bootstrap::state)),
        ("POST", "/v1/bootstrap", post(bootstrap::bootstrap)),
        ("POST", "/v1/session", post(session::sign_in)),
        ("GET", "/v1/session", get(session::current)),
        ("DELETE", "/v1/session", delete(session::sign_out)),
        ("PUT", "/v1/session/site", put(session::switch_site)),
        ("POST", "/v1/login", post(login::login)),
        ("GET", "/v1/accounts/self", get(login::accounts_self)),
        ("POST", "/v1/login/{account_id}", post(login::login_to_account)),
        ("PUT", "/v1/password", put(password::change_own)),
        ("GET", "/v1/sessions", get(sessions::list)),
        ("DELETE", "/v1/sessions/{id}", delete(sessions::end)),
        ("GET", "/v1/audit", get(audit_log::list)),
        ("GET", "/v1/audit/export.csv", get(audit_log::export)),
        ("GET", "/v1/admins", get(admins::list)),
        ("POST", "/v1/admins", post(admins::add)),
        ("DELETE", "/v1/admins", delete(admins::remove)),
        ("PUT", "/v1/users/{id}/rank", put(admins::set_one)),
        ("PUT", "/v1/users/{id}/password", put(user_access::reset_password)),
        ("DELETE", "/v1/users/{id}/password", delete(user_access::disable_login)),
        ("DELETE", "/v1/users/{id}/sessions", delete(user_access::end_sessions)),
        ("GET", "/v1/users", get(users::list)),
        ("GET", "/v1/users/count", get(users::count)),
        ("POST", "/v1/users", post(users::create)),
        ("POST", "/v1/users/batch", post(user_batch::create_many)),
        ("POST", "/v1/users/import", post(imports::import).layer(DefaultBodyLimit::max(imports::MAX_CSV_BYTES))),
        ("GET", "/v1/users/export.csv", get(user_export::export)),
        ("GET", "/v1/imports/running", get(imports::running)),
        ("GET", "/v1/imports/{id}/results.csv", get(imports::results)),
        ("POST", "/v1/users/search", post(user_search::search)),
        ("POST", "/v1/users/suspend", post(user_status::suspend_many)),
        ("POST", "/v1/users/reactivate", post(user_status::reactivate_many)),
        ("POST", "/v1/users/deactivate", post(user_status::deactivate_many)),
        ("POST", "/v1/users/delete", post(user_status::delete_many)),
        ("GET", "/v1/users/{id}", get(users::get)),
        ("PUT", "/v1/users/{id}", put(users::replace)),
        ("PATCH", "/v1/users/{id}", patch(users::patch)),
        ("DELETE", "/v1/users/{id}", delete(users::delete)),
        ("POST", "/v1/users/{id}/suspend", post(user_status::suspend)),
        ("POST", "/v1/users/{id}/reactivate", post(user_status::reactivate)),
        ("POST", "/v1/users/{id}/deactivate", post(user_status::deactivate)),
        ("POST", "/v1/users/{id}/toggle-suspension", post(user_status::toggle_suspension)),
        ("POST", "/v1/users/{id}/promote", post(user_status::promote)),
        ("GET", "/v1/users/{id}/cards", get(user_credentials::list_cards)),
        ("PUT", "/v1/users/{id}/cards", put(user_credentials::set_cards)),
        ("POST", "/v1/users/{id}/cards/scan", post(user_credentials::scan_card)),
        ("PUT", "/v1/users/{id}/pin", put(user_credentials::set_pin)),
        ("DELETE", "/v1/users/{id}/pin", delete(user_credentials::clear_pin)),
        ("PUT", "/v1/users/{id}/fingerprints", put(user_biometrics::set_fingerprints)),
        ("POST", "/v1/users/{id}/fingerprints/scan", post(user_biometrics::scan_fingerprint)),
        ("PUT", "/v1/users/{id}/faces", put(user_biometrics::set_faces)),
        ("POST", "/v1/users/{id}/faces/scan", post(user_biometrics::scan_face)),
        ("GET", "/v1/users/{id}/mobile-credentials", get(mobile_credentials::list)),
        ("POST", "/v1/users/{id}/mobile-credentials", post(mobile_credentials::invite)),
        ("DELETE", "/v1/users/{id}/mobile-credentials/{credential_id}", delete(mobile_credentials::revoke)),
        ("POST", "/v1/mobile-credentials/redeem", post(mobile_credentials::redeem)),
        ("PUT", "/v1/users/{id}/computer-usernames", put(users::set_computer_usernames)),
        ("GET", "/v1/users/{id}/photo", get(user_photo::get)),
        ("PUT", "/v1/users/{id}/photo", put(user_photo::put)),
        ("DELETE", "/v1/users/{id}/photo", delete(user_photo::delete)),
        ("GET", "/v1/devices", get(devices::list)),
        ("POST", "/v1/devices/{device_id}/resync", post(devices::resync)),
        ("GET", "/v1/devices/{device_id}/diff", get(devices::diff)),
        ("GET", "/v1/users/{id}/devices", get(devices::person)),
        ("GET", "/v1/revocations", get(devices::revocations)),
        ("GET", "/v1/access-groups", get(access_groups::list)),
        ("POST", "/v1/access-groups", post(access_groups::create)),
        ("GET", "/v1/access-groups/{group_id}", get(access_groups::get)),
        ("PUT", "/v1/access-groups/{group_id}", put(access_groups::update)),
        ("DELETE", "/v1/access-groups/{group_id}", delete(access_groups::delete)),
        ("GET", "/v1/site/sync", get(access_groups::get_sync)),
        ("PUT", "/v1/site/sync", put(access_groups::set_sync)),
        ("GET", "/v1/site/scim", get(site_scim::get)),
        ("PUT", "/v1/site/scim", put(site_scim::set)),
        ("GET", "/v1/tokens", get(tokens::list)),
        ("POST", "/v1/tokens", post(tokens::create)),
        ("DELETE", "/v1/tokens/{id}", delete(tokens::revoke)),
    ]
}
