//! SCIM's error shape (RFC 7644 §3.12) for every refusal under `/scim/`: the server's own
//! errors (sign-in, rules, bad input, conflicts) are rewritten on the way out, so that a
//! refusal from any layer reaches an identity provider in the shape it parses.

use super::{BASE, MEDIA_TYPE};
use crate::error::ErrorBody;
use axum::body::Body;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::json;

/// Largest error body read back to rewrite (the server's errors are a few hundred bytes).
const MAX_ERROR_BYTES: usize = 64 * 1024;

/// The `scimType` of a refusal: from its status and the field it names.
fn scim_type(status: StatusCode, field: Option<&str>) -> Option<&'static str> {
    match (status, field) {
        (StatusCode::BAD_REQUEST, Some("filter")) => Some("invalidFilter"),
        (StatusCode::BAD_REQUEST, Some("path")) => Some("invalidPath"),
        (StatusCode::BAD_REQUEST, Some("value")) => Some("invalidValue"),
        (StatusCode::BAD_REQUEST, Some("mutability")) => Some("mutability"),
        (StatusCode::BAD_REQUEST, _) => Some("invalidSyntax"),
        (StatusCode::UNPROCESSABLE_ENTITY, _) => Some("invalidValue"),
        (StatusCode::CONFLICT, _) => Some("uniqueness"),
        _ => None,
    }
}

/// The SCIM error document.
pub fn document(status: StatusCode, detail: &str, field: Option<&str>) -> serde_json::Value {
    let mut doc = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": status.as_u16().to_string(),
        "detail": detail,
    });
    if let Some(t) = scim_type(status, field) {
        doc["scimType"] = json!(t);
    }
    doc
}

/// Middleware: an error answer to a request under `/scim/` leaves in SCIM's shape, with its
/// status and headers (`WWW-Authenticate`, `Retry-After`) kept.
pub async fn scim_errors(request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with(BASE) {
        return next.run(request).await;
    }
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // A value that breaks a rule is a 422 elsewhere in the API; SCIM says 400 invalidValue.
    if status == StatusCode::UNPROCESSABLE_ENTITY {
        parts.status = StatusCode::BAD_REQUEST;
    }
    let bytes = axum::body::to_bytes(body, MAX_ERROR_BYTES).await.unwrap_or_default();
    let (detail, field) = match serde_json::from_slice::<ErrorBody>(&bytes) {
        Ok(e) => (e.error.message, e.error.field),
        // Already SCIM's, or not the server's shape: as it is.
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    let doc = document(status, &detail, field.as_deref());
    parts.headers.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_static(MEDIA_TYPE));
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(doc.to_string()))
}
