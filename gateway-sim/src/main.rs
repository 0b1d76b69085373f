//! `gateway-sim --listen 127.0.0.1:4000 --data <dir> [--config <devices.toml>]
//!              [--tls-cert <pem> --tls-key <pem>]`

use clap::Parser;
use gateway_sim::{SimConfig, Simulator, TlsPem};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(version, about = "Simulator of the BioStar G-SDK device gateway (for Lintel)")]
struct Args {
    /// Address to listen on (the vendor's gateway uses port 4000).
    #[arg(long, default_value = "127.0.0.1:4000")]
    listen: SocketAddr,
    /// Directory holding each device's users (created if missing).
    #[arg(long)]
    data: PathBuf,
    /// Devices to simulate (TOML); the default is three devices of different models.
    #[arg(long)]
    config: Option<PathBuf>,
    /// PEM certificate to serve TLS with (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Latency added to every device call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let config = match &args.config {
        Some(path) => SimConfig::load(path)?,
        None => SimConfig::default_devices(),
    };
    let sim = Simulator::open(&config, &args.data)?;
    sim.set_latency(None, std::time::Duration::from_millis(args.latency_ms))?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(TlsPem { cert: std::fs::read(cert)?, key: std::fs::read(key)? }),
        _ => None,
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    for d in sim.devices() {
        tracing::info!(
            device = d.id(),
            model = d.config.model.model_name(),
            name = %d.config.name,
            capacity = d.capability.max_num_of_user,
            alphanumeric_ids = d.capability.alphanumeric_id_supported,
            "serving device"
        );
    }
    tracing::info!("gateway simulator listening on {scheme}://{}", listener.local_addr()?);
    gateway_sim::serve(sim, listener, tls, async {
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("stopping");
    })
    .await
}
