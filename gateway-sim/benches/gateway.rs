//! `cargo xtask bench gateway`: the simulator's throughput and latency over loopback gRPC.
//! Prints figures; asserts nothing about time.

use gateway_sim::{DeviceConfig, MAX_MESSAGE_BYTES, Model, SimConfig, Simulator};
use proto::gsdk::card::{CsnCardData, Type as CardType};
use proto::gsdk::device::GetCapabilityInfoRequest;
use proto::gsdk::device::device_client::DeviceClient;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::*;
use std::time::{Duration, Instant};
use tonic::transport::Channel;

const DEVICES: [u32; 4] = [1001, 1002, 1003, 1004];
const ENROLL_USERS: u32 = 10_000;
const LIST_USERS: u32 = 100_000;
const UNARY_CALLS: usize = 2_000;

fn user(id: u32) -> UserInfo {
    UserInfo {
        hdr: Some(UserHdr { id: id.to_string(), ..Default::default() }),
        setting: Some(UserSetting { start_time: 1_767_225_600, end_time: 1_924_991_999, ..Default::default() }),
        name: format!("Person {id:06}"),
        cards: vec![CsnCardData {
            r#type: CardType::CardTypeCsn as i32,
            size: 32,
            data: (id + 0x1000_0000).to_be_bytes().to_vec(),
        }],
        access_group_i_ds: vec![1, 2],
        pin: vec![0xA5; 32],
        ..Default::default()
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let tmp = tempfile::tempdir()?;
    let dir = tmp.path().to_owned();
    let devices = DEVICES
        .iter()
        .map(|&id| DeviceConfig {
            id,
            model: Model::Biostation3,
            name: format!("bench {id}"),
            ip: "10.0.0.1".into(),
            capacity: None,
            alphanumeric_ids: false,
        })
        .collect();
    let sim = Simulator::open(&SimConfig { devices }, &dir)?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(gateway_sim::serve(sim, listener, None, async {
        let _ = stopped.await;
    }));
    let channel = Channel::from_shared(format!("http://{addr}"))?.connect().await?;
    let mut users = UserClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_MESSAGE_BYTES);

    println!("gateway bench: release build, loopback gRPC, {} devices, data in {}", DEVICES.len(), dir.display());

    // EnrollMulti of 10,000 users to 4 devices (each run starts from empty devices).
    let batch: Vec<UserInfo> = (1..=ENROLL_USERS).map(user).collect();
    let mut runs = Vec::new();
    for _ in 0..3 {
        users.delete_all_multi(DeleteAllMultiRequest { device_i_ds: DEVICES.to_vec() }).await?;
        let started = Instant::now();
        users
            .enroll_multi(EnrollMultiRequest { device_i_ds: DEVICES.to_vec(), users: batch.clone(), overwrite: false })
            .await?;
        runs.push(started.elapsed());
    }
    let enroll = median(runs);
    println!(
        "EnrollMulti {ENROLL_USERS} users x {} devices: {} (median of 3; {:.0} user records/s)",
        DEVICES.len(),
        ms(enroll),
        f64::from(ENROLL_USERS) * DEVICES.len() as f64 / enroll.as_secs_f64()
    );

    // GetList of 100,000 users on one device.
    let device_id = DEVICES[0];
    users.delete_all(DeleteAllRequest { device_id }).await?;
    for chunk in (1..=LIST_USERS).collect::<Vec<_>>().chunks(10_000) {
        let users_chunk = chunk.iter().copied().map(user).collect();
        users.enroll(EnrollRequest { device_id, users: users_chunk, overwrite: false }).await?;
    }
    let mut runs = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let hdrs = users.get_list(GetListRequest { device_id }).await?.into_inner().hdrs;
        runs.push(started.elapsed());
        anyhow::ensure!(hdrs.len() == LIST_USERS as usize, "GetList returned {} users", hdrs.len());
    }
    println!("GetList of {LIST_USERS} users on one device: {} (median of 5)", ms(median(runs)));

    // A small unary call, sequentially.
    let mut device = DeviceClient::new(channel);
    let mut samples = Vec::with_capacity(UNARY_CALLS);
    for i in 0..UNARY_CALLS + 100 {
        let started = Instant::now();
        device.get_capability_info(GetCapabilityInfoRequest { device_id }).await?;
        if i >= 100 {
            samples.push(started.elapsed()); // the first 100 warm up
        }
    }
    samples.sort();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    println!(
        "Unary GetCapabilityInfo over {UNARY_CALLS} calls: p50 {:.0} µs, p99 {:.0} µs",
        at(0.5).as_secs_f64() * 1e6,
        at(0.99).as_secs_f64() * 1e6
    );

    let _ = stop.send(());
    server.await??;
    Ok(())
}
