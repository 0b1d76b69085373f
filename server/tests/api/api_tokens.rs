use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn create_use_list_and_revoke() {
    let s = TestServer::start().await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let create = json!({"name": "HR sync", "scopes": ["users:read"], "expires_in_days": 30});
    let r = s.browser(Method::POST, "/v1/tokens", Some(&me)).json(&create).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created = body(r).await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ltk_"));
    let id = created["id"].as_i64().unwrap();

    let list = s.browser(Method::GET, "/v1/tokens", Some(&me)).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&token), "a token is shown once, never listed");
    assert!(list.contains("HR sync"));

    assert_eq!(s.request(Method::GET, "/v1/admins").bearer_auth(&token).send().await.unwrap().status(), StatusCode::OK);
    let r = s.request(Method::GET, "/v1/audit").bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "tokens only reach routes with a scope");
    let r = s.request(Method::POST, "/v1/tokens").bearer_auth(&token).json(&create).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "tokens never manage tokens");
    let r = s.request(Method::GET, "/v1/accounts/self").bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let r = s.browser(Method::DELETE, &format!("/v1/tokens/{id}"), Some(&me)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.request(Method::GET, "/v1/admins").bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let audit = body(s.browser(Method::GET, "/v1/audit", Some(&me)).send().await.unwrap()).await;
    let text = audit.to_string();
    assert!(text.contains("token.create") && text.contains("token.revoke") && !text.contains(&token));
}

#[tokio::test]
async fn scopes_expiry_and_bad_requests() {
    let s = TestServer::start().await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let make = |body: serde_json::Value| s.browser(Method::POST, "/v1/tokens", Some(&me)).json(&body).send();
    let r = make(json!({"name": "x", "scopes": ["users:admin"]})).await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "unknown scope");
    let r = make(json!({"name": "x", "scopes": []})).await.unwrap();
    assert_eq!(body(r).await["error"]["field"], "scopes");
    let r = make(json!({"name": "x", "scopes": ["devices:read"], "expires_in_days": 400})).await.unwrap();
    assert_eq!(body(r).await["error"]["message"], "expires_in_days: 400 is outside 1..=365");

    let devices_only =
        body(make(json!({"name": "door monitor", "scopes": ["devices:read"], "expires_in_days": 1})).await.unwrap())
            .await;
    let token = devices_only["token"].as_str().unwrap().to_owned();
    let r = s.request(Method::GET, "/v1/admins").bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["message"], "this token lacks the users:read scope");
    s.clock.advance(86_400);
    assert_eq!(
        s.request(Method::GET, "/v1/admins").bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "expired"
    );
}
