//! `cargo xtask e2e`: the console in Debian's Chromium (never a downloaded browser),
//! driven by Playwright from npm, against the real server with its embedded gateway
//! simulator on a fresh data directory. The server binds 127.0.0.1:0 and prints its port
//! and the first-run bootstrap code, which the tests use.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Kills the server when the run ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    if !Path::new(CHROMIUM).exists() {
        bail!("the end-to-end tests run Debian's Chromium: apt-get install chromium (.ci/run does)");
    }
    let app = crate::app_bundle::build(root)?;
    crate::cargo(&["build", "-p", "server", "--bin", "lintel"])?;
    let dir = root.join("end2end");
    if !dir.join("node_modules").join("@playwright").join("test").exists() {
        let mut npm = Command::new("npm");
        npm.args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir).env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        crate::status(&mut npm)?;
    }
    let data = root.join("target").join("e2e-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    std::fs::create_dir_all(&data)?;
    let mut child = Command::new(root.join("target").join("debug").join("lintel"))
        .env("LINTEL_DATA_DIR", &data)
        .env("LINTEL_LISTEN", "127.0.0.1:0")
        .env("LINTEL_APP_DIR", &app)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting lintel")?;
    let stdout = child.stdout.take().context("lintel's output")?;
    let server = Server(child);
    let (url, code) = read_start(stdout)?;
    eprintln!("xtask: console at {url}");
    let mut playwright = Command::new("npx");
    playwright
        .args(["playwright", "test"])
        .args(args)
        .current_dir(&dir)
        .env("LINTEL_URL", &url)
        .env("LINTEL_BOOTSTRAP_CODE", &code)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    let result = crate::status(&mut playwright);
    drop(server);
    result
}

/// The URL the server listens on and the bootstrap code, from what it prints at start.
fn read_start(stdout: std::process::ChildStdout) -> Result<(String, String)> {
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    for line in lines.by_ref() {
        let line = line?;
        if let Some(addr) = line.split("listening on ").nth(1) {
            url = Some(format!("http://{}", addr.trim_end_matches(')')));
        }
        let trimmed = line.trim();
        if trimmed.len() == 19 && trimmed.chars().filter(|c| *c == '-').count() == 3 {
            let url = url.context("the server printed its code before its address")?;
            // Keep reading (and dropping) the rest so the server never blocks on its pipe.
            std::thread::spawn(move || lines.for_each(drop));
            return Ok((url, trimmed.to_owned()));
        }
    }
    bail!("the server stopped before printing its address and bootstrap code")
}
