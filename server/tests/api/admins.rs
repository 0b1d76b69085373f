use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

const PW: &str = "people need long passwords";

#[tokio::test]
async fn set_and_remove_admins_with_per_username_errors() {
    let s = TestServer::start().await;
    s.add_person("walter", PW, "REGULAR").await;
    s.add_person("gus", PW, "REGULAR").await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;

    let r = s
        .browser(Method::POST, "/v1/admins", Some(&me))
        .json(&json!({"usernames": ["walter", "jesse", "admin"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(b["status"], "ERROR");
    assert_eq!(b["msg"], "Failed to set all usernames to admin.");
    assert_eq!(b["updated"], json!(["walter"]));
    assert_eq!(b["error_details"]["jesse"]["message"], "User (jesse) not found");
    assert_eq!(b["error_details"]["jesse"]["code"], "not_found");
    assert_eq!(b["error_details"]["admin"]["message"], "nobody changes their own rank");
    assert_eq!(b["error_details"]["admin"]["code"], "forbidden");

    let list = body(s.browser(Method::GET, "/v1/admins", Some(&me)).send().await.unwrap()).await;
    let names: Vec<&str> = list["admins"].as_array().unwrap().iter().map(|a| a["username"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "walter"]);
    assert_eq!(list["admins"][1]["rank"], "ADMIN");

    let r = s
        .browser(Method::POST, "/v1/admins", Some(&me))
        .json(&json!({"usernames": ["gus"], "rank": "SUPER"}))
        .send()
        .await
        .unwrap();
    assert_eq!(body(r).await["status"], "OK");
    let r = s
        .browser(Method::DELETE, "/v1/admins", Some(&me))
        .json(&json!({"usernames": ["walter", "glenn"]}))
        .send()
        .await
        .unwrap();
    let b = body(r).await;
    assert_eq!(b["updated"], json!(["walter"]));
    assert_eq!(b["error_details"]["glenn"]["message"], "User (glenn) not found");

    // An ADMIN cannot manage ranks at all.
    s.browser(Method::POST, "/v1/admins", Some(&me)).json(&json!({"usernames": ["walter"]})).send().await.unwrap();
    let walter = s.sign_in("walter", PW).await;
    let r =
        s.browser(Method::POST, "/v1/admins", Some(&walter)).json(&json!({"usernames": ["gus"]})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.browser(Method::GET, "/v1/admins", Some(&walter)).send().await.unwrap().status(), StatusCode::OK);
}

#[tokio::test]
async fn demotion_ends_sessions_and_own_rank_is_refused() {
    let s = TestServer::start().await;
    let walter_row = s.add_person("walter", PW, "ADMIN").await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let walter = s.sign_in("walter", PW).await;
    assert_eq!(s.browser(Method::GET, "/v1/audit", Some(&walter)).send().await.unwrap().status(), StatusCode::OK);

    let r = s
        .browser(Method::PUT, &format!("/v1/users/{walter_row}/rank"), Some(&me))
        .json(&json!({"rank": "REGULAR"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        s.browser(Method::GET, "/v1/session", Some(&walter)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED,
        "demotion ends sessions at once"
    );
    let walter = s.sign_in("walter", PW).await;
    assert_eq!(
        s.browser(Method::GET, "/v1/audit", Some(&walter)).send().await.unwrap().status(),
        StatusCode::FORBIDDEN,
        "REGULAR now"
    );

    let my_row = body(s.browser(Method::GET, "/v1/session", Some(&me)).send().await.unwrap()).await["account_id"]
        .as_i64()
        .unwrap();
    let r = s
        .browser(Method::PUT, &format!("/v1/users/{my_row}/rank"), Some(&me))
        .json(&json!({"rank": "ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(body(r).await["error"]["message"], "nobody changes their own rank");

    let audit = body(s.browser(Method::GET, "/v1/audit?action=user.rank", Some(&me)).send().await.unwrap()).await;
    let row = &audit["rows"][0];
    assert_eq!((row["before"]["rank"].as_str(), row["after"]["rank"].as_str()), (Some("ADMIN"), Some("REGULAR")));
}

#[tokio::test]
async fn the_last_super_cannot_be_demoted() {
    let s = TestServer::start().await;
    let gus = s.add_person("gus", PW, "SUPER").await;
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let my_row = body(s.browser(Method::GET, "/v1/session", Some(&me)).send().await.unwrap()).await["account_id"]
        .as_i64()
        .unwrap();
    // Two SUPERs: one may demote the other.
    let r = s
        .browser(Method::PUT, &format!("/v1/users/{gus}/rank"), Some(&me))
        .json(&json!({"rank": "ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Now admin is the last SUPER; the rule refuses any demotion of them (here checked at
    // the rule, since only they could ask and nobody changes their own rank).
    let mut tx = s.db().begin().await.unwrap();
    let change = server::ranks::Change { site_id: 1, actor_row: gus, actor: "gus", source_ip: "test", now: T0 };
    let e = server::ranks::set(&mut tx, &change, my_row, "admin", proto::domain::Rank::Admin).await.unwrap_err();
    let e: server::error::ApiError = e.into();
    assert_eq!(e.status, StatusCode::CONFLICT);
    assert!(e.message.contains("last SUPER"), "{}", e.message);
}

#[tokio::test]
async fn admin_password_reset_ends_that_persons_sessions() {
    let s = TestServer::start().await;
    let walter_row = s.add_person("walter", PW, "REGULAR").await;
    let gus_row = s.add_person("gus", PW, "SUPER").await;
    let hank_row = s.add_person("hank", PW, "ADMIN").await;
    let walter = s.sign_in("walter", PW).await;
    let hank = s.sign_in("hank", PW).await;

    let reset = json!({"new_password": "walter's fresh passphrase"});
    let r = s
        .browser(Method::PUT, &format!("/v1/users/{walter_row}/password"), Some(&hank))
        .json(&reset)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT, "an ADMIN resets a REGULAR");
    assert_eq!(
        s.browser(Method::GET, "/v1/session", Some(&walter)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    s.sign_in("walter", "walter's fresh passphrase").await;

    let r = s
        .browser(Method::PUT, &format!("/v1/users/{gus_row}/password"), Some(&hank))
        .json(&reset)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "an ADMIN cannot take over a SUPER");
    let r = s
        .browser(Method::PUT, &format!("/v1/users/{hank_row}/password"), Some(&hank))
        .json(&reset)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "one's own goes through PUT /v1/password");

    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s.browser(Method::DELETE, &format!("/v1/users/{hank_row}/sessions"), Some(&me)).send().await.unwrap();
    assert_eq!(body(r).await["sessions_ended"], 1);
    assert_eq!(
        s.browser(Method::GET, "/v1/session", Some(&hank)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn own_sessions_are_listed_and_ended() {
    let s = TestServer::start().await;
    let here = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let there = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let list = body(s.browser(Method::GET, "/v1/sessions", Some(&here)).send().await.unwrap()).await;
    let sessions = list["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    let other = sessions.iter().find(|x| x["current"] == false).unwrap()["id"].as_i64().unwrap();
    let r = s.browser(Method::DELETE, &format!("/v1/sessions/{other}"), Some(&here)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        s.browser(Method::GET, "/v1/session", Some(&there)).send().await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
}
