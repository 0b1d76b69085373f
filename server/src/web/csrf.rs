//! CSRF: a state-changing request that rides on the session cookie (or signs in with one)
//! must carry `X-Lintel-CSRF: 1` and an `Origin` equal to the public origin. Cross-site
//! forms can set neither; scripts with a bearer token carry no ambient cookie to abuse.
//! It is decided after the caller is identified: whatever else a request carries (an
//! `Authorization` header that is not a usable bearer, say), if the cookie is what
//! authenticated it, it is checked.

use crate::auth::caller::{Caller, Via};
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
    caller: Option<&Caller>,
    public_origin: &str,
) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    let rides_on_cookie = caller.is_some_and(|c| matches!(c.via, Via::Cookie { .. }));
    let signs_in = *method == Method::POST && path == COOKIE_SIGN_IN;
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

/// Middleware, inside [`crate::auth::caller::identify_caller`].
pub async fn enforce(public_origin: std::sync::Arc<str>, request: Request, next: Next) -> Response {
    let caller = request.extensions().get::<Option<std::sync::Arc<Caller>>>().cloned().flatten();
    match check(request.method(), request.uri().path(), request.headers(), caller.as_deref(), &public_origin) {
        Ok(()) => next.run(request).await,
        Err(e) => e.into_response(),
    }
}
