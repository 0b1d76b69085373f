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
        "app bundle: {} (wasm + js, gzipped: {} KB at first load, {} KB more for every page)",
        out.display(),
        size(&mut first.iter().map(|f| f.to_string())),
        size(&mut every.into_iter())
    );
    let mut pages: Vec<_> = split.prefetch_map.iter().collect();
    pages.sort();
    for (page, files) in pages {
        let page = page.trim_start_matches("__").split("_view").next().unwrap_or(page);
        println!("  + {} KB on the first visit of {page}", size(&mut files.iter().map(|f| format!("{f}.wasm"))));
    }
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
