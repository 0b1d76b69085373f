//! Starts the simulator in-process on 127.0.0.1:0 and hands out tonic clients.

use gateway_sim::{MAX_MESSAGE_BYTES, SimConfig, Simulator};
use proto::gsdk::card::card_client::CardClient;
use proto::gsdk::connect::connect_client::ConnectClient;
use proto::gsdk::device::device_client::DeviceClient;
use proto::gsdk::face::face_client::FaceClient;
use proto::gsdk::finger::finger_client::FingerClient;
use proto::gsdk::user::user_client::UserClient;
use proto::gsdk::user::{UserHdr, UserInfo};
use proto::sim_control::control_client::ControlClient;
use std::path::Path;
use tokio::sync::oneshot;
use tonic::transport::Channel;

/// The default devices: alphanumeric face terminal, numeric fingerprint terminal, card reader.
pub const FACE: u32 = 544_300_001;
pub const FINGER: u32 = 543_200_002;
pub const CARD_ONLY: u32 = 102_030_003;

pub struct Gateway {
    pub channel: Channel,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Gateway {
    pub async fn start(data: &Path) -> Self {
        Self::start_with(data, SimConfig::default_devices()).await
    }

    pub async fn start_with(data: &Path, config: SimConfig) -> Self {
        let sim = Simulator::open(&config, data).expect("simulator opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(gateway_sim::serve(sim, listener, None, async {
            let _ = stopped.await;
        }));
        let channel = Channel::from_shared(format!("http://{addr}")).expect("uri").connect().await.expect("connect");
        Self { channel, stop: Some(stop), task: Some(task) }
    }

    pub fn user(&self) -> UserClient<Channel> {
        UserClient::new(self.channel.clone())
            .max_decoding_message_size(MAX_MESSAGE_BYTES)
            .max_encoding_message_size(MAX_MESSAGE_BYTES)
    }
    pub fn connect(&self) -> ConnectClient<Channel> {
        ConnectClient::new(self.channel.clone())
    }
    pub fn device(&self) -> DeviceClient<Channel> {
        DeviceClient::new(self.channel.clone())
    }
    pub fn card(&self) -> CardClient<Channel> {
        CardClient::new(self.channel.clone())
    }
    pub fn finger(&self) -> FingerClient<Channel> {
        FingerClient::new(self.channel.clone())
    }
    pub fn face(&self) -> FaceClient<Channel> {
        FaceClient::new(self.channel.clone())
    }
    pub fn control(&self) -> ControlClient<Channel> {
        ControlClient::new(self.channel.clone())
    }

    /// Stops the server and waits until it has let go of its stores.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("serve");
        }
    }
}

pub fn user(id: &str, name: &str) -> UserInfo {
    UserInfo { hdr: Some(UserHdr { id: id.into(), ..Default::default() }), name: name.into(), ..Default::default() }
}
