//! The sync worker against the embedded simulator: what the directory decides reaches
//! every device, revocations first, and a device that was away catches up.

use crate::harness::*;
use crate::users::created;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{DeleteRequest, EnrollRequest, GetListRequest, GetRequest};
use proto::sim_control::control_client::ControlClient;
use proto::sim_control::{SetDropRateRequest, SetLatencyRequest, SetOnlineRequest};
use reqwest::{Method, StatusCode};
use serde_json::json;
use server::db::Db;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use tonic::transport::Channel;

/// The embedded simulator's devices (SimConfig::default_devices).
pub const MAIN_ENTRANCE: u32 = 544_300_001;
pub const SERVER_ROOM: u32 = 543_200_002;
pub const CAR_PARK: u32 = 102_030_003;
pub const DEVICES: [u32; 3] = [MAIN_ENTRANCE, SERVER_ROOM, CAR_PARK];

impl TestServer {
    fn gateway(&self) -> tonic::transport::Channel {
        self.state().gateways.channel(1).unwrap()
    }

    /// The user IDs a device holds, read from the device itself.
    pub async fn held_by(&self, device_id: u32) -> BTreeSet<String> {
        held_by(&self.gateway(), device_id).await
    }

    pub async fn set_online(&self, device_id: u32, online: bool) {
        ControlClient::new(self.gateway()).set_online(SetOnlineRequest { device_id, online }).await.unwrap();
    }

    /// Waits (at most `limit`) until every listed device holds exactly `want` among the
    /// `among` IDs; fails with what each device holds.
    pub async fn until_devices_hold(
        &self,
        devices: &[u32],
        among: &BTreeSet<String>,
        want: &BTreeSet<String>,
        limit: Duration,
    ) {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let mut seen = Vec::new();
            for &d in devices {
                let held: BTreeSet<String> = self.held_by(d).await.intersection(among).cloned().collect();
                seen.push((d, held));
            }
            if seen.iter().all(|(_, held)| held == want) {
                return;
            }
            if tokio::time::Instant::now() > deadline {
                panic!("after {limit:?}, the devices hold {seen:?}, not {want:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

async fn person_with_card(s: &TestServer, t: &str, user_id: &str, card: &str) {
    created(s, t, json!({"user_id": user_id, "name": format!("Person {user_id}"), "cards": [{"number": card}]})).await;
}

/// People with these user IDs (each with a card of the same number), once every device
/// holds them; answers their IDs.
async fn on_every_device(s: &TestServer, t: &str, people: std::ops::RangeInclusive<u32>) -> BTreeSet<String> {
    let all: BTreeSet<String> = people.map(|i| i.to_string()).collect();
    for id in &all {
        person_with_card(s, t, id, id).await;
    }
    s.until_devices_hold(&DEVICES, &all, &all, Duration::from_secs(5)).await;
    all
}

async fn post(s: &TestServer, t: &str, path: &str) {
    let r = s.request(Method::POST, path).bearer_auth(t).json(&json!({})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
}

#[tokio::test]
async fn a_person_reaches_every_device_and_a_suspension_takes_them_off_within_5_s() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    person_with_card(&s, &t, "1001", "5001").await;
    person_with_card(&s, &t, "1002", "5002").await;
    let among = ids(&["1001", "1002"]);
    s.until_devices_hold(&DEVICES, &among, &among, Duration::from_secs(5)).await;

    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE user_id = '1001'").fetch_one(s.db()).await.unwrap();
    post(&s, &t, &format!("/v1/users/{id}/suspend")).await;
    s.until_devices_hold(&DEVICES, &among, &ids(&["1002"]), Duration::from_secs(5)).await;
    post(&s, &t, &format!("/v1/users/{id}/reactivate")).await;
    s.until_devices_hold(&DEVICES, &among, &among, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_device_offline_during_200_changes_catches_up_within_10_s_of_coming_back() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    for i in 0..100 {
        person_with_card(&s, &t, &(2000 + i).to_string(), &(7000 + i).to_string()).await;
    }
    let all: BTreeSet<String> = (2000..2100).map(|i| i.to_string()).collect();
    s.until_devices_hold(&DEVICES, &all, &all, Duration::from_secs(10)).await;

    s.set_online(SERVER_ROOM, false).await;
    // 200 changes while it is away: 100 new people, 50 suspended, 50 renamed.
    for i in 100..200 {
        person_with_card(&s, &t, &(2000 + i).to_string(), &(7000 + i).to_string()).await;
    }
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, user_id FROM users WHERE user_id BETWEEN '2000' AND '2099' ORDER BY user_id")
            .fetch_all(s.db())
            .await
            .unwrap();
    for (id, _) in &rows[..50] {
        post(&s, &t, &format!("/v1/users/{id}/suspend")).await;
    }
    for (id, user_id) in &rows[50..] {
        let r = s
            .request(Method::PATCH, &format!("/v1/users/{id}"))
            .bearer_auth(&t)
            .json(&json!({"name": format!("Renamed {user_id}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    let everyone: BTreeSet<String> = (2000..2200).map(|i| i.to_string()).collect();
    let want: BTreeSet<String> = (2050..2200).map(|i| i.to_string()).collect();
    let online = [MAIN_ENTRANCE, CAR_PARK];
    s.until_devices_hold(&online, &everyone, &want, Duration::from_secs(10)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM device_users du JOIN devices d ON d.id = du.device_row
             WHERE d.device_id = $1 AND du.pending",
        )
        .bind(i64::from(SERVER_ROOM))
        .fetch_one(s.db())
        .await
        .unwrap();
        if waiting == 200 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{waiting} changes wait for the offline device, not 200");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    s.set_online(SERVER_ROOM, true).await;
    s.until_devices_hold(&DEVICES, &everyone, &want, Duration::from_secs(10)).await;
    let renamed = UserClient::new(s.gateway())
        .get(GetRequest { device_id: SERVER_ROOM, user_i_ds: vec!["2099".into()] })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(renamed.users[0].name, "Renamed 2099", "the device holds the newest record");
}

impl TestServer {
    pub async fn set_drop_rate(&self, percent: u32) {
        ControlClient::new(self.gateway()).set_drop_rate(SetDropRateRequest { percent }).await.unwrap();
    }

    /// Waits (at most `limit`) until every device holds exactly the directory's ACTIVE
    /// people, with their current names.
    pub async fn until_devices_equal_directory(&self, devices: &[u32], limit: Duration) {
        until_devices_equal_directory(self.db(), &self.gateway(), devices, limit).await
    }
}

/// The user IDs a device holds, read from the device itself.
/// (A call that meets a connection the gateway closed — it was restarted — is made
/// again on the channel's new connection.)
pub async fn held_by(gateway: &Channel, device_id: u32) -> BTreeSet<String> {
    let mut attempts = 0;
    loop {
        let list = UserClient::new(gateway.clone())
            .max_decoding_message_size(64 << 20)
            .get_list(GetListRequest { device_id })
            .await;
        match list {
            Ok(list) => return list.into_inner().hdrs.into_iter().map(|h| h.id).collect(),
            Err(e) if attempts < 5 && matches!(e.code(), tonic::Code::Cancelled | tonic::Code::Unavailable) => {
                attempts += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// A device's people as (user ID, name), read from the device.
async fn device_records(gateway: &Channel, device_id: u32) -> BTreeMap<String, String> {
    let ids: Vec<String> = held_by(gateway, device_id).await.into_iter().collect();
    if ids.is_empty() {
        return BTreeMap::new();
    }
    // The worker may remove someone between the two calls: then the list is read again.
    match UserClient::new(gateway.clone())
        .max_decoding_message_size(64 << 20)
        .get(GetRequest { device_id, user_i_ds: ids })
        .await
    {
        Ok(r) => r.into_inner().users.into_iter().map(|u| (u.hdr.unwrap_or_default().id, u.name)).collect(),
        Err(e) if e.code() == tonic::Code::NotFound => Box::pin(device_records(gateway, device_id)).await,
        Err(e) => panic!("{e}"),
    }
}

/// Waits (at most `limit`) until every device holds exactly the directory's ACTIVE
/// people, with their current names.
pub async fn until_devices_equal_directory(db: &Db, gateway: &Channel, devices: &[u32], limit: Duration) {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let want: BTreeMap<String, String> = sqlx::query_as(
            "SELECT user_id, name FROM users WHERE status = 'ACTIVE' AND deleted_at IS NULL AND is_service = FALSE",
        )
        .fetch_all(db)
        .await
        .unwrap()
        .into_iter()
        .collect();
        let mut differ = Vec::new();
        for &d in devices {
            let held = device_records(gateway, d).await;
            if held != want {
                let missing = want.keys().filter(|k| !held.contains_key(*k)).count();
                let extra = held.keys().filter(|k| !want.contains_key(*k)).count();
                let stale = held.iter().filter(|(k, v)| want.get(*k).is_some_and(|w| w != *v)).count();
                differ.push(format!("{d}: {missing} missing, {extra} extra, {stale} stale"));
            }
        }
        if differ.is_empty() {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "after {limit:?} the devices differ: {differ:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_thousand_random_changes_with_30_percent_of_answers_lost_end_with_devices_equal_to_the_directory() {
    use rand::{Rng, SeedableRng};
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    s.set_drop_rate(30).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20261201);
    let mut people: Vec<i64> = Vec::new();
    let mut next_id = 3000;
    for _ in 0..1000 {
        let op = if people.len() < 20 { 0 } else { rng.random_range(0..6) };
        let Some(&id) = people.get(rng.random_range(0..people.len().max(1))) else {
            next_id += 1;
            let p = created(&s, &t, json!({"user_id": next_id.to_string(), "name": format!("P{next_id}"), "cards": [{"number": next_id.to_string()}]})).await;
            people.push(p["id"].as_i64().unwrap());
            continue;
        };
        let (method, path, body) = match op {
            0 => {
                next_id += 1;
                let p = created(&s, &t, json!({"user_id": next_id.to_string(), "name": format!("P{next_id}"), "cards": [{"number": next_id.to_string()}]})).await;
                people.push(p["id"].as_i64().unwrap());
                continue;
            }
            1 => (Method::POST, format!("/v1/users/{id}/suspend"), json!({})),
            2 => (Method::POST, format!("/v1/users/{id}/reactivate"), json!({})),
            3 => {
                (Method::PATCH, format!("/v1/users/{id}"), json!({"name": format!("Renamed {}", rng.random::<u16>())}))
            }
            4 => (Method::DELETE, format!("/v1/users/{id}"), json!({})),
            _ => (
                Method::PUT,
                format!("/v1/users/{id}/cards"),
                json!({"cards": [{"number": format!("9{}", rng.random::<u32>())}]}),
            ),
        };
        let r = s.request(method, &path).bearer_auth(&t).json(&body).send().await.unwrap();
        // Refusals by the lifecycle rules (suspending a suspended person, a deleted
        // person) are part of the mix.
        assert!(
            r.status().is_success() || [StatusCode::CONFLICT, StatusCode::NOT_FOUND].contains(&r.status()),
            "{path}: {}",
            r.status()
        );
    }
    s.set_drop_rate(0).await;
    // A device may be waiting out its longest backoff (30 s) after a run of lost answers.
    s.until_devices_equal_directory(&DEVICES, Duration::from_secs(60)).await;
}

#[tokio::test]
async fn an_edit_made_while_a_send_is_in_flight_reaches_the_devices() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    ControlClient::new(s.gateway()).set_latency(SetLatencyRequest { device_id: 0, millis: 1500 }).await.unwrap();
    let p = created(&s, &t, json!({"user_id": "4001", "name": "First name", "cards": [{"number": "4001"}]})).await;
    let id = p["id"].as_i64().unwrap();
    // The first send is on its way (fanned out within 200 ms, then 1.5 s at the devices).
    tokio::time::sleep(Duration::from_millis(600)).await;
    let r = s
        .request(Method::PATCH, &format!("/v1/users/{id}"))
        .bearer_auth(&t)
        .json(&json!({"name": "Second name"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let edited = body(r).await["version"].clone();
    ControlClient::new(s.gateway()).set_latency(SetLatencyRequest { device_id: 0, millis: 0 }).await.unwrap();
    s.until_devices_equal_directory(&DEVICES, Duration::from_secs(10)).await;
    // A device holds the record before its answer reaches the server: the acknowledgement
    // of the newest version follows, and nothing stays pending.
    let path = format!("/v1/users/{id}/devices");
    let held = until_json(&s, &t, &path, Duration::from_secs(5), |v| {
        v["devices"].as_array().unwrap().iter().all(|d| d["held_version"] == v["version"] && d["pending"] == false)
    })
    .await;
    assert_eq!(held["devices"].as_array().unwrap().len(), DEVICES.len(), "{held}");
    assert_eq!(held["version"], edited, "the edit is the newest version: {held}");
}

#[tokio::test]
async fn at_100000_people_the_5000_place_device_is_full_and_says_so_while_the_others_hold_everyone() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let mut csv = String::from("user_id,name,cards\n");
    for i in 1..=100_000 {
        csv.push_str(&format!("{},Person {i},{}\n", 100_000 + i, 500_000 + i));
    }
    let r = s
        .request(Method::POST, "/v1/users/import?mode=create&key=user_id")
        .bearer_auth(&t)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(300);
    loop {
        let counts: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT d.device_id, COUNT(*) FILTER (WHERE du.held_version IS NOT NULL),
                    COUNT(*) FILTER (WHERE du.at_capacity), COUNT(*) FILTER (WHERE du.pending)
             FROM devices d JOIN device_users du ON du.device_row = d.id GROUP BY d.device_id ORDER BY d.device_id",
        )
        .fetch_all(s.db())
        .await
        .unwrap();
        // Done once nothing is left to decide (the outbox, drained 2,000 rows at a time) and
        // nothing decided is left to send.
        let undecided: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM outbox").fetch_one(s.db()).await.unwrap();
        let done = undecided == 0 && counts.iter().all(|(_, _, _, pending)| *pending == 0) && counts.len() == 3;
        if done {
            assert_eq!(
                counts.iter().map(|(d, held, full, _)| (*d as u32, *held, *full)).collect::<Vec<_>>(),
                vec![(CAR_PARK, 5000, 95_000), (SERVER_ROOM, 100_000, 0), (MAIN_ENTRANCE, 100_000, 0)]
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "not done after 300 s: {counts:?}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let reason: String = sqlx::query_scalar(
        "SELECT du.error FROM device_users du JOIN devices d ON d.id = du.device_row WHERE d.device_id = $1 AND du.at_capacity LIMIT 1",
    )
    .bind(i64::from(CAR_PARK))
    .fetch_one(s.db())
    .await
    .unwrap();
    assert!(reason.contains("full"), "{reason}");
    assert_eq!(s.held_by(CAR_PARK).await.len(), 5000);
}

async fn get_json(s: &TestServer, t: &str, path: &str) -> serde_json::Value {
    let r = s.request(Method::GET, path).bearer_auth(t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    body(r).await
}

/// Polls `path` until `done` holds for its answer (at most `limit`).
async fn until_json(
    s: &TestServer,
    t: &str,
    path: &str,
    limit: Duration,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let v = get_json(s, t, path).await;
        if done(&v) {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "{path} after {limit:?}: {v}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn device(list: &serde_json::Value, id: u32) -> &serde_json::Value {
    list["devices"].as_array().unwrap().iter().find(|d| d["id"] == id).unwrap()
}

#[tokio::test]
async fn the_sync_state_shows_an_offline_device_and_the_revocation_it_still_holds_until_it_is_back() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    person_with_card(&s, &t, "6001", "6001").await;
    let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE user_id = '6001'").fetch_one(s.db()).await.unwrap();
    let list = until_json(&s, &t, "/v1/devices", Duration::from_secs(5), |v| {
        v["devices"].as_array().unwrap().iter().all(|d| d["sync"]["state"] == "in_sync" && d["sync"]["held"] == 1)
    })
    .await;
    assert_eq!(device(&list, CAR_PARK)["sync"]["capacity"], 5000);

    s.set_online(SERVER_ROOM, false).await;
    until_json(&s, &t, "/v1/devices", Duration::from_secs(5), |v| device(v, SERVER_ROOM)["sync"]["state"] == "offline")
        .await;
    post(&s, &t, &format!("/v1/users/{id}/suspend")).await;
    let revoking = until_json(&s, &t, "/v1/revocations", Duration::from_secs(5), |v| {
        v["revocations"].as_array().unwrap().len() == 1
    })
    .await;
    let r = &revoking["revocations"][0];
    assert_eq!(
        (r["user_id"].as_str(), r["status"].as_str(), r["device_id"].as_u64()),
        (Some("6001"), Some("SUSPENDED"), Some(u64::from(SERVER_ROOM)))
    );
    assert_eq!(r["waiting_for"], "the device is offline");
    let list = get_json(&s, &t, "/v1/devices").await;
    assert_eq!(device(&list, SERVER_ROOM)["sync"]["pending"], 1);
    let mine = get_json(&s, &t, &format!("/v1/users/{id}/devices")).await;
    let on_server_room = mine["devices"].as_array().unwrap().iter().find(|d| d["device_id"] == SERVER_ROOM).unwrap();
    assert_eq!((on_server_room["wanted"].as_bool(), on_server_room["pending"].as_bool()), (Some(false), Some(true)));
    assert_eq!(doors(&s, &t, "6001").await, json!({"pending": 0, "failing": 0, "offline": 1, "reason": null}));

    s.set_online(SERVER_ROOM, true).await;
    until_json(&s, &t, "/v1/revocations", Duration::from_secs(10), |v| v["revocations"].as_array().unwrap().is_empty())
        .await;
    until_json(&s, &t, "/v1/devices", Duration::from_secs(5), |v| {
        v["devices"].as_array().unwrap().iter().all(|d| d["sync"]["state"] == "in_sync" && d["sync"]["held"] == 0)
    })
    .await;
    assert_eq!(doors(&s, &t, "6001").await, json!({"pending": 0, "failing": 0, "offline": 0, "reason": null}));
}

/// The people list's summary of where one person stands at the doors.
async fn doors(s: &TestServer, t: &str, user_id: &str) -> serde_json::Value {
    let page = get_json(s, t, "/v1/users?limit=200").await;
    let person = page["users"].as_array().unwrap().iter().find(|u| u["user_id"] == user_id).unwrap();
    person["doors"].clone()
}

#[tokio::test]
async fn a_resync_sends_a_device_everything_again_and_a_person_the_device_cannot_hold_gets_its_reason() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    person_with_card(&s, &t, "7001", "7001").await;
    // An alphanumeric ID: only the BioStation 3 takes it.
    created(&s, &t, json!({"user_id": "ann-7002", "name": "Ann", "cards": [{"number": "7002"}]})).await;
    let ann: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE user_id = 'ann-7002'").fetch_one(s.db()).await.unwrap();
    let mine = until_json(&s, &t, &format!("/v1/users/{ann}/devices"), Duration::from_secs(5), |v| {
        let devices = v["devices"].as_array().unwrap();
        devices.len() == 3 && devices.iter().all(|d| !d["pending"].as_bool().unwrap())
    })
    .await;
    let refused: Vec<_> = mine["devices"].as_array().unwrap().iter().filter(|d| !d["error"].is_null()).collect();
    assert_eq!(refused.len(), 2, "{mine}");
    assert!(refused[0]["error"].as_str().unwrap().contains("hdr.ID"), "{mine}");
    let summary = doors(&s, &t, "ann-7002").await;
    assert_eq!((summary["failing"].as_u64(), summary["pending"].as_u64()), (Some(2), Some(0)), "{summary}");
    assert!(summary["reason"].as_str().unwrap().contains("hdr.ID"), "{summary}");
    let list = get_json(&s, &t, "/v1/devices").await;
    assert_eq!(device(&list, SERVER_ROOM)["sync"]["refused"], 1);

    let r =
        s.request(Method::POST, &format!("/v1/devices/{MAIN_ENTRANCE}/resync")).bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(body(r).await["queued"], 2);
    until_json(&s, &t, "/v1/devices", Duration::from_secs(5), |v| {
        device(v, MAIN_ENTRANCE)["sync"]["state"] == "in_sync"
    })
    .await;
    assert_eq!(s.held_by(MAIN_ENTRANCE).await, ids(&["7001", "ann-7002"]));
    let r = s.request(Method::POST, "/v1/devices/999/resync").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Takes the device offline and back, which makes its sender read it back; answers the
/// device list once the read-back recorded drift.
async fn read_back_drift(s: &TestServer, t: &str, device_id: u32) -> serde_json::Value {
    s.set_online(device_id, false).await;
    until_json(s, t, "/v1/devices", Duration::from_secs(5), |v| device(v, device_id)["sync"]["state"] == "offline")
        .await;
    s.set_online(device_id, true).await;
    until_json(s, t, "/v1/devices", Duration::from_secs(10), |v| !device(v, device_id)["sync"]["drift"].is_null()).await
}

/// The read-back checks the directory's side too: people the device should hold who have
/// no device work for it at all (lost by a fault) are given some, whether or not the device
/// still holds them — never taken for strangers to remove.
#[tokio::test]
async fn the_read_back_gives_device_work_to_people_who_lost_theirs() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let all = on_every_device(&s, &t, 8101..=8103).await;

    // 8101 and 8102 lose their device work for the server room; the device loses 8101 too.
    sqlx::query(
        "DELETE FROM device_users WHERE device_row = (SELECT id FROM devices WHERE device_id = $1)
         AND user_row IN (SELECT id FROM users WHERE user_id IN ('8101', '8102'))",
    )
    .bind(i64::from(SERVER_ROOM))
    .execute(s.db())
    .await
    .unwrap();
    let mut at_device = UserClient::new(s.gateway());
    at_device.delete(DeleteRequest { device_id: SERVER_ROOM, user_i_ds: vec!["8101".into()] }).await.unwrap();
    // The diff shows it before any repair: 8101 missing, 8102 in its place (not an extra).
    let diff = get_json(&s, &t, &format!("/v1/devices/{SERVER_ROOM}/diff")).await;
    assert_eq!((diff["missing"]["count"].as_u64(), diff["extra"]["count"].as_u64()), (Some(1), Some(0)), "{diff}");
    let missing = &diff["missing"]["people"][0];
    assert_eq!(missing["user_id"], "8101", "{diff}");
    assert!(missing["detail"].as_str().unwrap().contains("no device work"), "{diff}");

    let list = read_back_drift(&s, &t, SERVER_ROOM).await;
    let drift = device(&list, SERVER_ROOM)["sync"]["drift"].as_str().unwrap().to_owned();
    assert!(drift.starts_with("2 without device work"), "{drift}");
    s.until_devices_hold(&[SERVER_ROOM], &all, &all, Duration::from_secs(5)).await;
    let diff = get_json(&s, &t, &format!("/v1/devices/{SERVER_ROOM}/diff")).await;
    assert_eq!((diff["missing"]["count"].as_u64(), diff["extra"]["count"].as_u64()), (Some(0), Some(0)), "{diff}");
}

#[tokio::test]
async fn a_device_changed_behind_lintels_back_shows_in_its_diff_and_the_read_back_repairs_it() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    on_every_device(&s, &t, 8001..=8003).await;

    // At the device itself: one person removed, one renamed, one stranger enrolled.
    let mut at_device = UserClient::new(s.gateway());
    at_device.delete(DeleteRequest { device_id: SERVER_ROOM, user_i_ds: vec!["8001".into()] }).await.unwrap();
    let mut renamed = at_device
        .get(GetRequest { device_id: SERVER_ROOM, user_i_ds: vec!["8002".into()] })
        .await
        .unwrap()
        .into_inner()
        .users;
    renamed[0].name = "Someone else".into();
    let mut stranger = renamed[0].clone();
    stranger.hdr.as_mut().unwrap().id = "99999".into();
    stranger.cards.clear();
    stranger.hdr.as_mut().unwrap().num_of_card = 0;
    at_device
        .enroll(EnrollRequest { device_id: SERVER_ROOM, users: vec![renamed.remove(0), stranger], overwrite: true })
        .await
        .unwrap();

    let diff = get_json(&s, &t, &format!("/v1/devices/{SERVER_ROOM}/diff")).await;
    assert_eq!(diff["on_device"], 3);
    assert_eq!(
        (diff["missing"]["count"].as_u64(), diff["missing"]["people"][0]["user_id"].as_str()),
        (Some(1), Some("8001"))
    );
    assert_eq!(diff["extra"]["people"][0]["user_id"], "99999");
    assert_eq!(diff["extra"]["people"][0]["detail"], "not in the directory");
    assert_eq!(diff["stale"]["people"][0]["user_id"], "8002");
    assert_eq!(diff["stale"]["people"][0]["detail"], "differs in name");

    // The read-back runs whenever the device comes back: the missing person returns, the
    // stranger stays (reported, not removed); a resync puts the renamed record right.
    let list = read_back_drift(&s, &t, SERVER_ROOM).await;
    assert!(device(&list, SERVER_ROOM)["sync"]["drift"].as_str().unwrap().contains("1 missing"), "{list}");
    s.until_devices_hold(
        &[SERVER_ROOM],
        &ids(&["8001", "8002", "8003", "99999"]),
        &ids(&["8001", "8002", "8003", "99999"]),
        Duration::from_secs(5),
    )
    .await;
    post(&s, &t, &format!("/v1/devices/{SERVER_ROOM}/resync")).await;
    until_json(&s, &t, &format!("/v1/devices/{SERVER_ROOM}/diff"), Duration::from_secs(10), |v| {
        v["missing"]["count"] == 0 && v["stale"]["count"] == 0 && v["extra"]["count"] == 1
    })
    .await;
}

#[tokio::test]
async fn in_groups_mode_people_go_only_to_their_groups_devices_and_follow_the_groups_changes() {
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let cookie = s.sign_in(ADMIN, ADMIN_PASSWORD).await;
    created(
        &s,
        &t,
        json!({"user_id": "9001", "name": "Lobby only", "access_groups": [10], "cards": [{"number": "9001"}]}),
    )
    .await;
    person_with_card(&s, &t, "9002", "9002").await;
    let among = ids(&["9001", "9002"]);
    s.until_devices_hold(&DEVICES, &among, &among, Duration::from_secs(5)).await;

    let r = s
        .request(Method::POST, "/v1/access-groups")
        .bearer_auth(&t)
        .json(&json!({"group_id": 10, "name": "Lobby", "devices": [MAIN_ENTRANCE]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let group = body(r).await;
    assert_eq!((group["people"].as_u64(), group["devices"][0].as_u64()), (Some(1), Some(u64::from(MAIN_ENTRANCE))));
    let r = s
        .request(Method::POST, "/v1/access-groups")
        .bearer_auth(&t)
        .json(&json!({"name": "Lobby"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT, "a name is unique in the site");
    let r = s
        .request(Method::POST, "/v1/access-groups")
        .bearer_auth(&t)
        .json(&json!({"name": "Nowhere", "devices": [42]}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        (r.status(), body(r).await["error"]["field"].as_str().map(str::to_owned)),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("devices[0]".to_owned()))
    );

    let r =
        s.browser(Method::PUT, "/v1/site/sync", Some(&cookie)).json(&json!({"mode": "groups"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.until_devices_hold(&[MAIN_ENTRANCE], &among, &ids(&["9001"]), Duration::from_secs(5)).await;
    s.until_devices_hold(&[SERVER_ROOM, CAR_PARK], &among, &ids(&[]), Duration::from_secs(5)).await;

    let r = s
        .request(Method::PUT, "/v1/access-groups/10")
        .bearer_auth(&t)
        .json(&json!({"name": "Lobby", "devices": [SERVER_ROOM, CAR_PARK]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.until_devices_hold(&[SERVER_ROOM, CAR_PARK], &among, &ids(&["9001"]), Duration::from_secs(5)).await;
    s.until_devices_hold(&[MAIN_ENTRANCE], &among, &ids(&[]), Duration::from_secs(5)).await;

    let r = s.request(Method::DELETE, "/v1/access-groups/10").bearer_auth(&t).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    s.until_devices_hold(&DEVICES, &among, &ids(&[]), Duration::from_secs(5)).await;
    let r = s.browser(Method::PUT, "/v1/site/sync", Some(&cookie)).json(&json!({"mode": "all"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    s.until_devices_hold(&DEVICES, &among, &among, Duration::from_secs(5)).await;
}

/// Waits (at most 5 s) until the device's record of `user_id` meets `done`; answers it.
async fn until_record(
    s: &TestServer,
    device_id: u32,
    user_id: &str,
    done: impl Fn(&proto::gsdk::user::UserInfo) -> bool,
) -> proto::gsdk::user::UserInfo {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let got = UserClient::new(s.gateway()).get(GetRequest { device_id, user_i_ds: vec![user_id.into()] }).await;
        let user = got.as_ref().ok().and_then(|r| r.get_ref().users.first().cloned());
        if let Some(user) = user.as_ref().filter(|u| done(u)) {
            return user.clone();
        }
        let seen = user.map(|u| (u.name, u.fingers.iter().map(|f| f.templates[0][0]).collect::<Vec<_>>()));
        assert!(
            tokio::time::Instant::now() < deadline,
            "device {device_id}: {user_id} never got there: {seen:?} {:?}",
            got.err()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_change_that_leaves_the_fingerprints_alone_is_sent_as_an_update_that_keeps_them() {
    use base64::Engine;
    use proto::gsdk::user::{SetFingerRequest, UserFinger};
    let s = TestServer::start().await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let person = created(&s, &t, json!({"user_id": "8001", "name": "Fay", "cards": [{"number": "8001"}]})).await;
    let id = person["id"].as_i64().unwrap();
    let template = base64::engine::general_purpose::STANDARD.encode([7u8; 300]);
    let r = s
        .request(Method::PUT, &format!("/v1/users/{id}/fingerprints"))
        .bearer_auth(&t)
        .json(&json!({"fingerprints": [{"templates": [template, template]}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let held = until_record(&s, MAIN_ENTRANCE, "8001", |u| u.fingers.len() == 1).await;

    // Behind Lintel's back, the device's copy of her fingerprint changes. A rename sent as an
    // update keeps it (a whole record would have sent the directory's templates again).
    let mut finger = held.fingers[0].clone();
    finger.templates = vec![vec![9; 300], vec![9; 300]];
    let user_fingers = vec![UserFinger { user_id: "8001".into(), fingers: vec![finger] }];
    UserClient::new(s.gateway()).set_finger(SetFingerRequest { device_id: MAIN_ENTRANCE, user_fingers }).await.unwrap();
    let rename = |name: &'static str| {
        s.request(Method::PATCH, &format!("/v1/users/{id}")).bearer_auth(&t).json(&json!({"name": name})).send()
    };
    assert_eq!(rename("Fay Renamed").await.unwrap().status(), StatusCode::OK);
    let renamed = until_record(&s, MAIN_ENTRANCE, "8001", |u| u.name == "Fay Renamed").await;
    assert_eq!(renamed.fingers[0].templates[0], vec![9; 300], "the update kept the device's templates");

    // The device lost her: the update is refused (NOT_FOUND) and the whole record goes instead.
    UserClient::new(s.gateway())
        .delete(DeleteRequest { device_id: MAIN_ENTRANCE, user_i_ds: vec!["8001".into()] })
        .await
        .unwrap();
    assert_eq!(rename("Fay Again").await.unwrap().status(), StatusCode::OK);
    let back = until_record(&s, MAIN_ENTRANCE, "8001", |u| u.name == "Fay Again").await;
    assert_eq!(back.fingers[0].templates[0], vec![7; 300], "the whole record, the directory's templates");
    // The device stores the record before its answer is acknowledged in the directory: wait
    // for the acknowledgement, not just the record.
    let entrance = |v: &serde_json::Value| {
        v["devices"].as_array().unwrap().iter().find(|d| d["device_id"] == MAIN_ENTRANCE).unwrap().clone()
    };
    let mine = until_json(&s, &t, &format!("/v1/users/{id}/devices"), Duration::from_secs(5), |v| {
        !entrance(v)["pending"].as_bool().unwrap()
    })
    .await;
    assert!(entrance(&mine)["error"].is_null() && !entrance(&mine)["pending"].as_bool().unwrap(), "{mine}");
}
