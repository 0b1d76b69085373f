use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn no_password_or_token_in_clear_anywhere() {
    let logs = debug_logs();
    let s = TestServer::start().await;
    let new_password = "brand new secret passphrase 7";
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .request(Method::POST, "/v1/login")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let bearer = body(r).await["access_token"].as_str().unwrap().to_owned();
    let failed = s
        .request(Method::POST, "/v1/login")
        .json(&json!({"username": ADMIN, "password": "wrong guess password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let change = json!({"old_password": ADMIN_PASSWORD, "new_password": new_password});
    assert_eq!(
        s.browser(Method::PUT, "/v1/password", Some(&cookie)).json(&change).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let scoped = s.site_token(ADMIN, new_password).await;
    let audit =
        s.request(Method::GET, "/v1/audit?limit=500").bearer_auth(&scoped).send().await.unwrap().text().await.unwrap();
    assert_eq!(
        s.browser(Method::DELETE, "/v1/session", Some(&cookie)).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );

    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();
    let secrets = [ADMIN_PASSWORD, new_password, "wrong guess password", &cookie_value, &bearer, &scoped];
    let mut places: Vec<(String, Vec<u8>)> =
        s.data_files().into_iter().enumerate().map(|(i, f)| (format!("data file {i}"), f)).collect();
    places.push(("audit rows".into(), audit.clone().into_bytes()));
    places.push(("logs".into(), logs.bytes()));
    for (place, bytes) in &places {
        for secret in secrets {
            assert!(!contains(bytes, secret.as_bytes()), "a secret was found in {place}");
        }
    }

    // Each change and each sign-in attempt left its row.
    let actions: Vec<String> = serde_json::from_str::<serde_json::Value>(&audit).unwrap()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["action"].as_str().unwrap(), r["outcome"].as_str().unwrap()))
        .collect();
    for expected in [
        "bootstrap.create_super success",
        "sign_in.cookie success",
        "sign_in.bearer success",
        "sign_in.bearer failure",
        "password.change success",
    ] {
        assert!(actions.iter().any(|a| a == expected), "no audit row {expected:?} in {actions:?}");
    }
}

#[tokio::test]
async fn audit_rows_cannot_be_changed() {
    let s = TestServer::start().await;
    let db = &s.running.as_ref().unwrap().state.db;
    let update = sqlx::query("UPDATE audit SET actor = 'someone else'").execute(db).await;
    assert!(update.unwrap_err().to_string().contains("audit rows cannot be changed"));
    let delete = sqlx::query("DELETE FROM audit").execute(db).await;
    assert!(delete.unwrap_err().to_string().contains("audit rows cannot be deleted"));
}

#[tokio::test]
async fn a_pin_is_nowhere_in_clear() {
    const PIN: &str = "739184";
    let logs = debug_logs();
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let mut responses = Vec::new();
    let mut send = async |method: Method, path: &str, body: serde_json::Value| {
        let r = s.request(method, path).bearer_auth(&t).json(&body).send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        responses.push(text.clone());
        (status, text)
    };
    let (status, created) = send(Method::POST, "/v1/users", json!({"name": "Mo", "pin": PIN})).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"].as_i64().unwrap();
    let (status, _) = send(Method::POST, "/v1/users", json!({"name": "Ned", "pin": PIN})).await;
    assert_eq!(status, StatusCode::CONFLICT, "the same PIN twice in a site");
    let other = send(Method::POST, "/v1/users", json!({"name": "Ole"})).await.1;
    let other = serde_json::from_str::<serde_json::Value>(&other).unwrap()["id"].as_i64().unwrap();
    send(Method::PUT, &format!("/v1/users/{other}/pin"), json!({"pin": PIN})).await;
    send(Method::PUT, &format!("/v1/users/{id}/pin"), json!({"pin": PIN})).await;
    send(Method::GET, &format!("/v1/users/{id}"), json!({})).await;
    send(Method::GET, "/v1/users?search=mo", json!({})).await;
    send(Method::GET, "/v1/audit?limit=500", json!({})).await;
    send(Method::GET, "/v1/audit/export.csv", json!({})).await;
    let mut places: Vec<(String, Vec<u8>)> =
        s.data_files().into_iter().enumerate().map(|(i, f)| (format!("data file {i}"), f)).collect();
    places.extend(responses.into_iter().enumerate().map(|(i, r)| (format!("response {i}"), r.into_bytes())));
    places.push(("logs".into(), logs.bytes()));
    for (place, bytes) in &places {
        assert!(!contains(bytes, PIN.as_bytes()), "the PIN was found in {place}");
    }
}
