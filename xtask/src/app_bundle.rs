//! Builds the browser console into `target/app`: the wasm app through wasm-bindgen (as a
//! library, so no CLI is downloaded), the static files, and `.br` / `.gz` variants of each.
//! No wasm-opt: Debian's breaks wasm-bindgen 0.2.130 output; size comes from the release
//! profile of the app (`wasm-release`: opt-level z, one codegen unit, fat LTO, abort).

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const OUT_NAME: &str = "lintel";

pub fn build(root: &Path) -> Result<PathBuf> {
    crate::cargo(&["build", "-p", "app", "--target", crate::WASM_TARGET, "--profile", "wasm-release"])?;
    let wasm = root.join("target").join(crate::WASM_TARGET).join("wasm-release").join("app.wasm");
    let out = root.join("target").join("app");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(OUT_NAME)
        .web(true)?
        .typescript(false)
        // Function names are for debuggers; they were 40% of the file.
        .remove_name_section(true)
        .remove_producers_section(true)
        .omit_default_module_path(false)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    for dir in ["public", "style"] {
        for entry in fs::read_dir(root.join(dir))? {
            let path = entry?.path();
            if path.is_file() {
                fs::copy(&path, out.join(path.file_name().context("file name")?))?;
            }
        }
    }
    let mut total_gzip = 0;
    for entry in fs::read_dir(&out)? {
        let path = entry?.path();
        let bytes = fs::read(&path)?;
        let gz = gzip(&bytes)?;
        if path.extension().is_some_and(|e| e == "wasm" || e == "js") {
            total_gzip += gz.len();
        }
        fs::write(with_suffix(&path, "gz"), gz)?;
        fs::write(with_suffix(&path, "br"), brotli(&bytes)?)?;
    }
    println!("app bundle: {} (wasm + js, gzipped: {} KB)", out.display(), total_gzip / 1024);
    Ok(out)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 11, 22);
        writer.write_all(bytes)?;
    }
    Ok(out)
}
