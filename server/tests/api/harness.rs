//! Starts the real server in-process on 127.0.0.1:0 (with its embedded gateway) and talks
//! HTTP to it.

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};
use server::clock::ManualClock;
use server::config::Config;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

pub const ORIGIN: &str = "http://lintel.test";
pub const ADMIN: &str = "admin";
pub const ADMIN_PASSWORD: &str = "first admin long pass 41";
/// 2026-11-22T00:00:00Z
pub const T0: i64 = 1_795_305_600;

pub struct TestServer {
    pub running: Option<server::Running>,
    pub base: String,
    pub clock: ManualClock,
    pub dir: tempfile::TempDir,
    pub http: reqwest::Client,
    /// The test's own database on PostgreSQL (SQLite's file lives in `dir`).
    pub database: Option<TestDatabase>,
}

pub struct Options {
    pub bootstrap_admin: bool,
    pub vars: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self { bootstrap_admin: true, vars: vec![] }
    }
}

/// The server's warnings and errors go to the test's captured output, so a failing test
/// shows what the server logged (a 500's cause) and a passing one shows nothing. Every
/// line at debug level is also kept in [`debug_logs`] once a test asks for them.
fn log_to_the_test() {
    use tracing_subscriber::prelude::*;
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let warnings = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
        let to_test = tracing_subscriber::fmt::layer().with_test_writer().with_ansi(false).with_filter(warnings);
        let kept = tracing_subscriber::fmt::layer().with_writer(|| KEPT.clone()).with_ansi(false).with_filter(
            tracing_subscriber::filter::filter_fn(|m| {
                KEEPING.load(Ordering::Relaxed) && *m.level() <= tracing::Level::DEBUG
            }),
        );
        let _ = tracing_subscriber::registry().with(to_test).with(kept).try_init();
    });
}

/// Log lines kept in memory (see [`debug_logs`]).
#[derive(Clone, Default)]
pub struct Kept(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Kept {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Kept {
    pub fn bytes(&self) -> Vec<u8> {
        self.0.lock().unwrap().clone()
    }
}

static KEPT: LazyLock<Kept> = LazyLock::new(Kept::default);
static KEEPING: AtomicBool = AtomicBool::new(false);

/// Every log line of this test binary at debug level from now on (other tests' too, which
/// run at the same time): for tests that look for secrets in the logs.
pub fn debug_logs() -> Kept {
    log_to_the_test();
    KEEPING.store(true, Ordering::Relaxed);
    KEPT.clone()
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> Self {
        log_to_the_test();
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::starting_at(T0);
        let database = TestDatabase::create().await;
        let mut server =
            Self { running: None, base: String::new(), clock, dir, http: reqwest::Client::new(), database };
        server.boot(&options).await;
        server
    }

    fn config(&self, options: &Options) -> Config {
        let mut vars: HashMap<String, String> = HashMap::new();
        vars.insert("LINTEL_DATA_DIR".into(), self.dir.path().display().to_string());
        vars.insert("LINTEL_LISTEN".into(), "127.0.0.1:0".into());
        vars.insert("LINTEL_PUBLIC_ORIGIN".into(), ORIGIN.into());
        if let Some(database) = &self.database {
            vars.insert("DATABASE_URL".into(), database.url.clone());
        }
        if options.bootstrap_admin {
            vars.insert("LINTEL_BOOTSTRAP_ADMIN".into(), format!("{ADMIN}:{ADMIN_PASSWORD}"));
        }
        for (k, v) in &options.vars {
            vars.insert((*k).into(), v.clone());
        }
        Config::load(&vars).unwrap()
    }

    async fn boot(&mut self, options: &Options) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let running = server::start(self.config(options), Arc::new(self.clock.clone()), listener).await.unwrap();
        record_outbox(&running.state.db).await;
        self.base = format!("http://{}", running.addr);
        self.running = Some(running);
    }

    /// Stops the server and starts it again on the same data.
    pub async fn restart(&mut self, options: Options) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        self.boot(&options).await;
    }

    pub fn bootstrap_code(&self) -> Option<String> {
        self.running.as_ref().and_then(|r| r.bootstrap_code.as_ref()).map(|c| c.expose().to_owned())
    }

    /// A request as a script would send it (no cookie, no CSRF header).
    pub fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base))
    }

    /// A request as the console in a browser would send it.
    pub fn browser(&self, method: Method, path: &str, cookie: Option<&str>) -> reqwest::RequestBuilder {
        let mut headers = HeaderMap::new();
        headers.insert("origin", HeaderValue::from_static(ORIGIN));
        headers.insert("x-lintel-csrf", HeaderValue::from_static("1"));
        if let Some(c) = cookie {
            headers.insert("cookie", HeaderValue::from_str(c).unwrap());
        }
        self.request(method, path).headers(headers)
    }

    /// Signs in through the browser route; returns the `name=value` cookie.
    pub async fn sign_in(&self, username: &str, password: &str) -> String {
        let r = self
            .browser(Method::POST, "/v1/session", None)
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "sign-in failed");
        session_cookie(&r).expect("a session cookie")
    }

    /// BioStar Air: login, then a token scoped to the first account.
    pub async fn site_token(&self, username: &str, password: &str) -> String {
        let r = self
            .request(Method::POST, "/v1/login")
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let token = body(r).await["access_token"].as_str().unwrap().to_owned();
        let accounts =
            body(self.request(Method::GET, "/v1/accounts/self").bearer_auth(&token).send().await.unwrap()).await;
        let id = accounts["accounts"][0]["id"].as_i64().unwrap();
        let r = self.request(Method::POST, &format!("/v1/login/{id}")).bearer_auth(&token).send().await.unwrap();
        let (status, answer) = (r.status(), body(r).await);
        assert_eq!(status, StatusCode::OK, "a token for account {id}: {answer}");
        answer["access_token"].as_str().unwrap().to_owned()
    }

    pub fn data_files(&self) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.path().to_owned()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(std::fs::read(path).unwrap());
                }
            }
        }
        out
    }
}

/// `name=value` of the session cookie a response sets.
pub fn session_cookie(r: &Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("lintel_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_owned)
}

pub async fn body(r: Response) -> Value {
    let status = r.status();
    let text = r.text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{status}: not JSON: {text}"))
}

pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl TestServer {
    pub fn state(&self) -> &server::state::AppState {
        &self.running.as_ref().unwrap().state
    }

    pub fn db(&self) -> &server::db::Db {
        &self.running.as_ref().unwrap().state.db
    }

    /// Test setup until the directory API exists: a person with a console sign-in on the
    /// first site. Returns the user row id.
    pub async fn add_person(&self, username: &str, password: &str, rank: &str) -> i64 {
        let state = &self.running.as_ref().unwrap().state;
        let hash = state.passwords.hash(&server::auth::password::Password::new(password)).await.unwrap();
        let login: i64 = sqlx::query_scalar("INSERT INTO logins (username, password_hash, password_changed_at, created_at) VALUES ($1, $2, 0, 0) RETURNING id")
            .bind(username)
            .bind(hash)
            .fetch_one(self.db())
            .await
            .unwrap();
        let user_id = server::sites::next_user_id(&mut self.db().acquire().await.unwrap(), 1).await.unwrap();
        sqlx::query_scalar("INSERT INTO users (site_id, login_id, user_id, name, username, rank, created_at, updated_at) VALUES (1, $1, $2, $3, $3, $4, 0, 0) RETURNING id")
            .bind(login)
            .bind(user_id)
            .bind(username)
            .bind(rank)
            .fetch_one(self.db())
            .await
            .unwrap()
    }
}

/// The `lintel` binary in a process of its own, with `vars` (stdout read until it says where
/// it listens); answers the child and its `http://` address. Its log (warnings, and what the
/// sync does) is printed as the test's output, which the harness shows when the test fails.
pub async fn spawn_lintel(vars: &[(&str, String)]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_lintel"));
    command.env("LINTEL_LISTEN", "127.0.0.1:0").env("RUST_LOG", "warn,server::sync=info");
    let data_dir = vars.iter().find(|(k, _)| *k == "LINTEL_DATA_DIR").map(|(_, v)| v.as_str()).unwrap_or("");
    if !vars.iter().any(|(k, _)| *k == "DATABASE_URL")
        && let Some(url) = database_for(data_dir).await
    {
        command.env("DATABASE_URL", url);
    }
    for (k, v) in vars {
        command.env(k, v);
    }
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let pid = child.id().unwrap_or_default();
    let mut log = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = log.next_line().await {
            println!("[lintel {pid}] {line}");
        }
    });
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines.next_line().await.unwrap().expect("the server printed where it listens");
        if let Some(rest) = line.split("listening on ").nth(1) {
            break rest.trim_end_matches(')').to_owned();
        }
    };
    // The rest is read too, so the server never writes to a closed pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, format!("http://{address}"))
}

/// A CA's PEM, and a certificate for `name` signed by it (PEM, key PEM).
pub fn ca_and_leaf(name: &str) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::from_params(&ca_params, &ca_key);
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec![name.into()]).unwrap().signed_by(&leaf_key, &issuer).unwrap();
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

/// Every outbox row ever written, kept in `test_outbox_log` (user_row, user_id, kind): the
/// sync worker takes rows out of the outbox within 200 ms, so what a request queued is
/// read from this log, never from the outbox itself.
async fn record_outbox(db: &server::db::Db) {
    let statements: &[&str] = if cfg!(feature = "postgres") {
        &[
            "CREATE TABLE IF NOT EXISTS test_outbox_log
                 (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY, user_row BIGINT, user_id TEXT, kind TEXT)",
            "CREATE OR REPLACE FUNCTION test_outbox_logged() RETURNS trigger LANGUAGE plpgsql AS $$
             BEGIN
                 INSERT INTO test_outbox_log (user_row, user_id, kind) VALUES (NEW.user_row, NEW.user_id, NEW.kind);
                 RETURN NEW;
             END $$",
            "CREATE OR REPLACE TRIGGER test_outbox_logged AFTER INSERT ON outbox
                 FOR EACH ROW EXECUTE FUNCTION test_outbox_logged()",
        ]
    } else {
        &[
            "CREATE TABLE IF NOT EXISTS test_outbox_log (id INTEGER PRIMARY KEY, user_row INTEGER, user_id TEXT, kind TEXT)",
            "CREATE TRIGGER IF NOT EXISTS test_outbox_logged AFTER INSERT ON outbox BEGIN
                 INSERT INTO test_outbox_log (user_row, user_id, kind) VALUES (NEW.user_row, NEW.user_id, NEW.kind);
             END",
        ]
    };
    for statement in statements {
        sqlx::query(statement).execute(db).await.unwrap();
    }
}

/// A database of its own for one test on the PostgreSQL build, made in the cluster that
/// `LINTEL_TEST_POSTGRES` names (an administrator's URL; `cargo xtask test` starts a
/// throwaway cluster and sets it) and dropped with the test. `None` on the SQLite build.
pub struct TestDatabase {
    pub url: String,
    admin: String,
    name: String,
}

impl TestDatabase {
    pub async fn create() -> Option<Self> {
        if !cfg!(feature = "postgres") {
            return None;
        }
        let admin = std::env::var("LINTEL_TEST_POSTGRES")
            .expect("LINTEL_TEST_POSTGRES: the PostgreSQL build's tests need a cluster (cargo xtask test starts one)");
        let name = format!("lintel_test_{:016x}", rand::random::<u64>());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut conn).await.unwrap();
        let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
        Some(Self { url: format!("{base}/{name}"), admin, name })
    }
}

/// On the PostgreSQL build, the database of a `lintel` process started on `data_dir`: the
/// same one each time for the same folder (a restart finds its data), kept until the
/// cluster goes (the process may outlive its test's values).
pub async fn database_for(data_dir: &str) -> Option<String> {
    static MADE: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());
    if let Some((_, url)) = MADE.lock().unwrap().iter().find(|(dir, _)| dir == data_dir) {
        return Some(url.clone());
    }
    let url = std::mem::ManuallyDrop::new(TestDatabase::create().await?).url.clone();
    MADE.lock().unwrap().push((data_dir.to_owned(), url.clone()));
    Some(url)
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin, name) = (self.admin.clone(), self.name.clone());
        // Drop runs inside the test's runtime: the database goes on a thread of its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            rt.block_on(async {
                let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&admin).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).await
            })
        });
        let _ = dropped.join();
    }
}
