//! `cargo xtask image`: the container image from `Containerfile` and `target/image`, built
//! with whichever of docker (with a running engine), podman or buildah is installed; and
//! the image's smoke test, which `cargo xtask test` runs when buildah is installed.
//!
//! The smoke test starts the server inside the image (`buildah run --isolation chroot`,
//! which shares the host's network, so the server binds 127.0.0.1:0 and prints its port)
//! with the embedded simulator and a data folder of the host as its volume; signs in with
//! `LINTEL_BOOTSTRAP_ADMIN`, creates and lists people, stops it with SIGTERM, starts it
//! again and finds them. The folder is mounted at `/srv/lintel-data` (named by
//! `LINTEL_DATA_DIR`), not at `/data`: buildah 1.28 (Debian 12) mounts an anonymous volume
//! of its own over anything bound at a path the image declares a `VOLUME`.

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const IMAGE: &str = "localhost/lintel:latest";
/// The image's user (non-root, numeric: a `FROM scratch` image has no /etc/passwd).
const UID: u32 = 10001;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Builder {
    Docker,
    Podman,
    Buildah,
}

/// The first usable builder: docker only when its engine answers (a client alone cannot
/// build), then podman, then buildah.
pub fn builder() -> Option<Builder> {
    let works = |program: &str, args: &[&str]| {
        Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    };
    if works("docker", &["info"]) {
        Some(Builder::Docker)
    } else if works("podman", &["--version"]) {
        Some(Builder::Podman)
    } else if works("buildah", &["--version"]) {
        Some(Builder::Buildah)
    } else {
        None
    }
}

/// buildah without a daemon or overlay support: the vfs storage driver and chroot isolation.
fn buildah() -> Command {
    let mut cmd = Command::new("buildah");
    cmd.args(["--storage-driver", "vfs"]);
    cmd
}

pub fn build(root: &Path) -> Result<Builder> {
    let Some(builder) = builder() else {
        bail!("building the image needs docker (with its engine running), podman or buildah");
    };
    let dist = crate::dist::build(root)?;
    let containerfile = root.join("Containerfile");
    let mut cmd = match builder {
        Builder::Docker => {
            let mut cmd = Command::new("docker");
            cmd.arg("build");
            cmd
        }
        Builder::Podman => {
            let mut cmd = Command::new("podman");
            cmd.args(["build", "--format", "docker"]);
            cmd
        }
        // The docker format keeps the HEALTHCHECK (OCI images have no field for it).
        Builder::Buildah => {
            let mut cmd = buildah();
            cmd.args(["bud", "--isolation", "chroot", "--format", "docker"]);
            cmd
        }
    };
    cmd.arg("-f").arg(&containerfile).args(["-t", IMAGE]).arg(&dist);
    crate::status(&mut cmd)?;
    println!("image: {IMAGE} built with {builder:?}; {} MB of files", dir_size(&dist)? / 1_000_000);
    Ok(builder)
}

fn dir_size(dir: &Path) -> Result<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        total += if entry.file_type()?.is_dir() { dir_size(&entry.path())? } else { entry.metadata()?.len() };
    }
    Ok(total)
}

/// The built image's smoke test (buildah only: `podman run` does not work on our machines
/// and docker needs an engine).
pub fn smoke(root: &Path) -> Result<()> {
    let data = root.join("target").join("image-smoke-data");
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    std::fs::create_dir_all(&data)?;
    std::os::unix::fs::chown(&data, Some(UID), Some(UID))
        .with_context(|| format!("giving {} to the image's user {UID} (run as root)", data.display()))?;
    let name = format!("lintel-smoke-{}", std::process::id());
    crate::status(buildah().args(["from", "--quiet", "--name", &name, IMAGE]).stdout(Stdio::null()))?;
    let result = smoke_in(&name, &data);
    let _ = buildah().args(["rm", &name]).stdout(Stdio::null()).status();
    result?;
    std::fs::remove_dir_all(&data)?;
    println!("image smoke test: passed");
    Ok(())
}

fn smoke_in(container: &str, data: &Path) -> Result<()> {
    let first = Running::start(container, data)?;
    println!("image smoke test: /healthz answered {} ms after the start", first.ready_after.as_millis());
    let token = first.sign_in()?;
    for (id, name) in [("9001", "Ada Smoke"), ("9002", "Grace Smoke")] {
        let (status, body) =
            first.call("POST", "/v1/users", Some(&token), Some(json!({"user_id": id, "name": name})))?;
        ensure!(status == 201, "creating {name} answered {status}: {body}");
    }
    let listed = first.people(&token)?;
    ensure!(listed == ["9001", "9002"], "listed {listed:?}, not the people created");
    first.stop()?;
    ensure!(data.join("lintel.db").is_file(), "the database is not in the volume's folder");

    let second = Running::start(container, data)?;
    let token = second.sign_in()?;
    let listed = second.people(&token)?;
    ensure!(listed == ["9001", "9002"], "after a restart, listed {listed:?}, not the people created");
    second.stop()
}

/// The server running inside the image.
struct Running {
    child: Child,
    addr: String,
    ready_after: Duration,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the smoke test mounts the host's data folder (see the module's comment).
const VOLUME: &str = "/srv/lintel-data";
const ADMIN: &str = "operator";
const PASSWORD: &str = "a long smoke-test password";

impl Running {
    fn start(container: &str, data: &Path) -> Result<Self> {
        let started = Instant::now();
        let mut child = buildah()
            .args(["run", "--isolation", "chroot"])
            .arg("-v")
            .arg(format!("{}:{VOLUME}", data.display()))
            .args(["-e", &format!("LINTEL_DATA_DIR={VOLUME}")])
            .args(["-e", "LINTEL_LISTEN=127.0.0.1:0", "-e", "LINTEL_PUBLIC_ORIGIN=http://127.0.0.1:0"])
            .args(["-e", &format!("LINTEL_BOOTSTRAP_ADMIN={ADMIN}:{PASSWORD}"), "-e", "RUST_LOG=warn"])
            .args([container, "--", "/lintel", "serve"])
            .stdout(Stdio::piped())
            .spawn()
            .context("starting buildah run")?;
        let stdout = child.stdout.take().context("the server's output")?;
        let mut lines = BufReader::new(stdout).lines();
        let mut addr = None;
        for line in lines.by_ref() {
            let line = line?;
            if let Some(at) = line.split("listening on ").nth(1) {
                addr = Some(at.trim_end_matches(')').to_owned());
                break;
            }
        }
        let Some(addr) = addr else {
            let status = child.wait()?;
            bail!("the server in the image stopped before listening ({status})");
        };
        // Drain the rest so a full pipe never blocks the server.
        std::thread::spawn(move || lines.for_each(drop));
        let mut running = Running { child, addr, ready_after: Duration::ZERO };
        loop {
            if matches!(running.call("GET", "/healthz", None, None), Ok((200, _))) {
                break;
            }
            ensure!(started.elapsed() < Duration::from_secs(30), "/healthz did not answer within 30 s");
            std::thread::sleep(Duration::from_millis(20));
        }
        running.ready_after = started.elapsed();
        Ok(running)
    }

    /// BioStar Air's sign-in: a token for the login, then one for its site account.
    fn sign_in(&self) -> Result<String> {
        let (status, login) =
            self.call("POST", "/v1/login", None, Some(json!({"username": ADMIN, "password": PASSWORD})))?;
        ensure!(status == 200, "signing in answered {status}: {login}");
        let token = login["access_token"].as_str().context("access_token")?.to_owned();
        let (_, accounts) = self.call("GET", "/v1/accounts/self", Some(&token), None)?;
        let id = accounts["accounts"][0]["id"].as_i64().context("the admin's site account")?;
        let (status, scoped) = self.call("POST", &format!("/v1/login/{id}"), Some(&token), None)?;
        ensure!(status == 200, "choosing the site answered {status}: {scoped}");
        Ok(scoped["access_token"].as_str().context("access_token")?.to_owned())
    }

    fn people(&self, token: &str) -> Result<Vec<String>> {
        // The SUPER signed in is a person of the site too; the search leaves only those created.
        let (status, page) = self.call("GET", "/v1/users?search=Smoke&sort=user_id", Some(token), None)?;
        ensure!(status == 200, "listing people answered {status}: {page}");
        let users = page["users"].as_array().context("users")?;
        Ok(users.iter().filter_map(|u| u["user_id"].as_str().map(str::to_owned)).collect())
    }

    /// SIGTERM to the server, as a container runtime stops a container (buildah itself
    /// would kill it: it does not pass the signal on); the server must exit cleanly.
    fn stop(mut self) -> Result<()> {
        let server = descendant(self.child.id(), "lintel").context("the server's process inside the image")?;
        crate::status(Command::new("kill").args(["-TERM", &server.to_string()]))?;
        let status = self.child.wait()?;
        ensure!(status.success(), "the server in the image exited with {status} after SIGTERM");
        Ok(())
    }

    /// One HTTP/1.1 request with a JSON body, answered as status and JSON (or text).
    fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Result<(u16, Value)> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n", self.addr);
        if let Some(token) = token {
            request.push_str(&format!("Authorization: Bearer {token}\r\n"));
        }
        if !body.is_empty() {
            request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
        }
        request.push_str("\r\n");
        request.push_str(&body);
        stream.write_all(request.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let (head, rest) = answer.split_once("\r\n\r\n").context("an HTTP answer")?;
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).context("an HTTP status")?;
        let rest =
            if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { unchunk(rest) } else { rest.into() };
        Ok((status, serde_json::from_str(&rest).unwrap_or(Value::String(rest))))
    }
}

/// The first process below `ancestor` whose name is `name` (from /proc).
fn descendant(ancestor: u32, name: &str) -> Option<u32> {
    let mut parents = std::collections::HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // "pid (comm) state ppid ...": the name may hold spaces, so split after its ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else { continue };
        let comm = head.split_once('(').map_or("", |(_, c)| c);
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse::<u32>().ok()).unwrap_or(0);
        parents.insert(pid, (ppid, comm == name));
    }
    let below = |mut pid: u32| {
        while let Some(&(ppid, _)) = parents.get(&pid) {
            if ppid == ancestor {
                return true;
            }
            pid = ppid;
        }
        false
    };
    parents.iter().find(|(pid, (_, named))| *named && below(**pid)).map(|(pid, _)| *pid)
}

/// A chunked body, joined.
fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else { break };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}
