//! Lintel's one build tool.
//!
//! - `cargo xtask test`: every check CI runs (fmt, clippy, all tests, the app for wasm32,
//!   the short fuzz run, the console's end-to-end tests).
//! - `cargo xtask test postgres [test filter]`: the server's integration tests on its
//!   PostgreSQL build, against a throwaway cluster (`cargo xtask test` runs them too).
//! - `cargo xtask run`: builds the console and starts the server with its embedded
//!   gateway on 127.0.0.1:8080 (data in `./data`).
//! - `cargo xtask app`: builds the console into `target/app`.
//! - `cargo xtask dist`: the static server and the console, in `target/image`.
//! - `cargo xtask image`: the container image (`Containerfile`) from `target/image`, with
//!   docker, podman or buildah; `cargo xtask image smoke` also runs its smoke test (buildah),
//!   which `cargo xtask test` does when buildah is installed.
//! - `cargo xtask openapi`: rewrites the committed OpenAPI document.
//! - `cargo xtask bench gateway`: the simulator's benchmark; prints figures.
//! - `cargo xtask bench directory [--postgres] [--people N]`: the directory at 100,000
//!   people (or N), on SQLite or PostgreSQL, with the server's peak memory at each step;
//!   prints figures.
//! - `cargo xtask bench sync`: from commit to door, 10,000 people and 4 simulated devices;
//!   prints figures.
//! - `cargo xtask bench bridge`: a grpc-web call through the bridge against the same call
//!   made straight to the gateway (p50 ratio); prints figures.
//! - `cargo xtask bench app`: the console's bundle size, time to an interactive sign-in and
//!   to a page of people among 100,000, in headless Chromium; prints figures.
//! - `cargo xtask e2e [playwright options]`: the console's end-to-end tests in Chromium.
//! - `cargo xtask fuzz [st run options]`: the OpenAPI-driven fuzzer (schemathesis) against
//!   a fresh server; `cargo xtask test` runs a short version.
//! - `cargo xtask scim-check`: the SCIM 2.0 conformance checker (scim2-tester) against a
//!   fresh server; `cargo xtask test` runs it.

mod app_bundle;
mod dist;
mod end2end;
mod image;
mod postgres;

use anyhow::{Context, Result, bail};
use std::path::PathBuf;
use std::process::Command;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["test"] => test(),
        ["test", "postgres", filter @ ..] => test_postgres(filter),
        ["run"] => run(),
        ["bench", "gateway"] => cargo(&["bench", "-p", "gateway-sim", "--bench", "gateway"]),
        ["bench", "directory", options @ ..] => bench_directory(options),
        ["bench", "sync"] => cargo(&["bench", "-p", "server", "--bench", "sync"]),
        ["bench", "bridge"] => cargo(&["bench", "-p", "server", "--bench", "bridge"]),
        ["bench", "app"] => {
            ensure_wasm_target()?;
            end2end::bench(&root()?)
        }
        ["app"] => app_bundle::build(&root()?).map(drop),
        ["dist"] => dist::build(&root()?).map(drop),
        ["image"] => image::build(&root()?).map(drop),
        ["image", "smoke"] => {
            image::build(&root()?)?;
            image::smoke(&root()?)
        }
        ["openapi"] => openapi(),
        ["fuzz", rest @ ..] => fuzz(rest),
        ["scim-check"] => scim_check(),
        ["e2e", rest @ ..] => {
            ensure_wasm_target()?;
            end2end::run(&root()?, rest)
        }
        _ => bail!(
            "usage: cargo xtask test [postgres [filter]] | run | app | dist | image [smoke] | openapi | e2e [options] | fuzz [options] | scim-check | bench gateway | bench directory [--postgres] [--people N] | bench sync | bench bridge"
        ),
    }
}

fn test() -> Result<()> {
    ensure_wasm_target()?;
    cargo(&["fmt", "--all", "--check"])?;
    cargo(&["clippy", "--workspace", "--exclude", "app", "--all-targets", "--", "-D", "warnings"])?;
    cargo(&["clippy", "-p", "app", "--target", WASM_TARGET, "--", "-D", "warnings"])?;
    cargo(&["clippy", "-p", "server", "--features", "postgres", "--all-targets", "--", "-D", "warnings"])?;
    cargo(&["test", "--workspace", "--exclude", "app"])?;
    test_postgres(&[])?;
    cargo(&["build", "-p", "app", "--target", WASM_TARGET])?;
    // One worker: hypothesis parses lambda sources with `ast` from several threads at once
    // otherwise, which Python 3.11 sometimes refuses ("AST constructor recursion depth
    // mismatch") — a tool error, not a finding, seen once in a CI run with two workers.
    fuzz(&["--max-examples", "5", "--workers", "1", "--seed", "1"])?;
    scim_check()?;
    end2end::run(&root()?, &[])?;
    // The smoke test hands its data folder to the image's user, which only root may do.
    let root_user = std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self")?) == 0;
    match (image::builder(), root_user) {
        (Some(image::Builder::Buildah), true) => {
            image::build(&root()?)?;
            image::smoke(&root()?)?;
        }
        (Some(image::Builder::Buildah), false) => {
            println!("xtask test: not run as root; the image's smoke test did not run (CI runs it)")
        }
        _ => println!("xtask test: buildah is not installed; the image's smoke test did not run"),
    }
    println!("xtask test: all checks passed");
    Ok(())
}

/// The server's integration tests on its PostgreSQL build, against a throwaway cluster
/// (`filter`: cargo test's own arguments, e.g. a test name).
fn test_postgres(filter: &[&str]) -> Result<()> {
    let mut args = vec!["test", "-p", "server", "--features", "postgres", "--test", "api", "--"];
    args.extend(filter);
    cargo_on_postgres(&args, "LINTEL_TEST_POSTGRES")
}

/// The directory benchmark on SQLite, or with `--postgres` on the PostgreSQL build against
/// a throwaway cluster; `--people N` sets the directory's size.
fn bench_directory(options: &[&str]) -> Result<()> {
    let (mut postgres, mut people) = (false, None);
    let mut options = options.iter();
    while let Some(option) = options.next() {
        match *option {
            "--postgres" => postgres = true,
            "--people" => {
                let n = options.next().context("--people: a number of people")?;
                people = Some(n.parse::<u32>().with_context(|| format!("--people {n}: a number of people"))?);
            }
            other => bail!("bench directory: unknown option {other} (--postgres, --people N)"),
        }
    }
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo_bin);
    cmd.args(["bench", "-p", "server", "--bench", "directory"]).current_dir(root()?);
    if let Some(n) = people {
        cmd.env("LINTEL_BENCH_PEOPLE", n.to_string());
    }
    if !postgres {
        return status(&mut cmd);
    }
    let cluster = postgres::Cluster::start(&root()?)?;
    status(cmd.args(["--features", "postgres"]).env("LINTEL_BENCH_POSTGRES", &cluster.url))
}

/// `cargo args` with a throwaway PostgreSQL cluster's URL in the variable `url_var`; the
/// cluster goes when it ends.
fn cargo_on_postgres(args: &[&str], url_var: &str) -> Result<()> {
    let cluster = postgres::Cluster::start(&root()?)?;
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    status(Command::new(cargo_bin).args(args).env(url_var, &cluster.url).current_dir(root()?))
}

fn run() -> Result<()> {
    let root = root()?;
    ensure_wasm_target()?;
    let app = app_bundle::build(&root)?;
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo_bin);
    cmd.args(["run", "--release", "-p", "server", "--bin", "lintel"]).current_dir(&root).env("LINTEL_APP_DIR", &app);
    if std::env::var_os("LINTEL_DATA_DIR").is_none() {
        cmd.env("LINTEL_DATA_DIR", root.join("data"));
    }
    status(&mut cmd)
}

/// Rewrites `server/openapi.json` from the code (a test fails when it drifts).
fn openapi() -> Result<()> {
    let root = root()?;
    let cargo_bin = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo_bin)
        .args(["run", "--quiet", "-p", "server", "--bin", "lintel", "--", "openapi"])
        .current_dir(&root)
        .output()
        .context("running lintel openapi")?;
    if !out.status.success() {
        bail!("lintel openapi failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    std::fs::write(root.join("server").join("openapi.json"), &out.stdout)?;
    println!("wrote server/openapi.json");
    Ok(())
}

/// The SCIM conformance checker (and the client it drives the server with), pinned.
const SCIM2_TESTER: [&str; 4] =
    ["scim2-tester==0.5.2", "scim2-client[httpx2]==0.13.2", "scim2-models==0.12.3", "httpx2==2.16.2"];

/// Builds the server and runs `server/checks/scim.py` (scim2-tester against it on loopback),
/// installing scim2-tester from PyPI first when it is missing.
fn scim_check() -> Result<()> {
    let root = root()?;
    let has = Command::new("python3").args(["-c", "import scim2_tester, httpx2"]).output();
    if !has.is_ok_and(|out| out.status.success()) {
        status(Command::new("python3").args(["-m", "pip", "install", "--quiet"]).args(SCIM2_TESTER))?;
    }
    cargo(&["build", "-p", "server", "--bin", "lintel"])?;
    let lintel = root.join("target").join("debug").join("lintel");
    status(
        Command::new("python3").arg(root.join("server").join("checks").join("scim.py")).arg(lintel).current_dir(&root),
    )
}

/// The schemathesis version the fuzz run is written for.
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// Builds the server and runs `server/checks/fuzz.py` (schemathesis against it on loopback),
/// installing schemathesis from PyPI first when it is missing.
fn fuzz(st_args: &[&str]) -> Result<()> {
    let root = root()?;
    let has = Command::new("python3").args(["-c", "import schemathesis.cli"]).output();
    if !has.is_ok_and(|out| out.status.success()) {
        status(Command::new("python3").args(["-m", "pip", "install", "--quiet", SCHEMATHESIS]))?;
    }
    cargo(&["build", "-p", "server", "--bin", "lintel"])?;
    let lintel = root.join("target").join("debug").join("lintel");
    let mut cmd = Command::new("python3");
    cmd.arg(root.join("server").join("checks").join("fuzz.py")).arg(lintel).args(st_args).current_dir(&root);
    status(&mut cmd)
}

fn ensure_wasm_target() -> Result<()> {
    ensure_target(WASM_TARGET)
}

/// Adds a rustup target when it is missing (rustup's auto-install is off on our machines).
pub fn ensure_target(target: &str) -> Result<()> {
    let installed = Command::new("rustup").args(["target", "list", "--installed"]).output();
    match installed {
        Ok(out) if String::from_utf8_lossy(&out.stdout).lines().any(|l| l.trim() == target) => Ok(()),
        Ok(_) => status(Command::new("rustup").args(["target", "add", target])),
        Err(e) => bail!("rustup is needed to add the {target} target: {e}"),
    }
}

fn cargo(args: &[&str]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    status(Command::new(cargo).args(args).current_dir(root()?))
}

fn status(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: {cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed ({status})");
    }
    Ok(())
}

/// The workspace root (xtask lives one level below it).
fn root() -> Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).context("xtask has no parent directory")
}
