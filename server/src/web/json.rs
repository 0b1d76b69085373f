//! JSON request bodies whose every rejection answers in the one error shape:
//! 415 without `Content-Type: application/json`, 413 when too large, 400 when malformed,
//! 422 when a field has the wrong type.

use crate::error::ApiError;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(Json(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::MissingJsonContentType(_) => {
                    ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "Content-Type: the body must be application/json")
                }
                JsonRejection::JsonDataError(e) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, e.body_text()),
                JsonRejection::JsonSyntaxError(e) => ApiError::bad_request(e.body_text()),
                other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "the body is larger than this route accepts")
                }
                other => ApiError::bad_request(other.body_text()),
            }),
        }
    }
}
