use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

async fn attempt(s: &TestServer, username: &str, password: &str) -> reqwest::Response {
    s.request(Method::POST, "/v1/login")
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn unknown_user_and_wrong_password_answer_alike() {
    let s = TestServer::start().await;
    let unknown = attempt(&s, "nobody", "some long password here").await;
    let wrong = attempt(&s, ADMIN, "some long password here").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(unknown).await, body(wrong).await);
}

#[tokio::test]
async fn per_account_delays_grow_and_cap_attempts_per_hour() {
    let s = TestServer::start().await;
    for _ in 0..6 {
        assert_eq!(attempt(&s, ADMIN, "wrong password guess").await.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&s, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits its turn");
    let wait: i64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert_eq!(wait, 2);
    s.clock.advance(wait);
    assert_eq!(attempt(&s, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK, "success clears the count");

    // An attacker who honours every Retry-After for an hour gets far fewer than 100 tries.
    let mut tries = 0;
    let end = s.clock.clone();
    let start = T0 + wait;
    while server::clock::Clock::now(&end) < start + 3600 {
        let r = attempt(&s, ADMIN, "wrong password guess").await;
        match r.status() {
            StatusCode::UNAUTHORIZED => tries += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                let wait: i64 = r.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
                s.clock.advance(wait);
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(tries <= 100, "{tries} failed attempts in an hour");
}

#[tokio::test]
async fn per_ip_limit() {
    let s = TestServer::start().await;
    for i in 0..server::auth::throttle::IP_MAX_FAILURES {
        let r = attempt(&s, &format!("guess{i}"), "wrong password guess").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&s, "someone-else", "wrong password guess").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert_eq!(body(r).await["error"]["code"], "too_many_requests");
    s.clock.advance(server::auth::throttle::IP_WINDOW_SECS);
    assert_eq!(attempt(&s, ADMIN, ADMIN_PASSWORD).await.status(), StatusCode::OK);
}

/// A wrong password sent with `X-Forwarded-For: forwarded`.
async fn forwarded_attempt(s: &TestServer, username: &str, forwarded: &str) -> StatusCode {
    s.request(Method::POST, "/v1/login")
        .header("x-forwarded-for", forwarded)
        .json(&json!({"username": username, "password": "wrong password guess"}))
        .send()
        .await
        .unwrap()
        .status()
}

/// Where the audit says the latest failed sign-in came from.
async fn last_failure_source(s: &TestServer) -> String {
    sqlx::query_scalar("SELECT source_ip FROM audit WHERE outcome = 'failure' ORDER BY id DESC LIMIT 1")
        .fetch_one(s.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let s = TestServer::start().await;
    for i in 0..server::auth::throttle::IP_MAX_FAILURES {
        let status = forwarded_attempt(&s, &format!("guess{i}"), &format!("198.51.100.{i}")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(forwarded_attempt(&s, "someone", "198.51.100.200").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(last_failure_source(&s).await, "127.0.0.1");
}

#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_names_the_client_for_throttling_and_audit() {
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8".into())],
        ..Default::default()
    })
    .await;
    // What a client puts on the left is not believed; the proxy appended the real address.
    for i in 0..server::auth::throttle::IP_MAX_FAILURES {
        let status = forwarded_attempt(&s, &format!("guess{i}"), &format!("1.2.3.{i}, 198.51.100.7")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(last_failure_source(&s).await, "198.51.100.7");
    assert_eq!(forwarded_attempt(&s, "someone", "198.51.100.7").await, StatusCode::TOO_MANY_REQUESTS);
    // Another client behind the same proxy (through a second, trusted hop) is not locked out.
    assert_eq!(forwarded_attempt(&s, "someone", "198.51.100.8, 10.1.1.1").await, StatusCode::UNAUTHORIZED);
    assert_eq!(last_failure_source(&s).await, "198.51.100.8");
}

#[tokio::test]
async fn plain_http_reported_by_a_trusted_proxy_is_redirected_to_the_https_origin() {
    let no_redirects = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let get = |s: &TestServer, proto: &'static str| {
        no_redirects.get(format!("{}/v1/session?x=1", s.base)).header("x-forwarded-proto", proto).send()
    };
    let origin = ("LINTEL_PUBLIC_ORIGIN", "https://lintel.test".to_owned());
    let behind_proxy = TestServer::start_with(Options {
        vars: vec![origin.clone(), ("LINTEL_TRUSTED_PROXIES", "127.0.0.1".into())],
        ..Default::default()
    })
    .await;
    let r = get(&behind_proxy, "http").await.unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["location"], "https://lintel.test/v1/session?x=1");
    assert!(r.headers().contains_key("strict-transport-security"));
    assert_eq!(get(&behind_proxy, "https").await.unwrap().status(), StatusCode::UNAUTHORIZED);
    // From a peer that is not a trusted proxy the header means nothing.
    let direct = TestServer::start_with(Options { vars: vec![origin], ..Default::default() }).await;
    assert_eq!(get(&direct, "http").await.unwrap().status(), StatusCode::UNAUTHORIZED);
}
