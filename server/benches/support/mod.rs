//! What the benchmarks share: a server in-process on loopback, or in a process of its own,
//! and a site token for it.
#![allow(dead_code)] // each benchmark uses a part of it

use serde_json::{Value, json};
use server::clock::SystemClock;
use server::config::Config;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub const ADMIN: &str = "bench-admin";
pub const PASSWORD: &str = "bench admin password 1";

pub struct Api {
    pub base: String,
    pub http: reqwest::Client,
    pub token: String,
}

/// Starts the server on `data_dir` (plus any `vars`) and signs in to its first site.
pub async fn start(data_dir: &std::path::Path, vars: &[(&str, String)]) -> anyhow::Result<(server::Running, Api)> {
    let mut all: HashMap<String, String> = HashMap::new();
    all.insert("LINTEL_DATA_DIR".into(), data_dir.display().to_string());
    all.insert("LINTEL_LISTEN".into(), "127.0.0.1:0".into());
    all.insert("LINTEL_BOOTSTRAP_ADMIN".into(), format!("{ADMIN}:{PASSWORD}"));
    for (k, v) in vars {
        all.insert((*k).into(), v.clone());
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let running = server::start(Config::load(&all)?, Arc::new(SystemClock), listener).await?;
    let api = sign_in(format!("http://{}", running.addr)).await?;
    Ok((running, api))
}

/// Signs in to the server at `base` as the bench's admin, scoped to its first site.
async fn sign_in(base: String) -> anyhow::Result<Api> {
    let http = reqwest::Client::new();
    let login: Value = http
        .post(format!("{base}/v1/login"))
        .json(&json!({"username": ADMIN, "password": PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["access_token"].as_str().unwrap().to_owned();
    let accounts: Value = http.get(format!("{base}/v1/accounts/self")).bearer_auth(&token).send().await?.json().await?;
    let account = accounts["accounts"][0]["id"].as_i64().unwrap();
    let scoped: Value =
        http.post(format!("{base}/v1/login/{account}")).bearer_auth(&token).send().await?.json().await?;
    let token = scoped["access_token"].as_str().unwrap().to_owned();
    Ok(Api { base, http, token })
}

/// The server's own time for a response, from its `Server-Timing: app;dur=<ms>`.
pub fn server_timing(r: &reqwest::Response) -> Option<Duration> {
    let value = r.headers().get("server-timing")?.to_str().ok()?;
    let ms: f64 = value.split("dur=").nth(1)?.parse().ok()?;
    Some(Duration::from_secs_f64(ms / 1000.0))
}

impl Api {
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Value {
        let r = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }

    /// Waits until every device holds (or has refused) at least `people` and has nothing
    /// pending; answers how long that took, or `None` after `limit`.
    pub async fn until_devices_hold(&self, people: u64, limit: Duration) -> Option<Duration> {
        let started = std::time::Instant::now();
        while started.elapsed() < limit {
            let list = self.get("/v1/devices").await;
            let devices = list["devices"].as_array().cloned().unwrap_or_default();
            let settled = !devices.is_empty()
                && devices.iter().all(|d| {
                    let sync = &d["sync"];
                    let count = |k: &str| sync[k].as_u64().unwrap_or(0);
                    count("pending") == 0 && count("held") + count("refused") >= people
                });
            if settled {
                return Some(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        None
    }

    /// A CSV import that creates everyone, keyed by `key`; answers its summary.
    pub async fn import(&self, csv: String, key: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/users/import?mode=create&key={key}", self.base))
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "import: {}", r.status());
        r.json().await.unwrap()
    }
}

pub fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// The `lintel` binary in a process of its own (so that its memory is measured alone),
/// with the simulated gateway in this process; on the PostgreSQL build its database is a
/// new one in the cluster `LINTEL_BENCH_POSTGRES` names (`cargo xtask bench … --postgres`
/// starts one).
pub struct Process {
    pub child: tokio::process::Child,
    pub api: Api,
    pub memory: Memory,
}

pub async fn start_process(data_dir: &std::path::Path) -> anyhow::Result<Process> {
    use tokio::io::AsyncBufReadExt;
    let sim = gateway_sim::Simulator::open(&gateway_sim::SimConfig::default_devices(), &data_dir.join("gateway"))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let gateway = listener.local_addr()?;
    tokio::spawn(gateway_sim::serve(sim, listener, None, std::future::pending()));
    let config = data_dir.join("lintel.toml");
    std::fs::write(&config, format!("[[site]]\nname = \"Bench\"\ngateway = \"http://{gateway}\"\n"))?;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_lintel"));
    command
        .env("LINTEL_DATA_DIR", data_dir.join("server"))
        .env("LINTEL_LISTEN", "127.0.0.1:0")
        .env("LINTEL_CONFIG", &config)
        .env("LINTEL_BOOTSTRAP_ADMIN", format!("{ADMIN}:{PASSWORD}"))
        // LINTEL_BENCH_LOG=warn,sqlx::query=debug logs every statement with its time.
        .env("RUST_LOG", std::env::var("LINTEL_BENCH_LOG").unwrap_or_else(|_| "warn".into()));
    if cfg!(feature = "postgres") {
        command.env("DATABASE_URL", new_postgres_database().await?);
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next_line().await?.ok_or_else(|| anyhow::anyhow!("the server ended before it listened"))?;
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim_end_matches(')').to_owned();
        }
    };
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let memory = Memory::watch(child.id().unwrap_or_default());
    let api = sign_in(format!("http://{address}")).await?;
    Ok(Process { child, api, memory })
}

/// A database of its own in the bench's PostgreSQL cluster.
async fn new_postgres_database() -> anyhow::Result<String> {
    use sqlx::Connection;
    let admin = std::env::var("LINTEL_BENCH_POSTGRES").map_err(|_| {
        anyhow::anyhow!("LINTEL_BENCH_POSTGRES: run the PostgreSQL bench with cargo xtask bench … --postgres")
    })?;
    let name = format!("lintel_bench_{}", std::process::id());
    let mut conn = sqlx::PgConnection::connect(&admin).await?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await?;
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    Ok(format!("{base}/{name}"))
}

/// The resident memory of a process, sampled every 10 ms; the peak since it was last taken.
pub struct Memory {
    pid: u32,
    peak_kib: Arc<std::sync::atomic::AtomicU64>,
}

impl Memory {
    fn watch(pid: u32) -> Self {
        let peak_kib = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let peak = peak_kib.clone();
        std::thread::spawn(move || {
            while let Some(kib) = rss_kib(pid) {
                peak.fetch_max(kib, std::sync::atomic::Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(10));
            }
        });
        Self { pid, peak_kib }
    }

    /// Resident memory now, in MB (10^6 bytes, as SPEC's targets are).
    pub fn now_mb(&self) -> f64 {
        mb(rss_kib(self.pid).unwrap_or_default())
    }

    /// The highest resident memory since the last call (or the start), in MB; the next
    /// period starts from now.
    pub fn take_peak_mb(&self) -> f64 {
        let now = rss_kib(self.pid).unwrap_or_default();
        mb(self.peak_kib.swap(now, std::sync::atomic::Ordering::Relaxed).max(now))
    }
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn mb(kib: u64) -> f64 {
    kib as f64 * 1024.0 / 1e6
}
