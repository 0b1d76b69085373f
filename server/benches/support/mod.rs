//! What the benchmarks share: a server in-process on loopback and a site token for it.
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
    let base = format!("http://{}", running.addr);
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
    Ok((running, Api { base, http, token }))
}

impl Api {
    pub async fn post(&self, path: &str, body: &Value) -> Value {
        let r =
            self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
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
