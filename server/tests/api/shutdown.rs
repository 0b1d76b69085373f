//! The `lintel` binary stops cleanly on SIGTERM (what `docker stop` and systemd send).

use tokio::process::Command;

#[cfg(unix)]
#[tokio::test]
async fn sigterm_stops_the_server_like_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) =
        crate::harness::spawn_lintel(&[("LINTEL_DATA_DIR", dir.path().display().to_string())]).await;
    let address = base.trim_start_matches("http://").to_owned();
    let health = reqwest::get(format!("http://{address}/healthz")).await.unwrap();
    assert!(health.status().is_success());

    let pid = child.id().unwrap().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(sent.success());
    // A guard against a hang, not a measurement: the server's own deadline is 8 s.
    let exit = tokio::time::timeout(std::time::Duration::from_secs(60), child.wait()).await;
    let exit = exit.expect("the server stopped after SIGTERM").unwrap();
    assert!(exit.success(), "a clean stop exits 0: {exit:?}");
    assert!(reqwest::get(format!("http://{address}/healthz")).await.is_err(), "nothing listens any more");
}
