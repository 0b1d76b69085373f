//! A throwaway PostgreSQL cluster for the PostgreSQL build's tests and benches: Debian's
//! `postgresql` binaries, a fresh `initdb` under `target/postgres/<pid>` (as the `postgres` user
//! when run as root: the server refuses to run as root), a free loopback port, fsync off
//! (the data is thrown away), stopped and removed when dropped.

use anyhow::{Context, Result, bail};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Cluster {
    server: Child,
    bin: PathBuf,
    dir: PathBuf,
    /// An administrator's URL (`postgres` database, trust authentication on loopback).
    pub url: String,
}

/// Debian keeps each major version's programs in `/usr/lib/postgresql/<version>/bin`.
fn bin_dir() -> Result<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (Debian: apt-get install postgresql)")?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|bin| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().context("no initdb under /usr/lib/postgresql/*/bin")
}

fn running_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}

/// `program` with `args`, as the `postgres` user when this process is root.
fn as_owner(program: &Path) -> Command {
    if running_as_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

impl Cluster {
    pub fn start(root: &Path) -> Result<Self> {
        let bin = bin_dir()?;
        // A folder per run (a bench and a test may run at once); those of runs that ended
        // without cleaning up (killed) are removed.
        let clusters = root.join("target").join("postgres");
        std::fs::create_dir_all(&clusters)?;
        for entry in std::fs::read_dir(&clusters)?.flatten() {
            let pid = entry.file_name().to_string_lossy().parse::<u32>().unwrap_or(0);
            if !Path::new(&format!("/proc/{pid}")).exists() {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = clusters.join(std::process::id().to_string());
        std::fs::create_dir_all(&dir)?;
        if running_as_root() {
            crate::status(Command::new("chown").args(["postgres:postgres"]).arg(&dir))?;
        }
        let data = dir.join("data");
        let out = as_owner(&bin.join("initdb"))
            .args(["--auth=trust", "--username=postgres", "--locale=C.UTF-8", "--encoding=UTF8", "-D"])
            .arg(&data)
            .output()
            .context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let server = as_owner(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-c", "listen_addresses=127.0.0.1", "-c", &format!("port={port}")])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            .args(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"])
            .args(["-c", "max_connections=400", "-c", "shared_buffers=256MB"])
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("server.log"))?)
            .spawn()
            .context("starting postgres")?;
        let cluster =
            Self { server, bin: bin.clone(), dir, url: format!("postgres://postgres@127.0.0.1:{port}/postgres") };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = Command::new(bin.join("pg_isready"))
                .args(["-h", "127.0.0.1", "-p", &port.to_string(), "-q"])
                .status()
                .is_ok_and(|s| s.success());
            if ready {
                break;
            }
            if Instant::now() > deadline {
                bail!("PostgreSQL did not start; see {}", cluster.dir.join("server.log").display());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        println!("xtask: PostgreSQL {} on 127.0.0.1:{port} (throwaway)", bin.display());
        Ok(cluster)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = as_owner(&self.bin.join("pg_ctl"))
            .args(["stop", "--mode=fast", "--silent", "-D"])
            .arg(self.dir.join("data"))
            .status();
        let _ = self.server.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
