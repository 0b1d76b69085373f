//! The security review's findings (issue #10), one test each.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PW: &str = "people need long passwords";

async fn wrong_login(s: &TestServer, username: &str) -> StatusCode {
    let r =
        s.request(Method::POST, "/v1/login").json(&json!({"username": username, "password": "wrong password guess"}));
    r.send().await.unwrap().status()
}

#[tokio::test]
async fn parallel_wrong_sign_ins_for_one_account_get_at_most_the_burst_of_401s() {
    let s = TestServer::start().await;
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let (http, url) = (s.http.clone(), format!("{}/v1/login", s.base));
        attempts.spawn(async move {
            let guess = json!({"username": ADMIN, "password": "wrong password guess"});
            http.post(url).json(&guess).send().await.unwrap().status()
        });
    }
    let statuses = attempts.join_all().await;
    let unauthorized = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert!(unauthorized as i64 <= server::auth::throttle::ACCOUNT_BURST, "{unauthorized} answers of 401");
    assert_eq!(unauthorized + throttled, 200, "every other answer is 429: {statuses:?}");
}

#[tokio::test]
async fn one_accounts_success_does_not_clear_the_ips_failures() {
    let s = TestServer::start().await;
    let limit = server::auth::throttle::IP_MAX_FAILURES;
    for i in 0..limit - 1 {
        assert_eq!(wrong_login(&s, &format!("guess{i}")).await, StatusCode::UNAUTHORIZED);
    }
    s.site_token(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(wrong_login(&s, "one-more").await, StatusCode::UNAUTHORIZED, "the 30th failure");
    assert_eq!(wrong_login(&s, "and-another").await, StatusCode::TOO_MANY_REQUESTS, "the success cleared nothing");
}

#[tokio::test]
async fn a_username_no_login_can_have_gets_401_and_writes_nothing() {
    let s = TestServer::start().await;
    let audit_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit").fetch_one(s.db()).await.unwrap();
    for name in ["x".repeat(65), "a b".to_owned(), String::new()] {
        assert_eq!(wrong_login(&s, &name).await, StatusCode::UNAUTHORIZED, "{name:?}");
    }
    let failures: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_failures").fetch_one(s.db()).await.unwrap();
    let audit_after: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit").fetch_one(s.db()).await.unwrap();
    assert_eq!((failures, audit_after), (0, audit_before));
}

#[tokio::test]
async fn a_cookie_request_is_csrf_checked_whatever_authorization_header_it_carries() {
    let s = TestServer::start().await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .request(Method::POST, "/v1/users")
        .header("cookie", &cookie)
        .header("authorization", "Basic Zm9vOmJhcg==")
        .json(&json!({"name": "Mallory's victim"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(body(r).await["error"]["message"].as_str().unwrap().contains("CSRF"));
}

#[tokio::test]
async fn a_browser_session_mints_no_token_and_a_minted_token_ends_with_its_login() {
    let s = TestServer::start().await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let session = body(s.browser(Method::GET, "/v1/session", Some(&cookie)).send().await.unwrap()).await;
    let account = session["account_id"].as_i64().unwrap();
    let r = s.browser(Method::POST, &format!("/v1/login/{account}"), Some(&cookie)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let login = s.request(Method::POST, "/v1/login").json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}));
    let parent = body(login.send().await.unwrap()).await["access_token"].as_str().unwrap().to_owned();
    s.clock.advance(1800);
    let r = s.request(Method::POST, &format!("/v1/login/{account}")).bearer_auth(&parent).send().await.unwrap();
    let child = body(r).await;
    assert!(child["expires_in"].as_i64().unwrap() <= 1800, "outlives its login: {child}");
    let child = child["access_token"].as_str().unwrap().to_owned();
    assert_eq!(s.request(Method::GET, "/v1/users").bearer_auth(&child).send().await.unwrap().status(), StatusCode::OK);
    let r = s.request(Method::DELETE, "/v1/session").bearer_auth(&parent).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s.request(Method::GET, "/v1/users").bearer_auth(&child).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the login it came from was revoked");
}

#[tokio::test]
async fn an_admin_cannot_change_a_supers_or_another_admins_record() {
    let s = TestServer::start().await;
    s.add_person("walter", PW, "ADMIN").await;
    let other_admin = s.add_person("gus", PW, "ADMIN").await;
    let regular = s.add_person("jesse", PW, "REGULAR").await;
    let super_row: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(s.db()).await.unwrap();
    let me = s.sign_in("walter", PW).await;
    for target in [super_row, other_admin] {
        let r = s
            .browser(Method::PATCH, &format!("/v1/users/{target}"), Some(&me))
            .header("content-type", "application/merge-patch+json")
            .body(r#"{"notes":"pwned"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "profile of {target}");
        let r = send_json(
            &s,
            Method::PUT,
            &format!("/v1/users/{target}/cards"),
            Some(&me),
            &json!({"cards": [{"number": "123456"}]}),
        )
        .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "cards of {target}");
        let r = s.browser(Method::DELETE, &format!("/v1/users/{target}/photo"), Some(&me)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "photo of {target}");
    }
    let r = send_json(
        &s,
        Method::PUT,
        &format!("/v1/users/{regular}/cards"),
        Some(&me),
        &json!({"cards": [{"number": "123456"}]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "a REGULAR person's record is the ADMIN's to change");
}

#[tokio::test]
async fn a_second_administrator_made_through_the_api_signs_in_and_works_as_admin() {
    let s = TestServer::start().await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = send_json(&s, Method::POST, "/v1/users", Some(&me), &json!({"name": "Skyler White", "username": "skyler"}))
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = body(r).await["id"].as_i64().unwrap();
    let r =
        s.browser(Method::POST, "/v1/admins", Some(&me)).json(&json!({"usernames": ["skyler"]})).send().await.unwrap();
    assert_eq!(body(r).await["status"], "OK");
    let r = send_json(
        &s,
        Method::PUT,
        &format!("/v1/users/{id}/password"),
        Some(&me),
        &json!({"new_password": "a temporary password 7"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);

    let r = send_json(
        &s,
        Method::POST,
        "/v1/session",
        None,
        &json!({"username": "skyler", "password": "a temporary password 7"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let skyler = session_cookie(&r).unwrap();
    let view = body(r).await;
    assert_eq!(view["password_change_required"], true, "set by someone else: {view}");
    assert_eq!(view["accounts"][0]["rank"], "ADMIN");
    let r = s.browser(Method::GET, "/v1/users", Some(&skyler)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "an ADMIN lists people");
    let r = s.browser(Method::GET, "/v1/tokens", Some(&skyler)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "but API tokens are a SUPER's");

    let r = send_json(
        &s,
        Method::PUT,
        "/v1/password",
        Some(&skyler),
        &json!({"old_password": "a temporary password 7", "new_password": "skyler chose this one"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let view = body(s.browser(Method::GET, "/v1/session", Some(&skyler)).send().await.unwrap()).await;
    assert_eq!(view["password_change_required"], false);

    // Disabled: no sign-in, sessions over; a new password enables it again.
    let r = s.browser(Method::DELETE, &format!("/v1/users/{id}/password"), Some(&me)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let r = s.browser(Method::GET, "/v1/session", Some(&skyler)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = send_json(
        &s,
        Method::POST,
        "/v1/session",
        None,
        &json!({"username": "skyler", "password": "skyler chose this one"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a disabled login cannot sign in");
}

#[tokio::test]
async fn a_new_login_needs_a_username_and_the_rank_rules() {
    let s = TestServer::start().await;
    s.add_person("walter", PW, "ADMIN").await;
    let me = s.sign_in("walter", PW).await;
    let r = s.browser(Method::POST, "/v1/users", Some(&me)).json(&json!({"name": "No Username"})).send().await.unwrap();
    let id = body(r).await["id"].as_i64().unwrap();
    let r = send_json(
        &s,
        Method::PUT,
        &format!("/v1/users/{id}/password"),
        Some(&me),
        &json!({"new_password": "a temporary password 7"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(body(r).await["error"]["field"], "username");
    let super_row: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE username = 'admin'").fetch_one(s.db()).await.unwrap();
    let r = send_json(
        &s,
        Method::PUT,
        &format!("/v1/users/{super_row}/password"),
        Some(&me),
        &json!({"new_password": "a temporary password 7"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an ADMIN does not reset a SUPER");
}

#[tokio::test]
async fn suspending_a_person_ends_their_bearer_tokens_scoped_or_not() {
    let s = TestServer::start().await;
    let walter = s.add_person("walter", PW, "ADMIN").await;
    let login = s.request(Method::POST, "/v1/login").json(&json!({"username": "walter", "password": PW}));
    let unscoped = body(login.send().await.unwrap()).await["access_token"].as_str().unwrap().to_owned();
    let scoped = s.site_token("walter", PW).await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s.browser(Method::POST, &format!("/v1/users/{walter}/suspend"), Some(&me)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s.request(Method::GET, "/v1/users").bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = s.request(Method::GET, "/v1/accounts/self").bearer_auth(&unscoped).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn user_ids_allocated_in_a_batch_skip_the_ones_given_in_it() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .request(Method::POST, "/v1/users/batch")
        .bearer_auth(&token)
        .json(&json!({"users": [{"user_id": "2", "name": "Given"}, {"name": "Allocated"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(b["created_users"].as_array().unwrap().len(), 2, "{b}");
}

#[tokio::test]
async fn the_audit_shows_a_site_only_its_own_rows_and_the_callers_own_sign_ins() {
    let s = TestServer::start().await;
    s.add_person("walter", PW, "ADMIN").await;
    s.sign_in("walter", PW).await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let rows = body(s.browser(Method::GET, "/v1/audit?limit=500", Some(&me)).send().await.unwrap()).await;
    let sign_ins: Vec<&str> = rows["rows"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["site_id"].is_null())
        .map(|r| r["actor"].as_str().unwrap())
        .collect();
    assert!(!sign_ins.is_empty());
    assert!(sign_ins.iter().all(|a| *a == ADMIN), "another login's sign-ins are shown: {sign_ins:?}");
}

#[tokio::test]
async fn housekeeping_purges_what_no_longer_counts_and_fills_the_gauges() {
    let s = TestServer::start().await;
    assert_eq!(wrong_login(&s, ADMIN).await, StatusCode::UNAUTHORIZED);
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s.browser(Method::DELETE, "/v1/session", Some(&cookie)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM login_failures").await, 0, "the success cleared the account's failures");
    assert_eq!(wrong_login(&s, ADMIN).await, StatusCode::UNAUTHORIZED);
    let state = s.running.as_ref().unwrap().state.clone();
    server::housekeeping::run_once(&state).await;
    assert_eq!(count(&s, "SELECT COUNT(*) FROM login_failures").await, 1, "a recent failure still counts");
    s.clock.advance(2 * 24 * 3600);
    server::housekeeping::run_once(&state).await;
    assert_eq!(count(&s, "SELECT COUNT(*) FROM login_failures").await, 0);
    assert_eq!(count(&s, "SELECT COUNT(*) FROM sessions").await, 0, "ended sessions are gone");
    let metrics = s.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("lintel_users 1\n"), "{metrics}");
}

async fn count(s: &TestServer, sql: &str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(s.db()).await.unwrap()
}

/// A JSON request as the console sends it.
async fn send_json(
    s: &TestServer,
    method: Method,
    path: &str,
    cookie: Option<&str>,
    body: &serde_json::Value,
) -> reqwest::Response {
    s.browser(method, path, cookie).json(body).send().await.unwrap()
}

#[tokio::test]
async fn bootstrap_refuses_before_any_password_hashing() {
    let s = TestServer::start_with(Options { bootstrap_admin: false, ..Options::default() }).await;
    let hashes = s.state().passwords.count();
    let guess = json!({"code": "AAAA-BBBB-CCCC-DDDD", "username": "root", "password": PW});
    let r = s.request(Method::POST, "/v1/bootstrap").json(&guess).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "a wrong code");
    assert_eq!(s.state().passwords.count(), hashes, "a wrong code costs no Argon2 work");

    let done = TestServer::start().await;
    let hashes = done.state().passwords.count();
    let r = done.request(Method::POST, "/v1/bootstrap").json(&guess).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "setup is done");
    assert_eq!(done.state().passwords.count(), hashes, "a finished setup costs no Argon2 work");
}

#[tokio::test]
async fn exports_beyond_the_cap_get_429_and_a_slot_comes_back() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let export = || s.request(Method::GET, "/v1/users/export.csv").bearer_auth(&t).send();
    // Every slot held, as by as many running exports.
    let running = s.state().exports.clone().try_acquire_many_owned(server::web::csv_stream::MAX_CONCURRENT as u32);
    let running = running.unwrap();
    let r = export().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "5");
    assert_eq!(body(r).await["error"]["code"], "too_many_requests");
    drop(running);
    let r = export().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("user_id,"), "the whole file once a slot is free");
    assert_eq!(s.state().exports.available_permits(), server::web::csv_stream::MAX_CONCURRENT, "the slot is back");
}

#[tokio::test]
async fn a_pin_the_gateway_cannot_hash_fails_its_item_and_creates_nobody_without_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lintel.toml");
    // A site whose gateway refuses every connection.
    std::fs::write(&config, "[[site]]\nname = \"HQ\"\ngateway = \"http://127.0.0.1:9\"\n").unwrap();
    let vars = vec![("LINTEL_CONFIG", config.display().to_string())];
    let s = TestServer::start_with(Options { vars, ..Options::default() }).await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let batch = json!({"users": [{"name": "With Pin", "pin": "482913"}, {"name": "Without Pin"}]});
    let r = s.request(Method::POST, "/v1/users/batch").bearer_auth(&t).json(&batch).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(b["status"], "ERROR");
    assert_eq!(b["error_details"]["0"]["field"], "pin", "{b}");
    assert_eq!(b["created_users"].as_array().unwrap().len(), 1);
    assert_eq!(b["created_users"][0]["index"], 1);
    let named: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = 'With Pin'").fetch_one(s.db()).await.unwrap();
    assert_eq!(named, 0, "nobody was created without the PIN they asked for");
}

#[tokio::test]
async fn a_metrics_scrape_reads_no_table() {
    let s = TestServer::start().await;
    let scrape = || async { s.request(Method::GET, "/metrics").send().await.unwrap().text().await.unwrap() };
    let gauge = |text: &str, name: &str| -> String {
        text.lines().find_map(|l| l.strip_prefix(&format!("{name} "))).unwrap().to_owned()
    };
    // The first housekeeping round runs at start; wait for it (the next is a minute away).
    let mut before = scrape().await;
    for _ in 0..500 {
        if gauge(&before, "lintel_users") != "-1" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        before = scrape().await;
    }
    // A person written behind the server's back: a scrape that counted rows would see them.
    sqlx::query(
        "INSERT INTO users (site_id, user_id, name, status, rank, tag, created_at, updated_at, search_text)
         VALUES (1, '990001', 'Behind The Back', 'PENDING', 'REGULAR', 'USER', 0, 0, 'behind the back')",
    )
    .execute(s.db())
    .await
    .unwrap();
    let after = scrape().await;
    assert_eq!(gauge(&before, "lintel_users"), gauge(&after, "lintel_users"), "gauges come from housekeeping");
    assert_eq!(gauge(&before, "lintel_sessions"), gauge(&after, "lintel_sessions"));
    assert!(after.contains("lintel_password_hashes_total "), "{after}");
}
