//! `cargo xtask bench sync`: how fast the directory's decisions reach the doors. The server
//! runs in-process against a simulated gateway of 4 devices (also in-process, on its own
//! loopback port, as a remote gateway would be). Prints figures; asserts nothing about time.
//!
//! 1. From the commit of a CSV import of 10,000 new people until all 4 devices hold them
//!    (SPEC: ≤ 5 s).
//! 2. From one suspension's answer until no device holds the person (SPEC: ≤ 1 s).
//! 3. From a bulk suspension of those 10,000 (one call) until no device holds any of them
//!    (SPEC: ≤ 5 s).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use gateway_sim::{DeviceConfig, Model, SimConfig};
use proto::gsdk::user::GetStatisticRequest;
use proto::gsdk::user::user_client::UserClient;
use serde_json::json;
use std::time::{Duration, Instant};
use support::ms;
use tonic::transport::Channel;

const PEOPLE: u32 = 10_000;

fn four_devices() -> SimConfig {
    let device = |i: u32| DeviceConfig {
        id: 700_000_000 + i,
        model: Model::Biostation3,
        name: format!("Door {i}"),
        ip: format!("10.0.0.{i}"),
        capacity: None,
        alphanumeric_ids: false,
    };
    SimConfig { devices: (1..=4).map(device).collect() }
}

/// The fewest users any of the devices holds.
async fn fewest_held(channel: &Channel, devices: &[u32]) -> u32 {
    let mut fewest = u32::MAX;
    for &device_id in devices {
        let stats = UserClient::new(channel.clone()).get_statistic(GetStatisticRequest { device_id }).await.unwrap();
        fewest = fewest.min(stats.into_inner().user_statistic.unwrap_or_default().num_of_users);
    }
    fewest
}

/// The most users any of the devices holds.
async fn most_held(channel: &Channel, devices: &[u32]) -> u32 {
    let mut most = 0;
    for &device_id in devices {
        let stats = UserClient::new(channel.clone()).get_statistic(GetStatisticRequest { device_id }).await.unwrap();
        most = most.max(stats.into_inner().user_statistic.unwrap_or_default().num_of_users);
    }
    most
}

async fn until(mut done: impl AsyncFnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done().await {
        assert!(started.elapsed() < Duration::from_secs(300), "no end after 300 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    started.elapsed()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let config = four_devices();
    let devices: Vec<u32> = config.devices.iter().map(|d| d.id).collect();
    let sim = gateway_sim::Simulator::open(&config, &dir.path().join("gateway"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(gateway_sim::serve(sim, listener, None, std::future::pending()));
    let site = dir.path().join("lintel.toml");
    std::fs::write(&site, format!("[[site]]\nname = \"Bench site\"\ngateway = \"{url}\"\n"))?;
    let (running, api) =
        support::start(&dir.path().join("data"), &[("LINTEL_CONFIG", site.display().to_string())]).await?;
    let channel = running.state.gateways.channel(1).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    // The server learns of the devices first.
    until(async || {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM devices WHERE connected AND capability IS NOT NULL")
            .fetch_one(&running.state.db)
            .await
            .unwrap()
            == 4
    })
    .await;
    println!("sync benchmark: {PEOPLE} people to {} simulated devices (gateway on {url})", devices.len());

    let mut csv = String::from("user_id,name,email,cards\n");
    for i in 1..=PEOPLE {
        csv.push_str(&format!("{},Person {i},person{i}@example.com,{}\n", 1000 + i, 80_000_000 + i));
    }
    let started = Instant::now();
    let summary = api.import(csv, "user_id").await;
    assert_eq!(summary["created"].as_u64(), Some(u64::from(PEOPLE)), "{summary}");
    let import = started.elapsed();
    let synced = until(async || fewest_held(&channel, &devices).await == PEOPLE).await;
    println!(
        "import of {PEOPLE} people committed in {:.2} s; on all {} devices {:.2} s after the commit (target <= 5 s)",
        import.as_secs_f64(),
        devices.len(),
        synced.as_secs_f64()
    );

    let mut one = Vec::new();
    for n in 1..=9 {
        let user_id = (1000 + n).to_string();
        let id: i64 = sqlx::query_scalar("SELECT id FROM users WHERE user_id = $1")
            .bind(&user_id)
            .fetch_one(&running.state.db)
            .await?;
        api.post(&format!("/v1/users/{id}/suspend"), &json!({})).await;
        one.push(
            until(async || {
                let mut anywhere = false;
                for &device_id in &devices {
                    let found = UserClient::new(channel.clone())
                        .get(proto::gsdk::user::GetRequest { device_id, user_i_ds: vec![user_id.clone()] })
                        .await;
                    anywhere |= found.is_ok();
                }
                !anywhere
            })
            .await,
        );
    }
    one.sort();
    println!(
        "one suspension off all {} devices (9 runs): median {}, worst {} (target <= 1 s)",
        devices.len(),
        ms(one[4]),
        ms(one[8])
    );

    let emails: Vec<String> = (10..=PEOPLE).map(|i| format!("person{i}@example.com")).collect();
    let started = Instant::now();
    api.post("/v1/users/suspend", &json!({"emails": emails, "certify_by": "none", "use_site_template": true})).await;
    let answered = started.elapsed();
    let off = until(async || most_held(&channel, &devices).await == 0).await;
    println!(
        "bulk suspension of {} people answered in {:.2} s; off all {} devices {:.2} s later (target <= 5 s)",
        emails.len(),
        answered.as_secs_f64(),
        devices.len(),
        off.as_secs_f64()
    );
    running.stop().await?;
    Ok(())
}
