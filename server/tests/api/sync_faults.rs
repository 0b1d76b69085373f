//! The sync worker when things die: the gateway in the middle of a sync, the server (-9)
//! after a commit. The gateway runs apart from the server here (a simulator on its own
//! port, its data in its own folder), so it can be killed and started again.

use crate::harness::*;
use crate::sync::DEVICES;
use gateway_sim::{SimConfig, Simulator};
use proto::sim_control::SetLatencyRequest;
use proto::sim_control::control_client::ControlClient;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::{Child, Command};

/// A simulator serving on a port of its own until killed.
struct Gateway {
    port: u16,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Gateway {
    /// Serves the simulator whose devices live in `dir` (on `port`, or a free one).
    async fn start(dir: &Path, port: u16) -> Self {
        let sim = Simulator::open(&SimConfig::default_devices(), dir).unwrap();
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(gateway_sim::serve(sim, listener, None, std::future::pending()));
        Self { port, task }
    }

    /// Gone at once, connections and all (its devices keep what they stored).
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

/// A configuration file with one site whose gateway is at `url`.
fn site_config(dir: &Path, url: &str) -> PathBuf {
    let path = dir.join("lintel.toml");
    std::fs::write(&path, format!("[[site]]\nname = \"Campus\"\ngateway = \"{url}\"\n")).unwrap();
    path
}

async fn create_people(s: &TestServer, t: &str, first: u32, count: u32) {
    for start in (first..first + count).step_by(1000) {
        let end = (start + 1000).min(first + count);
        let users: Vec<_> = (start..end)
            .map(|i| json!({"user_id": i.to_string(), "name": format!("P{i}"), "cards": [{"number": i.to_string()}]}))
            .collect();
        let r = s
            .request(Method::POST, "/v1/users/batch")
            .bearer_auth(t)
            .json(&json!({"users": users}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[tokio::test]
async fn the_gateway_killed_and_restarted_while_5000_people_sync_to_3_devices_ends_with_every_device_equal() {
    let gateway_dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(gateway_dir.path(), 0).await;
    let config_dir = tempfile::tempdir().unwrap();
    let config = site_config(config_dir.path(), &gateway.url());
    let s = TestServer::start_with(Options {
        vars: vec![("LINTEL_CONFIG", config.display().to_string())],
        ..Default::default()
    })
    .await;
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    create_people(&s, &t, 10_000, 5000).await;

    // Killed while the devices hold some of them but not all.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while s.held_by(DEVICES[0]).await.len() < 500 {
        assert!(tokio::time::Instant::now() < deadline, "the sync did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let port = gateway.port;
    gateway.kill().await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let _gateway = Gateway::start(gateway_dir.path(), port).await;
    s.until_devices_equal_directory(&DEVICES, Duration::from_secs(60)).await;
}

/// The `lintel` binary on `data`, its gateway at `config`.
async fn spawn_server(data: &Path, config: &Path) -> (Child, String) {
    spawn_lintel(&[
        ("LINTEL_DATA_DIR", data.display().to_string()),
        ("LINTEL_CONFIG", config.display().to_string()),
        ("LINTEL_BOOTSTRAP_ADMIN", format!("{ADMIN}:{ADMIN_PASSWORD}")),
    ])
    .await
}

async fn kill_9(child: &mut Child) {
    let pid = child.id().unwrap().to_string();
    assert!(Command::new("kill").args(["-KILL", &pid]).status().await.unwrap().success());
    child.wait().await.unwrap();
}

#[cfg(unix)]
#[tokio::test]
async fn the_server_killed_after_a_commit_still_delivers_when_it_starts_again() {
    let (gateway_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // The first people are committed while the gateway is down, so nothing of them has been
    // sent when the server dies.
    let (port, config, mut s) = people_while_the_gateway_is_down(gateway_dir.path(), data.path(), false).await;

    // Then people whose records are on their way when it dies: the devices answer slowly.
    let gateway = Gateway::start(gateway_dir.path(), port).await;
    let control = || ControlClient::connect(gateway.url());
    control().await.unwrap().set_latency(SetLatencyRequest { device_id: 0, millis: 2000 }).await.unwrap();
    let (mut child, base) = spawn_server(&data.path().join("data"), &config).await;
    s.base = base;
    s.create(20_051, 50).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    kill_9(&mut child).await;
    control().await.unwrap().set_latency(SetLatencyRequest { device_id: 0, millis: 0 }).await.unwrap();

    let (_child, _base) = spawn_server(&data.path().join("data"), &config).await;
    until_devices_hold(&gateway, 20_001..20_101, Duration::from_secs(30)).await;
}

/// A device seen for the first time is recorded together with everyone it must hold: a
/// server killed while it still reads the other devices' capabilities (slow devices) leaves
/// no device known to the database and empty.
#[cfg(unix)]
#[tokio::test]
async fn the_server_killed_while_it_records_new_devices_leaves_none_known_and_empty() {
    let (gateway_dir, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    // People committed while no device is known: their changes are taken from the outbox
    // with no device work to make of them.
    let (port, config, mut s) = people_while_the_gateway_is_down(gateway_dir.path(), data.path(), true).await;

    // The gateway lists the car park first and it answers at once; the other two take a
    // minute to say what they are, so the server dies between the first device and the rest.
    let gateway = Gateway::start(gateway_dir.path(), port).await;
    let control = || ControlClient::connect(gateway.url());
    let slow = |millis| async move {
        for device_id in [crate::sync::SERVER_ROOM, crate::sync::MAIN_ENTRANCE] {
            control().await.unwrap().set_latency(SetLatencyRequest { device_id, millis }).await.unwrap();
        }
    };
    slow(60_000).await;
    let (mut child, base) = spawn_server(&data.path().join("data"), &config).await;
    s.base = base;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let devices = body(
            reqwest::Client::new().get(format!("{}/v1/devices", s.base)).bearer_auth(&s.token).send().await.unwrap(),
        )
        .await;
        let ids: Vec<u64> = devices["devices"].as_array().unwrap().iter().filter_map(|d| d["id"].as_u64()).collect();
        if ids.contains(&u64::from(crate::sync::CAR_PARK)) {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "the car park was never recorded: {ids:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill_9(&mut child).await;
    slow(0).await;

    let (_child, _base) = spawn_server(&data.path().join("data"), &config).await;
    until_devices_hold(&gateway, 20_001..20_051, Duration::from_secs(30)).await;
}

/// A server whose gateway (a port kept for it in `gateway_dir`) is down is given people
/// 20,001–20,050 (and, with `drained`, turns them into device work: none, with no device
/// known), then killed with -9. Answers the gateway's port, the configuration and the
/// client (signed in; its address is the dead server's).
async fn people_while_the_gateway_is_down(gateway_dir: &Path, data: &Path, drained: bool) -> (u16, PathBuf, Remote) {
    let gateway = Gateway::start(gateway_dir, 0).await;
    let port = gateway.port;
    gateway.kill().await;
    let config = site_config(data, &format!("http://127.0.0.1:{port}"));
    let (mut child, base) = spawn_server(&data.join("data"), &config).await;
    let mut s = Remote { base, token: String::new() };
    s.token = s.site_token().await;
    s.create(20_001, 50).await;
    if drained {
        s.until_outbox_empty().await;
    }
    kill_9(&mut child).await;
    (port, config, s)
}

/// Waits until every device holds exactly the people `ids` (fails after `limit`).
async fn until_devices_hold(gateway: &Gateway, ids: std::ops::Range<u32>, limit: Duration) {
    let want: std::collections::BTreeSet<String> = ids.map(|i| i.to_string()).collect();
    let channel = tonic::transport::Endpoint::from_shared(gateway.url()).unwrap().connect().await.unwrap();
    let deadline = tokio::time::Instant::now() + limit;
    for device_id in DEVICES {
        loop {
            let held: std::collections::BTreeSet<String> =
                proto::gsdk::user::user_client::UserClient::new(channel.clone())
                    .get_list(proto::gsdk::user::GetListRequest { device_id })
                    .await
                    .unwrap()
                    .into_inner()
                    .hdrs
                    .into_iter()
                    .map(|h| h.id)
                    .collect();
            if held == want {
                break;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "device {device_id} holds {} of the {}",
                held.intersection(&want).count(),
                want.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A server in another process, reached over HTTP.
struct Remote {
    base: String,
    token: String,
}

impl Remote {
    async fn site_token(&self) -> String {
        let http = reqwest::Client::new();
        let login = body(
            http.post(format!("{}/v1/login", self.base))
                .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        let token = login["access_token"].as_str().unwrap();
        let accounts =
            body(http.get(format!("{}/v1/accounts/self", self.base)).bearer_auth(token).send().await.unwrap()).await;
        let id = accounts["accounts"][0]["id"].as_i64().unwrap();
        let site =
            body(http.post(format!("{}/v1/login/{id}", self.base)).bearer_auth(token).send().await.unwrap()).await;
        site["access_token"].as_str().unwrap().to_owned()
    }

    /// Waits until the server has turned every change into device work (its metrics say so).
    async fn until_outbox_empty(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        loop {
            let metrics = reqwest::get(format!("{}/metrics", self.base)).await.unwrap().text().await.unwrap();
            if metrics.lines().any(|l| l == "lintel_sync_outbox 0") {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "the outbox was never emptied");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn create(&self, first: u32, count: u32) {
        let users: Vec<_> = (first..first + count)
            .map(|i| json!({"user_id": i.to_string(), "name": format!("P{i}"), "cards": [{"number": i.to_string()}]}))
            .collect();
        let r = reqwest::Client::new()
            .post(format!("{}/v1/users/batch", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"users": users}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

#[cfg(feature = "postgres")]
impl Remote {
    /// `POST path` with a JSON body; answers the body.
    async fn post(&self, path: &str, json: serde_json::Value) -> serde_json::Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(&json)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        body(r).await
    }
}

/// Several servers on one PostgreSQL database: the site's sync runs in the server that
/// took it first; killed with -9 in the middle of syncing 5,000 people to 3 devices, the
/// other server takes it over and finishes. Writes go through both, before and after.
#[cfg(all(unix, feature = "postgres"))]
#[tokio::test]
async fn two_servers_on_one_postgresql_one_killed_mid_sync_and_the_other_finishes() {
    let gateway_dir = tempfile::tempdir().unwrap();
    let gateway = Gateway::start(gateway_dir.path(), 0).await;
    let dir = tempfile::tempdir().unwrap();
    let config = site_config(dir.path(), &gateway.url());
    let database = TestDatabase::create().await.unwrap();
    let spawn = |name: &str| {
        let vars = [
            ("LINTEL_DATA_DIR", dir.path().join(name).display().to_string()),
            ("LINTEL_CONFIG", config.display().to_string()),
            ("LINTEL_BOOTSTRAP_ADMIN", format!("{ADMIN}:{ADMIN_PASSWORD}")),
            ("DATABASE_URL", database.url.clone()),
        ];
        async move { spawn_lintel(&vars).await }
    };
    // The first to start takes the site; the second stands by.
    let (mut first, base) = spawn("first").await;
    let mut a = Remote { base, token: String::new() };
    a.token = a.site_token().await;
    let (_second, base) = spawn("second").await;
    let mut b = Remote { base, token: String::new() };
    b.token = b.site_token().await;

    // Writes through both; the devices answer slowly, so the sync is under way, not done,
    // when the first server dies.
    let control = || ControlClient::connect(gateway.url());
    control().await.unwrap().set_latency(SetLatencyRequest { device_id: 0, millis: 20 }).await.unwrap();
    tokio::join!(a.create(30_000, 1000), b.create(31_000, 1000));
    tokio::join!(a.create(32_000, 1000), b.create(33_000, 1000), a.create(34_000, 1000));
    let gateway_channel = tonic::transport::Endpoint::from_shared(gateway.url()).unwrap().connect().await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while crate::sync::held_by(&gateway_channel, DEVICES[0]).await.len() < 300 {
        assert!(tokio::time::Instant::now() < deadline, "the sync did not start");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Revocations, through the one that will die and the one that stays.
    let db = server::db::open(&database.url).await.unwrap();
    let rows = |from: u32| {
        sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE user_id >= $1 AND user_id < $2")
            .bind(from.to_string())
            .bind((from + 100).to_string())
            .fetch_all(&db)
    };
    let r = a.post("/v1/users/suspend", json!({"ids": rows(30_000).await.unwrap()})).await;
    assert!(r["error_details"].as_object().is_none_or(|e| e.is_empty()), "{r}");
    kill_9(&mut first).await;
    let held = crate::sync::held_by(&gateway_channel, DEVICES[0]).await.len();
    assert!(held < 5000, "killed in the middle of the sync: the device held {held} of 5,000");
    control().await.unwrap().set_latency(SetLatencyRequest { device_id: 0, millis: 0 }).await.unwrap();
    let r = b.post("/v1/users/suspend", json!({"ids": rows(33_000).await.unwrap()})).await;
    assert!(r["error_details"].as_object().is_none_or(|e| e.is_empty()), "{r}");

    let active: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE status = 'ACTIVE' AND NOT is_service")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(active, 4800, "5,000 people, 200 of them suspended");
    crate::sync::until_devices_equal_directory(&db, &gateway_channel, &DEVICES, Duration::from_secs(60)).await;
    // What the dead server sent but could not record is sent again by the other (the
    // devices already equal the directory: an enroll with overwrite changes nothing).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let left: Vec<(i64, bool, bool, Option<String>, i64)> = sqlx::query_as(
            "SELECT d.device_id, du.want, du.pending, du.error, COUNT(*)
             FROM device_users du JOIN devices d ON d.id = du.device_row
             WHERE du.pending OR du.error IS NOT NULL GROUP BY d.device_id, du.want, du.pending, du.error",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        if left.is_empty() {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "work is left or refused: {left:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    crate::sync::until_devices_equal_directory(&db, &gateway_channel, &DEVICES, Duration::from_secs(5)).await;
}
