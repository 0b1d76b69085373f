//! SCIM Groups (access groups) as Okta and Entra ID push them, the Enterprise attributes kept
//! as sent, and the site's rule for leavers.

use crate::harness::*;
use crate::sync::{DEVICES, MAIN_ENTRANCE};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

async fn scim_token(s: &TestServer) -> String {
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .browser(Method::POST, "/v1/tokens", Some(&me))
        .json(&json!({"name": "Okta", "scopes": ["scim"], "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await["token"].as_str().unwrap().to_owned()
}

async fn call(s: &TestServer, t: &str, method: Method, path: &str, doc: Option<Value>) -> (StatusCode, Value) {
    let mut r = s.request(method, path).bearer_auth(t);
    if let Some(doc) = doc {
        r = r.header("content-type", "application/scim+json").body(doc.to_string());
    }
    let r = r.send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    (status, if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap() })
}

async fn patch(s: &TestServer, t: &str, path: &str, ops: Value) -> (StatusCode, Value) {
    call(s, t, Method::PATCH, path, Some(json!({"schemas": [PATCH_OP], "Operations": ops}))).await
}

/// A User provisioned through SCIM; answers its id.
async fn user(s: &TestServer, t: &str, user_name: &str, extra: Value) -> String {
    let mut doc = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": user_name,
                         "name": {"givenName": user_name, "familyName": "Doe"}, "active": true});
    if let (Value::Object(d), Value::Object(e)) = (&mut doc, extra) {
        d.extend(e);
    }
    let (status, b) = call(s, t, Method::POST, "/scim/v2/Users", Some(doc)).await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    b["id"].as_str().unwrap().to_owned()
}

fn member_ids(group: &Value) -> Vec<String> {
    group["members"].as_array().map_or(vec![], |m| m.iter().map(|m| m["value"].as_str().unwrap().to_owned()).collect())
}

/// The access groups the directory holds for a person.
async fn groups_of(s: &TestServer, admin: &str, id: &str) -> Vec<u64> {
    let r = s.request(Method::GET, &format!("/v1/users/{id}")).bearer_auth(admin).send().await.unwrap();
    body(r).await["access_groups"].as_array().unwrap().iter().map(|g| g.as_u64().unwrap()).collect()
}

#[tokio::test]
async fn okta_pushes_a_group_and_its_members_reach_the_groups_devices() {
    let s = TestServer::start().await;
    let t = scim_token(&s).await;
    let admin = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    // People with a card (a person without credentials waits, PENDING, off every device).
    let mut ids = vec![];
    for (user_id, name) in [("701", "ann@example.com"), ("702", "bob@example.com")] {
        let p = json!({"user_id": user_id, "name": name, "username": name, "cards": [{"number": user_id}]});
        ids.push(crate::users::created(&s, &admin, p).await["id"].as_i64().unwrap().to_string());
    }
    let (ann, bob) = (ids[0].clone(), ids[1].clone());

    // Okta looks the group up by name, then creates it empty and pushes its members.
    let (status, found) =
        call(&s, &t, Method::GET, "/scim/v2/Groups?filter=displayName%20eq%20%22Engineering%22", None).await;
    assert_eq!((status, found["totalResults"].as_u64()), (StatusCode::OK, Some(0)));
    let (status, g) = call(
        &s,
        &t,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering", "members": []})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{g}");
    let id = g["id"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/Groups/{id}");
    let (status, _) = call(&s, &t, Method::POST, "/scim/v2/Groups", Some(json!({"displayName": "Engineering"}))).await;
    assert_eq!(status, StatusCode::CONFLICT, "a group name is unique in the site");

    // In the site's groups mode, the group's device is where its members go.
    let r = s
        .request(Method::PUT, &format!("/v1/access-groups/{id}"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Engineering", "devices": [MAIN_ENTRANCE]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r =
        s.browser(Method::PUT, "/v1/site/sync", Some(&cookie)).json(&json!({"mode": "groups"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let (status, _) = patch(
        &s,
        &t,
        &path,
        json!([{"op": "add", "path": "members", "value": [{"value": ann, "display": "Ann"}, {"value": bob}]}]),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, g) = call(&s, &t, Method::GET, &path, None).await;
    assert_eq!(member_ids(&g), [ann.clone(), bob.clone()]);
    assert_eq!(g["members"][0]["$ref"], format!("/scim/v2/Users/{ann}"));
    assert_eq!(groups_of(&s, &admin, &ann).await, [id.parse::<u64>().unwrap()]);
    let user_ids = |names: &[&str]| -> BTreeSet<String> { names.iter().map(|n| (*n).to_owned()).collect() };
    let among = user_ids(&["701", "702"]);
    s.until_devices_hold(&[MAIN_ENTRANCE], &among, &among, Duration::from_secs(5)).await;
    s.until_devices_hold(&DEVICES[1..], &among, &BTreeSet::new(), Duration::from_secs(5)).await;

    // Okta removes a member by a value filter and renames the group by a PATCH without a path.
    let (status, _) =
        patch(&s, &t, &path, json!([{"op": "remove", "path": format!("members[value eq \"{ann}\"]")}])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) =
        patch(&s, &t, &path, json!([{"op": "replace", "value": {"id": id, "displayName": "Platform"}}])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, found) = call(&s, &t, Method::GET, "/scim/v2/Groups?filter=displayName%20eq%20%22platform%22", None).await;
    assert_eq!(found["totalResults"], 1);
    assert_eq!(member_ids(&found["Resources"][0]), std::slice::from_ref(&bob));
    s.until_devices_hold(&[MAIN_ENTRANCE], &among, &user_ids(&["702"]), Duration::from_secs(5)).await;

    // Deleting the group takes it from its members, and off the door.
    let (status, _) = call(&s, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, b) = call(&s, &t, Method::GET, &path, None).await;
    assert_eq!((status, b["status"].as_str()), (StatusCode::NOT_FOUND, Some("404")));
    assert!(groups_of(&s, &admin, &bob).await.is_empty());
    s.until_devices_hold(&[MAIN_ENTRANCE], &among, &BTreeSet::new(), Duration::from_secs(5)).await;
}

#[tokio::test]
async fn entra_adds_and_removes_members_by_value_lists_and_checks_membership_by_filter() {
    let s = TestServer::start().await;
    let t = scim_token(&s).await;
    let ann = user(&s, &t, "ann@example.com", json!({})).await;
    let (status, g) = call(
        &s,
        &t,
        Method::POST,
        "/scim/v2/Groups",
        Some(json!({"displayName": "Night shift", "externalId": "8c1e-aad-group"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = g["id"].as_str().unwrap().to_owned();
    let path = format!("/scim/v2/Groups/{id}");
    let (_, found) =
        call(&s, &t, Method::GET, "/scim/v2/Groups?filter=externalId%20eq%20%228c1e-aad-group%22", None).await;
    assert_eq!(found["Resources"][0]["id"], id.as_str());

    let (status, _) = patch(&s, &t, &path, json!([{"op": "Add", "path": "members", "value": [{"value": ann}]}])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let membership = format!(
        "/scim/v2/Groups?filter=id%20eq%20%22{id}%22%20and%20members%20eq%20%22{ann}%22&excludedAttributes=members"
    );
    let (_, found) = call(&s, &t, Method::GET, &membership, None).await;
    assert_eq!(found["totalResults"], 1);
    assert!(found["Resources"][0].get("members").is_none(), "excluded");

    let (status, _) =
        patch(&s, &t, &path, json!([{"op": "Remove", "path": "members", "value": [{"value": ann}]}])).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, found) = call(&s, &t, Method::GET, &membership, None).await;
    assert_eq!(found["totalResults"], 0);

    let (status, b) =
        patch(&s, &t, &path, json!([{"op": "Add", "path": "members", "value": [{"value": "999999"}]}])).await;
    assert_eq!((status, b["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidValue")));
    assert_eq!(b["detail"], "members: no User \"999999\" in this site");
    let (status, b) = patch(&s, &t, &path, json!([{"op": "remove", "path": "displayName"}])).await;
    assert_eq!((status, b["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("mutability")));
    let (status, b) = patch(&s, &t, &path, json!([{"op": "replace", "path": "id", "value": "77"}])).await;
    assert_eq!((status, b["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("mutability")));
}

#[tokio::test]
async fn the_enterprise_attributes_are_kept_as_sent_and_read_only_ones_refused() {
    let s = TestServer::start().await;
    let t = scim_token(&s).await;
    let id = user(
        &s,
        &t,
        "ann@example.com",
        json!({ENTERPRISE: {"employeeNumber": "E-701", "department": "Ops", "manager": "26118915-6090-4a7f-9c4e"}}),
    )
    .await;
    let path = format!("/scim/v2/Users/{id}");
    let (_, u) = call(&s, &t, Method::GET, &path, None).await;
    assert_eq!(
        u[ENTERPRISE],
        json!({"employeeNumber": "E-701", "department": "Ops", "manager": {"value": "26118915-6090-4a7f-9c4e"}})
    );
    let version = u["meta"]["version"].clone();
    let (status, u) = patch(
        &s,
        &t,
        &path,
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "E-702"}]),
    )
    .await;
    assert_eq!((status, u[ENTERPRISE]["employeeNumber"].as_str()), (StatusCode::OK, Some("E-702")));
    assert_ne!(u["meta"]["version"], version, "a kept attribute's change is a new version");
    let (status, b) = patch(
        &s,
        &t,
        &path,
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:costCenter"), "value": "x".repeat(257)}]),
    )
    .await;
    assert_eq!(
        (status, b["detail"].as_str()),
        (StatusCode::BAD_REQUEST, Some("costCenter: 257 characters, at most 256"))
    );
    let (status, u) = patch(&s, &t, &path, json!([{"op": "remove", "path": ENTERPRISE}])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(u.get(ENTERPRISE).is_none(), "{u}");

    // What a User must keep, and what the server sets, are refused as `mutability`.
    for (op, target) in [("remove", "userName"), ("remove", "active"), ("replace", "meta.created"), ("replace", "id")] {
        let (status, b) = patch(&s, &t, &path, json!([{"op": op, "path": target, "value": "x"}])).await;
        assert_eq!((status, b["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("mutability")), "{op} {target}");
    }
    let (status, _) = patch(&s, &t, &path, json!([{"op": "replace", "value": {"id": id, "title": "Lead"}}])).await;
    assert_eq!(status, StatusCode::OK, "the same id repeated is no change");
}

#[tokio::test]
async fn a_site_that_deactivates_leavers_keeps_the_record_and_hides_it_after_delete() {
    let s = TestServer::start().await;
    let t = scim_token(&s).await;
    let admin = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::GET, "/v1/site/scim").bearer_auth(&t).send().await.unwrap();
    assert_eq!(body(r).await, json!({"leavers": "suspend"}), "the default");
    let r =
        s.request(Method::PUT, "/v1/site/scim").bearer_auth(&t).json(&json!({"leavers": "deactivate"})).send().await;
    assert_eq!(r.unwrap().status(), StatusCode::FORBIDDEN, "only a SUPER's session sets it");
    let r = s
        .browser(Method::PUT, "/v1/site/scim", Some(&cookie))
        .json(&json!({"leavers": "deactivate"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let id = user(&s, &t, "ann@example.com", json!({})).await;
    let path = format!("/scim/v2/Users/{id}");
    let status_of = |v: Value| v["status"].as_str().unwrap().to_owned();
    let directory = format!("/v1/users/{id}");
    let (_, u) = patch(&s, &t, &path, json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!(u["active"], false);
    let r = s.request(Method::GET, &directory).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(status_of(body(r).await), "DEACTIVATED");
    let (_, u) = patch(&s, &t, &path, json!([{"op": "replace", "path": "active", "value": true}])).await;
    assert_eq!(u["active"], true, "a rehire");

    let (status, _) = call(&s, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&s, &t, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "gone for SCIM (RFC 7644 §3.6)");
    let (_, found) =
        call(&s, &t, Method::GET, "/scim/v2/Users?filter=userName%20eq%20%22ann@example.com%22", None).await;
    assert_eq!(found["totalResults"], 0);
    let r = s.request(Method::GET, &directory).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(status_of(body(r).await), "DEACTIVATED", "the record stays in the directory");
}
