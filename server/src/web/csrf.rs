//! CSRF: a state-changing request that rides on the session cookie (or signs in with one)
//! must carry `X-Lintel-CSRF: 1` and an `Origin` equal to the public origin. Cross-site
//! forms can set neither; scripts with a bearer token carry no ambient cookie to abuse.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

pub const HEADER: &str = "x-lintel-csrf";

/// The browser sign-in route (POST): checked even without a cookie (login CSRF).
const COOKIE_SIGN_IN: &str = "/v1/session";

pub fn check(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    cookie_name: &str,
    public_origin: &str,
) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let has_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.split(';').any(|pair| pair.trim().starts_with(&format!("{cookie_name}="))));
    let uses_bearer = headers.contains_key(header::AUTHORIZATION);
    let signs_in = *method == Method::POST && path == COOKIE_SIGN_IN;
    let rides_on_cookie = has_cookie && !uses_bearer;
    if !rides_on_cookie && !signs_in {
        return Ok(());
    }
    if headers.get(HEADER).and_then(|v| v.to_str().ok()) != Some("1") {
        return Err(ApiError::forbidden(format!("CSRF: the {HEADER}: 1 header is required")));
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) if origin.eq_ignore_ascii_case(public_origin) => Ok(()),
        Some(origin) => Err(ApiError::forbidden(format!("CSRF: origin {origin:?} is not {public_origin}"))),
        None => Err(ApiError::forbidden("CSRF: the Origin header is required")),
    }
}

pub async fn enforce(
    cookie_name: &'static str,
    public_origin: std::sync::Arc<str>,
    request: Request,
    next: Next,
) -> Response {
    match check(request.method(), request.uri().path(), request.headers(), cookie_name, &public_origin) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}
