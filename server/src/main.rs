//! `lintel`: Lintel's server. For now it answers health checks; the server-core issue adds
//! configuration, storage, sign-in, the REST API, the bridge and serving the app.

use axum::Router;
use axum::routing::get;
use std::net::SocketAddr;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let listen: SocketAddr = match std::env::var("LINTEL_LISTEN") {
        Ok(value) => value.parse().map_err(|e| format!("LINTEL_LISTEN: {value:?} is not an address: {e}"))?,
        Err(_) => SocketAddr::from(([127, 0, 0, 1], 8080)),
    };
    let app = Router::new().route("/healthz", get(|| async { "ok" }));
    let listener = tokio::net::TcpListener::bind(listen).await?;
    tracing::info!("lintel listening on http://{}", listener.local_addr()?);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
