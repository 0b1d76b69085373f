//! `GET /v1/devices`: the site's devices, asked of its gateway now (Connect.GetDeviceList,
//! then each device's model and capabilities, concurrently; a device that does not answer
//! is listed with what is known).

use crate::auth::caller::OnSite;
use crate::error::ApiResult;
use crate::gateways::unavailable;
use crate::state::AppState;
use axum::extract::State;
use proto::api::device::{DeviceList, DeviceView};
use proto::gsdk::connect::connect_client::ConnectClient;
use proto::gsdk::connect::{DeviceInfo, GetDeviceListRequest, Status};
use proto::gsdk::device::device_client::DeviceClient;
use proto::gsdk::device::{GetCapabilityInfoRequest, GetInfoRequest, Type};
use tonic::transport::Channel;

#[utoipa::path(get, path = "/v1/devices", tag = "devices", security(("session" = []), ("bearer" = [])), description = "The site's devices as its gateway reports them now, with what each can scan.", responses((status = 200, body = DeviceList), (status = 401, description = "not signed in, or the session or token ended", body = crate::error::ErrorBody), (status = 403, description = "refused by a rule", body = crate::error::ErrorBody), (status = 502, description = "the gateway refused", body = crate::error::ErrorBody), (status = 503, description = "the gateway cannot be reached", body = crate::error::ErrorBody)))]
pub async fn list(State(state): State<AppState>, OnSite(_, account): OnSite) -> ApiResult<axum::Json<DeviceList>> {
    let channel = state.gateways.channel(account.site_id)?;
    let infos = ConnectClient::new(channel.clone())
        .get_device_list(GetDeviceListRequest {})
        .await
        .map_err(|s| unavailable("Connect.GetDeviceList", &s))?
        .into_inner()
        .device_infos;
    let mut asked = tokio::task::JoinSet::new();
    for info in infos {
        asked.spawn(describe(channel.clone(), info));
    }
    let mut devices = asked.join_all().await;
    devices.sort_by_key(|d| d.id);
    Ok(axum::Json(DeviceList { devices }))
}

async fn describe(channel: Channel, info: DeviceInfo) -> DeviceView {
    let mut client = DeviceClient::new(channel);
    let id = info.device_id;
    let model = client.get_info(GetInfoRequest { device_id: id }).await.ok().and_then(|r| r.into_inner().info);
    let caps = client
        .get_capability_info(GetCapabilityInfoRequest { device_id: id })
        .await
        .ok()
        .and_then(|r| r.into_inner().cap_info);
    let kind = Type::try_from(info.r#type).map_or("UNKNOWN", |t| t.as_str_name());
    DeviceView {
        id,
        model: model.map(|m| m.model_name).filter(|m| !m.is_empty()).unwrap_or_else(|| kind.to_owned()),
        address: format!("{}:{}", info.ip_addr, info.port),
        connected: matches!(Status::try_from(info.status), Ok(Status::TcpConnected | Status::TlsConnected)),
        scans_cards: caps.as_ref().is_some_and(|c| c.card_supported),
        scans_fingerprints: caps.as_ref().is_some_and(|c| c.finger_supported),
        scans_faces: caps.as_ref().is_some_and(|c| c.face_supported),
    }
}
