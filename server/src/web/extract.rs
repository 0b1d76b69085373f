//! Path and query extractors whose rejections answer in the one error shape, naming the
//! parameter: a path or query parameter that does not parse is a 400 (the URL is wrong),
//! as opposed to a JSON body whose content breaks a rule (422; see `web::json`).

use crate::error::ApiError;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, MatchedPath, path::ErrorKind};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub struct Path<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let names = parts.extensions.get::<MatchedPath>().map(|p| param_names(p.as_str())).unwrap_or_default();
        let bad = |key: &str, value: &str, expected: &str| {
            ApiError::bad_request(format!("{key}: {value:?} is not {}", type_name(expected))).with_field(key)
        };
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Path(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => Err(match e.into_kind() {
                ErrorKind::ParseErrorAtKey { key, value, expected_type } => bad(&key, &value, expected_type),
                ErrorKind::ParseErrorAtIndex { index, value, expected_type } => {
                    bad(names.get(index).map_or("path", String::as_str), &value, expected_type)
                }
                // One parameter deserialized as a plain value: the route's only parameter.
                ErrorKind::ParseError { value, expected_type } => {
                    bad(names.last().map_or("path", String::as_str), &value, expected_type)
                }
                other => ApiError::bad_request(format!("path: {other}")),
            }),
            Err(other) => Err(ApiError::bad_request(other.body_text())),
        }
    }
}

/// The `{name}`s of a route, in order.
fn param_names(route: &str) -> Vec<String> {
    route.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).map(str::to_owned).collect()
}

/// How a Rust type reads in an error message.
fn type_name(rust: &str) -> &'static str {
    match rust {
        "i64" | "i32" | "u64" | "u32" | "u16" | "u8" | "usize" => "an integer in range",
        "bool" => "true or false",
        _ => "of the expected form",
    }
}

pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        // An empty parameter (`?since=&limit=10`) is the same as an absent one: forms and
        // generated clients send them for filters left blank.
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(parts.uri.query().unwrap_or_default())
            .map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
        let given: Vec<(String, String)> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        let query = serde_urlencoded::to_string(&given).map_err(|e| ApiError::bad_request(format!("query: {e}")))?;
        let uri: axum::http::Uri =
            format!("/?{query}").parse().map_err(|_| ApiError::bad_request("query: not a valid query string"))?;
        match axum::extract::Query::<T>::try_from_uri(&uri) {
            Ok(axum::extract::Query(value)) => Ok(Query(value)),
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => {
                let text = e.body_text();
                let detail = text.strip_prefix("Failed to deserialize query string: ").unwrap_or(&text).to_owned();
                let field = detail
                    .split_once(": ")
                    .map(|(f, _)| f)
                    .filter(|f| !f.is_empty() && f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                    .map(str::to_owned);
                let error = ApiError::bad_request(format!("query: {detail}"));
                Err(match field {
                    Some(f) => error.with_field(f),
                    None => error,
                })
            }
            Err(other) => Err(ApiError::bad_request(other.body_text())),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use axum::http::Request;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Q {
        limit: Option<u32>,
    }

    #[tokio::test]
    async fn an_empty_parameter_is_an_absent_one() {
        let (mut parts, _) = Request::builder().uri("/x?limit=&other=1").body(()).unwrap().into_parts();
        let Ok(Query(q)) = Query::<Q>::from_request_parts(&mut parts, &()).await else { panic!("refused") };
        assert_eq!(q.limit, None);
    }

    #[tokio::test]
    async fn a_query_that_does_not_parse_names_its_field() {
        let (mut parts, _) = Request::builder().uri("/x?limit=abc").body(()).unwrap().into_parts();
        let Err(e) = Query::<Q>::from_request_parts(&mut parts, &()).await else { panic!("accepted") };
        assert_eq!(e.status, axum::http::StatusCode::BAD_REQUEST);
        assert_eq!(e.field.as_deref(), Some("limit"), "{}", e.message);
    }
}
