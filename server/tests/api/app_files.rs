use crate::harness::*;
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn app_files_precompressed_and_client_routes() {
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("index.html"), "<!doctype html><title>Lintel</title>").unwrap();
    std::fs::write(app.path().join("lintel.js"), "export default 1;").unwrap();
    std::fs::write(app.path().join("lintel.js.br"), b"brotli bytes").unwrap();
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_APP_DIR", app.path().display().to_string())],
        ..Default::default()
    })
    .await;

    let r = s.request(Method::GET, "/").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("content-security-policy"));
    assert!(r.text().await.unwrap().contains("<title>Lintel</title>"));

    let r = s.request(Method::GET, "/lintel.js").header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(r.headers().get("content-encoding").unwrap(), "br", "the pre-compressed variant is served");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"brotli bytes");
    let r = s.request(Method::GET, "/lintel.js").send().await.unwrap();
    assert!(r.headers().get("content-encoding").is_none());

    let r = s.request(Method::GET, "/users/42").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "client routes load the app");
    assert!(r.text().await.unwrap().contains("<title>Lintel</title>"));

    let r = s.request(Method::GET, "/v1/no-such-route/42").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(body(r).await["error"]["code"], "not_found", "API paths never fall back to the app");
}
