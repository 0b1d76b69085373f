//! `cargo xtask e2e`: the console in Debian's Chromium (never a downloaded browser),
//! driven by Playwright from npm, against the real server on a fresh data directory. Its
//! gateway is the simulator in a process of its own, so the tests can reach its control
//! service (to take a device offline). Both bind 127.0.0.1:0 and print where they listen;
//! the server also prints the first-run bootstrap code, which the tests use.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

const CHROMIUM: &str = "/usr/bin/chromium";

/// A process started for a run; killed when dropped, however the run ends.
pub struct Server {
    child: Child,
    pub url: String,
    /// The first-run bootstrap code (when no admin was configured).
    pub code: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `binary` on 127.0.0.1:0 with the built console and a fresh data directory;
/// `admin` (`username:password`) creates the first SUPER, otherwise the bootstrap code is
/// read from the server's output.
/// `gateway`, if given, is the URL of the site's gateway (otherwise the embedded one).
pub fn start(binary: &Path, app: &Path, data: &Path, admin: Option<&str>, gateway: Option<&str>) -> Result<Server> {
    std::fs::create_dir_all(data)?;
    let mut cmd = Command::new(binary);
    if let Some(url) = gateway {
        let config = data.join("lintel.toml");
        std::fs::write(&config, format!("[[site]]\nname = \"Demo site\"\ngateway = \"{url}\"\n"))?;
        cmd.env("LINTEL_CONFIG", config);
    }
    cmd.env("LINTEL_DATA_DIR", data)
        .env("LINTEL_LISTEN", "127.0.0.1:0")
        .env("LINTEL_APP_DIR", app)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped());
    if let Some(admin) = admin {
        cmd.env("LINTEL_BOOTSTRAP_ADMIN", admin);
    }
    let mut child = cmd.spawn().with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().context("lintel's output")?;
    let mut server = Server { child, url: String::new(), code: None };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line?;
        if let Some(addr) = line.split("listening on ").nth(1) {
            server.url = format!("http://{}", addr.trim_end_matches(')'));
            if admin.is_some() {
                break;
            }
        }
        let trimmed = line.trim();
        if trimmed.len() == 19 && trimmed.chars().filter(|c| *c == '-').count() == 3 {
            server.code = Some(trimmed.to_owned());
            break;
        }
    }
    if server.url.is_empty() || (admin.is_none() && server.code.is_none()) {
        bail!("the server stopped before printing its address (and bootstrap code)");
    }
    // Keep reading (and dropping) the rest so the server never blocks on its pipe.
    std::thread::spawn(move || lines.for_each(drop));
    Ok(server)
}

/// The gateway simulator on 127.0.0.1:0 with its default devices, its data in `data`.
pub fn start_gateway(binary: &Path, data: &Path) -> Result<Server> {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--data"])
        .arg(data)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stdout = child.stdout.take().context("the simulator's output")?;
    let mut server = Server { child, url: String::new(), code: None };
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        if let Some(url) = line?.split("listening on ").nth(1) {
            server.url = url.split(|c: char| c.is_whitespace() || c == '\x1b').next().unwrap_or_default().to_owned();
            break;
        }
    }
    if server.url.is_empty() {
        bail!("the gateway simulator stopped before printing its address");
    }
    std::thread::spawn(move || lines.for_each(drop));
    Ok(server)
}

/// Installs Playwright (and axe-core) from the lockfile when missing; never a browser.
pub fn npm_ci(dir: &Path) -> Result<()> {
    if !Path::new(CHROMIUM).exists() {
        bail!("the browser tests run Debian's Chromium: apt-get install chromium (.ci/run does)");
    }
    if dir.join("node_modules").join("@playwright").join("test").exists() {
        return Ok(());
    }
    let mut npm = Command::new("npm");
    npm.args(["ci", "--no-audit", "--no-fund"]).current_dir(dir).env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    crate::status(&mut npm)
}

pub fn run(root: &Path, args: &[&str]) -> Result<()> {
    let dir = root.join("end2end");
    npm_ci(&dir)?;
    let app = crate::app_bundle::build(root)?;
    crate::cargo(&["build", "-p", "server", "--bin", "lintel", "-p", "gateway-sim", "--bin", "gateway-sim"])?;
    let target = root.join("target");
    let data = target.join("e2e-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let gateway = start_gateway(&target.join("debug").join("gateway-sim"), &data.join("gateway"))?;
    let server = start(&target.join("debug").join("lintel"), &app, &data, None, Some(&gateway.url))?;
    eprintln!("xtask: console at {}, gateway at {}", server.url, gateway.url);
    let mut playwright = Command::new("npx");
    playwright
        .args(["playwright", "test"])
        .args(args)
        .current_dir(&dir)
        .env("LINTEL_URL", &server.url)
        .env("LINTEL_BOOTSTRAP_CODE", server.code.as_deref().unwrap_or_default())
        .env("LINTEL_GATEWAY_URL", &gateway.url)
        .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
    let result = crate::status(&mut playwright);
    drop(server);
    drop(gateway);
    result
}

/// `cargo xtask bench app`: the bundle's size (printed by the build), then the figures of
/// `end2end/bench/app.mjs` against a release server with 100,000 people.
pub fn bench(root: &Path) -> Result<()> {
    let dir = root.join("end2end");
    npm_ci(&dir)?;
    let app = crate::app_bundle::build(root)?;
    crate::cargo(&["build", "--release", "-p", "server", "--bin", "lintel"])?;
    let binary = root.join("target").join("release").join("lintel");
    let admin = "bench:bench admin long password";
    let data = root.join("target").join("bench-app-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let server = start(&binary, &app, &data, Some(admin), None)?;
    let mut node = Command::new("node");
    node.arg("bench/app.mjs").current_dir(&dir).env("LINTEL_URL", &server.url).env("LINTEL_ADMIN", admin);
    let result = crate::status(&mut node);
    drop(server);
    result
}
