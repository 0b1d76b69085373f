use crate::harness::*;
use crate::users::created;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(s: &TestServer, t: &str, method: Method, path: &str, body_json: Value) -> (StatusCode, Value) {
    let r = s.request(method, path).bearer_auth(t).json(&body_json).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test]
async fn cards_set_clear_and_drive_the_status() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let id = created(&s, &t, json!({"name": "Flo"})).await["id"].as_i64().unwrap();
    let path = format!("/v1/users/{id}/cards");
    let (status, b) = call(
        &s,
        &t,
        Method::PUT,
        &path,
        json!({"cards": [{"number": "00123", "label": "desk"}, {"number": "0xBEEF"}]}),
    )
    .await;
    assert_eq!((status, b["status"].as_str()), (StatusCode::OK, Some("ACTIVE")), "the first credential activates");
    let (_, list) = call(&s, &t, Method::GET, &path, Value::Null).await;
    assert_eq!(
        list["cards"],
        json!([{"number": "00123", "label": "desk", "type": "CSN"}, {"number": "0xBEEF", "label": null, "type": "CSN"}])
    );
    let (status, b) = call(&s, &t, Method::PUT, &path, json!({"cards": [{"number": "1"}, {"number": "0x01"}]})).await;
    assert_eq!(
        (status, b["error"]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("cards[1].number")),
        "listed twice"
    );
    let (_, b) = call(&s, &t, Method::PUT, &path, json!({"cards": []})).await;
    assert_eq!(b["status"], "PENDING", "no credential left: PENDING, and off the devices");
    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT kind FROM test_outbox_log ORDER BY id").fetch_all(s.db()).await.unwrap();
    assert_eq!(kinds, ["upsert", "remove"]);

    let (status, b) = call(
        &s,
        &t,
        Method::POST,
        &format!("/v1/users/{id}/cards/scan"),
        json!({"device_id": 543200002, "label": "scanned"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["cards"][0]["label"], "scanned");
    let (status, b) = call(&s, &t, Method::POST, &format!("/v1/users/{id}/cards/scan"), json!({"device_id": 42})).await;
    assert_eq!((status, b["error"]["field"].as_str()), (StatusCode::NOT_FOUND, Some("device_id")));
}

#[tokio::test]
async fn pins_are_hashed_unique_and_random_on_request() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let a = created(&s, &t, json!({"name": "Gus"})).await["id"].as_i64().unwrap();
    let b = created(&s, &t, json!({"name": "Hal"})).await["id"].as_i64().unwrap();
    let (status, r) = call(&s, &t, Method::PUT, &format!("/v1/users/{a}/pin"), json!({"pin": "4711"})).await;
    assert_eq!((status, r["status"].as_str(), r.get("pin")), (StatusCode::OK, Some("ACTIVE"), None));
    assert_eq!(r["credentials"]["pin"], true);
    let (status, r) = call(&s, &t, Method::PUT, &format!("/v1/users/{b}/pin"), json!({"pin": "4711"})).await;
    assert_eq!((status, r["error"]["field"].as_str()), (StatusCode::CONFLICT, Some("pin")), "unique in the site");
    let (status, _) = call(&s, &t, Method::PUT, &format!("/v1/users/{a}/pin"), json!({"pin": "4711"})).await;
    assert_eq!(status, StatusCode::OK, "one's own PIN again is fine");
    let (_, r) = call(&s, &t, Method::PUT, &format!("/v1/users/{b}/pin"), json!({"pin": "******"})).await;
    let pin = r["pin"].as_str().unwrap().to_owned();
    assert!(pin.len() >= 6 && pin.bytes().all(|c| c.is_ascii_digit()), "{pin}");
    let again = body(s.request(Method::GET, &format!("/v1/users/{b}")).bearer_auth(&t).send().await.unwrap()).await;
    assert!(!again.to_string().contains(&pin), "returned once, never again");
    let hash: Vec<u8> =
        sqlx::query_scalar("SELECT pin_hash FROM users WHERE id = $1").bind(b).fetch_one(s.db()).await.unwrap();
    assert_eq!(hash.len(), 32);
    let (_, r) = call(&s, &t, Method::DELETE, &format!("/v1/users/{a}/pin"), Value::Null).await;
    assert_eq!(r["status"], "PENDING");
}

#[tokio::test]
async fn fingerprints_and_faces_import_scan_and_stay_private() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let id = created(&s, &t, json!({"name": "Ida"})).await["id"].as_i64().unwrap();
    let template = STANDARD.encode([7u8; 300]);
    let (status, r) = call(
        &s,
        &t,
        Method::PUT,
        &format!("/v1/users/{id}/fingerprints"),
        json!({"fingerprints": [{"templates": [template, template]}]}),
    )
    .await;
    assert_eq!(
        (status, r["credentials"]["fingerprints"].as_u64(), r["status"].as_str()),
        (StatusCode::OK, Some(1), Some("ACTIVE"))
    );
    assert!(!r.to_string().contains(&template), "templates are never in a response");
    let big = STANDARD.encode([7u8; 385]);
    let (status, r) = call(
        &s,
        &t,
        Method::PUT,
        &format!("/v1/users/{id}/fingerprints"),
        json!({"fingerprints": [{"templates": [template, big]}]}),
    )
    .await;
    assert_eq!(
        (status, r["error"]["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("fingerprints[0].templates[1]: 385 bytes, at most 384"))
    );
    let eleven: Vec<Value> = (0..11).map(|_| json!({"templates": [template, template]})).collect();
    let (_, r) =
        call(&s, &t, Method::PUT, &format!("/v1/users/{id}/fingerprints"), json!({"fingerprints": eleven})).await;
    assert_eq!(r["error"]["message"], "fingerprints: 11 given, at most 10");

    let (status, r) = call(
        &s,
        &t,
        Method::POST,
        &format!("/v1/users/{id}/fingerprints/scan"),
        json!({"device_id": 544300001, "quality_threshold": 40}),
    )
    .await;
    assert_eq!((status, r["credentials"]["fingerprints"].as_u64()), (StatusCode::OK, Some(2)), "{r}");
    let (status, r) =
        call(&s, &t, Method::POST, &format!("/v1/users/{id}/faces/scan"), json!({"device_id": 544300001})).await;
    assert_eq!((status, r["credentials"]["faces"].as_u64()), (StatusCode::OK, Some(1)), "{r}");
    let (status, r) =
        call(&s, &t, Method::POST, &format!("/v1/users/{id}/faces/scan"), json!({"device_id": 102030003})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a card-only device scans no faces: {r}");
    let six: Vec<Value> = (0..6).map(|_| json!({"templates": [template]})).collect();
    let (_, r) = call(&s, &t, Method::PUT, &format!("/v1/users/{id}/faces"), json!({"faces": six})).await;
    assert_eq!(r["error"]["message"], "faces: 6 given, at most 5");
    let list = s.request(Method::GET, "/v1/users").bearer_auth(&t).send().await.unwrap().text().await.unwrap();
    assert!(!list.contains(&template) && list.contains("\"fingerprints\":2"));
}

#[tokio::test]
async fn mobile_credentials_invite_redeem_and_revoke() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let no_email = created(&s, &t, json!({"name": "Jo"})).await["id"].as_i64().unwrap();
    let (status, r) = call(&s, &t, Method::POST, &format!("/v1/users/{no_email}/mobile-credentials"), json!({})).await;
    assert_eq!((status, r["error"]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")));

    let id = created(&s, &t, json!({"name": "Kim", "email": "kim@example.com"})).await["id"].as_i64().unwrap();
    let (status, inv) =
        call(&s, &t, Method::POST, &format!("/v1/users/{id}/mobile-credentials"), json!({"expires_in_days": 3})).await;
    assert_eq!(status, StatusCode::CREATED);
    let code = inv["code"].as_str().unwrap().to_owned();
    assert!(code.len() == 19 && code.split('-').all(|g| g.len() == 4), "{code}");
    let (_, list) = call(&s, &t, Method::GET, &format!("/v1/users/{id}/mobile-credentials"), Value::Null).await;
    assert_eq!(list["mobile_credentials"][0]["state"], "INVITED");
    assert!(!list.to_string().contains(&code));

    let (status, _) =
        call(&s, &t, Method::POST, "/v1/mobile-credentials/redeem", json!({"code": "AAAA-BBBB-CCCC-DDDD"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, r) =
        call(&s, &t, Method::POST, "/v1/mobile-credentials/redeem", json!({"code": code.to_lowercase()})).await;
    assert_eq!(
        (status, r["status"].as_str(), r["credentials"]["mobile"].as_str()),
        (StatusCode::OK, Some("ACTIVE"), Some("ACTIVE"))
    );
    assert_eq!(r["cards"][0]["type"], "CSN_MOBILE");
    let (status, _) = call(&s, &t, Method::POST, "/v1/mobile-credentials/redeem", json!({"code": code})).await;
    assert_eq!(status, StatusCode::CONFLICT, "redeemed once");

    let mid = inv["id"].as_i64().unwrap();
    let (_, r) = call(&s, &t, Method::DELETE, &format!("/v1/users/{id}/mobile-credentials/{mid}"), Value::Null).await;
    assert_eq!((r["status"].as_str(), r["cards"].as_array().unwrap().len()), (Some("PENDING"), 0));

    let (_, inv) =
        call(&s, &t, Method::POST, &format!("/v1/users/{id}/mobile-credentials"), json!({"expires_in_days": 1})).await;
    s.clock.advance(2 * 86_400);
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let (status, r) = call(&s, &t, Method::POST, "/v1/mobile-credentials/redeem", json!({"code": inv["code"]})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(r["error"]["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn computer_usernames_and_photos() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let id = created(&s, &t, json!({"name": "Lu"})).await["id"].as_i64().unwrap();
    let (_, r) = call(
        &s,
        &t,
        Method::PUT,
        &format!("/v1/users/{id}/computer-usernames"),
        json!({"computer_usernames": [{"computer_username": "jdeveloper"}, "lu"]}),
    )
    .await;
    assert_eq!(r["computer_usernames"], json!(["jdeveloper", "lu"]));
    let (_, r) =
        call(&s, &t, Method::PUT, &format!("/v1/users/{id}/computer-usernames"), json!({"computer_usernames": []}))
            .await;
    assert_eq!(r["computer_usernames"], json!([]), "empty clears");

    let photo_path = format!("/v1/users/{id}/photo");
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png.extend([1u8; 100]);
    let put = |bytes: Vec<u8>, ct: &'static str| {
        s.request(Method::PUT, &photo_path).bearer_auth(&t).header("content-type", ct).body(bytes).send()
    };
    assert_eq!(put(png.clone(), "image/png").await.unwrap().status(), StatusCode::OK);
    let r = s.request(Method::GET, &photo_path).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    assert_eq!(
        put(png.clone(), "image/jpeg").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "the bytes decide"
    );
    assert_eq!(put(b"GIF89a".to_vec(), "image/gif").await.unwrap().status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let mut big = png.clone();
    big.resize(16 * 1024 + 1, 0);
    let r = put(big, "image/png").await.unwrap();
    assert_eq!(body(r).await["error"]["message"], "photo: 16385 bytes, at most 16384");
    assert_eq!(
        s.request(Method::DELETE, &photo_path).bearer_auth(&t).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.request(Method::GET, &photo_path).bearer_auth(&t).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_devices_list_says_what_each_can_scan() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::GET, "/v1/devices").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    let devices = b["devices"].as_array().unwrap();
    let ids: Vec<u64> = devices.iter().map(|d| d["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [102_030_003, 543_200_002, 544_300_001], "in ID order");
    let main = &devices[2];
    assert_eq!(main["model"], "BioStation 3");
    assert_eq!(main["address"], "192.168.10.21:51211");
    assert_eq!((main["connected"].as_bool(), main["scans_faces"].as_bool()), (Some(true), Some(true)));
    let car_park = &devices[0];
    assert_eq!(
        (car_park["scans_fingerprints"].as_bool(), car_park["scans_faces"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(car_park["scans_cards"], true);
}
