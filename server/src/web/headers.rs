//! Security headers on every response, errors included (404, 405, 500), and the API's
//! `Server-Timing`.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The app is served from our origin; wasm needs 'wasm-unsafe-eval', nothing needs inline code.
pub const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; \
form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(https: bool, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let api = path.starts_with("/v1") || path.starts_with(crate::scim::BASE) || path.starts_with("/gsdk.");
    let started = std::time::Instant::now();
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    if api {
        // The time the server took to the response's head (a JSON answer is whole by then; a
        // streamed one has only begun): what the benchmarks report "at the server".
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if let Ok(v) = HeaderValue::from_str(&format!("app;dur={ms:.3}")) {
            h.insert(HeaderName::from_static("server-timing"), v);
        }
    }
    let mut set = |name: HeaderName, value: &'static str| {
        h.insert(name, HeaderValue::from_static(value));
    };
    set(header::CONTENT_SECURITY_POLICY, CSP);
    set(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(header::X_FRAME_OPTIONS, "DENY");
    set(header::REFERRER_POLICY, "no-referrer");
    set(HeaderName::from_static("cross-origin-opener-policy"), "same-origin");
    set(HeaderName::from_static("cross-origin-resource-policy"), "same-origin");
    set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=(), payment=()");
    if https {
        set(header::STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains");
    }
    if api {
        set(header::CACHE_CONTROL, "no-store");
    }
    response
}
