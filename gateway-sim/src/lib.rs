//! A simulator of Suprema's BioStar G-SDK device gateway: real gRPC (tonic), several
//! devices of different models, each enforcing the device rules of the `proto` domain
//! module and keeping its users across restarts.
//!
//! Used by Lintel's embedded default, its tests and its benchmarks; also a binary,
//! `gateway-sim --listen 127.0.0.1:4000 --data <dir>`.

pub mod config;
mod control_service;
pub mod device;
mod device_services;
pub mod models;
pub mod pin_hash;
mod scan_services;
pub mod simulator;
pub mod store;
mod user_service;

pub use config::{DeviceConfig, SimConfig};
pub use models::Model;
pub use simulator::Simulator;

use proto::gsdk::{card, connect, device as device_pb, face, finger, user};
use proto::sim_control::control_server::ControlServer;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::transport::{Identity, Server, ServerTlsConfig};

/// Largest message the simulator accepts or sends (a GetList of 500,000 users fits).
pub const MAX_MESSAGE_BYTES: usize = 256 << 20;

/// Every service of the gateway (and the control service), ready to mount.
pub fn routes(sim: &Arc<Simulator>) -> Routes {
    let mut builder = Routes::builder();
    builder
        .add_service(
            user::user_server::UserServer::new(user_service::UserService(sim.clone()))
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
        )
        .add_service(connect::connect_server::ConnectServer::new(device_services::ConnectService(sim.clone())))
        .add_service(device_pb::device_server::DeviceServer::new(device_services::DeviceService(sim.clone())))
        .add_service(card::card_server::CardServer::new(scan_services::CardService(sim.clone())))
        .add_service(finger::finger_server::FingerServer::new(scan_services::FingerService(sim.clone())))
        .add_service(face::face_server::FaceServer::new(scan_services::FaceService(sim.clone())))
        .add_service(ControlServer::new(control_service::ControlService(sim.clone())));
    builder.routes()
}

/// PEM certificate and key for serving TLS, as the vendor's gateway does.
pub struct TlsPem {
    pub cert: Vec<u8>,
    pub key: Vec<u8>,
}

/// Serves the gateway on `listener` until `shutdown` completes.
pub async fn serve(
    sim: Arc<Simulator>,
    listener: TcpListener,
    tls: Option<TlsPem>,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    // grpc-web over HTTP/1.1 as well as gRPC: benchmarks compare a call through Lintel's
    // bridge with the same grpc-web call made here directly.
    let mut server = Server::builder().accept_http1(true);
    if let Some(tls) = tls {
        server = server.tls_config(ServerTlsConfig::new().identity(Identity::from_pem(tls.cert, tls.key)))?;
    }
    // TCP_NODELAY: an answer must not wait for the client's delayed ACK (40 ms on Linux).
    let incoming = tonic::transport::server::TcpIncoming::from(listener).with_nodelay(Some(true));
    let routes = routes(&sim);
    let shutdown = async move {
        shutdown.await;
        sim.close_streams();
    };
    server
        .layer(tonic_web::GrpcWebLayer::new())
        .add_routes(routes)
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    Ok(())
}
