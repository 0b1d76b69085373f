//! A site whose gateway speaks TLS (as the vendor's does): Lintel trusts the CA file it is
//! given and nothing else.

use crate::harness::*;
use reqwest::Method;
use std::path::Path;
use std::time::Duration;

/// Lintel with one site whose gateway is at `url`, trusting the CA in `ca_file`.
async fn lintel(dir: &Path, url: &str, ca_file: &Path) -> TestServer {
    std::fs::create_dir_all(dir).unwrap();
    let config = dir.join("lintel.toml");
    std::fs::write(
        &config,
        format!("[[site]]\nname = \"HQ\"\ngateway = \"{url}\"\nca_file = \"{}\"\n", ca_file.display()),
    )
    .unwrap();
    TestServer::start_with(Options {
        vars: vec![("LINTEL_CONFIG", config.display().to_string())],
        ..Default::default()
    })
    .await
}

async fn devices(s: &TestServer) -> usize {
    let t = s.site_token(ADMIN, ADMIN_PASSWORD).await;
    let r = s.request(Method::GET, "/v1/devices").bearer_auth(&t).send().await.unwrap();
    body(r).await["devices"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_tls_gateway_is_reached_with_its_ca_and_refused_with_another() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_and_leaf("localhost");
    let sim =
        gateway_sim::Simulator::open(&gateway_sim::SimConfig::default_devices(), &dir.path().join("sim")).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://localhost:{}", listener.local_addr().unwrap().port());
    let tls = gateway_sim::TlsPem { cert: cert.into_bytes(), key: key.into_bytes() };
    tokio::spawn(gateway_sim::serve(sim, listener, Some(tls), std::future::pending()));

    let trusted = dir.path().join("gateway-ca.crt");
    std::fs::write(&trusted, ca).unwrap();
    let s = lintel(&dir.path().join("a"), &url, &trusted).await;
    assert_eq!(devices(&s).await, 3, "the devices are read over TLS");
    drop(s);

    // Another CA (a certificate it did not sign): nothing gets through.
    let (other_ca, _, _) = ca_and_leaf("localhost");
    let untrusted = dir.path().join("other-ca.crt");
    std::fs::write(&untrusted, other_ca).unwrap();
    let s = lintel(&dir.path().join("b"), &url, &untrusted).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(devices(&s).await, 0, "a gateway whose certificate the CA did not sign is not trusted");
}
