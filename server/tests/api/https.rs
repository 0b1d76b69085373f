//! Lintel serving HTTPS itself (the `lintel` binary in its own process, so SIGHUP can be
//! sent): the certificate it is given, HSTS and the `__Host-` Secure cookie, a renewed
//! certificate taken on SIGHUP without a restart, a broken renewal that leaves the
//! working one in use, and the image's health check (`lintel health`) over TLS.

use crate::harness::*;
use serde_json::json;
use std::path::Path;
use std::time::Duration;

/// Writes a file the way a renewal should: whole, then moved into place.
fn replace(path: &Path, text: &str) {
    let fresh = path.with_extension("new");
    std::fs::write(&fresh, text).unwrap();
    std::fs::rename(&fresh, path).unwrap();
}

/// The DER of a PEM certificate.
fn der(pem: &str) -> Vec<u8> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

/// The certificate a new connection to `addr` is shown (trusting `ca`).
async fn served_certificate(addr: &str, ca: &str) -> (reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .resolve("localhost", addr.parse().unwrap())
        .tls_info(true)
        .build()
        .unwrap();
    let port = addr.rsplit(':').next().unwrap();
    let r = client.get(format!("https://localhost:{port}/healthz")).send().await.unwrap();
    let cert = r.extensions().get::<reqwest::tls::TlsInfo>().unwrap().peer_certificate().unwrap().to_vec();
    (r.status(), r.headers().clone(), cert)
}

#[tokio::test]
async fn https_with_a_certificate_reloaded_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_and_leaf("localhost");
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, &cert).unwrap();
    std::fs::write(&key_file, &key).unwrap();
    let vars = [
        ("LINTEL_DATA_DIR", dir.path().join("data").display().to_string()),
        ("LINTEL_TLS_CERT", cert_file.display().to_string()),
        ("LINTEL_TLS_KEY", key_file.display().to_string()),
        ("LINTEL_BOOTSTRAP_ADMIN", format!("{ADMIN}:{ADMIN_PASSWORD}")),
    ];
    let (mut child, url) = spawn_lintel(&vars).await;
    let addr = url.trim_start_matches("http://").to_owned();

    let (status, headers, served) = served_certificate(&addr, &ca).await;
    assert_eq!(status, 200);
    assert_eq!(served, der(&cert));
    assert!(headers.get("strict-transport-security").unwrap().to_str().unwrap().contains("max-age="));

    // The browser's sign-in over HTTPS: the cookie is __Host- and Secure.
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca.as_bytes()).unwrap())
        .resolve("localhost", addr.parse().unwrap())
        .build()
        .unwrap();
    let port = addr.rsplit(':').next().unwrap();
    let r = client
        .post(format!("https://localhost:{port}/v1/session"))
        .header("origin", format!("https://{addr}"))
        .header("x-lintel-csrf", "1")
        .json(&json!({"username": ADMIN, "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap();
    assert!(cookie.starts_with("__Host-lintel_session=") && cookie.contains("; Secure"), "{cookie}");

    // The image's health check speaks TLS to the same server.
    let health = std::process::Command::new(env!("CARGO_BIN_EXE_lintel"))
        .arg("health")
        .envs(vars.iter().map(|(k, v)| (*k, v.clone())))
        .envs(crate::harness::database_for(&vars[0].1).await.map(|url| ("DATABASE_URL", url)))
        .env("LINTEL_LISTEN", &addr)
        .output()
        .unwrap();
    assert!(health.status.success(), "lintel health: {}", String::from_utf8_lossy(&health.stderr));

    // A renewal (a new certificate from another CA) is served after SIGHUP, no restart.
    let (ca2, cert2, key2) = ca_and_leaf("localhost");
    replace(&cert_file, &cert2);
    replace(&key_file, &key2);
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    let mut renewed = false;
    for _ in 0..100 {
        let client = reqwest::Client::builder()
            .add_root_certificate(reqwest::Certificate::from_pem(ca2.as_bytes()).unwrap())
            .resolve("localhost", addr.parse().unwrap())
            .build()
            .unwrap();
        if client.get(format!("https://localhost:{port}/healthz")).send().await.is_ok() {
            renewed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(renewed, "the renewed certificate was not served after SIGHUP");
    assert_eq!(served_certificate(&addr, &ca2).await.2, der(&cert2));

    // A broken renewal (a key that is not PEM) is refused; the working certificate stays.
    replace(&key_file, "not a key");
    assert!(std::process::Command::new("kill").args(["-HUP", &pid]).status().unwrap().success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (status, _, served) = served_certificate(&addr, &ca2).await;
    assert_eq!((status, served), (reqwest::StatusCode::OK, der(&cert2)));
    assert!(child.try_wait().unwrap().is_none(), "the server must keep running");
}
