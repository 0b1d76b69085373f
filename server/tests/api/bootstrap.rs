use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PASSWORD: &str = "a long enough first password";

#[tokio::test]
async fn bootstrap_code_works_once_then_is_refused() {
    let mut s = TestServer::start_with(Options { bootstrap_admin: false, ..Default::default() }).await;
    let code = s.bootstrap_code().expect("a code is issued when no SUPER exists");
    assert_eq!(code.len(), 19, "XXXX-XXXX-XXXX-XXXX");
    let setup = || async { body(s.request(Method::GET, "/v1/bootstrap").send().await.unwrap()).await };
    assert_eq!(setup().await, json!({"needed": true}), "the console offers setup");

    let wrong = s
        .request(Method::POST, "/v1/bootstrap")
        .json(&json!({"code": "AAAA-BBBB-CCCC-DDDD", "username": "root", "password": PASSWORD}));
    let r = wrong.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["field"], "code");

    let weak =
        s.request(Method::POST, "/v1/bootstrap").json(&json!({"code": code, "username": "root", "password": "short"}));
    let r = weak.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["message"], "password: 5 characters, at least 12");

    let ok =
        s.request(Method::POST, "/v1/bootstrap").json(&json!({"code": code, "username": "Root", "password": PASSWORD}));
    let r = ok.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(body(r).await["username"], "root");
    assert_eq!(setup().await, json!({"needed": false}));

    let again = s
        .request(Method::POST, "/v1/bootstrap")
        .json(&json!({"code": code, "username": "other", "password": PASSWORD}));
    assert_eq!(again.send().await.unwrap().status(), StatusCode::CONFLICT);

    // The new SUPER signs in; a restart issues no new code.
    let cookie = s.sign_in("root", PASSWORD).await;
    let me = body(s.browser(Method::GET, "/v1/session", Some(&cookie)).send().await.unwrap()).await;
    assert_eq!(me["accounts"][0]["rank"], "SUPER");
    assert_eq!(me["accounts"][0]["site"]["name"], "Demo site");
    s.restart(Options { bootstrap_admin: false, ..Default::default() }).await;
    assert!(s.bootstrap_code().is_none());
}

#[tokio::test]
async fn bootstrap_code_expires_after_an_hour() {
    let s = TestServer::start_with(Options { bootstrap_admin: false, ..Default::default() }).await;
    let code = s.bootstrap_code().unwrap();
    s.clock.advance(3601);
    let r =
        s.request(Method::POST, "/v1/bootstrap").json(&json!({"code": code, "username": "root", "password": PASSWORD}));
    assert_eq!(r.send().await.unwrap().status(), StatusCode::FORBIDDEN);
}
