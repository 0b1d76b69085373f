//! One bridged call: the rule, the site's devices, the domain checks, then the same method
//! on the site's gateway. The gateway's answer goes back as it came, its error details
//! (a Multi call's `MultiErrorResponse`) byte for byte.

use super::checks::Bridged;
use super::methods::Access;
use super::passthrough::{Answer, Inbound, Outbound};
use crate::audit::{self, Action, Entry};
use crate::auth::caller::Caller;
use crate::error::ApiError;
use crate::state::AppState;
use axum::http::StatusCode;
use std::sync::Arc;
use tonic::codegen::http::uri::PathAndQuery;
use tonic::codegen::{Bytes, http};
use tonic::{Code, Status};

pub type HttpRequest = http::Request<tonic::body::Body>;
pub type HttpResponse = http::Response<tonic::body::Body>;

/// Largest request message the bridge forwards (a batch of 1,000 records without faces
/// fits; larger batches belong to the sync).
pub const MAX_REQUEST_BYTES: usize = 4 << 20;
/// Largest answer it reads back (a device's full user list: 500,000 headers).
pub const MAX_RESPONSE_BYTES: usize = 32 << 20;

/// Who calls, as the edge identified them.
pub struct Call {
    pub state: AppState,
    pub caller: Option<Arc<Caller>>,
    pub source_ip: String,
}

pub async fn forward<Req: Bridged>(
    call: Arc<Call>,
    path: &'static str,
    access: Access,
    request: HttpRequest,
) -> HttpResponse {
    let service = tower::service_fn(move |request: tonic::Request<Req>| {
        let call = call.clone();
        async move { call.run::<Req>(path, access, request.into_inner()).await.map(tonic::Response::new) }
    });
    let mut grpc = tonic::server::Grpc::new(Inbound::<Req>::default())
        .apply_max_message_size_config(Some(MAX_REQUEST_BYTES), Some(MAX_RESPONSE_BYTES));
    grpc.unary(service, request).await
}

impl Call {
    async fn run<Req: Bridged>(&self, path: &'static str, access: Access, request: Req) -> Result<Answer, Status> {
        crate::authz::check(access.rule(), self.caller.as_deref()).map_err(refused)?;
        let (caller, site_id) = match self.caller.as_deref() {
            Some(c) => (c, c.site_id().ok_or_else(|| refused(crate::authz::choose_site()))?),
            None => return Err(refused(ApiError::unauthorized())),
        };
        self.check(site_id, &request).await?;
        let audit = (access == Access::Write).then(|| (request.devices().1, request.users()));
        let channel = self.state.gateways.channel(site_id).map_err(|e| Status::unavailable(e.message))?;
        let mut client = tonic::client::Grpc::new(channel).max_decoding_message_size(MAX_RESPONSE_BYTES);
        client.ready().await.map_err(|e| Status::unavailable(format!("the device gateway cannot be reached: {e}")))?;
        let answer = client
            .unary(tonic::Request::new(request), PathAndQuery::from_static(path), Outbound::<Req>::default())
            .await
            .map(tonic::Response::into_inner)
            // A fresh status keeps code, message and details, not the gateway's own headers.
            .map_err(|s| Status::with_details(s.code(), s.message(), Bytes::copy_from_slice(s.details())));
        if let Some((devices, users)) = audit {
            self.audit(caller, site_id, path, devices, users, answer.as_ref().err()).await;
        }
        answer
    }

    /// The devices named are this site's, and the request meets the rules of each.
    async fn check<Req: Bridged>(&self, site_id: i64, request: &Req) -> Result<(), Status> {
        request.check().map_err(|e| Status::invalid_argument(e.to_string()))?;
        let (field, devices) = request.devices();
        if devices.is_empty() {
            return Ok(());
        }
        let site = self.state.site_devices.get(&self.state.db, site_id).await.map_err(|e| {
            tracing::error!(error = %e, "bridge: reading the site's devices failed");
            Status::internal("the server could not read this site's devices")
        })?;
        for (i, id) in devices.iter().enumerate() {
            let at = if field == "deviceIDs" { format!("deviceIDs[{i}]") } else { field.to_owned() };
            let Some(rules) = site.get(id) else {
                return Err(Status::permission_denied(format!("{at}: {id} is not a device of this site")));
            };
            if let Some(rules) = rules {
                request.check_for(rules).map_err(|e| Status::invalid_argument(format!("{e} (on device {id})")))?;
            }
        }
        Ok(())
    }

    async fn audit(
        &self,
        caller: &Caller,
        site_id: i64,
        path: &str,
        devices: Vec<u32>,
        users: Vec<String>,
        error: Option<&Status>,
    ) {
        const SHOWN: usize = 100;
        let mut entry = Entry::new(Some(site_id), &caller.username, &self.source_ip, Action::DeviceCall)
            .target(path)
            .after(serde_json::json!({
                "devices": devices,
                "users": users.iter().take(SHOWN).collect::<Vec<_>>(),
                "user_count": users.len(),
                "code": format!("{:?}", error.map_or(Code::Ok, Status::code)),
            }));
        if error.is_some() {
            entry = entry.failed();
        }
        if let Err(e) = audit::record_alone(&self.state.db, self.state.clock.now(), entry).await {
            tracing::error!(error = %e, path, "a bridged write reached the gateway but its audit row failed");
        }
    }
}

/// The edge's refusal as a gRPC status: 401 is UNAUTHENTICATED, any other PERMISSION_DENIED.
pub fn refused(e: ApiError) -> Status {
    if e.status == StatusCode::UNAUTHORIZED {
        Status::unauthenticated(e.message)
    } else {
        Status::permission_denied(e.message)
    }
}
