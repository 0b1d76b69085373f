//! Generates the gateway's protobuf messages (and, under `grpc`, tonic code) from our own
//! `.proto` files with protox, so no `protoc` binary is needed.

use std::path::PathBuf;

const PROTOS: &[&str] = &[
    "gsdk/err.proto",
    "gsdk/card.proto",
    "gsdk/finger.proto",
    "gsdk/face.proto",
    "gsdk/tna.proto",
    "gsdk/auth.proto",
    "gsdk/user.proto",
    "gsdk/device.proto",
    "gsdk/connect.proto",
    "google/rpc/status.proto",
    "lintel/sim_control.proto",
];

/// Messages carrying a PIN or biometric templates: their `Debug` is written by hand
/// (`src/redacted_debug.rs`) so the secret never reaches a log.
const REDACTED: &[&str] = &[
    ".gsdk.user.GetPINHashRequest",
    ".gsdk.user.GetPINHashWithKeyRequest",
    ".gsdk.finger.FingerData",
    ".gsdk.finger.ScanResponse",
    ".gsdk.face.FaceData",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from("protos");
    let files: Vec<PathBuf> = PROTOS.iter().map(|p| root.join(p)).collect();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    let fds = protox::compile(&files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("descriptor.bin"), prost::Message::encode_to_vec(&fds))?;

    let gate = r#"#[cfg(feature = "grpc")]"#;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .client_mod_attribute(".", gate)
        .server_mod_attribute(".", gate)
        .skip_debug(REDACTED.iter().copied())
        .compile_fds(fds)?;
    Ok(())
}
