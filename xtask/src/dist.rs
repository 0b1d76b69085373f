//! `cargo xtask dist`: what the image carries, in `target/image`: the server as one static
//! binary (musl, so it runs `FROM scratch`), the built console (with its `.br`/`.gz`
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
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "-p", "server", "--bin", "lintel", "--profile", "dist", "--target", MUSL_TARGET])
        .current_dir(root)
        .env("CC_x86_64_unknown_linux_musl", "musl-gcc");
    crate::status(&mut build)?;
    let app = crate::app_bundle::build(root)?;

    // Not `target/dist`: cargo keeps the `dist` profile's host build there.
    let out = root.join("target").join("image");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    let binary = root.join("target").join(MUSL_TARGET).join("dist").join("lintel");
    fs::copy(&binary, out.join("lintel")).with_context(|| format!("copying {}", binary.display()))?;
    copy_dir(&app, &out.join("app"))?;
    for dir in ["data", "tmp"] {
        fs::create_dir(out.join(dir))?;
    }
    let size = fs::metadata(out.join("lintel"))?.len();
    println!("dist: {} (lintel {:.1} MB, static; the console in app/)", out.display(), size as f64 / 1e6);
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
