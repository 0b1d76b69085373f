//! The OpenAPI document, generated from the handlers' annotations. A copy is committed at
//! `server/openapi.json`; a test fails when the code drifts from it
//! (`cargo xtask openapi` rewrites it).

use crate::api::*;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Lintel", description = "People, credentials and doors: the REST API of the Lintel console."),
    paths(
        health::healthz, health::readyz, health::metrics,
        bootstrap::state,
        bootstrap::bootstrap,
        session::sign_in, session::current, session::sign_out, session::switch_site,
        login::login, login::accounts_self, login::login_to_account,
        password::change_own,
        sessions::list, sessions::end,
        audit_log::list, audit_log::export,
        admins::list, admins::add, admins::remove, admins::set_one,
        user_access::reset_password, user_access::disable_login, user_access::end_sessions,
        users::list, users::count, users::create, users::get, users::replace, users::patch, users::delete,
        user_batch::create_many, user_search::search, imports::import, imports::running, imports::results, user_export::export, users::set_computer_usernames,
        user_credentials::list_cards, user_credentials::set_cards, user_credentials::scan_card, user_credentials::set_pin, user_credentials::clear_pin,
        user_biometrics::set_fingerprints, user_biometrics::scan_fingerprint, user_biometrics::set_faces, user_biometrics::scan_face,
        mobile_credentials::invite, mobile_credentials::list, mobile_credentials::redeem, mobile_credentials::revoke,
        user_photo::get, user_photo::put, user_photo::delete,
        user_status::suspend, user_status::reactivate, user_status::deactivate, user_status::toggle_suspension, user_status::promote,
        user_status::suspend_many, user_status::reactivate_many, user_status::deactivate_many, user_status::delete_many,
        devices::list,
        devices::resync,
        devices::diff,
        devices::person,
        devices::revocations,
        access_groups::list,
        access_groups::create,
        access_groups::get,
        access_groups::update,
        access_groups::delete,
        access_groups::get_sync,
        access_groups::set_sync,
        site_scim::get,
        site_scim::set,
        tokens::create, tokens::list, tokens::revoke,
        openapi_json,
    ),
    modifiers(&Security),
    tags(
        (name = "sign-in", description = "Browser sessions and BioStar Air compatible bearer tokens"),
        (name = "users", description = "The people of a site (BioStar Air getUsers, createUser, updateUser)"),
        (name = "lifecycle", description = "Suspend, reactivate, deactivate, promote; one person or many"),
        (name = "credentials", description = "Cards, PINs, fingerprints, faces and mobile credentials"),
        (name = "import-export", description = "CSV import (dry run, modes, per-row results) and export"),
        (name = "admins", description = "Ranks, admins and others' sign-in"),
        (name = "devices", description = "The site's devices and their sync state, as the gateway reports them and the sync worker keeps it"),
        (name = "access groups", description = "Which devices hold whom: access groups as site objects and the site's sync mode"),
        (name = "tokens", description = "API tokens of service accounts"),
        (name = "audit", description = "The audit trail"),
        (name = "health", description = "Health and metrics"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        crate::openapi_edge::apply(openapi);
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "lintel_session",
                "The browser's session cookie (`__Host-lintel_session` over TLS). State-changing requests also need `X-Lintel-CSRF: 1` and the public Origin.",
            ))),
        );
    }
}

/// The document as pretty JSON, as committed.
pub fn json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_default()
}

#[utoipa::path(get, path = "/v1/openapi.json", tag = "health", responses((status = 200, description = "this document", content_type = "application/json")))]
pub async fn openapi_json() -> impl axum::response::IntoResponse {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], json())
}
