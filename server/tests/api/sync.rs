//! The sync worker against the embedded simulator: what the directory decides reaches
//! every device, revocations first, and a device that was away catches up.

use crate::harness::*;
use crate::users::created;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{GetListRequest, GetRequest};
use proto::sim_control::SetOnlineRequest;
use proto::sim_control::control_client::ControlClient;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::collections::BTreeSet;
use std::time::Duration;

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
        let list = UserClient::new(self.gateway())
            .max_decoding_message_size(64 << 20)
            .get_list(GetListRequest { device_id })
            .await
            .unwrap()
            .into_inner();
        list.hdrs.into_iter().map(|h| h.id).collect()
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
