//! `cargo xtask dist`: what the image carries, in `target/image`: the server as static
//! binaries (musl, so they run `FROM scratch`; one for SQLite, one for PostgreSQL), the built console (with its `.br`/`.gz`
//! variants), and the empty folders the image needs (`data`, the volume, and `tmp`, where
//! SQLite spills large sorts).

use anyhow::{Context, Result, bail};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const MUSL_TARGET: &str = "x86_64-unknown-linux-musl";

pub fn build(root: &Path) -> Result<PathBuf> {
    crate::ensure_target(MUSL_TARGET)?;
    // SQLite and ring are C; Debian's musl-tools compiles them against musl.
    if Command::new("musl-gcc").arg("--version").output().is_err() {
        bail!("musl-gcc is needed for the static server: apt-get install musl-tools");
    }
    // Two builds of one binary: SQLite (`lintel`) and PostgreSQL (`lintel-postgres`, which
    // `lintel` hands over to when DATABASE_URL is a postgres:// URL). The second overwrites
    // the first in cargo's folder, so each is copied out as soon as it is built.
    let staging = root.join("target").join("image-staging");
    fs::create_dir_all(&staging)?;
    let built = root.join("target").join(MUSL_TARGET).join("dist").join("lintel");
    for (name, features) in [("lintel", None), ("lintel-postgres", Some("postgres"))] {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build
            .args(["build", "-p", "server", "--bin", "lintel", "--profile", "dist", "--target", MUSL_TARGET])
            .args(features.map(|f| ["--features", f]).into_iter().flatten())
            .current_dir(root)
            .env("CC_x86_64_unknown_linux_musl", "musl-gcc");
        crate::status(&mut build)?;
        fs::copy(&built, staging.join(name)).with_context(|| format!("copying {}", built.display()))?;
    }
    let app = crate::app_bundle::build(root)?;

    // Not `target/dist`: cargo keeps the `dist` profile's host build there.
    let out = root.join("target").join("image");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    for name in ["lintel", "lintel-postgres"] {
        fs::rename(staging.join(name), out.join(name))?;
    }
    copy_dir(&app, &out.join("app"))?;
    for dir in ["data", "tmp"] {
        fs::create_dir(out.join(dir))?;
    }
    let size = |name: &str| fs::metadata(out.join(name)).map(|m| m.len() as f64 / 1e6);
    println!(
        "dist: {} (lintel {:.1} MB and lintel-postgres {:.1} MB, static; the console in app/)",
        out.display(),
        size("lintel")?,
        size("lintel-postgres")?
    );
    Ok(out)
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to)?;
    for entry in fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
