use crate::harness::*;
use reqwest::{Method, StatusCode};
use server::authz::{Rule, TABLE, rule_for};

#[test]
fn every_route_has_a_rule_and_every_rule_a_route() {
    let routes: Vec<_> = server::api::routes().into_iter().chain(server::scim::routes()).collect();
    for (method, path, _) in &routes {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        assert!(rule_for(&method, path).is_some(), "{method} {path} has no authorization rule");
    }
    for (method, path, _) in TABLE {
        assert!(routes.iter().any(|(m, p, _)| m == method && p == path), "rule for {method} {path} has no route");
    }
}

#[tokio::test]
async fn every_guarded_route_refuses_the_anonymous() {
    let s = TestServer::start().await;
    for (method, path, rule) in TABLE {
        if *rule == Rule::Public {
            continue;
        }
        let path = path.replace("{account_id}", "1").replace("{id}", "1");
        let r = s.request(Method::from_bytes(method.as_bytes()).unwrap(), &path).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        let b = body(r).await;
        if path.starts_with("/scim/") {
            assert_eq!(b["status"], "401", "{method} {path}: SCIM's error shape");
        } else {
            assert_eq!(b["error"]["code"], "unauthorized");
        }
    }
}

#[tokio::test]
async fn site_rules_need_the_rank() {
    let s = TestServer::start().await;
    let token = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::GET, "/v1/audit").bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a SUPER passes an ADMIN rule");
    // A REGULAR person's refusal is covered once people can be created (directory issue);
    // here the rule itself is checked.
    let regular = server::auth::caller::Caller {
        via: server::auth::caller::Via::Bearer { session_id: 1 },
        login_id: Some(1),
        username: "reg".into(),
        account: Some(server::auth::caller::Account {
            user_row: 1,
            site_id: 1,
            site_name: "Demo site".into(),
            user_id: "2".into(),
            rank: proto::domain::Rank::Regular,
        }),
    };
    let e =
        server::authz::check(Rule::Site { rank: proto::domain::Rank::Admin, scope: None }, Some(&regular)).unwrap_err();
    assert_eq!(e.status, StatusCode::FORBIDDEN);
}
