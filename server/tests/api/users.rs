use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub async fn create(s: &TestServer, token: &str, user: Value) -> reqwest::Response {
    s.request(Method::POST, "/v1/users").bearer_auth(token).json(&user).send().await.unwrap()
}

pub async fn created(s: &TestServer, token: &str, user: Value) -> Value {
    let r = create(s, token, user).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await
}

async fn error_of(r: reqwest::Response) -> (StatusCode, String, String) {
    let status = r.status();
    let b = body(r).await;
    (
        status,
        b["error"]["field"].as_str().unwrap_or_default().into(),
        b["error"]["message"].as_str().unwrap_or_default().into(),
    )
}

async fn outbox(s: &TestServer) -> Vec<(String, String)> {
    sqlx::query_as("SELECT user_id, kind FROM test_outbox_log ORDER BY id").fetch_all(s.db()).await.unwrap()
}

#[tokio::test]
async fn create_read_update_and_delete_with_versions() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let ann = created(&s, &t, json!({"name": "Ann Lee", "email": "Ann.Lee@Example.com", "department": "Ops", "access_groups": [1, 2], "start_time": "2026-01-01", "end_time": "2027-12-31"})).await;
    assert_eq!(ann["status"], "PENDING");
    assert_eq!(ann["email"], "ann.lee@example.com");
    assert_eq!(ann["end_time"], "2027-12-31T23:59:59Z");
    assert!(ann["user_id"].as_str().unwrap().parse::<u32>().is_ok(), "allocated numeric ID");
    let id = ann["id"].as_i64().unwrap();
    let path = format!("/v1/users/{id}");

    let r = s.request(Method::GET, &path).bearer_auth(&t).send().await.unwrap();
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, "\"1\"");

    let r = s
        .request(Method::PATCH, &path)
        .bearer_auth(&t)
        .header("if-match", "\"1\"")
        .json(&json!({"title": "Lead", "department": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after = body(r).await;
    assert_eq!(
        (after["title"].as_str(), after["department"].as_str(), after["version"].as_i64()),
        (Some("Lead"), None, Some(2))
    );
    assert_eq!(after["access_groups"], json!([1, 2]), "a merge patch keeps what it does not name");

    let stale = s
        .request(Method::PUT, &path)
        .bearer_auth(&t)
        .header("if-match", etag)
        .json(&json!({"name": "Ann Other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED, "a stale write is refused, never applied");
    let r = s.request(Method::PUT, &path).bearer_auth(&t).json(&json!({"name": "Ann Other"})).send().await.unwrap();
    let replaced = body(r).await;
    assert_eq!(
        (replaced["name"].as_str(), replaced["email"].as_str()),
        (Some("Ann Other"), None),
        "PUT replaces every field"
    );

    assert_eq!(s.request(Method::DELETE, &path).bearer_auth(&t).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_eq!(s.request(Method::GET, &path).bearer_auth(&t).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    let audit =
        body(s.request(Method::GET, "/v1/audit?limit=500").bearer_auth(&t).send().await.unwrap()).await.to_string();
    for action in ["user.create", "user.update", "user.delete"] {
        assert!(audit.contains(action), "{action} audited");
    }
}

#[tokio::test]
async fn each_limit_and_rule_names_its_field() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let cards: Vec<Value> = (1..=9).map(|n| json!({"number": format!("{}", 1000 + n)})).collect();
    let cases = [
        (json!({"name": "x".repeat(49)}), "name", "name: 49 characters, at most 48"),
        (json!({"name": "Ann", "cards": cards}), "cards", "cards: 9 given, at most 8"),
        (
            json!({"name": "Ann", "access_groups": (1..=17).collect::<Vec<u32>>()}),
            "access_groups",
            "access_groups: 17 given, at most 16",
        ),
        (
            json!({"name": "Ann", "job_codes": (1..=17).map(|c| json!({"code": c})).collect::<Vec<_>>()}),
            "job_codes",
            "job_codes: 17 given, at most 16",
        ),
        (
            json!({"name": "Visitor", "tag": "GUEST", "access_groups": [3]}),
            "access_groups",
            "a guest cannot belong to access groups",
        ),
        (json!({"name": "Ann", "user_id": "0"}), "user_id", "user_id"),
        (json!({"name": "Ann", "email": "not-an-email"}), "email", "is not an email address"),
        (json!({"name": "Ann", "end_time": "2031-01-01"}), "end_time", "end_time"),
        (json!({"name": "Ann", "pin": "12"}), "pin", "pin: 2 digits, at least 4"),
        (json!({"name": "Ann", "pin": "12345678901234567"}), "pin", "pin: 17 digits, at most 16"),
        (json!({"name": "Ann", "notes": "n".repeat(1001)}), "notes", "notes: 1001 characters, at most 1000"),
        (json!({"name": "Ann", "cards": [{"number": "12ab-"}]}), "cards[0].number", "neither a decimal nor a hex"),
    ];
    for (user, field, message) in cases {
        let (status, f, m) = error_of(create(&s, &t, user.clone()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{user}");
        assert_eq!(f, field, "{user}");
        assert!(m.contains(message), "{m:?} should say {message:?}");
    }
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE name = 'Ann'").fetch_one(s.db()).await.unwrap();
    assert_eq!(count, 0, "nothing is half-written");
}

#[tokio::test]
async fn unique_email_system_id_user_id_and_username() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(
        &s,
        &t,
        json!({"name": "Ann", "user_id": "A-100", "email": "ann@example.com", "system_id": "hr-1", "username": "ann"}),
    )
    .await;
    for (user, field) in [
        (json!({"name": "B", "email": "ANN@example.COM"}), "email"),
        (json!({"name": "B", "system_id": "hr-1"}), "system_id"),
        (json!({"name": "B", "user_id": "A-100"}), "user_id"),
        (json!({"name": "B", "username": "Ann"}), "username"),
    ] {
        let (status, f, _) = error_of(create(&s, &t, user.clone()).await).await;
        assert_eq!((status, f.as_str()), (StatusCode::CONFLICT, field), "{user}");
    }
}

#[tokio::test]
async fn credentials_on_create_make_a_person_active_and_queue_device_work() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let bo = created(&s, &t, json!({"name": "Bo", "user_id": "7", "cards": [{"number": "0x00AB12", "label": "blue"}]}))
        .await;
    assert_eq!(bo["status"], "ACTIVE");
    assert_eq!(bo["cards"], json!([{"number": "0x00AB12", "label": "blue", "type": "CSN"}]));
    assert_eq!(outbox(&s).await, vec![("7".to_owned(), "upsert".to_owned())]);

    let (status, field, _) =
        error_of(create(&s, &t, json!({"name": "Cy", "cards": [{"number": "43794"}]})).await).await;
    assert_eq!((status, field.as_str()), (StatusCode::CONFLICT, "cards[0].number"), "0xAB12 = 43794: the same card");
    let cy = created(&s, &t, json!({"name": "Cy", "cards": [{"number": "43794"}], "allow_duplicates": true})).await;
    assert_eq!(cy["cards"][0]["number"], "43794", "card numbers stay strings as given");

    let pending = created(&s, &t, json!({"name": "Di"})).await;
    assert_eq!(pending["status"], "PENDING");
    assert_eq!(outbox(&s).await.len(), 2, "no device work for a person the devices do not hold");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_one_card_exactly_one_wins() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let tries: Vec<_> = (0..8)
        .map(|i| {
            let rb = s.request(Method::POST, "/v1/users").bearer_auth(&t);
            tokio::spawn(rb.json(&json!({"name": format!("P{i}"), "cards": [{"number": "987654321"}]})).send())
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tries {
        statuses.push(t.await.unwrap().unwrap().status());
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED || *s == StatusCode::CONFLICT), "{statuses:?}");
}
