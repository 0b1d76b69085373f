//! The `gateway-sim` binary as a separate process: TLS, and a kill -9 in the middle of
//! writes that must lose at most the calls in flight.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use proto::gsdk::connect::GetDeviceListRequest;
use proto::gsdk::connect::connect_client::ConnectClient;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{EnrollRequest, GetListRequest, UserHdr, UserInfo};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

const DEVICE: u32 = 544_300_001;

/// Starts the binary on 127.0.0.1:0 and reads the address it logs.
fn spawn(data: &Path, extra: &[&str]) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gateway-sim"))
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .args(extra)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn gateway-sim");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let addr = loop {
        let line = lines.next().expect("gateway-sim exited before listening").expect("read");
        if let Some((_, rest)) = line.split_once("listening on ") {
            break rest.trim().to_owned();
        }
    };
    // Keep draining the log so the child never blocks on a full pipe.
    std::thread::spawn(move || lines.for_each(drop));
    (child, addr)
}

fn user(id: u32) -> UserInfo {
    UserInfo {
        hdr: Some(UserHdr { id: id.to_string(), ..Default::default() }),
        name: format!("User {id}"),
        ..Default::default()
    }
}

#[tokio::test]
async fn serves_tls_to_a_client_trusting_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap().signed_by(&leaf_key, &issuer).unwrap();
    let (cert, key) = (dir.path().join("gw.crt"), dir.path().join("gw.key"));
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();

    let data = dir.path().join("data");
    let (mut child, addr) = spawn(&data, &["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    assert!(addr.starts_with("https://"), "{addr}");
    let tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(ca.pem())).domain_name("localhost");
    let channel = Channel::from_shared(addr.clone()).unwrap().tls_config(tls).unwrap().connect().await.unwrap();
    let devices = ConnectClient::new(channel).get_device_list(GetDeviceListRequest {}).await.unwrap();
    assert_eq!(devices.into_inner().device_infos.len(), 3);

    // A client that does not trust the CA is refused.
    let untrusted = async {
        let tls = ClientTlsConfig::new().domain_name("localhost");
        let channel = Channel::from_shared(addr)?.tls_config(tls)?.connect().await?;
        ConnectClient::new(channel).get_device_list(GetDeviceListRequest {}).await?;
        Ok::<_, Box<dyn std::error::Error>>(())
    };
    assert!(untrusted.await.is_err(), "a client without the CA must not get through");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test]
async fn kill_9_mid_write_loses_at_most_the_calls_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, addr) = spawn(dir.path(), &[]);
    let channel = Channel::from_shared(addr).unwrap().connect().await.unwrap();

    // Four writers enroll batches of 50 users each; every acknowledged batch is counted.
    let acked = Arc::new(AtomicU32::new(0));
    let mut writers = Vec::new();
    for w in 0..4u32 {
        let (mut client, acked) = (UserClient::new(channel.clone()), acked.clone());
        writers.push(tokio::spawn(async move {
            let mut done = Vec::new();
            for batch in 0u32.. {
                let first = 1 + (w * 1_000_000) + batch * 50;
                let users = (first..first + 50).map(user).collect();
                match client.enroll(EnrollRequest { device_id: DEVICE, users, overwrite: false }).await {
                    Ok(_) => {
                        done.push(first);
                        acked.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(_) => return done,
                }
            }
            done
        }));
    }
    while acked.load(Ordering::SeqCst) < 40 {
        tokio::task::yield_now().await;
    }
    child.kill().unwrap(); // SIGKILL, while the writers keep writing
    child.wait().unwrap();
    let mut acknowledged = Vec::new();
    for w in writers {
        acknowledged.extend(w.await.unwrap());
    }

    let (mut child, addr) = spawn(dir.path(), &[]);
    let channel = Channel::from_shared(addr).unwrap().connect().await.unwrap();
    let hdrs = UserClient::new(channel).get_list(GetListRequest { device_id: DEVICE }).await.unwrap().into_inner().hdrs;
    let held: std::collections::HashSet<String> = hdrs.into_iter().map(|h| h.id).collect();
    for first in &acknowledged {
        for id in *first..first + 50 {
            assert!(held.contains(&id.to_string()), "acknowledged user {id} was lost");
        }
    }
    // Whole batches only: at most the four calls in flight landed unacknowledged.
    assert_eq!(held.len() % 50, 0);
    assert!(held.len() <= (acknowledged.len() + 4) * 50);
    child.kill().unwrap();
    child.wait().unwrap();
}
