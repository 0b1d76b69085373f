use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn status(s: &TestServer, cookie: &str) -> StatusCode {
    s.browser(Method::GET, "/v1/session", Some(cookie)).send().await.unwrap().status()
}

#[tokio::test]
async fn cookie_attributes_and_no_token_in_the_body() {
    let s = TestServer::start().await;
    let r = s
        .browser(Method::POST, "/v1/session", None)
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set_cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    // Secure even over plain HTTP (only a browser on localhost keeps it there).
    for attribute in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing from {set_cookie}");
    }
    assert!(set_cookie.starts_with("lintel_session="), "{set_cookie}");
    let value = set_cookie.split(';').next().unwrap().split_once('=').unwrap().1.to_owned();
    let random = value.strip_prefix("lts_").unwrap();
    assert_eq!(random.len(), 43, "32 random bytes in base64url");
    let text = r.text().await.unwrap();
    assert!(!text.contains(&value) && !text.contains(random), "the token must never be in a body");
}

#[tokio::test]
async fn host_prefixed_cookie_over_tls() {
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_PUBLIC_ORIGIN", "https://lintel.test".into())],
        ..Default::default()
    })
    .await;
    let r = s
        .request(Method::POST, "/v1/session")
        .header("origin", "https://lintel.test")
        .header("x-lintel-csrf", "1")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let set_cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(set_cookie.starts_with("__Host-lintel_session="), "{set_cookie}");
    for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{attribute} missing from {set_cookie}");
    }
    assert!(r.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn sign_out_then_replay_is_refused() {
    let s = TestServer::start().await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(status(&s, &cookie).await, StatusCode::OK);
    let r = s.browser(Method::DELETE, "/v1/session", Some(&cookie)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.headers().get("set-cookie").unwrap().to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(status(&s, &cookie).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn idle_and_absolute_expiry() {
    let s = TestServer::start().await;
    let idle = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    s.clock.advance(29 * 60);
    assert_eq!(status(&s, &idle).await, StatusCode::OK, "used within 30 minutes");
    s.clock.advance(29 * 60);
    assert_eq!(status(&s, &idle).await, StatusCode::OK, "each use restarts the idle timer");
    s.clock.advance(31 * 60);
    assert_eq!(status(&s, &idle).await, StatusCode::UNAUTHORIZED, "30 minutes idle ends it");

    let busy = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    for _ in 0..(12 * 60 / 20 - 1) {
        s.clock.advance(20 * 60);
        assert_eq!(status(&s, &busy).await, StatusCode::OK);
    }
    s.clock.advance(20 * 60);
    assert_eq!(status(&s, &busy).await, StatusCode::UNAUTHORIZED, "12 hours after sign-in, even when busy");
}

#[tokio::test]
async fn signing_in_again_never_keeps_the_old_session() {
    let s = TestServer::start().await;
    let planted = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .browser(Method::POST, "/v1/session", Some(&planted))
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let fresh = session_cookie(&r).unwrap();
    assert_ne!(fresh, planted);
    assert_eq!(status(&s, &planted).await, StatusCode::UNAUTHORIZED, "the earlier session ended");
    assert_eq!(status(&s, &fresh).await, StatusCode::OK);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let s = TestServer::start().await;
    let here = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let elsewhere = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let script = s.site_token(ADMIN, ADMIN_PASSWORD).await;

    let wrong_old = json!({"old_password": "not the password at all", "new_password": "a brand new passphrase"});
    let r = s.browser(Method::PUT, "/v1/password", Some(&here)).json(&wrong_old).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let common = json!({"old_password": ADMIN_PASSWORD, "new_password": "qwerty123456"});
    let r = s.browser(Method::PUT, "/v1/password", Some(&here)).json(&common).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body(r).await["error"]["field"], "new_password");

    let change = json!({"old_password": ADMIN_PASSWORD, "new_password": "a brand new passphrase"});
    let r = s.browser(Method::PUT, "/v1/password", Some(&here)).json(&change).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&s, &here).await, StatusCode::OK, "the session that changed it stays");
    assert_eq!(status(&s, &elsewhere).await, StatusCode::UNAUTHORIZED);
    let r = s.request(Method::GET, "/v1/accounts/self").bearer_auth(&script).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    s.sign_in(ADMIN, "a brand new passphrase").await;
}
