//! `lintel.sim.Control`: Lintel's own knobs on the simulator for tests and demos.

use crate::simulator::Simulator;
use proto::sim_control::control_server::Control;
use proto::sim_control::{
    SetDropRateRequest, SetDropRateResponse, SetLatencyRequest, SetLatencyResponse, SetOnlineRequest, SetOnlineResponse,
};
use std::sync::Arc;
use std::time::Duration;
use tonic::{Request, Response, Status};

pub struct ControlService(pub Arc<Simulator>);

#[tonic::async_trait]
impl Control for ControlService {
    async fn set_online(&self, r: Request<SetOnlineRequest>) -> Result<Response<SetOnlineResponse>, Status> {
        let r = r.into_inner();
        self.0.set_online(r.device_id, r.online)?;
        Ok(Response::new(SetOnlineResponse {}))
    }

    async fn set_latency(&self, r: Request<SetLatencyRequest>) -> Result<Response<SetLatencyResponse>, Status> {
        let r = r.into_inner();
        let device = (r.device_id != 0).then_some(r.device_id);
        self.0.set_latency(device, Duration::from_millis(u64::from(r.millis)))?;
        Ok(Response::new(SetLatencyResponse {}))
    }

    async fn set_drop_rate(&self, r: Request<SetDropRateRequest>) -> Result<Response<SetDropRateResponse>, Status> {
        let percent = r.into_inner().percent;
        if percent > 100 {
            return Err(Status::invalid_argument(format!("percent: {percent} is above 100")));
        }
        self.0.set_drop_rate(percent);
        Ok(Response::new(SetDropRateResponse {}))
    }
}
