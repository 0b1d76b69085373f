//! SCIM 2.0 at /scim/v2: discovery, Users read with filters and pages, the error shape.

use crate::harness::*;
use crate::users::created;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

async fn scim_token(s: &TestServer, scopes: &[&str]) -> String {
    let me = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let r = s
        .browser(Method::POST, "/v1/tokens", Some(&me))
        .json(&json!({"name": "Okta", "scopes": scopes, "expires_in_days": 30}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    body(r).await["token"].as_str().unwrap().to_owned()
}

async fn get(s: &TestServer, token: &str, path: &str) -> (StatusCode, Value) {
    let r = s.request(Method::GET, path).bearer_auth(token).send().await.unwrap();
    let status = r.status();
    let media = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(media, "application/scim+json", "{path}");
    (status, body(r).await)
}

/// The userNames a filter finds, in the order of the page.
async fn names(s: &TestServer, token: &str, query: &str) -> Vec<String> {
    let r =
        s.request(Method::GET, "/scim/v2/Users").query(&[("filter", query)]).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let b = body(r).await;
    let found: Vec<String> =
        b["Resources"].as_array().unwrap().iter().map(|u| u["userName"].as_str().unwrap().to_owned()).collect();
    assert_eq!(b["totalResults"].as_u64(), Some(found.len() as u64), "{query}");
    found
}

#[tokio::test]
async fn discovery_and_refusals_in_scims_shape() {
    let s = TestServer::start().await;
    let r = s.request(Method::GET, "/scim/v2/Users").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let b = body(r).await;
    assert_eq!(b["schemas"], json!([ERROR]));
    assert_eq!(b["status"], "401");

    let users_only = scim_token(&s, &["users:read"]).await;
    let (status, b) = get(&s, &users_only, "/scim/v2/Users").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(b["detail"], "this token lacks the scim scope");

    let t = scim_token(&s, &["scim"]).await;
    let (status, config) = get(&s, &t, "/scim/v2/ServiceProviderConfig").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(config["filter"]["supported"], true);
    assert_eq!(config["filter"]["maxResults"], 500);
    assert_eq!(config["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let (_, types) = get(&s, &t, "/scim/v2/ResourceTypes").await;
    assert_eq!(types["Resources"][0]["endpoint"], "/Users");
    let (_, schemas) = get(&s, &t, "/scim/v2/Schemas").await;
    let ids: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"urn:ietf:params:scim:schemas:core:2.0:User"), "{ids:?}");

    let (status, b) = get(&s, &t, "/scim/v2/Users/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((b["schemas"][0].as_str(), b["status"].as_str()), (Some(ERROR), Some("404")));
    let r = s.request(Method::DELETE, "/scim/v2/Users").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED, "a collection is not deleted");
    assert_eq!(body(r).await["status"], "405");
    let (status, _) = get(&s, &t, "/scim/v2/Bulk").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not served, and not the console's page");
    let (status, one) = get(&s, &t, "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group").await;
    assert_eq!((status, one["name"].as_str()), (StatusCode::OK, Some("Group")));
    let (status, one) = get(&s, &t, "/scim/v2/ResourceTypes/User").await;
    assert_eq!((status, one["endpoint"].as_str()), (StatusCode::OK, Some("/Users")));
}

#[tokio::test]
async fn users_by_filter_page_sort_and_attributes() {
    let s = TestServer::start().await;
    let admin = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let t = scim_token(&s, &["scim"]).await;
    let ann = created(
        &s,
        &admin,
        json!({"name": "Ann Lee", "first_name": "Ann", "last_name": "Lee", "username": "ann.lee", "email": "Ann.Lee@Example.com",
               "system_id": "00u1AbC", "title": "Lead", "department": "Ops", "phone": "+1 555 0100"}),
    )
    .await;
    for (name, username, email) in [("Bob Stone", "bob", "bob@example.org"), ("Cy Lee", "cy", "cy@example.org")] {
        created(&s, &admin, json!({"name": name, "username": username, "email": email})).await;
    }
    created(&s, &admin, json!({"name": "Dee", "user_id": "77"})).await;
    assert_eq!(names(&s, &t, r#"userName eq "77""#).await, ["77"], "no username: the user ID is the userName");

    let id = ann["id"].as_i64().unwrap();
    let r = s.request(Method::GET, &format!("/scim/v2/Users/{id}")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let user = body(r).await;
    assert_eq!(user["id"], id.to_string());
    assert_eq!(user["userName"], "ann.lee");
    assert_eq!(user["externalId"], "00u1AbC");
    assert_eq!(user["name"], json!({"formatted": "Ann Lee", "givenName": "Ann", "familyName": "Lee"}));
    assert_eq!(user["emails"], json!([{"value": "ann.lee@example.com", "type": "work"}]));
    assert_eq!(user["active"], true);
    assert_eq!(user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Ops");
    assert_eq!(user["meta"]["version"], etag);
    assert_eq!(user["meta"]["location"], format!("/scim/v2/Users/{id}"));

    assert_eq!(names(&s, &t, r#"userName eq "ANN.LEE""#).await, ["ann.lee"], "userName is case-insensitive");
    assert_eq!(names(&s, &t, r#"externalId eq "00u1AbC""#).await, ["ann.lee"]);
    assert!(names(&s, &t, r#"externalId eq "00u1abc""#).await.is_empty(), "externalId is case-exact");
    assert_eq!(names(&s, &t, r#"emails[type eq "work" and value co "example.org"]"#).await, ["bob", "cy"]);
    assert_eq!(names(&s, &t, r#"emails.value ew "EXAMPLE.COM""#).await, ["ann.lee"]);
    assert_eq!(names(&s, &t, r#"name.familyName eq "lee" or userName sw "b""#).await, ["ann.lee", "bob"]);
    assert_eq!(
        names(&s, &t, r#"not (userName eq "bob") and (title pr or displayName co "cy")"#).await,
        ["ann.lee", "cy"]
    );
    assert_eq!(names(&s, &t, r#"meta.lastModified ge "2000-01-01T00:00:00Z""#).await.len(), 5, "and the admin");

    let r = s.request(Method::POST, &format!("/v1/users/{id}/suspend")).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(names(&s, &t, "active eq false").await, ["ann.lee"]);
    assert!(!names(&s, &t, "active eq true").await.contains(&"ann.lee".to_owned()));

    let page = |q: &'static [(&'static str, &'static str)]| {
        let r = s.request(Method::GET, "/scim/v2/Users").query(q).bearer_auth(&t).send();
        async move { body(r.await.unwrap()).await }
    };
    // cy, bob, ann.lee, admin, 77
    let b = page(&[
        ("filter", r#"userName pr"#),
        ("sortBy", "userName"),
        ("sortOrder", "descending"),
        ("startIndex", "2"),
        ("count", "1"),
    ])
    .await;
    assert_eq!(
        (b["totalResults"].as_u64(), b["startIndex"].as_u64(), b["itemsPerPage"].as_u64()),
        (Some(5), Some(2), Some(1))
    );
    assert_eq!(b["Resources"][0]["userName"], "bob");
    let b = page(&[("filter", r#"userName eq "ann.lee""#), ("attributes", "userName,name.givenName")]).await;
    let keys: Vec<&String> = b["Resources"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "meta", "name", "schemas", "userName"]);
    assert_eq!(b["Resources"][0]["name"], json!({"givenName": "Ann"}));
    let b = page(&[("count", "0")]).await;
    assert_eq!((b["totalResults"].as_u64(), b["Resources"].as_array().map(Vec::len)), (Some(5), Some(0)));
}

#[tokio::test]
async fn a_bad_filter_is_invalid_filter_never_a_500() {
    let s = TestServer::start().await;
    let t = scim_token(&s, &["scim"]).await;
    for (filter, says) in [
        (r#"userName eq"#, "expected a value"),
        (r#"userName like "x""#, "is not an operator"),
        (r#"password eq "x""#, "password is not an attribute Lintel filters on"),
        (r#"active eq "yes""#, "needs true or false"),
        (r#"meta.lastModified gt "yesterday""#, "not an RFC 3339 instant"),
        (r#"userName eq "a" and ((("#, "expected an attribute"),
        (r#"name[givenName eq "x"]"#, "not a multi-valued attribute"),
    ] {
        let r =
            s.request(Method::GET, "/scim/v2/Users").query(&[("filter", filter)]).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{filter}");
        let b = body(r).await;
        assert_eq!(b["scimType"], "invalidFilter", "{filter}");
        assert!(b["detail"].as_str().unwrap().contains(says), "{filter}: {b}");
    }
    let r =
        s.request(Method::GET, "/scim/v2/Users").query(&[("sortBy", "password")]).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(r).await["scimType"], "invalidValue");
}

async fn post_user(s: &TestServer, token: &str, user: Value) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let r = s
        .request(Method::POST, "/scim/v2/Users")
        .bearer_auth(token)
        .header("content-type", "application/scim+json")
        .json(&user)
        .send()
        .await
        .unwrap();
    let (status, headers) = (r.status(), r.headers().clone());
    (status, body(r).await, headers)
}

#[tokio::test]
async fn okta_looks_a_person_up_then_creates_them_and_a_taken_user_name_is_uniqueness() {
    let s = TestServer::start().await;
    let t = scim_token(&s, &["scim"]).await;
    assert!(names(&s, &t, r#"userName eq "jane.doe@example.com""#).await.is_empty());
    let jane = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "jane.doe@example.com",
        "name": {"givenName": "Jane", "familyName": "Doe"},
        "emails": [{"primary": true, "value": "jane.doe@example.com", "type": "work"}],
        "displayName": "Jane Doe",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "locale": "en-US",
        "active": true,
    });
    let (status, user, headers) = post_user(&s, &t, jane.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap();
    assert_eq!(headers["location"], format!("/scim/v2/Users/{id}").as_str());
    assert_eq!(headers["etag"], user["meta"]["version"].as_str().unwrap());
    assert_eq!((user["userName"].as_str(), user["active"].as_bool()), (Some("jane.doe@example.com"), Some(true)));
    assert_eq!(user["name"]["formatted"], "Jane Doe");
    assert_eq!(names(&s, &t, r#"userName eq "Jane.Doe@example.com""#).await, ["jane.doe@example.com"]);

    let mut again = jane.clone();
    again["externalId"] = json!("other");
    again["emails"] = json!([]);
    let (status, b, _) = post_user(&s, &t, again).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!((b["scimType"].as_str(), b["status"].as_str()), (Some("uniqueness"), Some("409")));
    assert!(b["detail"].as_str().unwrap().contains("username"), "{b}");

    // Entra ID sends active as a string.
    let (status, leaver, _) =
        post_user(&s, &t, json!({"userName": "leaver", "active": "False", "name": {"formatted": "Lee Ver"}})).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(leaver["active"], false);
    let audit = body(
        s.request(Method::GET, "/v1/audit")
            .bearer_auth(s.site_token(ADMIN, ADMIN_PASSWORD).await)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = audit.to_string();
    assert!(text.contains("user.create") && text.contains("user.suspend") && text.contains("token:Okta"), "{text}");

    for (user, says) in [
        (json!({"name": {"givenName": "No"}}), "userName: required"),
        (json!({"userName": "bad name!"}), "username"),
        (json!({"userName": "x", "emails": [{"value": "not an email"}]}), "email"),
        (json!({"userName": "y", "active": "maybe"}), "active"),
    ] {
        let (status, b, _) = post_user(&s, &t, user.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{user}");
        assert_eq!(b["scimType"], "invalidValue", "{user}: {b}");
        assert!(b["detail"].as_str().unwrap().contains(says), "{user}: {b}");
    }
}

async fn patch_user(s: &TestServer, token: &str, id: &str, ops: Value) -> (StatusCode, Value) {
    let request = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let r = s
        .request(Method::PATCH, &format!("/scim/v2/Users/{id}"))
        .bearer_auth(token)
        .json(&request)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, body(r).await)
}

async fn status_of(s: &TestServer, id: &str) -> String {
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::GET, &format!("/v1/users/{id}")).bearer_auth(&t).send().await.unwrap();
    body(r).await["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn okta_deactivates_and_reactivates_with_patch_and_replaces_with_put() {
    let s = TestServer::start().await;
    let t = scim_token(&s, &["scim"]).await;
    let (_, user, _) = post_user(&s, &t, json!({"userName": "sam@example.com", "name": {"givenName": "Sam", "familyName": "Hill"}, "emails": [{"value": "sam@example.com", "primary": true}]})).await;
    let id = user["id"].as_str().unwrap().to_owned();

    let (status, b) = patch_user(&s, &t, &id, json!([{"op": "replace", "value": {"active": false}}])).await;
    assert_eq!((status, b["active"].as_bool()), (StatusCode::OK, Some(false)), "{b}");
    assert_eq!(b["meta"]["version"], "W/\"2\"", "one change: the suspension");
    assert_eq!(status_of(&s, &id).await, "SUSPENDED");
    let (_, b) = patch_user(&s, &t, &id, json!([{"op": "replace", "value": {"active": true}}])).await;
    assert_eq!(b["active"], true);
    assert_eq!(status_of(&s, &id).await, "PENDING", "no credentials yet");

    let mut put = b.clone();
    // Without name.formatted or displayName, the name is the given and family names.
    put["name"] = json!({"givenName": "Samuel", "familyName": "Hill"});
    put.as_object_mut().unwrap().remove("displayName");
    put["title"] = json!("Engineer");
    let version = b["meta"]["version"].as_str().unwrap().to_owned();
    let r = s
        .request(Method::PUT, &format!("/scim/v2/Users/{id}"))
        .bearer_auth(&t)
        .header("if-match", &version)
        .json(&put)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!((b["name"]["formatted"].as_str(), b["title"].as_str()), (Some("Samuel Hill"), Some("Engineer")));
    let r = s
        .request(Method::PUT, &format!("/scim/v2/Users/{id}"))
        .bearer_auth(&t)
        .header("if-match", &version)
        .json(&put)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED, "the version moved on");
    assert_eq!(body(r).await["status"], "412");
}

#[tokio::test]
async fn entra_patches_paths_with_value_filters_and_active_as_a_string() {
    let s = TestServer::start().await;
    let t = scim_token(&s, &["scim"]).await;
    assert!(names(&s, &t, r#"externalId eq "58342554-38d6-4ec8-948c-50044d0a33fd""#).await.is_empty());
    let (status, user, _) = post_user(&s, &t, json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "58342554-38d6-4ec8-948c-50044d0a33fd",
        "userName": "Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1",
        "active": true,
        "emails": [{"primary": true, "type": "work", "value": "Test_User_fd0ea19b@testuser.com"}],
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"employeeNumber": "1", "department": "R&D", "manager": {"value": "x"}},
    })).await;
    assert_eq!(status, StatusCode::CREATED, "{user}");
    let id = user["id"].as_str().unwrap().to_owned();
    assert_eq!(user["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "R&D");

    let (status, b) = patch_user(&s, &t, &id, json!([
        {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updatedEmail@microsoft.com"},
        {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
        {"op": "Add", "path": "title", "value": "Manager"},
        {"op": "Replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "Ops"},
    ])).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["emails"][0]["value"], "updatedemail@microsoft.com");
    assert_eq!(b["name"]["familyName"], "updatedFamilyName");
    assert_eq!(b["title"], "Manager");
    assert_eq!(b["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"], "Ops");

    let (_, b) = patch_user(&s, &t, &id, json!([{"op": "Replace", "path": "active", "value": "False"}])).await;
    assert_eq!(b["active"], false);
    assert_eq!(status_of(&s, &id).await, "SUSPENDED");

    let (status, b) =
        patch_user(&s, &t, &id, json!([{"op": "Replace", "path": "emails[type eq ]", "value": "x"}])).await;
    assert_eq!((status, b["scimType"].as_str()), (StatusCode::BAD_REQUEST, Some("invalidPath")));
}

#[tokio::test]
async fn a_person_deprovisioned_through_scim_is_off_every_online_device() {
    let s = TestServer::start().await;
    let admin = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let t = scim_token(&s, &["scim"]).await;
    let p = created(
        &s,
        &admin,
        json!({"user_id": "900", "name": "Leaver", "username": "leaver@example.com", "cards": [{"number": "9009"}]}),
    )
    .await;
    assert_eq!(p["status"], "ACTIVE");
    let among: std::collections::BTreeSet<String> = ["900".to_owned()].into();
    s.until_devices_hold(&crate::sync::DEVICES, &among, &among, std::time::Duration::from_secs(10)).await;
    let found = names(&s, &t, r#"userName eq "leaver@example.com""#).await;
    assert_eq!(found, ["leaver@example.com"]);
    let id = p["id"].as_i64().unwrap().to_string();
    let (status, _) = patch_user(&s, &t, &id, json!([{"op": "replace", "path": "active", "value": false}])).await;
    assert_eq!(status, StatusCode::OK);
    s.until_devices_hold(&crate::sync::DEVICES, &among, &Default::default(), std::time::Duration::from_secs(5)).await;

    let r = s.request(Method::DELETE, &format!("/scim/v2/Users/{id}")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = get(&s, &t, &format!("/scim/v2/Users/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a deleted User is gone");
    assert!(names(&s, &t, r#"userName eq "leaver@example.com""#).await.is_empty());
    let r = s.request(Method::DELETE, &format!("/scim/v2/Users/{id}")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
