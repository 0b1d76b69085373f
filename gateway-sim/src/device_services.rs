//! `gsdk.connect.Connect` (device list, status stream) and `gsdk.device.Device` (factory
//! and capability information).

use crate::simulator::Simulator;
use proto::gsdk::connect::connect_server::Connect;
use proto::gsdk::connect::{
    ConnectionMode, DeviceInfo, GetDeviceListRequest, GetDeviceListResponse, Status as ConnStatus, StatusChange,
    SubscribeStatusRequest,
};
use proto::gsdk::device::device_server::Device;
use proto::gsdk::device::{
    FactoryInfo, GetCapabilityInfoRequest, GetCapabilityInfoResponse, GetInfoRequest, GetInfoResponse,
};
use std::pin::Pin;
use std::sync::Arc;
use tokio_stream::wrappers::{BroadcastStream, WatchStream};
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

/// The port devices listen on for the gateway (BioStar's default).
const DEVICE_PORT: i32 = 51211;

pub struct ConnectService(pub Arc<Simulator>);
pub struct DeviceService(pub Arc<Simulator>);

#[tonic::async_trait]
impl Connect for ConnectService {
    async fn get_device_list(
        &self,
        _: Request<GetDeviceListRequest>,
    ) -> Result<Response<GetDeviceListResponse>, Status> {
        let device_infos = self
            .0
            .devices()
            .map(|d| DeviceInfo {
                device_id: d.id(),
                connection_mode: ConnectionMode::ServerToDevice as i32,
                ip_addr: d.config.ip.clone(),
                port: DEVICE_PORT,
                status: if d.is_online() { ConnStatus::TcpConnected } else { ConnStatus::Disconnected } as i32,
                auto_reconnect: true,
                use_ssl: false,
                r#type: d.capability.r#type,
            })
            .collect();
        Ok(Response::new(GetDeviceListResponse { device_infos }))
    }

    type SubscribeStatusStream = Pin<Box<dyn Stream<Item = Result<StatusChange, Status>> + Send + 'static>>;

    /// Streams each connection change from now on, until the gateway stops. A subscriber
    /// that falls more than the channel behind skips what it missed rather than blocking.
    async fn subscribe_status(
        &self,
        _: Request<SubscribeStatusRequest>,
    ) -> Result<Response<Self::SubscribeStatusStream>, Status> {
        let (changes, closing) = self.0.subscribe();
        let changes = BroadcastStream::new(changes).filter_map(|change| change.ok().map(Some));
        let closed = WatchStream::new(closing).filter(|closing| *closing).map(|_| None);
        let stream = changes.merge(closed).map_while(|change| change.map(Ok));
        Ok(Response::new(Box::pin(stream)))
    }
}

#[tonic::async_trait]
impl Device for DeviceService {
    async fn get_info(&self, r: Request<GetInfoRequest>) -> Result<Response<GetInfoResponse>, Status> {
        let d = self.0.reach(r.into_inner().device_id).await?;
        let id = d.id().to_be_bytes();
        let model = d.config.model;
        let info = FactoryInfo {
            // Suprema's OUI, then the low bytes of the device ID.
            mac_addr: format!("00:17:FC:{:02X}:{:02X}:{:02X}", id[1], id[2], id[3]),
            model_name: model.model_name().into(),
            firmware_version: model.firmware().into(),
            kernel_version: "sim".into(),
            bs_core_version: "sim".into(),
            board_version: "sim".into(),
        };
        Ok(Response::new(GetInfoResponse { info: Some(info) }))
    }

    async fn get_capability_info(
        &self,
        r: Request<GetCapabilityInfoRequest>,
    ) -> Result<Response<GetCapabilityInfoResponse>, Status> {
        let d = self.0.reach(r.into_inner().device_id).await?;
        Ok(Response::new(GetCapabilityInfoResponse { cap_info: Some(d.capability) }))
    }
}
