//! The in-process gateway simulator of a site configured as `gateway = "embedded"`:
//! real gRPC on a loopback port, so the server talks to it exactly as to a remote gateway.

use gateway_sim::{SimConfig, Simulator};
use std::net::SocketAddr;
use std::path::Path;
use tokio::sync::oneshot;

pub struct EmbeddedGateway {
    pub addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl EmbeddedGateway {
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let sim = Simulator::open(&SimConfig::default_devices(), data_dir)?;
        for d in sim.devices() {
            tracing::info!(device = d.id(), model = d.config.model.model_name(), name = %d.config.name, "embedded gateway device");
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(gateway_sim::serve(sim, listener, None, async {
            let _ = stopped.await;
        }));
        tracing::info!("embedded gateway on http://{addr}");
        Ok(Self { addr, stop, task })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await?
    }
}
