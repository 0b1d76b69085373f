use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn login_accounts_self_then_site_scoped_token() {
    let s = TestServer::start().await;
    let r = s
        .request(Method::POST, "/v1/login")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let login = body(r).await;
    let token = login["access_token"].as_str().unwrap();
    assert_eq!(login["token_type"], "Bearer");

    // Before a site is chosen, site resources are refused.
    let r = s.request(Method::GET, "/v1/audit").bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    let accounts = body(s.request(Method::GET, "/v1/accounts/self").bearer_auth(token).send().await.unwrap()).await;
    let account = &accounts["accounts"][0];
    assert_eq!(account["site"]["name"], "Demo site");
    let id = account["id"].as_i64().unwrap();

    let r = s.request(Method::POST, &format!("/v1/login/{id}")).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let scoped = body(r).await["access_token"].as_str().unwrap().to_owned();
    assert_ne!(scoped, token);
    let r = s.request(Method::GET, "/v1/audit").bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let r = s.request(Method::POST, "/v1/login/999").bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s.request(Method::GET, "/v1/accounts/self").bearer_auth("ltb_not-a-token").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Bearer tokens expire.
    s.clock.advance(3601);
    let r = s.request(Method::GET, "/v1/audit").bearer_auth(&scoped).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_token_of_site_a_sees_nothing_of_site_b() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("lintel.toml");
    std::fs::write(
        &config,
        "[[site]]\nname = \"Site A\"\ngateway = \"embedded\"\n\n[[site]]\nname = \"Site B\"\ngateway = \"embedded\"\n",
    )
    .unwrap();
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_CONFIG", config.display().to_string())],
        ..Default::default()
    })
    .await;
    let r = s
        .request(Method::POST, "/v1/login")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    let token = body(r).await["access_token"].as_str().unwrap().to_owned();
    let accounts = body(s.request(Method::GET, "/v1/accounts/self").bearer_auth(&token).send().await.unwrap()).await;
    let ids: Vec<(i64, String)> = accounts["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["id"].as_i64().unwrap(), a["site"]["name"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(ids.iter().map(|(_, n)| n.as_str()).collect::<Vec<_>>(), ["Site A", "Site B"]);

    let scoped = |id: i64| {
        let (s, token) = (&s, token.clone());
        async move {
            let r = s.request(Method::POST, &format!("/v1/login/{id}")).bearer_auth(&token).send().await.unwrap();
            body(r).await["access_token"].as_str().unwrap().to_owned()
        }
    };
    let a = scoped(ids[0].0).await;
    let b = scoped(ids[1].0).await;
    let rows = |token: String| {
        let s = &s;
        async move {
            body(s.request(Method::GET, "/v1/audit").bearer_auth(&token).send().await.unwrap()).await["rows"].clone()
        }
    };
    let a_rows = rows(a.clone()).await;
    let b_rows = rows(b).await;
    let a_site = a_rows.as_array().unwrap().iter().filter_map(|r| r["site_id"].as_i64()).collect::<Vec<_>>();
    let b_site = b_rows.as_array().unwrap().iter().filter_map(|r| r["site_id"].as_i64()).collect::<Vec<_>>();
    assert!(!a_site.is_empty() && !b_site.is_empty());
    assert!(a_site.iter().all(|id| !b_site.contains(id)), "each site token sees only its own site's rows");

    // Site B's people cannot be reached with a site A token, even by their row id.
    let b_person = ids[1].0;
    let r = s
        .request(Method::PUT, &format!("/v1/users/{b_person}/rank"))
        .bearer_auth(&a)
        .json(&json!({"rank": "ADMIN"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = s.request(Method::DELETE, &format!("/v1/users/{b_person}/sessions")).bearer_auth(&a).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
