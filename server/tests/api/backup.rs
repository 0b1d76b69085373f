//! `lintel backup` while people are being written, and `lintel restore` into a stopped
//! server.

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn a_backup_taken_while_writes_run_restores_everyone_committed() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let url = s.state().config.database_url.clone();
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (http, base, answered, done) = (s.http.clone(), s.base.clone(), answered.clone(), done.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !done.load(Ordering::Relaxed) {
                i += 1;
                let user_id = (90_000 + i).to_string();
                let r = http
                    .post(format!("{base}/v1/users"))
                    .bearer_auth(&t)
                    .json(&json!({"user_id": user_id, "name": format!("Backed up {i}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), StatusCode::CREATED);
                answered.lock().unwrap().push(user_id);
            }
        })
    };
    while answered.lock().unwrap().len() < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let committed: Vec<String> = answered.lock().unwrap().clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lintel-backup.db");
    let made = server::backup::backup(&url, &file).await.unwrap();
    done.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(made.people as usize > committed.len(), "{} people, {} committed before", made.people, committed.len());
    assert!(server::backup::backup(&url, &file).await.is_err(), "an existing file is never overwritten");

    // The copy passes SQLite's integrity check (backup::check ran it) and holds everyone
    // whose creation was answered before it began.
    let copy = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=ro", file.display())).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&copy).await.unwrap();
    assert_eq!(integrity, "ok");
    let held: BTreeSet<String> =
        sqlx::query_scalar("SELECT user_id FROM users").fetch_all(&copy).await.unwrap().into_iter().collect();
    copy.close().await;
    assert!(committed.iter().all(|id| held.contains(id)));

    // Restored into another installation: refused while its server runs, then in place.
    let mut other = TestServer::start().await;
    let other_url = other.state().config.database_url.clone();
    let e = server::backup::restore(&other_url, &file).await.unwrap_err();
    assert!(format!("{e:#}").contains("stop the server"), "{e:#}");
    other.running.take().unwrap().stop().await.unwrap();
    // Stopped means closed: the last connection checkpointed and removed the write-ahead log.
    // One closing later would remove the next server's log by name (its reads then fail).
    assert!(!other.dir.path().join("lintel.db-wal").exists(), "the stopped server's database is still open");
    assert_eq!(server::backup::restore(&other_url, &file).await.unwrap(), made.people);
    other.restart(Options::default()).await;
    let t = other.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = other.request(Method::GET, "/v1/users/count").bearer_auth(&t).send().await.unwrap();
    assert_eq!(body(r).await["total"].as_i64(), Some(made.people));
    let mut listed = BTreeSet::new();
    let mut offset = 0;
    loop {
        let path = format!("/v1/users?limit=200&offset={offset}");
        let page = body(other.request(Method::GET, &path).bearer_auth(&t).send().await.unwrap()).await;
        listed.extend(page["users"].as_array().unwrap().iter().map(|u| u["user_id"].as_str().unwrap().to_owned()));
        match page["next_offset"].as_i64() {
            Some(next) => offset = next,
            None => break,
        }
    }
    assert!(committed.iter().all(|id| listed.contains(id)), "everyone committed is in the restored directory");
}
