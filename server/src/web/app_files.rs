//! Serving the built console: its files with their pre-compressed `.br` / `.gz` variants,
//! and `index.html` for every other path so client-side routes load the app.

use crate::error::ApiError;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::path::Path;
use tower::ServiceExt;
use tower_http::services::{ServeDir, ServeFile};

pub type AppFiles = ServeDir<ServeFile>;

pub fn service(dir: &Path) -> AppFiles {
    let index = ServeFile::new(dir.join("index.html")).precompressed_br().precompressed_gzip();
    ServeDir::new(dir).precompressed_br().precompressed_gzip().fallback(index)
}

/// The router's fallback: API paths answer a JSON 404, the rest is the app.
pub async fn fallback(files: AppFiles, request: Request) -> Response {
    let path = request.uri().path();
    if path.starts_with("/v1/") || path == "/v1" || path.starts_with("/scim/") {
        return ApiError::not_found("no such route").into_response();
    }
    match files.oneshot(request).await {
        Ok(response) => {
            let mut response = response.into_response();
            if response.status() == axum::http::StatusCode::NOT_FOUND {
                return ApiError::not_found("the console is not built here (cargo xtask run builds it)")
                    .into_response();
            }
            // Names are not content-hashed: always revalidate (Last-Modified / ETag).
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            response
        }
        Err(e) => match e {},
    }
}
