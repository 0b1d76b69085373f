use crate::harness::*;
use crate::users::created;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn list(s: &TestServer, t: &str, query: &str) -> Value {
    let r = s.request(Method::GET, &format!("/v1/users?{query}")).bearer_auth(t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    body(r).await
}

fn names(page: &Value) -> Vec<String> {
    page["users"].as_array().unwrap().iter().map(|u| u["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn filters_sort_and_pages() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(&s, &t, json!({"name": "Ann Lee", "email": "ann@north.example", "username": "alee", "access_groups": [7]}))
        .await;
    created(&s, &t, json!({"name": "Bob Stone", "email": "BOB@south.example", "tag": "GUEST", "system_id": "hr-2"}))
        .await;
    let cy = created(
        &s,
        &t,
        json!({"name": "Cy 100%", "email": "cy@north.example", "username": "cyan", "cards": [{"number": "1"}]}),
    )
    .await;
    s.clock.advance(1800); // bearer tokens last an hour
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{}", cy["id"]))
        .bearer_auth(&t)
        .json(&json!({"title": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    assert_eq!(names(&list(&s, &t, "search=LEE").await), ["Ann Lee"], "substring of the name, any case");
    assert_eq!(names(&list(&s, &t, "search=south").await), ["Bob Stone"], "substring of the email");
    assert_eq!(names(&list(&s, &t, "search=100%25").await), ["Cy 100%"], "% is literal");
    assert_eq!(names(&list(&s, &t, "search=cya").await), ["Cy 100%"], "substring of the username");
    assert_eq!(names(&list(&s, &t, "email=Bob@South.Example").await), ["Bob Stone"]);
    assert_eq!(names(&list(&s, &t, "email_domain=NORTH.example").await), ["Ann Lee", "Cy 100%"]);
    assert_eq!(names(&list(&s, &t, "username_prefix=AL").await), ["Ann Lee"]);
    assert_eq!(names(&list(&s, &t, "status=ACTIVE").await), ["Cy 100%"]);
    assert_eq!(names(&list(&s, &t, "tag=GUEST").await), ["Bob Stone"]);
    assert_eq!(names(&list(&s, &t, "access_group=7").await), ["Ann Lee"]);
    assert_eq!(names(&list(&s, &t, "system_id=hr-2").await), ["Bob Stone"]);
    assert_eq!(names(&list(&s, &t, "since_utc=2026-11-22T00:20:00Z").await), ["Cy 100%"]);
    assert_eq!(names(&list(&s, &t, "since=2026-11-22T00:20").await), ["Cy 100%"], "site time zone is UTC here");

    let bob = list(&s, &t, "search=stone").await["users"][0]["id"].as_i64().unwrap();
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{bob}"))
        .bearer_auth(&t)
        .json(&json!({"name": "Bob Tables"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(names(&list(&s, &t, "search=tables").await), ["Bob Tables"], "the search index follows a rename");
    assert!(names(&list(&s, &t, "search=stone").await).is_empty());
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{bob}"))
        .bearer_auth(&t)
        .json(&json!({"name": "Bob Stone"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page = list(&s, &t, "sort=name&order=desc&limit=2").await;
    assert_eq!(names(&page), ["Cy 100%", "Bob Stone"]);
    assert_eq!((page["has_more"].as_bool(), page["next_offset"].as_u64()), (Some(true), Some(2)));
    let rest = list(&s, &t, "sort=name&order=desc&limit=2&offset=2").await;
    assert_eq!(names(&rest), ["Ann Lee", "admin"]);
    assert_eq!(rest["has_more"], false);
    let first = &page["users"][0];
    assert!(first.get("cards").is_none() && first["credentials"]["cards"] == 1, "lists show counts, not credentials");

    for (query, field) in [
        ("limit=501", "limit"),
        ("limit=0", "limit"),
        ("status=GONE", "status"),
        ("sort=pin", "sort"),
        ("since_utc=yesterday", "since_utc"),
    ] {
        let r = s.request(Method::GET, &format!("/v1/users?{query}")).bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body(r).await["error"]["field"], field);
    }
}

/// A term found among many people, one found among a run of people added together, and a
/// rare one give the same pages whichever way the server reads them (on PostgreSQL a
/// sample of the table's pages may call a term common and walk the name order).
#[tokio::test]
async fn common_clustered_and_rare_terms_page_alike() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let people: Vec<Value> = (0..600_usize)
        .map(|i| {
            let surname = if i.is_multiple_of(3) { "Okafor" } else { ["Lee", "Stone"][i % 2] };
            let tag = if (200..260).contains(&i) { " Northwing" } else { "" };
            json!({"name": format!("Person {i:03} {surname}{tag}"), "email": format!("p{i}@example.com")})
        })
        .collect();
    for chunk in people.chunks(300) {
        let r = s
            .request(Method::POST, "/v1/users/batch")
            .bearer_auth(&t)
            .json(&json!({"users": chunk}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(body(r).await["status"], "OK");
    }
    let expect = |pick: &dyn Fn(usize) -> bool| -> Vec<String> {
        let mut names: Vec<String> =
            (0..600).filter(|i| pick(*i)).map(|i| people[i]["name"].as_str().unwrap().to_owned()).collect();
        names.sort_by_key(|n| n.to_lowercase());
        names
    };
    for (term, pick) in [
        ("okafor", &(|i: usize| i.is_multiple_of(3)) as &dyn Fn(usize) -> bool),
        ("northwing", &|i: usize| (200..260).contains(&i)),
        ("son 123 ", &|i: usize| i == 123),
        ("@example", &|_| true),
    ] {
        let all = expect(pick);
        let q = |offset: usize| format!("search={}&sort=name&limit=50&offset={offset}", term.replace(' ', "%20"));
        let first = list(&s, &t, &q(0)).await;
        assert_eq!(names(&first), all[..all.len().min(50)], "{term}: the first page");
        if all.len() > 100 {
            assert_eq!(names(&list(&s, &t, &q(100)).await), all[100..150], "{term}: a later page");
        }
        assert_eq!(first["has_more"], all.len() > 50, "{term}");
    }
}

/// Common terms whose people sort after everyone else (as a first name's people sort
/// together): the page's walk of the name order gives up early and narrows to the matches
/// when they are not too many, or walks on when they are; each way the same pages.
#[tokio::test]
async fn common_terms_that_sort_last_page_alike() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let name = |i: usize| match i {
        0..9_000 => format!("Aaron {i:05} Lee"),
        9_000..10_100 => format!("Zora {i:05} Quill Vale"),
        _ => format!("Zora {i:05} Quill"),
    };
    let csv: String = std::iter::once("email,name\r\n".to_owned())
        .chain((0..13_000).map(|i| format!("q{i}@example.com,{}\r\n", name(i))))
        .collect();
    let (status, summary) = crate::import_export::import(&s, &t, "mode=create&key=email", &csv).await;
    assert_eq!((status, summary["created"].as_u64()), (StatusCode::OK, Some(13_000)), "{summary}");
    for (term, first, count) in [("vale", 9_000, 1_100), ("quill", 9_000, 4_000), ("aaron", 0, 9_000)] {
        for order in ["asc", "desc"] {
            let mut all: Vec<String> = (first..first + count).map(name).collect();
            if order == "desc" {
                all.reverse();
            }
            let q = |offset: usize| format!("search={term}&sort=name&order={order}&limit=50&offset={offset}");
            let page = list(&s, &t, &q(0)).await;
            assert_eq!(names(&page), all[..50], "{term} {order}: the first page");
            assert_eq!(page["has_more"], true, "{term} {order}");
            assert_eq!(names(&list(&s, &t, &q(100)).await), all[100..150], "{term} {order}: a later page");
            let last = list(&s, &t, &q(count - 20)).await;
            assert_eq!(names(&last), all[count - 20..], "{term} {order}: the last page");
            assert_eq!(last["has_more"], false, "{term} {order}");
        }
    }
}

#[tokio::test]
async fn a_biostar_air_script_finds_and_suspends_by_email() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(&s, &t, json!({"name": "Dee", "email": "dee@example.com", "cards": [{"number": "4242"}]})).await;
    // The sample app: search by email, take users[0]["id"], suspend by ids.
    let r = s
        .request(Method::POST, "/v1/users/search")
        .bearer_auth(&t)
        .json(&json!({"filters": [{"field": "email", "equals": "DEE@example.com"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let id = body(r).await["users"][0]["id"].as_i64().unwrap();
    let r = s
        .request(Method::POST, "/v1/users/suspend")
        .bearer_auth(&t)
        .json(&json!({"ids": [id], "certify_by": "none", "use_site_template": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = s
        .request(Method::POST, "/v1/users/search")
        .bearer_auth(&t)
        .json(&json!({"filters": [{"field": "status", "equals": "SUSPENDED"}, {"field": "id", "equals": id}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(names(&body(r).await), ["Dee"]);
    let r = s
        .request(Method::POST, "/v1/users/search")
        .bearer_auth(&t)
        .json(&json!({"filters": [{"field": "shoe_size", "equals": "9"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(body(r).await["error"]["field"], "filters[0].field");
}

#[tokio::test]
async fn regular_people_read_only_themselves_and_tokens_need_scopes() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let me = s.add_person("reg", "a regular person 1", "REGULAR").await;
    let other = created(&s, &t, json!({"name": "Other"})).await["id"].as_i64().unwrap();
    let rt = s.site_token("reg", "a regular person 1").await;
    assert_eq!(
        s.request(Method::GET, &format!("/v1/users/{me}")).bearer_auth(&rt).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        s.request(Method::GET, &format!("/v1/users/{other}")).bearer_auth(&rt).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        s.request(Method::GET, "/v1/users").bearer_auth(&rt).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    let token = body(
        s.browser(Method::POST, "/v1/tokens", Some(&cookie))
            .json(&json!({"name": "reader", "scopes": ["users:read"]}))
            .send()
            .await
            .unwrap(),
    )
    .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        s.request(Method::GET, &format!("/v1/users/{other}")).bearer_auth(&token).send().await.unwrap().status(),
        StatusCode::OK
    );
    let r = s.request(Method::POST, "/v1/users").bearer_auth(&token).json(&json!({"name": "X"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "users:read cannot write");
    let names_listed = names(&list(&s, &token, "limit=500").await);
    assert!(
        !names_listed.iter().any(|n| n.starts_with("service:")),
        "service accounts are not people of the directory"
    );
}
