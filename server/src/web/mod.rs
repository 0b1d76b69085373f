//! The HTTP edge: security headers, CSRF, JSON bodies, serving the app.

pub mod app_files;
pub mod client_ip;
pub mod csrf;
pub mod csv_stream;
pub mod etag;
pub mod extract;
pub mod forwarded_proto;
pub mod headers;
pub mod json;
