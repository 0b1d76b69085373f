//! Builds the browser console into `target/app`: the wasm app split into a main module and
//! page chunks (`wasm_split_cli_support`, at the `#[lazy_route]`s of `app/src/routes.rs`),
//! through wasm-bindgen (both as libraries, so no CLI is downloaded), the static files, and
//! `.br` / `.gz` variants of each.
//! No wasm-opt: Debian's breaks wasm-bindgen 0.2.130 output, and the one built from source
//! (the `wasm-opt` crate) saved 1% gzipped; size comes from the release profile of the app
//! (`wasm-release`: opt-level z, one codegen unit, fat LTO, abort) and the split.

use anyhow::{Context, Result};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const OUT_NAME: &str = "lintel";
/// The splitter's module that loads page chunks (its default name).
const LINK_MODULE: &str = "__wasm_split.js";

pub fn build(root: &Path) -> Result<PathBuf> {
    crate::cargo(&["build", "-p", "app", "--target", crate::WASM_TARGET, "--profile", "wasm-release"])?;
    let built = root.join("target").join(crate::WASM_TARGET).join("wasm-release");
    let out = root.join("target").join("app");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    // The lazy pages' code leaves the main module for chunks of their own, loaded on a
    // page's first visit by the link module the splitter writes beside them.
    let wasm = built.join("app_split.wasm");
    let input = fs::read(built.join("app.wasm"))?;
    let main_module = format!("./{OUT_NAME}.js");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = &out;
    options.main_out_path = &wasm;
    options.main_module = &main_module;
    let split =
        wasm_split_cli_support::transform(options).map_err(|e| anyhow::anyhow!("splitting the app's wasm: {e:#}"))?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .out_name(OUT_NAME)
        .web(true)?
        .typescript(false)
        // The page chunks share the main module's function table and memory.
        .keep_lld_exports(true)
        // Function names are for debuggers; they were 40% of the file.
        .remove_name_section(true)
        .remove_producers_section(true)
        .omit_default_module_path(false)
        .generate(&out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    // The splitter writes its chunks with their function names (for debuggers; 40% of each
    // chunk) and tooling notes; browsers need neither.
    for entry in fs::read_dir(&out)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "wasm") {
            let bytes = fs::read(&path)?;
            fs::write(&path, without_custom_sections(&bytes).with_context(|| format!("reading {}", path.display()))?)?;
        }
    }
    for dir in ["public", "style"] {
        for entry in fs::read_dir(root.join(dir))? {
            let path = entry?.path();
            if path.is_file() {
                fs::copy(&path, out.join(path.file_name().context("file name")?))?;
            }
        }
    }
    // What the sign-in page loads: the boot script, the bindings, the main module and the
    // chunk loader; each page then fetches its own split and the chunks it shares.
    let mut gzipped = std::collections::HashMap::new();
    for entry in fs::read_dir(&out)? {
        let path = entry?.path();
        let bytes = fs::read(&path)?;
        let gz = gzip(&bytes)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_owned();
        gzipped.insert(name, gz.len());
        fs::write(with_suffix(&path, "gz"), gz)?;
        fs::write(with_suffix(&path, "br"), brotli(&bytes)?)?;
    }
    let size = |files: &mut dyn Iterator<Item = String>| -> usize {
        files.map(|f| gzipped.get(&f).copied().unwrap_or_default()).sum::<usize>() / 1024
    };
    let first = ["boot.js", &format!("{OUT_NAME}.js"), &format!("{OUT_NAME}_bg.wasm"), LINK_MODULE];
    let every: std::collections::BTreeSet<String> =
        split.prefetch_map.values().flatten().map(|f| format!("{f}.wasm")).collect();
    println!(
        "app bundle: {} (wasm + js, gzipped: {} KB at first load, {} KB more in the parts loaded on first use)",
        out.display(),
        size(&mut first.iter().map(|f| f.to_string())),
        size(&mut every.into_iter())
    );
    let mut pages: Vec<_> = split.prefetch_map.iter().collect();
    pages.sort();
    for (page, files) in pages {
        // A lazy route's split is `__<page>_view_<hash>`, a lazy function's `<name>_<hash>`.
        let name = page.trim_start_matches("__").rsplit_once('_').map_or(page.as_str(), |(name, _hash)| name);
        let (what, name) = match name.strip_suffix("_view") {
            Some(page) => ("the first visit of", page),
            None => ("the first use of", name),
        };
        println!("  + {} KB on {what} {name}", size(&mut files.iter().map(|f| format!("{f}.wasm"))));
    }
    Ok(out)
}

/// A wasm module without its custom sections (names, producers, target features): the
/// others are copied as they are, in order.
fn without_custom_sections(wasm: &[u8]) -> Result<Vec<u8>> {
    const HEADER: usize = 8;
    anyhow::ensure!(wasm.len() >= HEADER && wasm.starts_with(b"\0asm"), "not a wasm module");
    let mut kept = wasm[..HEADER].to_vec();
    let mut at = HEADER;
    while at < wasm.len() {
        let id = wasm[at];
        let (size, header) = leb128_u32(&wasm[at + 1..]).context("a section's size")?;
        let end = at + 1 + header + size as usize;
        anyhow::ensure!(end <= wasm.len(), "a section runs past the end of the module");
        if id != 0 {
            kept.extend_from_slice(&wasm[at..end]);
        }
        at = end;
    }
    Ok(kept)
}

/// An unsigned LEB128 number and how many bytes it took.
fn leb128_u32(bytes: &[u8]) -> Option<(u32, usize)> {
    let mut value = 0u32;
    for (i, byte) in bytes.iter().take(5).enumerate() {
        value |= u32::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
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
