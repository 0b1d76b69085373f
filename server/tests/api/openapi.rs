use crate::harness::*;
use reqwest::{Method, StatusCode};

#[test]
fn committed_document_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi.json")).unwrap_or_default();
    assert!(
        committed.trim_end() == server::openapi::json().trim_end(),
        "server/openapi.json is out of date: run `cargo xtask openapi` and commit it"
    );
}

#[test]
fn every_route_is_documented() {
    let doc: serde_json::Value = serde_json::from_str(&server::openapi::json()).unwrap();
    for (method, path, _) in server::api::routes() {
        let operation = &doc["paths"][path][method.to_lowercase()];
        assert!(operation.is_object(), "{method} {path} is missing from the OpenAPI document");
        assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} has no responses");
    }
}

#[tokio::test]
async fn served_at_v1_openapi_json() {
    let s = TestServer::start().await;
    let r = s.request(Method::GET, "/v1/openapi.json").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let doc = body(r).await;
    assert_eq!(doc["info"]["title"], "Lintel");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}
