//! The HTTP edge: security headers, CSRF, CORS, JSON bodies, fallbacks.

pub mod csrf;
pub mod headers;
pub mod json;
