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

/// `LINTEL_LOG_FORMAT=json`: every line of the log is one JSON object (for a collector),
/// with no terminal colours; the stop itself is logged.
#[cfg(unix)]
#[tokio::test]
async fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::harness::database_for(&dir.path().display().to_string()).await;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_lintel"))
        .envs(database.map(|url| ("DATABASE_URL", url)))
        .env("LINTEL_DATA_DIR", dir.path())
        .env("LINTEL_LISTEN", "127.0.0.1:0")
        .env("LINTEL_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    for line in stdout {
        if line.unwrap().contains("listening on ") {
            break;
        }
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().await.unwrap().success());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    assert!(out.status.success());
    let log = String::from_utf8(out.stderr).unwrap();
    assert!(!log.contains('\u{1b}'), "no terminal colours in a log file");
    let lines: Vec<serde_json::Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(lines.iter().all(|l| l["level"].is_string() && l["timestamp"].is_string()), "{log}");
    assert!(lines.iter().any(|l| l["message"].as_str().is_some_and(|m| m.starts_with("stopping"))), "{log}");
}
