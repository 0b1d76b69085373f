//! The gRPC-web bridge: browsers and scripts call the gateway's own methods
//! (`/gsdk.user.User/GetList`, …) at the server's origin. tonic-web turns grpc-web into
//! gRPC; each call then meets its rule in [`methods::TABLE`], the site check and the
//! domain rules before it is forwarded to the caller's site's gateway
//! ([`forward`]). The caller was identified by the edge (session cookie with the CSRF
//! header, or a bearer token), as for the REST API.

pub mod checks;
pub mod forward;
pub mod methods;
pub mod passthrough;
pub mod site_devices;

use crate::auth::caller::{Caller, SourceIp};
use crate::state::AppState;
use axum::extract::Request;
use axum::response::Response;
use forward::{Call, HttpRequest, HttpResponse};
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context, Poll};
use tonic::Status;
use tonic::codegen::BoxFuture;
use tower::{Layer, Service, ServiceExt};

/// The bridge answers every path of the gateway's packages, and every gRPC or grpc-web
/// request whatever its path (a method outside the table is refused, not a 404).
pub fn is_bridged(request: &Request) -> bool {
    let grpc = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/grpc"));
    grpc || request.uri().path().starts_with("/gsdk.")
}

pub async fn serve(state: AppState, request: Request) -> Response {
    let caller = request.extensions().get::<Option<Arc<Caller>>>().cloned().flatten();
    let source_ip = request.extensions().get::<SourceIp>().map_or_else(|| "unknown".into(), |s| s.0.clone());
    let service = tonic_web::GrpcWebLayer::new().layer(Dispatch(Arc::new(Call { state, caller, source_ip })));
    match service.oneshot(request).await {
        Ok(response) => response.map(axum::body::Body::new),
        Err(never) => match never {},
    }
}

/// Finds the method's forwarding; a method not in the table is refused.
#[derive(Clone)]
struct Dispatch(Arc<Call>);

impl Service<HttpRequest> for Dispatch {
    type Response = HttpResponse;
    type Error = Infallible;
    type Future = BoxFuture<HttpResponse, Infallible>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequest) -> Self::Future {
        let path = request.uri().path().to_owned();
        methods::dispatch(&path, self.0.clone(), request).unwrap_or_else(|| {
            let status = Status::permission_denied(format!("{path} is not a method the bridge forwards"));
            Box::pin(async move { Ok(status.into_http()) })
        })
    }
}
