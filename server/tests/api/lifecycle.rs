use crate::harness::*;
use crate::users::created;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn act(s: &TestServer, t: &str, id: i64, action: &str) -> (StatusCode, Value) {
    let r = s.request(Method::POST, &format!("/v1/users/{id}/{action}")).bearer_auth(t).send().await.unwrap();
    (r.status(), body(r).await)
}

#[tokio::test]
async fn each_transition_allowed_and_refused() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let p =
        created(&s, &t, json!({"name": "Eve", "user_id": "50", "cards": [{"number": "5050"}], "access_groups": [4]}))
            .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["status"], "ACTIVE");

    let (status, b) = act(&s, &t, id, "reactivate").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        b["error"]["message"],
        "user 50: status: cannot reactivate a ACTIVE user (allowed from SUSPENDED, DEACTIVATED)"
    );
    let (_, b) = act(&s, &t, id, "suspend").await;
    assert_eq!(
        (b["status"].as_str(), b["access_groups"].clone()),
        (Some("SUSPENDED"), json!([4])),
        "suspension keeps access groups"
    );
    assert_eq!(act(&s, &t, id, "suspend").await.0, StatusCode::CONFLICT);
    assert_eq!(act(&s, &t, id, "toggle-suspension").await.1["status"], "ACTIVE");
    assert_eq!(act(&s, &t, id, "toggle-suspension").await.1["status"], "SUSPENDED");
    assert_eq!(act(&s, &t, id, "reactivate").await.1["status"], "ACTIVE");
    let (_, b) = act(&s, &t, id, "deactivate").await;
    assert_eq!(
        (b["status"].as_str(), b["access_groups"].clone()),
        (Some("DEACTIVATED"), json!([])),
        "deactivation clears access groups"
    );
    assert_eq!(act(&s, &t, id, "deactivate").await.0, StatusCode::CONFLICT);
    assert_eq!(act(&s, &t, id, "toggle-suspension").await.0, StatusCode::CONFLICT);
    assert_eq!(act(&s, &t, id, "reactivate").await.1["status"], "ACTIVE", "credentials kept: back to ACTIVE");

    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM test_outbox_log WHERE user_id = '50' ORDER BY id")
        .fetch_all(s.db())
        .await
        .unwrap();
    assert_eq!(
        kinds,
        ["upsert", "remove", "upsert", "remove", "upsert", "remove", "upsert"],
        "on the devices exactly while ACTIVE"
    );

    let pending = created(&s, &t, json!({"name": "Pat"})).await["id"].as_i64().unwrap();
    act(&s, &t, pending, "suspend").await;
    assert_eq!(act(&s, &t, pending, "reactivate").await.1["status"], "PENDING", "no credentials: back to PENDING");
}

#[tokio::test]
async fn guests_promote_and_refuse_access_groups() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let g = created(&s, &t, json!({"name": "Visitor", "tag": "GUEST", "end_time": "2026-12-01"})).await;
    let id = g["id"].as_i64().unwrap();
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{id}"))
        .bearer_auth(&t)
        .json(&json!({"access_groups": [1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body(r).await["error"]["message"].as_str().unwrap().contains("promote them to USER first"));
    assert_eq!(act(&s, &t, id, "promote").await.1["tag"], "USER");
    assert_eq!(act(&s, &t, id, "promote").await.0, StatusCode::CONFLICT);
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{id}"))
        .bearer_auth(&t)
        .json(&json!({"access_groups": [1]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn suspending_deactivating_or_deleting_ends_sessions_and_the_last_super_stays() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for action in ["suspend", "deactivate", "delete"] {
        let name = format!("op-{action}");
        let id = s.add_person(&name, "an operator pass 12", "ADMIN").await;
        let cookie = s.sign_in(&name, "an operator pass 12").await;
        assert_eq!(s.browser(Method::GET, "/v1/session", Some(&cookie)).send().await.unwrap().status(), StatusCode::OK);
        let status = if action == "delete" {
            s.request(Method::DELETE, &format!("/v1/users/{id}")).bearer_auth(&t).send().await.unwrap().status()
        } else {
            act(&s, &t, id, action).await.0
        };
        assert!(status.is_success(), "{action}: {status}");
        let r = s.browser(Method::GET, "/v1/session", Some(&cookie)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{action} ends the session at once");
    }
    let me: i64 =
        sqlx::query_scalar("SELECT u.id FROM users u JOIN logins l ON l.id = u.login_id WHERE l.username = $1")
            .bind(ADMIN)
            .fetch_one(s.db())
            .await
            .unwrap();
    let (status, b) = act(&s, &t, me, "suspend").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{b}");
    assert_eq!(b["error"]["message"], "you cannot suspend yourself");
    s.add_person("second", "a second admin pass", "ADMIN").await;
    let t2 = s.site_token("second", "a second admin pass").await;
    let (status, b) = act(&s, &t2, me, "deactivate").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(b["error"]["message"], "user 1 is SUPER; only a SUPER may deactivate them");
    s.add_person("third", "a third super pass 1", "SUPER").await;
    let t3 = s.site_token("third", "a third super pass 1").await;
    assert_eq!(act(&s, &t3, me, "suspend").await.0, StatusCode::OK, "another SUPER may");
    let third: i64 =
        sqlx::query_scalar("SELECT u.id FROM users u JOIN logins l ON l.id = u.login_id WHERE l.username = 'third'")
            .fetch_one(s.db())
            .await
            .unwrap();
    let r = s
        .request(Method::POST, "/v1/users/suspend")
        .bearer_auth(&t3)
        .json(&json!({"ids": [third]}))
        .send()
        .await
        .unwrap();
    let b = body(r).await;
    assert_eq!(b["error_details"][third.to_string()]["message"], "you cannot suspend yourself");
    assert_eq!(b["error_details"][third.to_string()]["code"], "forbidden");
}

#[tokio::test]
async fn bulk_by_ids_and_emails_with_per_item_results() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        ids.push(created(&s, &t, json!({"name": format!("B{i}"), "email": format!("b{i}@example.com"), "cards": [{"number": format!("{}", 7000 + i)}]})).await["id"].as_i64().unwrap());
    }
    let r = s
        .request(Method::POST, "/v1/users/suspend")
        .bearer_auth(&t)
        .json(&json!({"ids": [ids[0], ids[1], 999_999], "emails": ["B2@Example.com", "nobody@example.com"], "certify_by": "none", "use_site_template": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(b["status"], "ERROR");
    assert_eq!(b["results"].as_array().unwrap().len(), 3);
    assert!(b["results"].as_array().unwrap().iter().all(|r| r["status"] == "SUSPENDED"));
    let keys: Vec<&String> = b["error_details"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["999999", "nobody@example.com"]);
    assert_eq!(b["error_details"]["999999"]["code"], "not_found");

    let r = s
        .request(Method::POST, "/v1/users/reactivate")
        .bearer_auth(&t)
        .json(&json!({"ids": [ids[0], ids[3]]}))
        .send()
        .await
        .unwrap();
    let b = body(r).await;
    assert_eq!(b["results"][0]["status"], "ACTIVE");
    let refused = &b["error_details"][ids[3].to_string()];
    assert!(refused["message"].as_str().unwrap().contains("cannot reactivate a ACTIVE user"), "{b}");
    let r = s
        .request(Method::POST, "/v1/users/deactivate")
        .bearer_auth(&t)
        .json(&json!({"ids": ids}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["status"], "OK");
    let r = s.request(Method::POST, "/v1/users/suspend").bearer_auth(&t).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "naming nobody does nothing");
    let b = body(r).await;
    assert_eq!((b["results"].as_array().unwrap().len(), b["error_details"].as_object().unwrap().len()), (0, 0));
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'user.deactivate'")
        .fetch_one(s.db())
        .await
        .unwrap();
    assert_eq!(audited, 5, "one audit row per person");
}

#[tokio::test]
async fn a_deleted_persons_cards_stay_blocked_until_the_devices_confirm() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let on_devices =
        created(&s, &t, json!({"name": "Gone", "email": "gone@example.com", "cards": [{"number": "8080"}]})).await;
    // "Gone" reaches every device before it is deleted (deleted sooner, no device would
    // hold it and nothing would be blocked).
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let held: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM device_users WHERE user_row = $1 AND held_version IS NOT NULL AND NOT pending",
        )
        .bind(on_devices["id"].as_i64().unwrap())
        .fetch_one(s.db())
        .await
        .unwrap();
        if held == 3 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the person did not reach the 3 devices: {held}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The devices go offline, so that none can confirm the removal while the card is tried.
    for d in crate::sync::DEVICES {
        s.set_online(d, false).await;
    }
    // "Never" is created while they are offline; once the fan-out has turned its queued
    // work into a pending row per device, those rows are dropped: no device ever held it.
    let never = created(&s, &t, json!({"name": "Never", "cards": [{"number": "9090"}]})).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (queued, rows): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM outbox WHERE user_row = $1),
                    (SELECT COUNT(*) FROM device_users WHERE user_row = $1)",
        )
        .bind(never["id"].as_i64().unwrap())
        .fetch_one(s.db())
        .await
        .unwrap();
        if (queued, rows) == (0, 3) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the fan-out did not reach 'Never': {queued} {rows}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    sqlx::query("DELETE FROM device_users WHERE user_row = $1")
        .bind(never["id"].as_i64().unwrap())
        .execute(s.db())
        .await
        .unwrap();
    sqlx::query("UPDATE users SET status = 'PENDING' WHERE id = $1")
        .bind(never["id"].as_i64().unwrap())
        .execute(s.db())
        .await
        .unwrap();
    for p in [&on_devices, &never] {
        let r = s.request(Method::DELETE, &format!("/v1/users/{}", p["id"])).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let r = s
        .request(Method::POST, "/v1/users")
        .bearer_auth(&t)
        .json(&json!({"name": "New", "cards": [{"number": "8080"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "blocked until every device confirmed the removal");
    let r = s
        .request(Method::POST, "/v1/users")
        .bearer_auth(&t)
        .json(&json!({"name": "New", "email": "gone@example.com", "cards": [{"number": "9090"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED, "the email is free again, and a card no device held is too");
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM test_outbox_log WHERE user_row = $1 ORDER BY id")
        .bind(on_devices["id"].as_i64().unwrap())
        .fetch_all(s.db())
        .await
        .unwrap();
    assert_eq!(kinds, ["upsert", "remove"], "the removal is queued for the devices");
    let tombstone: Option<i64> = sqlx::query_scalar("SELECT deleted_at FROM users WHERE id = $1")
        .bind(on_devices["id"].as_i64().unwrap())
        .fetch_one(s.db())
        .await
        .unwrap();
    assert!(tombstone.is_some());
}

#[tokio::test]
async fn bulk_by_filter_reaches_everyone_matching_and_deletes_too() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for i in 0..6 {
        let department = if i < 4 { "Night Shift" } else { "Day" };
        created(
            &s,
            &t,
            json!({"name": format!("F{i}"), "department": department, "cards": [{"number": format!("{}", 6100 + i)}]}),
        )
        .await;
    }
    let count = |query: &'static str| {
        let s = &s;
        let t = t.clone();
        async move {
            let r = s.request(Method::GET, &format!("/v1/users/count?{query}")).bearer_auth(&t).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            body(r).await["total"].as_u64().unwrap()
        }
    };
    assert_eq!(count("department=night%20shift").await, 4, "the department filter ignores case");
    assert_eq!(count("department=night%20shift&search=f1").await, 1);
    assert_eq!(count("card=0x17D7").await, 1, "card 6103 in hex");
    assert_eq!(count("card=0006103&department=Day").await, 0);
    let r = s.request(Method::GET, "/v1/users/count?card=not%20a%20card").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(r).await["error"]["field"], "card");
    assert_eq!(count("search=zzzz").await, 0);

    let bulk = |path: &'static str, request: Value| {
        let s = &s;
        let t = t.clone();
        async move {
            let r = s.request(Method::POST, path).bearer_auth(&t).json(&request).send().await.unwrap();
            (r.status(), body(r).await)
        }
    };
    let (status, b) = bulk("/v1/users/suspend", json!({"ids": [1], "filter": {"department": "Day"}})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{b}");
    assert_eq!(b["error"]["field"], "filter");
    let (status, b) = bulk("/v1/users/suspend", json!({"filter": {"department": "Night Shift"}, "expected": 3})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{b}");
    assert_eq!(b["error"]["message"], "expected: the filter now matches 4 people, not 3; nothing was changed");
    assert_eq!(count("department=Night%20Shift&status=ACTIVE").await, 4, "nothing changed");
    let (status, b) = bulk("/v1/users/suspend", json!({"filter": {"department": "Night Shift"}, "expected": 4})).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["results"].as_array().unwrap().len(), 4);
    assert_eq!(count("department=Night%20Shift&status=SUSPENDED").await, 4);
    assert_eq!(count("department=Day&status=ACTIVE").await, 2, "no one outside the filter changed");

    let (status, b) = bulk("/v1/users/delete", json!({"filter": {"department": "Night Shift"}})).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!((b["status"].as_str(), b["results"].as_array().unwrap().len()), (Some("OK"), 4));
    assert_eq!(count("department=Night%20Shift").await, 0, "deleted people leave the listing");
    let removals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM test_outbox_log WHERE kind = 'remove'")
        .fetch_one(s.db())
        .await
        .unwrap();
    assert_eq!(removals, 4, "each was suspended (removed from devices) once; deletion adds no second removal");
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit WHERE action = 'user.delete'").fetch_one(s.db()).await.unwrap();
    assert_eq!(audited, 4);
    let (_, b) = bulk("/v1/users/delete", json!({"filter": {"department": "Day"}})).await;
    assert_eq!(b["results"].as_array().unwrap().len(), 2, "{b}");
    let removals: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM test_outbox_log WHERE kind = 'remove'")
        .fetch_one(s.db())
        .await
        .unwrap();
    assert_eq!(removals, 6, "deleting ACTIVE people removes them from the devices");
}
