use crate::harness::*;
use crate::users::created;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub async fn import(s: &TestServer, t: &str, query: &str, csv: &str) -> (StatusCode, Value) {
    let r = s
        .request(Method::POST, &format!("/v1/users/import?{query}"))
        .bearer_auth(t)
        .header("content-type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, body(r).await)
}

async fn count_users(s: &TestServer) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE is_service = FALSE").fetch_one(s.db()).await.unwrap()
}

#[tokio::test]
async fn batch_create_reports_per_item() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(&s, &t, json!({"name": "Taken", "email": "taken@example.com"})).await;
    let users = json!({"users": [
        {"name": "One", "cards": [{"number": "111"}]},
        {"name": "x".repeat(49)},
        {"name": "Two", "email": "TAKEN@example.com"},
        {"name": "Three", "cards": [{"number": "111"}]},
        {"name": "Four", "pin": "******"},
        {"name": "Five", "user_id": "A-5"}
    ]});
    let r = s.request(Method::POST, "/v1/users/batch").bearer_auth(&t).json(&users).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let b = body(r).await;
    assert_eq!(b["status"], "ERROR");
    let made: Vec<u64> = b["created_users"].as_array().unwrap().iter().map(|u| u["index"].as_u64().unwrap()).collect();
    assert_eq!(made, [0, 4, 5]);
    assert_eq!(b["created_users"][0]["status"], "ACTIVE");
    assert!(b["created_users"][1]["pin"].as_str().unwrap().len() >= 6, "a random PIN, once");
    assert_eq!(b["created_users"][2]["user_id"], "A-5");
    assert_eq!(b["error_details"]["1"]["field"], "users[1].name");
    assert_eq!(b["error_details"]["2"]["field"], "email");
    assert_eq!(b["error_details"]["3"]["field"], "cards[0].number", "the same card as item 0");
    let outbox: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM test_outbox_log").fetch_one(s.db()).await.unwrap();
    assert_eq!(outbox, 2, "device work for the two ACTIVE people");
    let r = s.request(Method::GET, "/v1/users?search=hree").bearer_auth(&t).send().await.unwrap();
    assert_eq!(body(r).await["users"].as_array().map(Vec::len), Some(0), "item 3 was refused");
    for (term, name) in [("our", "Four"), ("ive", "Five"), ("One", "One")] {
        let r = s.request(Method::GET, &format!("/v1/users?search={term}")).bearer_auth(&t).send().await.unwrap();
        assert_eq!(body(r).await["users"][0]["name"], name, "people created in bulk are in the search index");
    }
    let after: String =
        sqlx::query_scalar("SELECT after_json FROM audit WHERE action = 'user.create' AND target = 'A-5'")
            .fetch_one(s.db())
            .await
            .unwrap();
    let after: Value = serde_json::from_str(&after).unwrap();
    assert_eq!(after["fields"], json!({"name": "Five", "tag": "USER"}), "the audit keeps the fields that are set");
}

#[tokio::test]
async fn a_card_that_changes_hands_is_a_warning_never_a_silent_move() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(&s, &t, json!({"name": "Ann", "user_id": "501", "cards": [{"number": "100"}]})).await;
    created(&s, &t, json!({"name": "Bea", "user_id": "502", "cards": [{"number": "300"}]})).await;
    // Ann gives card 100 up for 200; a new person takes 100; another new one asks for Bea's 300.
    let csv = "user_id,name,cards\r\n501,Ann,200\r\n601,Cid,100\r\n602,Dot,300\r\n";
    for dry_run in [true, false] {
        let (status, b) = import(&s, &t, &format!("mode=upsert&key=user_id&dry_run={dry_run}"), csv).await;
        assert_eq!(status, StatusCode::OK, "{b}");
        assert_eq!((b["updated"].as_u64(), b["created"].as_u64(), b["failed"].as_u64()), (Some(1), Some(1), Some(1)));
        assert_eq!(b["warnings"][0]["line"], 3, "{b}");
        assert_eq!(b["warnings"][0]["warnings"], json!(["card 100 moves from user 501"]));
        assert_eq!(b["errors"][0]["line"], 4);
        let message = b["errors"][0]["error"]["message"].as_str().unwrap();
        assert!(message.contains("502"), "a card someone keeps is refused, naming them: {message}");
        if !dry_run {
            let r = s.request(Method::GET, b["results_url"].as_str().unwrap()).bearer_auth(&t).send().await.unwrap();
            let results = r.text().await.unwrap();
            assert!(results.contains(",card 100 moves from user 501\r\n"), "{results}");
        }
    }
}

#[tokio::test]
async fn dry_run_then_import_then_rerun_then_upsert() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let before = count_users(&s).await;
    let csv = "\u{FEFF}Email, Name ,cards,PIN,Access Groups,Start Time\r\n\
               ann@example.com,Ann,00777,0042,1;2,2026-01-01\r\n\
               bob@example.com,Bob,,,,\r\n\
               bad@example.com,,,,,\r\n\
               ann@example.com,Ann Again,,,,\r\n\
               cy@example.com,Cy,,12,,\r\n";
    let (status, dry) = import(&s, &t, "mode=create&key=email&dry_run=true", csv).await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(
        (dry["created"].as_u64(), dry["failed"].as_u64(), dry["dry_run"].as_bool()),
        (Some(2), Some(3), Some(true))
    );
    let lines: Vec<u64> = dry["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [4, 5, 6], "empty name, repeated email, short PIN");
    assert_eq!(count_users(&s).await, before, "a dry run commits nothing");

    let (_, done) = import(&s, &t, "mode=create&key=email", csv).await;
    assert_eq!((done["created"].as_u64(), done["failed"].as_u64()), (Some(2), Some(3)));
    let tag = done["tag"].as_str().unwrap().to_owned();
    let page =
        body(s.request(Method::GET, "/v1/users?email=ann@example.com").bearer_auth(&t).send().await.unwrap()).await;
    let ann = &page["users"][0];
    assert_eq!((ann["status"].as_str(), ann["import_tag"].as_str()), (Some("ACTIVE"), Some(tag.as_str())));
    assert_eq!(ann["access_groups"], json!([1, 2]));
    let id = ann["id"].as_i64().unwrap();
    let full = body(s.request(Method::GET, &format!("/v1/users/{id}")).bearer_auth(&t).send().await.unwrap()).await;
    assert_eq!(full["cards"][0]["number"], "00777", "card numbers stay strings");

    let (_, again) = import(&s, &t, "mode=create&key=email", csv).await;
    assert_eq!(
        (again["created"].as_u64(), again["unchanged"].as_u64()),
        (Some(0), Some(2)),
        "a re-run makes no duplicates"
    );
    assert_eq!(count_users(&s).await, before + 2);

    let r = s.request(Method::GET, done["results_url"].as_str().unwrap()).bearer_auth(&t).send().await.unwrap();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let results = r.text().await.unwrap();
    assert!(results.starts_with("line,outcome,id,user_id,code,field,message,warnings\r\n2,created,"), "{results}");

    let upsert = "email,name,department,cards\r\nbob@example.com,Bob Stone,Ops,4711\r\ndee@example.com,Dee,,\r\n";
    let (_, up) = import(&s, &t, "mode=upsert&key=email&tag=hr-sync", upsert).await;
    assert_eq!((up["created"].as_u64(), up["updated"].as_u64()), (Some(1), Some(1)), "{up}");
    let bob = &body(s.request(Method::GET, "/v1/users?email=bob@example.com").bearer_auth(&t).send().await.unwrap())
        .await["users"][0];
    assert_eq!(
        (bob["department"].as_str(), bob["status"].as_str(), bob["import_tag"].as_str()),
        (Some("Ops"), Some("ACTIVE"), Some("hr-sync"))
    );
    let (_, upd) = import(&s, &t, "mode=update&key=email", "email,name\r\nnobody@example.com,X\r\n").await;
    assert_eq!(upd["errors"][0]["error"]["field"], "email");
}

#[tokio::test]
async fn an_import_of_several_batches_keeps_every_rows_result_in_file_order() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    // 12,000 rows, more than two batches; bad rows in the first, second and third.
    let mut csv = String::from("user_id,name,email\r\n");
    for i in 0..12_000 {
        let (user_id, name) = match i {
            1 => (String::new(), format!("No Key {i}")),
            6_000 => (format!("{}", 100_000 + i), String::new()),
            11_500 => (format!("{}", 100_000 + i), "x".repeat(49)),
            _ => (format!("{}", 100_000 + i), format!("Person {i}")),
        };
        let email = if i == 7_000 { "p5@example.com".to_owned() } else { format!("p{i}@example.com") };
        csv += &format!("{user_id},{name},{email}\r\n");
    }
    let (status, b) = import(&s, &t, "mode=create&key=user_id", &csv).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(
        (b["rows"].as_u64(), b["created"].as_u64(), b["failed"].as_u64()),
        (Some(12_000), Some(11_996), Some(4))
    );
    let lines: Vec<u64> = b["errors"].as_array().unwrap().iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [3, 6_002, 7_002, 11_502], "the summary's errors in file order, from every batch");
    assert_eq!(b["errors"][2]["error"]["field"], "email", "{}", b["errors"][2]);
    let r = s.request(Method::GET, b["results_url"].as_str().unwrap()).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let results = r.text().await.unwrap();
    let lines: Vec<&str> = results.lines().collect();
    assert_eq!(lines.len(), 12_001, "a header and every row, over many pages");
    assert!(
        lines[1..].iter().enumerate().all(|(i, l)| l.starts_with(&format!("{},", i + 2))),
        "in file order, each row once"
    );
    assert!(lines[2].starts_with("3,error,,,unprocessable_entity,user_id,"), "{}", lines[2]);
    assert!(lines[12_000].starts_with("12001,created,"), "{}", lines[12_000]);
    let (done, ok, finished): (i64, i64, Option<i64>) =
        sqlx::query_as("SELECT rows_done, rows_ok, finished_at FROM imports WHERE id = $1")
            .bind(b["import_id"].as_i64().unwrap())
            .fetch_one(s.db())
            .await
            .unwrap();
    assert_eq!((done, ok, finished.is_some()), (12_000, 11_996, true));
    let r = s.request(Method::GET, "/v1/imports/999999/results.csv").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_files_and_parameters() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    // An extra column is named and ignored, never a failed import (BioStar 2 fails the file).
    let (status, b) = import(&s, &t, "mode=create&key=email", "email,shoe size,name\r\na@example.com,9,A\r\n").await;
    assert_eq!((status, b["created"].as_u64()), (StatusCode::OK, Some(1)), "{b}");
    assert_eq!(b["ignored_columns"], json!(["shoe size"]));
    let (status, b) = import(&s, &t, "mode=create&key=email", "email,email\r\na@example.com,b@example.com\r\n").await;
    assert_eq!((status, b["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("file")), "a column twice");
    let (status, b) = import(&s, &t, "mode=merge&key=email", "email\r\n").await;
    assert_eq!((status, b["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("mode")));
    let (status, b) = import(&s, &t, "mode=create&key=system_id", "email,name\r\na@example.com,A\r\n").await;
    assert_eq!((status, b["error"]["field"].as_str()), (StatusCode::BAD_REQUEST, Some("key")));
    let (_, b) = import(&s, &t, "mode=create&key=email", "email,name,pin\r\na@example.com,A,******\r\n").await;
    assert_eq!(b["errors"][0]["error"]["field"], "pin", "no random PINs in a file: they could not be shown once");
    let r = s
        .request(Method::POST, "/v1/users/import?mode=create&key=email")
        .bearer_auth(&t)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn export_of_a_filtered_list_round_trips_without_secrets() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    created(&s, &t, json!({"name": "Eve, \"E\"", "email": "eve@example.com", "phone": "+49 30 1", "pin": "9931", "cards": [{"number": "0042"}, {"number": "0007"}], "access_groups": [12, 3], "department": "Ops"})).await;
    created(&s, &t, json!({"name": "Fay", "email": "fay@example.com", "department": "Sales"})).await;
    let r = s
        .request(Method::GET, "/v1/users/export.csv?search=example.com&colour=blue")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    assert!(text.starts_with("user_id,name,first_name,"));
    assert!(
        text.contains("\"Eve, \"\"E\"\"\"") && text.contains(",'+49 30 1,") && text.contains(",0042;0007,"),
        "{text}"
    );
    assert!(text.contains(",3;12,"), "access groups in order, joined by ';': {text}");
    assert!(!text.contains("9931") && !text.contains(",pin,"), "no PIN in an export");
    assert!(text.contains("Fay"), "unknown query parameters are ignored; search matched both");
    let only_fay = s
        .request(Method::GET, "/v1/users/export.csv?email=FAY@example.com")
        .bearer_auth(&t)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(only_fay.lines().count(), 2);

    let reimport = only_fay.replace("Fay,", "Fay Updated,");
    let keep: Vec<&str> = reimport.lines().collect();
    let header: Vec<&str> = keep[0].split(',').collect();
    let cut = header.iter().position(|h| *h == "id").unwrap();
    let trimmed: String = keep.iter().map(|l| l.split(',').take(cut).collect::<Vec<_>>().join(",") + "\r\n").collect();
    let (status, b) = import(&s, &t, "mode=update&key=user_id", &trimmed).await;
    assert_eq!((status, b["updated"].as_u64()), (StatusCode::OK, Some(1)), "{b}");
}

#[tokio::test]
async fn an_export_of_many_pages_has_everyone_once_in_order() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for part in 0..3 {
        let users: Vec<serde_json::Value> = (0..900)
            .map(|i| {
                let n = part * 900 + i;
                json!({"name": format!("Many {n}"), "email": format!("many{n}@example.com"), "cards": [{"number": format!("{}", 500_000 + n)}], "access_groups": [n % 7 + 1]})
            })
            .collect();
        let r = s
            .request(Method::POST, "/v1/users/batch")
            .bearer_auth(&t)
            .json(&json!({"users": users}))
            .send()
            .await
            .unwrap();
        assert_eq!(body(r).await["created_users"].as_array().map(Vec::len), Some(900));
    }
    let r =
        s.request(Method::GET, "/v1/users/export.csv?email_domain=example.com").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let lines: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(lines.len(), 2700, "three pages of people, each once");
    let ids: Vec<i64> = lines.iter().map(|l| l.split(',').nth(19).unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "in directory-ID order, no repeats");
    let last = lines.iter().find(|l| l.contains("many2699@example.com")).unwrap();
    assert!(
        last.contains(",502699,") && last.contains(",USER,,,5,"),
        "cards and access groups of a later page: {last}"
    );

    let r = s.request(Method::GET, "/v1/users/export.csv?since_utc=yesterday").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a bad filter is refused before any CSV is sent");
}

#[tokio::test]
async fn an_audit_export_has_every_matching_row_once_newest_first() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for part in 0..2 {
        let users: Vec<serde_json::Value> =
            (0..750).map(|i| json!({"name": format!("Logged {}", part * 750 + i)})).collect();
        let r = s.request(Method::POST, "/v1/users/batch").bearer_auth(&t).json(&json!({"users": users})).send();
        assert_eq!(body(r.await.unwrap()).await["created_users"].as_array().map(Vec::len), Some(750));
    }

    let r = s.request(Method::GET, "/v1/audit/export.csv?action=user.create").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-disposition"], "attachment; filename=\"audit.csv\"");
    let text = r.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,at,site_id,actor,source_ip,action,target,outcome,before,after"));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 1500, "two pages of rows, each once");
    let ids: Vec<i64> = rows.iter().map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, no repeats");
    assert!(rows.iter().all(|l| l.contains(",user.create,")), "only the filtered action");
    assert!(rows[0].contains("Logged 1499") && rows[1499].contains("Logged 0"), "{}", rows[0]);

    let r = s.request(Method::GET, "/v1/audit/export.csv?since=yesterday").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "a bad filter is refused before any CSV is sent");
    let r = s.request(Method::GET, "/v1/audit/export.csv?action=user.delete").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.text().await.unwrap().lines().count(), 1, "nothing matches: the header alone");
}

#[tokio::test]
async fn a_long_import_shows_its_progress_to_whoever_started_it() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let running = || async {
        let r = s.request(Method::GET, "/v1/imports/running").bearer_auth(&t).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        body(r).await["imports"].as_array().unwrap().clone()
    };
    assert!(running().await.is_empty());
    let mut csv = String::from("user_id,name\r\n");
    for i in 0..40_000 {
        csv += &format!("{},Person {i}\r\n", 10_000 + i);
    }
    let started = import(&s, &t, "mode=create&key=user_id&tag=big", &csv);
    let watched = async {
        let mut seen = Vec::new();
        // Until it was seen and then gone (or 30 s: then it was never seen).
        for _ in 0..1500 {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            let now = running().await;
            let Some(first) = now.first() else {
                if seen.is_empty() {
                    continue;
                }
                break;
            };
            seen.push((
                first["tag"].as_str().unwrap().to_owned(),
                first["rows"].as_u64().unwrap(),
                first["rows_done"].as_u64().unwrap(),
            ));
        }
        seen
    };
    let ((status, summary), seen) = tokio::join!(started, watched);
    assert_eq!((status, summary["created"].as_u64()), (StatusCode::OK, Some(40_000)));
    assert!(!seen.is_empty(), "the import was seen running");
    assert!(seen.iter().all(|(tag, rows, done)| tag == "big" && *rows == 40_000 && *done <= 40_000), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0].2 <= w[1].2), "progress only moves forward: {seen:?}");
    assert!(running().await.is_empty(), "a finished import is forgotten");
}

/// On PostgreSQL an import's people wait in the trigram index's pending list only while
/// their batch is written: the batch merges them before it commits, so searches never read
/// them one by one, and they are found.
#[cfg(feature = "postgres")]
#[tokio::test]
async fn an_import_leaves_nothing_in_the_search_indexs_pending_list() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let mut csv = String::from("user_id,name,email\r\n");
    for i in 0..300 {
        csv += &format!("{},Pending {i} Okonkwo,pending{i}@example.com\r\n", 500_000 + i);
    }
    let (status, b) = import(&s, &t, "mode=create&key=user_id", &csv).await;
    assert_eq!((status, b["created"].as_u64()), (StatusCode::OK, Some(300)), "{b}");
    let merged: i64 =
        sqlx::query_scalar("SELECT gin_clean_pending_list('users_search'::regclass)").fetch_one(s.db()).await.unwrap();
    assert_eq!(merged, 0, "pages of the pending list the import left behind");
    let limit: String = sqlx::query_scalar("SHOW gin_pending_list_limit").fetch_one(s.db()).await.unwrap();
    assert_eq!(limit, "256kB", "a connection's bound, outside a bulk write");
    let r = s.request(Method::GET, "/v1/users?search=okonkwo&limit=50").bearer_auth(&t).send().await.unwrap();
    assert_eq!(body(r).await["users"].as_array().map(Vec::len), Some(50));
}
