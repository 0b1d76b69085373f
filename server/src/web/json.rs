//! JSON request bodies whose every rejection answers in the one error shape:
//! 415 without `Content-Type: application/json`, 413 when too large, 400 when not JSON at
//! all, 422 when a field is missing, of the wrong type, or of an unknown value (the field's
//! path named).
//!
//! A number with no fraction is an integer whatever its spelling (`12.0`, `1.2e1`), as
//! JSON Schema counts it: clients and generators that write integers as floats are served.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type: the body must be application/json",
            ));
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than this route accepts")
            } else {
                ApiError::bad_request(rejection.body_text())
            }
        })?;
        parse(&bytes).map(Json)
    }
}

/// `application/json` or any `+json` type (`application/merge-patch+json`), any charset.
fn is_json(value: Option<&axum::http::HeaderValue>) -> bool {
    let Some(mime) = value.and_then(|v| v.to_str().ok()) else { return false };
    let essence = mime.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a JSON body: 400 when it is not JSON, 422 naming the field when it does not fit.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut value: Value =
        serde_json::from_slice(bytes).map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    integers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, format!("{path}: {}", e.inner()));
        if path == "." { error } else { error.with_field(path) }
    })
}

/// Rewrites every number with no fraction that a float holds exactly as an integer.
fn integers_as_integers(value: &mut Value) {
    match value {
        Value::Number(n) if n.is_f64() => {
            // Only integers a float holds exactly (|n| < 2^53); beyond, `1e19` or an
            // out-of-range literal would silently become a different number.
            const EXACT: f64 = 9_007_199_254_740_992.0;
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < EXACT) {
                *value = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(integers_as_integers),
        Value::Object(fields) => fields.values_mut().for_each(integers_as_integers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Item {
        device_id: u32,
        codes: Vec<u8>,
    }

    #[test]
    fn integers_written_as_floats_are_integers_and_errors_name_the_path() {
        let item: Item = parse(br#"{"device_id": 201255.0, "codes": [1e1]}"#).unwrap();
        assert_eq!((item.device_id, item.codes[0]), (201255, 10));
        let e = parse::<Item>(br#"{"device_id": 1.5, "codes": []}"#).unwrap_err();
        assert_eq!((e.status, e.field.as_deref()), (StatusCode::UNPROCESSABLE_ENTITY, Some("device_id")));
        let e = parse::<Item>(br#"{"device_id": 1, "codes": ["x"]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("codes[0]"));
        assert_eq!(parse::<Item>(b"{").unwrap_err().status, StatusCode::BAD_REQUEST);
        let e = parse::<Vec<i64>>(b"[-9223372036854775809]").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "out of range is refused, not clamped");
        assert!(is_json(Some(&"application/merge-patch+json".parse().unwrap())));
        assert!(!is_json(Some(&"text/plain".parse().unwrap())));
    }
}
